/**
 * How much does watching cost? Steps an env in a tight loop (random actions, autoreset) three ways,
 * interleaved over several rounds — in this thread, or with `--workers N` as a WorkerVectorEnv of
 * N envs, one per worker thread, whose env 0 is relayed from its worker (`train --view --workers N`):
 *   bare     the env alone;
 *   attached wrapped by a LiveViewer with nobody connected;
 *   watched  a viewer client connected from another process, subscribed to episodes and camera frames
 *            (it reads and discards, as a browser would, competing for the same CPU).
 * Prints steps/s (median over rounds) and the overhead against bare, by wall clock and by CPU time
 * (the latter is what streaming costs this process; wall clock also counts the client's competition
 * for the same cores, and other load on the machine).
 *
 *   node dist/src/server/streamingBenchmark.js [--env PointNav-v0] [--steps 2000] [--rounds 3] [--workers 0] [--json]
 *
 * With workers, steps/s count env steps (N per vector step) and the CPU time is the whole
 * process's, workers included.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { make } from '../../envs/registry.js';
import type { Env, VectorEnv } from '../core/Env.js';
import { Rng } from '../core/Rng.js';
import { WorkerVectorEnv } from '../../envs/vector/WorkerVectorEnv.js';
import { streamerFor, type EpisodeStreamer } from '../stream/EpisodeStreamer.js';
import { LiveViewer } from './LiveViewer.js';
import { relayedEnv } from '../stream/relayWorker.js';
import { FRAME_KINDS, PROTOCOL_VERSION } from '../stream/protocol.js';

export interface StreamingBenchmarkResult {
  env: string;
  /** Worker threads (one env each; 0 = one env in this thread). */
  workers: number;
  /** Steps per round (vector steps with workers). */
  steps: number;
  rounds: number;
  /** Median steps/s per mode, by wall clock (sensitive to other load on the machine). */
  bare: number;
  attached: number;
  watched: number;
  /** 1 − mode/bare by wall clock, as a percentage. */
  attachedOverheadPercent: number;
  watchedOverheadPercent: number;
  /** The same by this process's CPU time: what streaming costs the training process itself. */
  attachedCpuOverheadPercent: number;
  watchedCpuOverheadPercent: number;
  /** Messages and frames the client received in the watched rounds. */
  clientMessages: number;
  clientFrames: number;
}

/** Steps/s by wall clock and by this process's CPU time (user + system, all threads). */
interface Rate {
  wall: number;
  cpu: number;
}

function run(env: Env, streamer: EpisodeStreamer | null, steps: number, rng: Rng): Rate {
  const n = env.actionSpace.type === 'discrete' ? env.actionSpace.n : 0;
  const first = env.reset({ seed: 1 });
  streamer?.onReset(first.obs, first.info);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    // Mostly forward, so episodes travel instead of spinning in place.
    const a = rng.random() < 0.6 ? 1 : rng.int(n);
    const r = env.step(a);
    streamer?.onStep(a, r);
    if (r.terminated || r.truncated) {
      const next = env.reset();
      streamer?.onReset(next.obs, next.info);
    }
  }
  const c = process.cpuUsage(c0);
  return { wall: steps / ((performance.now() - t0) / 1000), cpu: steps / ((c.user + c.system) / 1e6) };
}

