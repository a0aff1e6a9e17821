/**
 * Your own env, checked, trained with PPO and evaluated: a complete program to copy.
 *
 * GridReach-v0: a robot on a 5 × 5 grid of 1 m cells must reach a goal cell. It observes the goal's
 * offset from itself and moves one cell per step. The env declares its spaces, honours the Env
 * contract (seeded resets, terminated vs truncated, bad actions refused) and passes `checkEnv`; it
 * draws fixed episodes for the splits and reports the navigation metrics in its final info, so
 * `evaluate` scores it like any robonav task.
 *
 *   npx tsx examples/train-custom-env.ts [--steps 20000] [--episodes 100] [--out runs/grid-reach]
 *
 * | observation | space              | meaning                              | unit |
 * |-------------|--------------------|--------------------------------------|------|
 * | 0, 1        | Box(−4, 4, [2])    | goal − robot position along x and z  | m    |
 *
 * Actions: Discrete(4) = +x, −x, +z, −z (one cell; into the border the robot stays and it counts as
 * a collision). Rewards: −0.01 per step, +1 on reaching the goal, which ends the episode; the
 * registry truncates at 20 steps.
 */
import { parseArgs } from 'node:util';
import {
  Box,
  Discrete,
  type Env,
  EnvStateError,
  type EpisodeSpec,
  evaluate,
  fixedEpisodes,
  initBackend,
  loadPolicy,
  make,
  MetricsWriter,
  PPO,
  ProgressBarCallback,
  type ResetArgs,
  type ResetResult,
  registerEnv,
  Rng,
  type StepResult,
  SpaceError,
  saveCheckpoint,
  type TrainingCallback,
  checkEnv,
} from 'robonav';
import { softSpl, spl } from 'robonav/envs';

const SIZE = 5; // cells per side
const CELL = 1; // m
const MOVES: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

class GridReach implements Env<Float32Array, number> {
  readonly observationSpace = new Box(-(SIZE - 1) * CELL, (SIZE - 1) * CELL, [2]);
  readonly actionSpace = new Discrete(MOVES.length);
  private readonly rng = new Rng(0);
  private readonly obs = new Float32Array(2);
  private pos: [number, number] = [0, 0];
  private goal: [number, number] = [0, 0];
  private startDistance = 0;
  private steps = 0;
  private moved = 0;
  private collisions = 0;
  private running = false;

  constructor(private readonly maxEpisodeSteps: number) {}

