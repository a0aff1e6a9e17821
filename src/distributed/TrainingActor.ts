/**
 * The actor of a distributed training run (IMPALA / APPO's actor): it reads the run's spec the
 * learner wrote, builds the vector env and the actor-critic, waits for weights, then loops
 *
 *   collect T steps of its N envs with the `RolloutCollector` (observations rounded to what a chunk
 *   carries before the policy sees them) → one `TrajectoryChunk` per env → XADD … MAXLEN ~ to the
 *   run's chunk stream → take newer weights if the learner announced any
 *
 * and, in a `--sync` run, collects only rollouts the update still needs (claimed per publication
 * of the weights: `claimSyncRollout`), waiting for the next version once the update is covered.
 * Its number comes from an INCR on the run: actor k seeds its envs k·N further on and samples
 * actions from stream k, so actors differ, and actor 0 with the run's N envs reproduces the
 * in-process run. A heartbeat key with a TTL lets the learner count live actors.
 */
import { envResetSeed, RolloutCollector, samplingSeed } from '../../agents/common/RolloutCollector.js';
import { RolloutBuffer } from '../../agents/common/RolloutBuffer.js';
import { make } from '../../envs/registry.js';
import { SyncVectorEnv } from '../../envs/vector/SyncVectorEnv.js';
import { WorkerVectorEnv } from '../../envs/vector/WorkerVectorEnv.js';
import { OneHotObservation } from '../../envs/wrappers/OneHotObservation.js';
import type { BatchedObservation, VectorEnv } from '../core/Env.js';
import { Rng } from '../core/Rng.js';
import { allocateBatch, boxLeaves, batchLeaf } from '../core/batch.js';
import { type Box, type Discrete, type Space, spaceFromJSON, spacesEqual } from '../core/spaces.js';
import { ActorCritic, type ActorCriticConfig } from '../nn/ActorCritic.js';
import type { Broker } from './Broker.js';
import { encodeChunk, quantizeObservation, type TrajectoryChunk } from './chunk.js';
import {
  chunkBacklog,
  claimSyncRollout,
  HEARTBEAT_TTL_SECONDS,
  readWeights,
  type RunSpec,
  RunSpecSchema,
  runKeys,
  weightsStamp,
} from './trainingRun.js';

/** Options of `TrainingActor.run`. */
export interface TrainingActorOptions {
  broker: Broker;
  run: string;
  /** Envs of this actor (default: the run's N). */
  numEnvs?: number;
  /** Worker threads stepping the envs (0: the main thread). */
  workers?: number;
  /** Log lines (default: standard error). */
  log?: (line: string) => void;
  /** Stop between chunks once this returns true (SIGINT / SIGTERM). */
  stopped: () => boolean;
  /** Called between rollouts and while waiting (the actor's evaluation jobs, when it takes both); it must not block for long. */
  betweenRollouts?: () => Promise<void>;
}

/** What an actor did before it stopped. */
export interface TrainingActorSummary {
  actor: string;
  rollouts: number;
  chunks: number;
  bytes: number;
  /** The run was started again with other settings: join it afresh (the command does). */
  rejoin: boolean;
}

/** How often (ms) a waiting actor polls for the spec or new weights besides the pub/sub announcements. */
const POLL_MS = 250;