/** The same loop over a vector env: every env takes its own random action (env steps/s). */
async function runVector(venv: VectorEnv, steps: number, rng: Rng): Promise<Rate> {
  const n = venv.singleActionSpace.type === 'discrete' ? venv.singleActionSpace.n : 0;
  const actions = new Int32Array(venv.numEnvs);
  await venv.reset({ seed: 1 });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    for (let e = 0; e < actions.length; e++) actions[e] = rng.random() < 0.6 ? 1 : rng.int(n);
    await venv.step(actions);
  }
  const c = process.cpuUsage(c0);
  const envSteps = steps * venv.numEnvs;
  return { wall: envSteps / ((performance.now() - t0) / 1000), cpu: envSteps / ((c.user + c.system) / 1e6) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * The watching client, run in a child process: subscribe to everything, count, discard. Also usable
 * against any robonav server, e.g. `robonav train --view`: `node streamingBenchmark.js --client ws://…/ws`.
 */
function runClient(url: string): void {
  const ws = new WebSocket(url);
  let messages = 0;
  let frames = 0;
  ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', version: PROTOCOL_VERSION, frames: FRAME_KINDS })));
  ws.on('message', (_data, isBinary) => {
    if (isBinary) frames += 1;
    else messages += 1;
    if (messages === 1) process.stdout.write('ready\n');
  });
  // Report the counts when told to stop, or when the server goes away (a finished training run).
  const report = (): void => {
    process.stdout.write(`${JSON.stringify({ messages, frames })}\n`);
    process.exit(0);
  };
  process.on('SIGTERM', report);
  ws.on('close', report);
}

/** Steps `steps` times without the viewer (bare) or with it (streamed), returning the rates. */
interface Modes {
  bare(steps: number, rng: Rng): Promise<Rate>;
  streamed(steps: number, rng: Rng): Promise<Rate>;
  close(): Promise<void>;
}

/** In this thread: one env instance for every mode (same seeds, actions, scene caches, trajectories). */
function inThreadModes(envId: string, viewer: LiveViewer): Modes {
  const env = make(envId);
  // run() calls the streamer's hooks itself, exactly as the Proxy of `viewer.observe(env)` would.
  const streamer = streamerFor(env, { task: envId });
  viewer.attach(streamer);
  return {
    bare: async (steps, rng) => run(env, null, steps, rng),
    streamed: async (steps, rng) => run(env, streamer, steps, rng),
    close: async () => env.close(),
  };
}

/** Worker threads: a plain WorkerVectorEnv for bare, a streaming one (env 0 relayed) for the rest; same seeds. */
async function workerModes(envId: string, workers: number, viewer: LiveViewer): Promise<Modes> {
  const plain = await WorkerVectorEnv.create(envId, { numEnvs: workers, numWorkers: workers });
  const streaming = await WorkerVectorEnv.create(envId, { numEnvs: workers, numWorkers: workers, wrapper: relayedEnv(0, { task: envId }) });
  const watched = viewer.observeWorkers(streaming);
  return {
    bare: (steps, rng) => runVector(plain, steps, rng),
    streamed: (steps, rng) => runVector(watched, steps, rng),
    close: async () => {
      await plain.close();
      await streaming.close();
    },
  };
}

export async function streamingBenchmark(envId: string, steps: number, rounds: number, workers = 0): Promise<StreamingBenchmarkResult> {
  const viewer = await LiveViewer.start({ port: 0, source: 'benchmark', task: envId });
  let modes: Modes;
  try {
    modes = workers > 0 ? await workerModes(envId, workers, viewer) : inThreadModes(envId, viewer);
  } catch (err) {
    await viewer.close();
    throw err;
  }
  const times = { bare: [] as Rate[], attached: [] as Rate[], watched: [] as Rate[] };
  let clientMessages = 0;
  let clientFrames = 0;
  try {
    // Warm-up: scene generation caches, JIT.
    await modes.bare(Math.min(200, steps), new Rng(0));
    await modes.streamed(Math.min(200, steps), new Rng(0));
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first: of two back-to-back runs the later is often slower when other processes share the cores.
      if (r % 2 === 0) {
        times.bare.push(await modes.bare(steps, new Rng(r)));
        times.attached.push(await modes.streamed(steps, new Rng(r)));
      } else {
        times.attached.push(await modes.streamed(steps, new Rng(r)));
        times.bare.push(await modes.bare(steps, new Rng(r)));
      }
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--client', `ws://127.0.0.1:${viewer.port}/ws`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (out.includes('ready')) {
            clearInterval(check);
            resolve();
          }
        }, 10);
        child.on('exit', (code) => reject(new Error(`benchmark client exited with ${code}`)));
      });
      // The env's first reset in run() sends the scene; give the subscription a moment to land.
      await new Promise((resolve) => setTimeout(resolve, 100));
      times.watched.push(await modes.streamed(steps, new Rng(r)));
      // Let the socket drain into the client before it reports.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
      const counts = JSON.parse(out.trim().split('\n').at(-1)!) as { messages: number; frames: number };
      clientMessages += counts.messages;
      clientFrames += counts.frames;
    }
  } finally {
    await viewer.close();
    await modes.close();
  }
  const wall = (xs: Rate[]): number => median(xs.map((x) => x.wall));
  const cpu = (xs: Rate[]): number => median(xs.map((x) => x.cpu));
  const b = wall(times.bare);
  const a = wall(times.attached);
  const w = wall(times.watched);
  return {
    env: envId,
    workers,
    steps,
    rounds,
    bare: b,
    attached: a,
    watched: w,
    attachedOverheadPercent: 100 * (1 - a / b),
    watchedOverheadPercent: 100 * (1 - w / b),
    attachedCpuOverheadPercent: 100 * (1 - cpu(times.attached) / cpu(times.bare)),
    watchedCpuOverheadPercent: 100 * (1 - cpu(times.watched) / cpu(times.bare)),
    clientMessages,
    clientFrames,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: 'PointNav-v0' },
      steps: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '3' },
      workers: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      client: { type: 'string' },
    },
  });
  if (values.client !== undefined) runClient(values.client);
  else {
    const r = await streamingBenchmark(values.env!, Number(values.steps), Number(values.rounds), Number(values.workers));
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(
        `${r.env}${r.workers > 0 ? ` in ${r.workers} worker threads (env 0 relayed)` : ''}, ${r.steps} steps × ${r.rounds} rounds, medians; overhead against bare by wall clock / by this process's CPU time:\n` +
          `  bare      ${r.bare.toFixed(0)} steps/s\n` +
          `  attached  ${r.attached.toFixed(0)} steps/s  (${r.attachedOverheadPercent.toFixed(1)}% / ${r.attachedCpuOverheadPercent.toFixed(1)}%; nobody watching)\n` +
          `  watched   ${r.watched.toFixed(0)} steps/s  (${r.watchedOverheadPercent.toFixed(1)}% / ${r.watchedCpuOverheadPercent.toFixed(1)}%; the client got ${r.clientMessages} messages and ${r.clientFrames} frames)\n`,
      );
    }
  }
}
