import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VectorEnv, VectorStepResult } from '../../../src/core/Env.js';
import { EnvStateError, SpaceError, UsageError } from '../../../src/core/errors.js';
import { Box, Dict, Discrete } from '../../../src/core/spaces.js';
import { Rng } from '../../../src/core/Rng.js';
import { SyncVectorEnv } from '../../../envs/vector/SyncVectorEnv.js';
import { WorkerVectorEnv } from '../../../envs/vector/WorkerVectorEnv.js';
import { make, registerEnv } from '../../../envs/registry.js';
import { relayedEnv } from '../../../src/stream/relayWorker.js';
import { ROOT } from '../../helpers/cli.js';

/**
 * A seeded toy env with a Dict observation. Its class is defined from the space/Rng/error classes it
 * is given, so one source serves both threads: here it is built from the source modules (for
 * SyncVectorEnv), and a temporary module builds it from the compiled ones in dist/ and registers it
 * in the workers.
 * Episodes last 1–5 steps drawn from the env's seeded stream; obs = { pos: [t, episode], img: 4 bytes };
 * reward = action · 0.5 + a seeded float; `explodeAt` throws a plain Error at that step, `exitAt`
 * ends the thread running the env (as a crash would), and `hangAt: { seed, step }` blocks the
 * thread of the env last reset with that seed for good at that step (as an endless loop would).
 */
const TOY_SOURCE = `
export function defineToy({ Box, Dict, Discrete, Rng, SpaceError, EnvStateError }) {
  return class ToyEnv {
  constructor(options) {
    this.options = options;
    this.observationSpace = new Dict({ pos: new Box(0, 1000, [2]), img: new Box(0, 255, [4], 'uint8') });
    this.actionSpace = new Discrete(3);
    this.obs = { pos: new Float32Array(2), img: new Uint8Array(4) };
    this.rng = new Rng(0);
    this.episode = -1;
    this.t = 0;
    this.length = 0;
    this.done = true;
    this.total = 0;
    this.seed = null;
  }
  reset(args = {}) {
    if (args.seed !== undefined) {
      this.rng.reseed(args.seed);
      this.seed = args.seed;
    }
    this.episode++;
    this.t = 0;
    this.length = 1 + this.rng.int(5);
    this.done = false;
    this.write();
    return { obs: this.obs, info: { length: this.length } };
  }
  write() {
    this.obs.pos[0] = this.t;
    this.obs.pos[1] = this.episode;
    for (let k = 0; k < 4; k++) this.obs.img[k] = this.rng.int(256);
  }
  step(action) {
    const why = this.actionSpace.explain(action);
    if (why !== null) throw new SpaceError(this.actionSpace.toString() + ': ' + why);
    if (this.done) throw new EnvStateError('step after the end');
    this.total++;
    if (this.options.explodeAt === this.total) throw new Error('exploded at step ' + this.total);
    if (this.options.exitAt === this.total) process.exit(3);
    const hang = this.options.hangAt;
    if (hang && hang.seed === this.seed && hang.step === this.total) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    this.t++;
    this.write();
    const truncated = this.t >= this.length;
    this.done = truncated;
    return { obs: this.obs, reward: action * 0.5 + this.rng.random(), terminated: false, truncated, info: { t: this.t, big: this.options.bigInfo ? new Float32Array(100000) : null } };
  }
  close() {}
  };
}
`;
/**
 * A worker env wrapper (see WorkerEnvWrapper): adds options.bonus to every reward, counts the
 * commands it sees in control word 0 and posts each reward on its port.
 */