/** Run one actor until `stopped()`; resolves between rollouts. */
export async function runTrainingActor(options: TrainingActorOptions): Promise<TrainingActorSummary> {
  const { broker, run } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const keys = runKeys(run);
  const client = broker.client;

  const spec = await waitForSpec(broker, run, options.stopped, log);
  if (spec === null) return { actor: '', rollouts: 0, chunks: 0, bytes: 0, rejoin: false };
  const number = (await client.incr(keys.actors)) - 1;
  const actor = `actor-${number}`;
  const numEnvs = options.numEnvs ?? spec.config.numEnvs;
  const T = spec.config.numSteps;
  const seed = spec.config.seed;
  const observationSpace = spaceFromJSON(spec.observationSpace);
  const envs = await makeEnvs(spec, numEnvs, options.workers ?? 0);
  const alive = keys.alive(actor);
  let network: ActorCritic | null = null;
  let rollouts = 0;
  let chunks = 0;
  let bytes = 0;
  let collector: RolloutCollector | null = null;
  const heartbeat = setInterval(() => {
    client.set(alive, String(Date.now()), 'EX', HEARTBEAT_TTL_SECONDS).catch(() => undefined);
  }, 2000);
  const subscriber = broker.connection();
  const announcements = new Announcements();
  subscriber.on('message', () => announcements.wake());
  // While it waits for weights or for the learner to catch up, an actor that also evaluates takes jobs.
  const pause = async (): Promise<void> => {
    if (options.betweenRollouts) await options.betweenRollouts();
    await announcements.next(POLL_MS);
  };
  try {
    if (!spacesEqual(envs.singleObservationSpace, observationSpace))
      throw new Error(`${actor}: the env's observation space differs from the run's (different env version?)`);
    network = new ActorCritic(
      observationSpace,
      spaceFromJSON(spec.actionSpace) as Box | Discrete,
      spec.config.network as Partial<ActorCriticConfig>,
      new Rng(seed),
    );
    await subscriber.subscribe(keys.versions);
    await client.set(alive, String(Date.now()), 'EX', HEARTBEAT_TTL_SECONDS);
    const net = network;
    const stateSizes = net.core ? Array<number>(net.core.numStates).fill(net.core.size) : [];
    const buffer = new RolloutBuffer(T, numEnvs, observationSpace, net.dist.actionSize, stateSizes);
    collector = new RolloutCollector(envs, net, {
      samplingSeed: samplingSeed(seed, number),
      prepareObservation: (batch, count) => quantizeObservation(observationSpace, batch, count),
    });
    const split = new ChunkSplitter(observationSpace, buffer, stateSizes);
    log(`robonav actor: ${actor} joined run ${run} (${spec.env}, ${numEnvs} envs × ${T} steps${spec.sync ? ', sync' : ''})`);

    const first = await waitForWeights(broker, spec, net, null, options.stopped, pause);
    if (first === null) return { actor, rollouts: 0, chunks: 0, bytes: 0, rejoin: false };
    let held: Held = first;
    const resetSeed = (envResetSeed(seed, 1) + number * numEnvs) >>> 0;
    await collector.reset(resetSeed);
    while (!options.stopped()) {
      const next = spec.sync
        ? await waitForClaim(broker, spec, net, held, numEnvs, options.stopped, pause)
        : await waitForBacklog(broker, spec, net, held, options.stopped, pause);
      if (next === null) break;
      held = next;
      await collector.collect(buffer);
      const pipeline = client.pipeline();
      for (let n = 0; n < numEnvs; n++) {
        const chunk = split.chunk(n, collector, { run, actor, policyVersion: held.version, envSeed: resetSeed + n });
        const encoded = encodeChunk(chunk, observationSpace);
        bytes += encoded.length;
        pipeline.xadd(keys.chunks, 'MAXLEN', '~', String(spec.streamMaxLen), '*', 'chunk', encoded);
      }
      pipeline.set(alive, String(Date.now()), 'EX', HEARTBEAT_TTL_SECONDS);
      await pipeline.exec();
      rollouts++;
      chunks += numEnvs;
      if (options.betweenRollouts) await options.betweenRollouts();
      // Async: take whatever is newer, if anything (sync runs take weights with their next claim).
      if (!spec.sync) held = (await takeNewerWeights(broker, spec, net, held)) ?? held;
    }
    log(`robonav actor: ${actor} stopped after ${rollouts} rollouts (${chunks} chunks, ${(bytes / 1e6).toFixed(1)} MB)`);
    return { actor, rollouts, chunks, bytes, rejoin: false };
  } catch (err) {
    if (!(err instanceof RunChanged)) throw err;
    log(`robonav actor: ${actor}: run ${run} was started again with other settings; joining it afresh`);
    return { actor, rollouts, chunks, bytes, rejoin: true };
  } finally {
    clearInterval(heartbeat);
    await client.del(alive).catch(() => undefined);
    await subscriber.unsubscribe().catch(() => undefined);
    collector?.dispose();
    network?.dispose();
    await envs.close();
  }
}