  /** One episode in grid cells; `sceneSeed` is unused (the grid is the same in every split). */
  sampleEpisodeInScene(sceneSeed: number, rng: Rng): EpisodeSpec {
    const start: [number, number] = [rng.int(SIZE), rng.int(SIZE)];
    let goal: [number, number];
    do {
      goal = [rng.int(SIZE), rng.int(SIZE)];
    } while (goal[0] === start[0] && goal[1] === start[1]);
    const shortest = (Math.abs(goal[0] - start[0]) + Math.abs(goal[1] - start[1])) * CELL;
    return { sceneSeed, start: { position: start, yaw: 0 }, goal, geodesicDistance: shortest };
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (args.seed !== undefined) this.rng.reseed(args.seed);
    // A fixed episode (evaluation) or a fresh one drawn from the env's own stream (training).
    const episode = (args.options?.episode as EpisodeSpec | undefined) ?? this.sampleEpisodeInScene(0, this.rng);
    this.pos = [episode.start.position[0], episode.start.position[1]];
    this.goal = [episode.goal![0], episode.goal![1]];
    this.startDistance = this.distance();
    this.steps = this.moved = this.collisions = 0;
    this.running = true;
    return { obs: this.observe(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.running) throw new EnvStateError('GridReach: step() before reset() or after the episode ended');
    const reason = this.actionSpace.explain(action);
    if (reason !== null) throw new SpaceError(`GridReach: action ${String(action)} is not in ${this.actionSpace}: ${reason}`);
    const [dx, dz] = MOVES[action]!;
    const x = this.pos[0] + dx;
    const z = this.pos[1] + dz;
    if (x < 0 || x >= SIZE || z < 0 || z >= SIZE) this.collisions++;
    else {
      this.pos = [x, z];
      this.moved++;
    }
    this.steps++;
    const success = this.distance() === 0;
    const truncated = !success && this.steps >= this.maxEpisodeSteps;
    this.running = !success && !truncated;
    return {
      obs: this.observe(),
      reward: success ? 1 : -0.01,
      terminated: success,
      truncated,
      info: this.running ? {} : this.metrics(success),
    };
  }

  close(): void {}

  private distance(): number {
    return (Math.abs(this.goal[0] - this.pos[0]) + Math.abs(this.goal[1] - this.pos[1])) * CELL;
  }

  private observe(): Float32Array {
    this.obs[0] = (this.goal[0] - this.pos[0]) * CELL;
    this.obs[1] = (this.goal[1] - this.pos[1]) * CELL;
    return this.obs;
  }

  /** What `evaluate` reads from an episode's final info (see NavMetrics in robonav/envs). */
  private metrics(success: boolean): Record<string, number> {
    const pathLength = this.moved * CELL;
    return {
      success: success ? 1 : 0,
      spl: spl(success, this.startDistance, pathLength),
      softSpl: softSpl(this.startDistance, this.distance(), this.startDistance, pathLength),
      distanceToGoal: this.distance(),
      pathLength,
      collisions: this.collisions,
      steps: this.steps,
    };
  }
}

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '20000' },
    episodes: { type: 'string', default: '100' },
    out: { type: 'string', default: 'runs/grid-reach' },
  },
});
const steps = Number(args.steps);
const episodes = Number(args.episodes);

// Register once, then make it by id like a built-in task; check it before training on it.
registerEnv('GridReach-v0', {
  description: 'reach a goal cell on a 5×5 grid; observes the goal offset (m)',
  maxEpisodeSteps: 20,
  create: (options) => new GridReach(options.maxEpisodeSteps),
});
checkEnv(() => make('GridReach-v0'));
console.log('GridReach-v0 passes checkEnv');

await initBackend();
const ppo = new PPO(() => make('GridReach-v0'), { numEnvs: 8, numSteps: 64, learningRate: 1e-3, numMinibatches: 4, seed: 1 });
// Callbacks see every update: a progress bar (on a terminal), metrics.jsonl, a log line and an early stop.
const logAndStop: TrainingCallback = {
  onUpdate: (record) => {
    const success = typeof record.success === 'number' ? record.success : 0;
    if (record.update % 5 === 0) console.log(`step ${record.step}: success ${success.toFixed(2)} over the last 100 episodes`);
    return success >= 0.99 ? 'stop' : undefined;
  },
};
const last = await ppo.learn(steps, { callbacks: [new ProgressBarCallback(), new MetricsWriter(args.out), logAndStop] });
await saveCheckpoint(args.out, ppo, { env: 'GridReach-v0' });
await ppo.close();
console.log(`trained ${last?.step ?? 0} steps, saved to ${args.out}`);

// Evaluate the saved policy on the test split's fixed episodes, with 95% bootstrap intervals.
const env = make('GridReach-v0');
const policy = await loadPolicy(args.out, { env, seed: 0 });
const { episodes: test } = fixedEpisodes('GridReach-v0', env, { split: 'test', count: episodes });
const { summary } = await evaluate(env, policy, test);
const figure = (key: 'success' | 'spl'): string => {
  const [low, high] = summary.ci95[key];
  return `${summary[key].toFixed(2)} [${low.toFixed(2)}, ${high.toFixed(2)}]`;
};
console.log(`test, ${summary.episodes} episodes: success ${figure('success')}, SPL ${figure('spl')}`);
policy.dispose?.();
env.close();