const WRAPPER_SOURCE = `
export function wrapWorkerEnv(env, { options, control, port, id }) {
  const wrapped = {
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    reset: (args) => env.reset(args),
    step: (action) => {
      const result = env.step(action);
      port.postMessage({ id, reward: result.reward });
      return { ...result, reward: result.reward + options.bonus };
    },
    close: () => env.close(),
  };
  return { env: wrapped, beforeCommand: () => Atomics.add(control, 0, 1) };
}
`;
const WORKER_SOURCE = (dist: (p: string) => string): string => `
import { registerEnv } from '${dist('envs/registry.js')}';
import { Box, Dict, Discrete } from '${dist('src/core/spaces.js')}';
import { Rng } from '${dist('src/core/Rng.js')}';
import { SpaceError, EnvStateError } from '${dist('src/core/errors.js')}';
import { defineToy } from './toy-class.mjs';
const ToyEnv = defineToy({ Box, Dict, Discrete, Rng, SpaceError, EnvStateError });
registerEnv('Toy-v0', { description: 'toy', maxEpisodeSteps: 5, create: (o) => new ToyEnv(o) });
`;

const root = ROOT;
const dist = (p: string): string => pathToFileURL(join(root, 'dist', p)).href;
let dir: string;
let toyModule: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'robonav-wvenv-'));
  toyModule = join(dir, 'toy.mjs');
  writeFileSync(join(dir, 'wrapper.mjs'), WRAPPER_SOURCE);
  writeFileSync(join(dir, 'toy-class.mjs'), TOY_SOURCE);
  writeFileSync(toyModule, WORKER_SOURCE(dist));
  const { defineToy } = (await import(pathToFileURL(join(dir, 'toy-class.mjs')).href)) as {
    defineToy: (classes: object) => new (o: Record<string, unknown>) => never;
  };
  const ToyEnv = defineToy({ Box, Dict, Discrete, Rng, SpaceError, EnvStateError });
  registerEnv('Toy-v0', { description: 'toy', maxEpisodeSteps: 5, create: (o) => new ToyEnv(o) });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function snapshot(r: VectorStepResult): unknown {
  const obs = r.obs as Record<string, Float32Array | Uint8Array>;
  return {
    pos: Array.from(obs.pos!),
    img: Array.from(obs.img!),
    rewards: Array.from(r.rewards),
    terminated: Array.from(r.terminated),
    truncated: Array.from(r.truncated),
    infos: r.infos.map((info) => ({
      ...info,
      finalObs: info.finalObs
        ? {
            pos: Array.from((info.finalObs as Record<string, Float32Array>).pos!),
            img: Array.from((info.finalObs as Record<string, Uint8Array>).img!),
          }
        : undefined,
    })),
  };
}

async function rollout(venv: VectorEnv, steps: number): Promise<unknown[]> {
  const rng = new Rng(7);
  const reset = await venv.reset({ seed: 100 });
  const out: unknown[] = [{ pos: Array.from((reset.obs as Record<string, Float32Array>).pos!), infos: reset.infos }];
  const actions = new Int32Array(venv.numEnvs);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < actions.length; i++) actions[i] = rng.int(3);
    out.push(snapshot(await venv.step(actions)));
  }
  return out;
}