/** The run's spec, polled until the learner writes it; null if stopped first. */
async function waitForSpec(broker: Broker, run: string, stopped: () => boolean, log: (line: string) => void): Promise<RunSpec | null> {
  let said = false;
  while (!stopped()) {
    const text = await broker.client.get(runKeys(run).spec);
    if (text !== null) {
      const parsed = RunSpecSchema.safeParse(JSON.parse(text));
      if (!parsed.success)
        throw new Error(`robonav actor: the spec of run ${run} is not one this actor reads (${parsed.error.issues[0]?.message})`);
      return parsed.data;
    }
    if (!said) log(`robonav actor: waiting for a learner to start run ${run}`);
    said = true;
    await sleep(POLL_MS);
  }
  return null;
}

/** The weights an actor acts with: their version (a chunk's policyVersion) and publication stamp. */
interface Held {
  version: number;
  stamp: string;
}

/** Wait until the run's weights are a publication other than `current`, and load them; null if stopped first. */
async function waitForWeights(
  broker: Broker,
  spec: RunSpec,
  network: ActorCritic,
  current: Held | null,
  stopped: () => boolean,
  pause: () => Promise<void>,
): Promise<Held | null> {
  while (!stopped()) {
    const next = await takeNewerWeights(broker, spec, network, current);
    if (next !== null && next !== current) return next;
    await pause();
  }
  return null;
}

/**
 * Sync runs: the weights to collect the next rollout with, once this actor holds a claim on
 * columns the learner's update still needs under them; waits for newer weights while every
 * column of the current ones is claimed. Null if stopped first.
 */
async function waitForClaim(
  broker: Broker,
  spec: RunSpec,
  network: ActorCritic,
  current: Held,
  numEnvs: number,
  stopped: () => boolean,
  pause: () => Promise<void>,
): Promise<Held | null> {
  let held = current;
  while (!stopped()) {
    held = (await takeNewerWeights(broker, spec, network, held)) ?? held;
    if (await claimSyncRollout(broker.client, spec.run, held.stamp, numEnvs, spec.config.numEnvs)) return held;
    const next = await waitForWeights(broker, spec, network, held, stopped, pause);
    if (next === null) return null;
    held = next;
  }
  return null;
}

/**
 * Wait while the learner has `maxBacklog` chunks or more still to read (taking newer weights
 * meanwhile); returns the weights in force, null if stopped first.
 */
async function waitForBacklog(
  broker: Broker,
  spec: RunSpec,
  network: ActorCritic,
  current: Held,
  stopped: () => boolean,
  pause: () => Promise<void>,
): Promise<Held | null> {
  let held = current;
  while (!stopped()) {
    held = (await takeNewerWeights(broker, spec, network, held)) ?? held;
    const backlog = await chunkBacklog(broker.client, spec.run);
    if (backlog === null || backlog < spec.maxBacklog) return held;
    await pause();
  }
  return null;
}

/**
 * Load the run's weights when they are another publication than `current` — whatever their
 * version: a restarted learner may publish an older version, or the same one again, and it is the
 * learner's now. Returns the weights in force (`current` itself when nothing changed).
 */
async function takeNewerWeights(broker: Broker, spec: RunSpec, network: ActorCritic, current: Held | null): Promise<Held | null> {
  const stamp = await weightsStamp(broker.client, spec.run);
  if (stamp === null || stamp === current?.stamp) return current;
  // A learner started afresh under the same name may train something else: rejoin then.
  const text = await broker.client.get(runKeys(spec.run).spec);
  if (text !== null && !sameRun(spec, JSON.parse(text) as unknown)) throw new RunChanged();
  const published = await readWeights(broker.client, spec.run);
  if (published === null || published.stamp === current?.stamp) return current;
  network.setWeights(published.weights);
  return { version: published.version, stamp: published.stamp };
}

/** The run's spec changed under the actor (a new learner with other settings). */
class RunChanged extends Error {}

/** Whether the spec now in Redis trains what the actor joined (env, options, agent config, spaces, mode). */
function sameRun(joined: RunSpec, now: unknown): boolean {
  const parsed = RunSpecSchema.safeParse(now);
  if (!parsed.success) return false;
  const key = (s: RunSpec): string => canonical([s.format, s.env, s.envOptions, s.config, s.observationSpace, s.actionSpace, s.sync]);
  return key(joined) === key(parsed.data);
}

