/**
 * Training callbacks (Stable-Baselines3's `BaseCallback`): objects passed to `learn()` that see
 * the run start, every update and the end, instead of hooks spread through a training script.
 * Checkpoints (`src/runs/`), periodic evaluation (`src/eval/`) and the live viewer
 * (`src/server/`) are callbacks of their own layers; the ones here need nothing but the agent.
 *
 *   const ppo = new PPO(() => make('PointNav-Easy-v0'));
 *   await ppo.learn(100_000, { callbacks: [new ProgressBarCallback(), { onUpdate: (r) => console.log(r.step, r.success) }] });
 */
import cliProgress from 'cli-progress';

/** One JSON-able figure of a metrics record (null where there is nothing to report yet, e.g. no episode ended). */
export type MetricValue = number | string | null;

/** A metrics record: one line of `metrics.jsonl`. */
export type MetricRecord = Record<string, MetricValue>;

/** What `learn()` reports after every update: losses, SPS, episode statistics, `step` and `update`. */
export type UpdateRecord = MetricRecord & { step: number; update: number };

/** The part of an agent a callback may read (kept structural so this file needs no agent import). */
export interface TrainingProgress {
  /** Env steps taken so far (all envs together). */
  readonly globalStep: number;
  /** Updates done so far. */
  readonly update: number;
  /** The step budget of the running `learn()` call. */
  readonly totalSteps: number;
}

/** Whether training goes on after an update. */
export type CallbackResult = void | 'stop';

/**
 * Every method is optional. `learn()` awaits each in the order the callbacks were given; the first
 * `'stop'` from `onUpdate` ends training after that update (the others still see it).
 */
export interface TrainingCallback {
  /** Before the first rollout of `learn()`. */
  onTrainingStart?(agent: TrainingProgress): void | Promise<void>;
  /** After every update, with its record. */
  onUpdate?(record: UpdateRecord, agent: TrainingProgress): CallbackResult | Promise<CallbackResult>;
  /** When `learn()` finishes, by budget or by a `'stop'` (not when an update throws). */
  onTrainingEnd?(last: UpdateRecord | null, agent: TrainingProgress): void | Promise<void>;
}

/** Run `onUpdate` of every callback; 'stop' when any of them says so. */
export async function runUpdateCallbacks(
  callbacks: readonly TrainingCallback[],
  record: UpdateRecord,
  agent: TrainingProgress,
): Promise<CallbackResult> {
  let stop = false;
  for (const callback of callbacks) if ((await callback.onUpdate?.(record, agent)) === 'stop') stop = true;
  return stop ? 'stop' : undefined;
}

/**
 * A live progress bar (cli-progress) on standard error: steps, SPS, mean episode return, success
 * and ETA. It draws only on a terminal; in CI and pipes `metrics.jsonl` is the record.
 */
export class ProgressBarCallback implements TrainingCallback {
  private bar: cliProgress.SingleBar | null = null;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  onTrainingStart(agent: TrainingProgress): void {
    if (this.stream.isTTY !== true) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: 'train |{bar}| {value}/{total} steps | {sps} SPS | return {ret} | success {success} | ETA {eta_formatted}',
        stream: this.stream,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(agent.totalSteps, agent.globalStep, { sps: '-', ret: '-', success: '-' });
  }

  onUpdate(record: UpdateRecord): void {
    this.bar?.update(record.step, {
      sps: typeof record.sps === 'number' ? Math.round(record.sps) : '-',
      ret: typeof record.episodeReturn === 'number' ? record.episodeReturn.toFixed(2) : '-',
      success: typeof record.success === 'number' ? record.success.toFixed(2) : '-',
    });
  }

  onTrainingEnd(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** Where `StopOnSignal` listens (`process`, or an emitter standing in for it in tests). */
export interface SignalSource {
  on(signal: 'SIGINT', listener: () => void): unknown;
  removeListener(signal: 'SIGINT', listener: () => void): unknown;
}

/** The signal source and messages of `StopOnSignal` (a test passes a fake process). */
export interface StopOnSignalOptions {
  /** Written to standard error at the first Ctrl-C. @default 'stopping after this update (Ctrl-C again to abort)' */
  notice?: string;
  /** @default process */
  source?: SignalSource;
  /** Ends the process at the second Ctrl-C, with exit code 130 (128 + SIGINT). @default process.exit */
  abort?: (code: number) => void;
}

/**
 * Ctrl-C (SIGINT) as a clean stop: the first one ends training after the current update (so the
 * callbacks after it still checkpoint and evaluate at the end), the second aborts at once with
 * exit code 130. It listens from the start of training to its end; `dispose()` also removes the
 * listener, for a `learn()` that threw.
 */
export class StopOnSignal implements TrainingCallback {
  /** Whether a Ctrl-C stopped (or will stop) training. */
  stopped = false;
  private listening = false;
  private readonly source: SignalSource;

  constructor(private readonly options: StopOnSignalOptions = {}) {
    this.source = options.source ?? process;
  }

  onTrainingStart(): void {
    if (this.listening) return;
    this.source.on('SIGINT', this.onSignal);
    this.listening = true;
  }

  async onUpdate(): Promise<CallbackResult> {
    // A rollout of in-process envs awaits only settled promises, so a signal would wait for the
    // next file write: one turn of the event loop per update lets a Ctrl-C land here.
    await new Promise((resolve) => setImmediate(resolve));
    return this.stopped ? 'stop' : undefined;
  }

  onTrainingEnd(): void {
    this.dispose();
  }

  /** Stop listening (idempotent). */
  dispose(): void {
    if (!this.listening) return;
    this.source.removeListener('SIGINT', this.onSignal);
    this.listening = false;
  }

  private readonly onSignal = (): void => {
    if (this.stopped) {
      (this.options.abort ?? process.exit)(130);
      return;
    }
    this.stopped = true;
    process.stderr.write(`\n${this.options.notice ?? 'stopping after this update (Ctrl-C again to abort)'}\n`);
  };
}