describe('WorkerVectorEnv', () => {
  it('gives bit-for-bit the same obs, rewards, flags and infos as SyncVectorEnv over many autoresets', async () => {
    const sync = new SyncVectorEnv(() => make('Toy-v0'), 5);
    const workers = await WorkerVectorEnv.create('Toy-v0', { numEnvs: 5, numWorkers: 2, modules: [toyModule] });
    try {
      expect(workers.numWorkers).toBe(2);
      expect(workers.singleObservationSpace.toJSON()).toEqual(sync.singleObservationSpace.toJSON());
      const a = await rollout(sync, 60);
      const b = await rollout(workers, 60);
      // 60 steps of 1–5-step episodes: every env autoreset many times.
      expect(b).toEqual(a);
      // Keep going without a seed: both continue the same streams.
      const actions = new Int32Array([0, 1, 2, 1, 0]);
      expect(snapshot(await workers.step(actions))).toEqual(snapshot(await sync.step(actions)));
    } finally {
      await workers.close();
      await sync.close();
    }
  });

  it('autoresets on the same step: the slot holds the next episode, finalObs/finalInfo the last one', async () => {
    const venv = await WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, numWorkers: 1, modules: [toyModule] });
    try {
      await venv.reset({ seed: 3 });
      let ended = false;
      for (let t = 0; t < 10 && !ended; t++) {
        const r = await venv.step(new Int32Array([1, 1]));
        const i = r.truncated.indexOf(1);
        if (i < 0) continue;
        ended = true;
        const obs = r.obs as Record<string, Float32Array>;
        const final = r.infos[i]!.finalObs as Record<string, Float32Array>;
        const finalInfo = r.infos[i]!.finalInfo as { t: number };
        expect(obs.pos![i * 2]).toBe(0); // t = 0 of the new episode
        expect(final.pos![0]).toBe(finalInfo.t); // the finished episode's last t
        expect(final.pos![1]).toBe(obs.pos![i * 2 + 1]! - 1); // one episode earlier
        expect(r.infos[i]!.length).toBeGreaterThanOrEqual(1); // the new episode's reset info
      }
      expect(ended).toBe(true);
    } finally {
      await venv.close();
    }
  });

  it('rejects with the original error class and message when a worker env throws, and can be closed after', async () => {
    const venv = await WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, numWorkers: 2, modules: [toyModule], options: { explodeAt: 4 } });
    try {
      await venv.reset({ seed: 0 });
      await expect(venv.step(new Int32Array([0, 7]))).rejects.toThrow(SpaceError);
      await expect(venv.step(new Int32Array([0, 7]))).rejects.toThrow(/outside \{0, …, 2\}/);
      // Env 0 stepped in both failed calls (it runs before env 1): this is its 3rd step, the next its 4th.
      await venv.step(new Int32Array([0, 0]));
      await expect(venv.step(new Int32Array([0, 0]))).rejects.toThrow('exploded at step 4');
    } finally {
      await venv.close();
    }
    await expect(venv.step(new Int32Array([0, 0]))).rejects.toThrow(/after close/);
  });

  it('rejects the step in progress and every later one when a worker thread dies', async () => {
    const venv = await WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, numWorkers: 2, modules: [toyModule], options: { exitAt: 3 } });
    try {
      await venv.reset({ seed: 0 });
      await venv.step(new Int32Array([0, 0]));
      await venv.step(new Int32Array([0, 0]));
      await expect(venv.step(new Int32Array([0, 0]))).rejects.toThrow(/worker [01] exited \(code 3\)/);
      await expect(venv.step(new Int32Array([0, 0]))).rejects.toThrow(/worker [01] exited \(code 3\)/);
    } finally {
      await venv.close();
    }
  });

  it('gives up after stepTimeoutMs on a worker whose env never returns: the step rejects naming it, later calls too, and close() ends the workers', async () => {
    // Reset with seed 10, env 1 (worker 0, with env 0) gets seed 11 and blocks at its 2nd step.
    const venv = await WorkerVectorEnv.create('Toy-v0', {
      numEnvs: 4,
      numWorkers: 2,
      modules: [toyModule],
      options: { hangAt: { seed: 11, step: 2 } },
      stepTimeoutMs: 200,
    });
    const actions = new Int32Array([0, 1, 2, 0]);
    try {
      await venv.reset({ seed: 10 });
      await venv.step(actions);
      const message = /^WorkerVectorEnv: step did not finish within 200 ms \(stepTimeoutMs\) in worker 0 \(envs 0–1 of Toy-v0\); /;
      await expect(venv.step(actions)).rejects.toThrow(message);
      await expect(venv.step(actions)).rejects.toThrow(message);
      await expect(venv.reset()).rejects.toThrow(message);
    } finally {
      await venv.close();
    }
    await expect(venv.step(actions)).rejects.toThrow(/after close/);
  });

  it('keeps the heap flat over many steps (waiting on a worker leaves nothing behind)', async () => {
    // Racing each wait against a never-settling "worker died" promise leaked ≈ 270 bytes per step
    // and worker (≈ 11 MB here); measured after full collections.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heapUsed = (): number => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const venv = await WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, numWorkers: 2, modules: [toyModule] });
    try {
      await venv.reset({ seed: 0 });
      const actions = new Int32Array([1, 2]);
      for (let t = 0; t < 1000; t++) await venv.step(actions);
      const before = heapUsed();
      for (let t = 0; t < 20000; t++) await venv.step(actions);
      expect(heapUsed() - before).toBeLessThan(2e6);
    } finally {
      await venv.close();
    }
  });

  it('carries infos larger than the shared message area', async () => {
    const venv = await WorkerVectorEnv.create('Toy-v0', {
      numEnvs: 2,
      numWorkers: 1,
      modules: [toyModule],
      options: { bigInfo: true },
      messageBytes: 4096,
    });
    try {
      await venv.reset({ seed: 0 });
      const r = await venv.step(new Int32Array([1, 2]));
      expect((r.infos[1]!.big as Float32Array).length).toBe(100000);
    } finally {
      await venv.close();
    }
  });

  it('fails clearly on an unknown id, bad sizes and wrong action counts', async () => {
    await expect(WorkerVectorEnv.create('Nope-v0', { numEnvs: 1 })).rejects.toThrow(UsageError);
    await expect(WorkerVectorEnv.create('Nope-v0', { numEnvs: 1 })).rejects.toThrow(/unknown env "Nope-v0"; known envs: .*/);
    await expect(WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, numWorkers: 3 })).rejects.toThrow(/numWorkers/);
    await expect(WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, stepTimeoutMs: -1 })).rejects.toThrow(
      /stepTimeoutMs must be an integer in \[0, 2147483647\] \(0 = no limit\), got -1/,
    );
    await expect(WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, wrapper: { env: 2, module: 'file:///x.js' } })).rejects.toThrow(
      /wrapper\.env must be an env index in \[0, 1\], got 2/,
    );
    // Only an env with a scene can be streamed to the viewer; the worker says so when it wraps it.
    const streamed = WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, numWorkers: 2, modules: [toyModule], wrapper: relayedEnv(1) });
    await expect(streamed).rejects.toThrow(UsageError);
    await expect(streamed).rejects.toThrow(/Toy-v0 cannot be viewed/);
    const venv = await WorkerVectorEnv.create('Toy-v0', { numEnvs: 2, numWorkers: 1, modules: [toyModule] });
    try {
      await venv.reset();
      await expect(venv.step(new Int32Array(3))).rejects.toThrow(/expected 2 action values/);
    } finally {
      await venv.close();
    }
  });

  it('wraps one env inside its worker with a wrapper module, which talks to the main thread over its channel', async () => {
    const options = { numEnvs: 3, numWorkers: 2, modules: [toyModule] };
    const plain = await WorkerVectorEnv.create('Toy-v0', options);
    const wrapped = await WorkerVectorEnv.create('Toy-v0', {
      ...options,
      wrapper: { env: 2, module: pathToFileURL(join(dir, 'wrapper.mjs')).href, controlWords: 1, options: { bonus: 10 } },
    });
    try {
      expect(plain.wrapperChannel).toBeNull();
      const channel = wrapped.wrapperChannel!;
      expect(channel.env).toBe(2);
      const posted: Array<{ id: string; reward: number }> = [];
      channel.port.on('message', (m: { id: string; reward: number }) => posted.push(m));
      await plain.reset({ seed: 4 });
      await wrapped.reset({ seed: 4 });
      const actions = new Int32Array([1, 2, 0]);
      const a = await plain.step(actions);
      const b = await wrapped.step(actions);
      expect(Array.from(b.rewards.subarray(0, 2))).toEqual(Array.from(a.rewards.subarray(0, 2)));
      expect(b.rewards[2]).toBeCloseTo(a.rewards[2]! + 10, 5);
      // beforeCommand ran before the reset and the step.
      expect(Atomics.load(channel.control, 0)).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(posted).toHaveLength(1);
      expect(posted[0]!.id).toBe('Toy-v0');
      expect(posted[0]!.reward).toBeCloseTo(a.rewards[2]!, 5);
    } finally {
      await plain.close();
      await wrapped.close();
    }
  });
});