/** JSON with every object's keys sorted, so that equal values compare equal as text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Wakes a waiting actor when the learner announces a version (or after a timeout: a missed message only delays it). */
class Announcements {
  private waiter: (() => void) | null = null;

  wake(): void {
    this.waiter?.();
  }

  next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.waiter = null;
        resolve();
      };
      timer = setTimeout(done, timeoutMs);
      this.waiter = done;
    });
  }
}

async function makeEnvs(spec: RunSpec, numEnvs: number, workers: number): Promise<VectorEnv> {
  if (workers === 0)
    return new SyncVectorEnv(
      OneHotObservation.wrapFactory(() => make(spec.env, spec.envOptions)),
      numEnvs,
    );
  return WorkerVectorEnv.create(spec.env, { numEnvs, numWorkers: workers, options: spec.envOptions });
}

/** Cuts a filled rollout buffer into one chunk per env, in arrays allocated once. */
class ChunkSplitter {
  private readonly leaves: Array<[string | null, Box]>;
  private readonly obs: BatchedObservation;
  private readonly T: number;
  private readonly N: number;
  private readonly actionSize: number;

  constructor(
    private readonly space: Space,
    private readonly buffer: RolloutBuffer,
    private readonly stateSizes: readonly number[],
  ) {
    this.leaves = boxLeaves(space);
    this.T = buffer.numSteps;
    this.N = buffer.numEnvs;
    this.actionSize = buffer.actionSize;
    this.obs = allocateBatch(space, this.T + 1);
  }

  /** Env n's chunk; its arrays are reused by the next call, so encode it before asking for another. */
  chunk(
    n: number,
    collector: RolloutCollector,
    id: { run: string; actor: string; policyVersion: number; envSeed: number },
  ): TrajectoryChunk {
    const { T, N, buffer, actionSize } = this;
    for (const [key, box] of this.leaves) {
      const dst = batchLeaf(this.obs, key);
      const src = batchLeaf(buffer.obs, key);
      for (let t = 0; t < T; t++) dst.set(src.subarray((t * N + n) * box.size, (t * N + n + 1) * box.size), t * box.size);
      dst.set(batchLeaf(buffer.lastObs, key).subarray(n * box.size, (n + 1) * box.size), T * box.size);
    }
    const column = <A extends Float32Array | Uint8Array>(src: A, out: A, width = 1): A => {
      for (let t = 0; t < T; t++) out.set(src.subarray((t * N + n) * width, (t * N + n + 1) * width), t * width);
      return out;
    };
    const starts = column(buffer.starts, new Uint8Array(T + 1));
    starts[T] = buffer.lastStarts[n]!;
    const values = column(buffer.values, new Float32Array(T + 1));
    values[T] = buffer.lastValues[n]!;
    const held = buffer.finals;
    const finals: number[] = []; // indices into buffer.finals of env n's truncations, in step order
    for (let k = 0; k < held.count; k++) if (held.rows[k]! % N === n) finals.push(k);
    const finalObs = allocateBatch(this.space, finals.length);
    for (const [key, box] of this.leaves) {
      const dst = batchLeaf(finalObs, key);
      finals.forEach((f, k) => {
        dst.set(batchLeaf(held.obs, key).subarray(f * box.size, (f + 1) * box.size), k * box.size);
      });
    }
    return {
      ...id,
      numSteps: T,
      obs: this.obs,
      starts,
      actions: column(buffer.actions, new Float32Array(T * actionSize), actionSize),
      rewards: column(buffer.rewards, new Float32Array(T)),
      terminated: column(buffer.terminated, new Uint8Array(T)),
      truncated: column(buffer.truncated, new Uint8Array(T)),
      logprobs: column(buffer.logprobs, new Float32Array(T)),
      values,
      finalObs,
      finalSteps: Int32Array.from(finals, (f) => Math.floor(held.rows[f]! / N)),
      finalValues: Float32Array.from(finals, (f) => buffer.finalValues[held.rows[f]!]!),
      initialState: this.stateSizes.map((h, k) => buffer.initialState[k]!.slice(n * h, (n + 1) * h)),
      episodes: collector.episodes.filter((e) => e.env === n).map((e) => ({ return: e.return, length: e.length, success: e.success })),
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
