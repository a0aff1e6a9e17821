/**
 * Pacer: the exported page's clock. The policy waits on `tick(turn)` before each action: at a set
 * number of steps per second, or, at full speed, only long enough every ~30 ms for the page to
 * draw and take input. `interrupt(true)` hands the robot to the person and `released()` waits
 * until it is handed back. An episode runs in one `turn()` of the policy's: once the person has
 * taken over, `tick` and `check` throw `PacerInterrupted` for that turn, even when the robot is
 * already back, so an episode the person stepped in is never carried on as if it were the policy's.
 */

/** Thrown by `tick(turn)` and `check(turn)` when the person has taken over the robot during that turn. */
export class PacerInterrupted extends Error {
  constructor() {
    super('the person took over the robot');
    this.name = 'PacerInterrupted';
  }
}

/** Work between two yields to the browser at full speed (ms). */
const MAX_BUSY_MS = 30;

export class Pacer {
  /** Steps per second; Infinity = as fast as the page can. */
  private speed = 20;
  private lastYield = performance.now();
  private taken = false;
  private takeovers = 0;
  private waiters: Array<() => void> = [];

  /** Whether the person holds the robot. */
  get interrupted(): boolean {
    return this.taken;
  }

  /** Steps per second (Infinity: full speed). */
  setSpeed(stepsPerSecond: number): void {
    this.speed = stepsPerSecond;
  }

  /** Take the robot (true) or hand it back (false). */
  interrupt(taken: boolean): void {
    if (taken && !this.taken) this.takeovers += 1;
    this.taken = taken;
    if (!taken) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when the robot is the policy's (at once if it is). */
  released(): Promise<void> {
    return this.taken ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }

  /** The policy's turn with the robot that starts now (call it once the robot is released). */
  turn(): number {
    return this.takeovers;
  }

  /** @throws PacerInterrupted when the person has taken over during `turn` (or holds the robot now). */
  check(turn: number): void {
    if (this.taken || this.takeovers !== turn) throw new PacerInterrupted();
  }

  /** Wait for the next step's time. @throws PacerInterrupted when the person has taken over during `turn`. */
  async tick(turn: number): Promise<void> {
    this.check(turn);
    const now = performance.now();
    if (Number.isFinite(this.speed)) await sleep(1000 / this.speed);
    else if (now - this.lastYield >= MAX_BUSY_MS) await sleep(0);
    else return;
    this.lastYield = performance.now();
    this.check(turn);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
