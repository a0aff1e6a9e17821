/**
 * Simulation throughput: FULL env steps per second (physics + task + sensors), the figure that
 * bounds how fast an agent can collect experience. One thread steps a single env in a loop; more
 * threads step a WorkerVectorEnv with `envsPerWorker` envs in each worker thread, so the figure
 * includes the cross-thread synchronisation a training run pays.
 *
 * Actions are a seeded mix of MOVE_FORWARD (60 %) and turns (20 % each), never STOP, so the robot
 * keeps moving, colliding and seeing new views; finished episodes reset (their cost is included).
 */
import type { Env } from '../../core/Env.js';
import { Rng } from '../../core/Rng.js';
import { UsageError } from '../../core/errors.js';
import { WorkerVectorEnv } from '../../../envs/vector/WorkerVectorEnv.js';
import { make } from '../../../envs/registry.js';
import { DiscreteAction } from '../../sim/PhysicsWorld.js';

export const SIM_SENSOR_SETS = ['depth', 'rgbd', 'rgbds'] as const;
export type SimSensorSet = (typeof SIM_SENSOR_SETS)[number];

export interface SimBenchConfig {
  /** Registry id of the env to step. */
  env: string;
  /** Camera width = height (pixels). */
  size: number;
  /** depth; rgb + depth; rgb + depth + semantic. */
  sensors: SimSensorSet;
  /** 1: one env on the main thread; n > 1: a WorkerVectorEnv over n worker threads. */
  threads: number;
  /** Leave the camera out (physics + task only), to see what rendering costs. */
  noCamera: boolean;
  /** Timed env steps (summed over all envs). */
  steps: number;
  /** Untimed env steps first (JIT warm-up, scene generation). */
  warmup: number;
  /** Envs per worker thread (threads > 1): more envs amortise each synchronisation. */
  envsPerWorker: number;
  /** Seed of the envs and the action stream. */
  seed: number;
}

export const DEFAULT_SIM_BENCH: SimBenchConfig = {
  env: 'PointNav-v0',
  size: 64,
  sensors: 'rgbd',
  threads: 1,
  noCamera: false,
  steps: 20000,
  warmup: 2000,
  envsPerWorker: 4,
  seed: 0,
};

export interface SimBenchResult {
  /** Full env steps per second (wall clock), summed over envs. */
  stepsPerSec: number;
  size: number;
  sensors: SimSensorSet;
  threads: number;
  env: string;
  noCamera: boolean;
  steps: number;
  /** Wall-clock seconds of the timed part. */
  seconds: number;
}

/** Env options for a sensor set: the camera sensors plus the PointNav goal vector. */
export function simEnvOptions(c: Pick<SimBenchConfig, 'size' | 'sensors' | 'noCamera'>): Record<string, unknown> {
  const camera = c.noCamera
    ? []
    : c.sensors === 'depth'
      ? ['depth']
      : c.sensors === 'rgbd'
        ? ['rgb', 'depth']
        : ['rgb', 'depth', 'semantic'];
  return { sensors: [...camera, 'pointgoal'], cameraSize: c.size };
}

/** The seeded action mix: 60 % forward, 20 % left, 20 % right. */
function nextAction(rng: Rng): number {
  const u = rng.random();
  return u < 0.6 ? DiscreteAction.MOVE_FORWARD : u < 0.8 ? DiscreteAction.TURN_LEFT : DiscreteAction.TURN_RIGHT;
}

export async function runSimBench(config: Partial<SimBenchConfig> = {}): Promise<SimBenchResult> {
  const c: SimBenchConfig = { ...DEFAULT_SIM_BENCH, ...config };
  if (!Number.isInteger(c.threads) || c.threads < 1) throw new UsageError(`threads: expected an integer >= 1, got ${c.threads}`);
  if (!(SIM_SENSOR_SETS as readonly string[]).includes(c.sensors))
    throw new UsageError(`sensors: expected one of ${SIM_SENSOR_SETS.join(', ')}, got ${c.sensors}`);
  const options = simEnvOptions(c);
  const rng = new Rng(c.seed);
  const seconds = c.threads === 1 ? timeSingle(make(c.env, options), c, rng) : await timeWorkers(c, options, rng);
  return {
    stepsPerSec: Math.round(c.steps / seconds),
    size: c.size,
    sensors: c.sensors,
    threads: c.threads,
    env: c.env,
    noCamera: c.noCamera,
    steps: c.steps,
    seconds: Number(seconds.toFixed(3)),
  };
}

/** Seconds for `steps` steps of one env on this thread. */
function timeSingle(env: Env, c: SimBenchConfig, rng: Rng): number {
  try {
    env.reset({ seed: c.seed });
    const run = (steps: number): void => {
      for (let i = 0; i < steps; i++) {
        const r = env.step(nextAction(rng));
        if (r.terminated || r.truncated) env.reset();
      }
    };
    run(c.warmup);
    const t0 = performance.now();
    run(c.steps);
    return (performance.now() - t0) / 1000;
  } finally {
    env.close();
  }
}

/** Seconds for `steps` env steps (summed over envs) of a WorkerVectorEnv over `threads` workers. */
async function timeWorkers(c: SimBenchConfig, options: Record<string, unknown>, rng: Rng): Promise<number> {
  const numEnvs = c.threads * c.envsPerWorker;
  const venv = await WorkerVectorEnv.create(c.env, { numEnvs, numWorkers: c.threads, options });
  try {
    await venv.reset({ seed: c.seed });
    const actions = new Int32Array(numEnvs);
    const run = async (steps: number): Promise<void> => {
      for (let i = 0; i < Math.ceil(steps / numEnvs); i++) {
        for (let k = 0; k < numEnvs; k++) actions[k] = nextAction(rng);
        await venv.step(actions);
      }
    };
    await run(c.warmup);
    const t0 = performance.now();
    await run(c.steps);
    // Whole batches were timed: count what actually ran.
    const ran = Math.ceil(c.steps / numEnvs) * numEnvs;
    return ((performance.now() - t0) / 1000) * (c.steps / ran);
  } finally {
    await venv.close();
  }
}
