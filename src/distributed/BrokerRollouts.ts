/**
 * The learner's rollout source: trajectory chunks from the run's stream instead of envs stepped in
 * this process, so that the learner is the same PPO class as a local run.
 *
 *   start        write the run's spec, create the consumer group, publish the weights (version = update count)
 *   collect      XREADGROUP until N chunks are accepted (its own pending entries first, after a restart):
 *                  decodeChunk against the run's shapes (a chunk that does not fit is rejected: reason logged, counted, acked)
 *                  lag = version − chunk version; async drops lag > K, sync drops anything but the current version (counted, acked)
 *                  chunk j fills column j of the rollout buffer
 *   afterUpdate  XACK the rollout's chunks, publish the new weights (version = update count)
 *
 * Async runs are off-policy (the agent computes V-trace targets, APPO); `--sync` runs take exactly
 * one rollout of the current version, which is plain PPO.
 */
import type { OnPolicyAgent, RolloutResult, RolloutSource } from '../../agents/common/OnPolicyAgent.js';
import type { EpisodeEnd } from '../../agents/common/RolloutCollector.js';
import { boxLeaves, batchLeaf } from '../core/batch.js';
import type { Box, Discrete, Space } from '../core/spaces.js';
import type { Broker } from './Broker.js';
import { ChunkError, type ChunkExpectation, decodeChunk, type TrajectoryChunk } from './chunk.js';
import { LEARNER_GROUP, publishWeights, type RunSpec, runKeys } from './trainingRun.js';

/** Options of a `BrokerRollouts`. */
export interface BrokerRolloutsOptions {
  broker: Broker;
  spec: RunSpec;
  observationSpace: Space;
  actionSpace: Box | Discrete;
  /** Drop chunks more than K versions older than the learner's weights (async runs). */
  maxPolicyLag: number;
  /** Log lines (rejected chunks); default standard error. */
  log?: (line: string) => void;
  /** Ms one XREADGROUP blocks before the learner checks again. */
  blockMs?: number;
}

/** A learner's totals since it started (the summary of `train --broker --json`). */
export interface LearnerTotals {
  rollouts: number;
  /** Chunks trained on. */
  chunks: number;
  /** Sum and maximum of their policy lags (versions). */
  lagSum: number;
  lagMax: number;
  /** Sum over rollouts of the live actors. */
  actors: number;
  /** Bytes read (chunks) and published (weights). */
  bytes: number;
  /** Seconds spent waiting for chunks. */
  waitSeconds: number;
  droppedChunks: number;
  rejectedChunks: number;
}

/** Trajectory chunks from Redis as the agent's rollouts. */
export class BrokerRollouts implements RolloutSource {
  readonly offPolicy: boolean;
  readonly numEnvs: number;
  readonly observationSpace: Space;
  readonly actionSpace: Box | Discrete;
  /** Totals since the learner started. */
  readonly totals: LearnerTotals = {
    rollouts: 0,
    chunks: 0,
    lagSum: 0,
    lagMax: 0,
    actors: 0,
    bytes: 0,
    waitSeconds: 0,
    droppedChunks: 0,
    rejectedChunks: 0,
  };

  private readonly keys: ReturnType<typeof runKeys>;
  private readonly reader: ReturnType<Broker['connection']>;
  private readonly log: (line: string) => void;
  private readonly blockMs: number;
  private stateSizes: number[] = [];
  private agent: OnPolicyAgent | null = null;
  /** Entry ids of the rollout being trained on, acknowledged after the update. */
  private toAck: string[] = [];
  /** Read the consumer's own pending entries (left by a learner that died) before new ones. */
  private pendingFirst = true;
  /** Where the next read of pending entries starts (after the last one read). */
  private pendingCursor = '0';
  /** Bytes through the broker (chunks read, weights published) since the last rollout. */
  private bytes = 0;
  private lastCollectEnd: number | null = null;

  constructor(private readonly options: BrokerRolloutsOptions) {
    this.offPolicy = !options.spec.sync;
    this.numEnvs = options.spec.config.numEnvs;
    this.observationSpace = options.observationSpace;
    this.actionSpace = options.actionSpace;
    this.keys = runKeys(options.spec.run);
    this.reader = options.broker.connection();
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.blockMs = options.blockMs ?? 1000;
  }

  attach(agent: OnPolicyAgent): void {
    this.agent = agent;
    const core = agent.network.core;
    this.stateSizes = core ? Array<number>(core.numStates).fill(core.size) : [];
  }

  /**
   * Open the run: a fresh one clears what a previous run of the same name left; both write the
   * spec, make sure the consumer group exists and publish the agent's weights (a resumed learner
   * re-publishes its checkpoint's, and re-reads the chunks it had taken but not acknowledged).
   */
  async start(agent: OnPolicyAgent, fresh: boolean): Promise<void> {
    if (fresh) await this.options.broker.client.del(this.keys.chunks, this.keys.weights, this.keys.actors);
    await this.open(agent);
  }

  /** Write the spec, make sure the chunk stream and its group exist, publish the agent's weights. */
  private async open(agent: OnPolicyAgent): Promise<void> {
    const client = this.options.broker.client;
    await client.set(this.keys.spec, JSON.stringify(this.options.spec));
    try {
      await client.xgroup('CREATE', this.keys.chunks, LEARNER_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    this.addBytes(await publishWeights(client, this.options.spec.run, agent.update, agent.network.getWeights()));
  }

  async collect(agent: OnPolicyAgent): Promise<RolloutResult> {
    const started = performance.now();
    let waiting = 0;
    const version = agent.update - 1; // the weights in force: published after update − 1
    const N = this.numEnvs;
    const T = agent.buffer.numSteps;
    const expect: ChunkExpectation = {
      run: this.options.spec.run,
      observationSpace: this.observationSpace,
      actionSize: agent.buffer.actionSize,
      numSteps: T,
      stateSizes: this.stateSizes,
      maxVersion: version,
    };
    const episodes: EpisodeEnd[] = [];
    const lags: number[] = [];
    let filled = 0;
    agent.buffer.finals.clear();
    const stale: string[] = [];
    while (filled < N) {
      const readStart = performance.now();
      const entries = await this.read(N - filled);
      waiting += performance.now() - readStart;
      for (const [id, bytes] of entries) {
        let chunk: TrajectoryChunk;
        try {
          if (bytes === null) throw new ChunkError('format', "the stream entry has no 'chunk' field");
          this.addBytes(bytes.length);
          chunk = decodeChunk(bytes, expect);
        } catch (err) {
          if (!(err instanceof ChunkError)) throw err;
          this.totals.rejectedChunks++;
          stale.push(id);
          this.log(`robonav train: stream entry ${id}: ${err.message}`);
          continue;
        }
        const lag = version - chunk.policyVersion;
        if (filled >= N || (this.offPolicy ? lag > this.options.maxPolicyLag : lag !== 0)) {
          this.totals.droppedChunks++;
          stale.push(id);
          continue;
        }
        this.fill(agent, filled, chunk);
        for (const e of chunk.episodes) episodes.push({ env: filled, ...e });
        lags.push(lag);
        this.toAck.push(id);
        filled++;
      }
      if (stale.length > 0) await this.options.broker.client.xack(this.keys.chunks, LEARNER_GROUP, ...stale.splice(0));
    }
    const end = performance.now();
    const period = end - (this.lastCollectEnd ?? started);
    this.lastCollectEnd = end;
    const bytesPerSecond = period > 0 ? (this.bytes * 1000) / period : 0;
    this.bytes = 0;
    const actors = await this.liveActors();
    const t = this.totals;
    t.rollouts++;
    t.chunks += lags.length;
    t.lagSum += lags.reduce((a, b) => a + b, 0);
    t.lagMax = Math.max(t.lagMax, ...lags);
    t.actors += actors;
    t.waitSeconds += waiting / 1000;
    return {
      steps: N * T,
      episodes,
      metrics: {
        actors,
        policyLag: lags.reduce((a, b) => a + b, 0) / lags.length,
        policyLagMax: Math.max(...lags),
        droppedChunks: this.totals.droppedChunks,
        rejectedChunks: this.totals.rejectedChunks,
        brokerBytesPerSecond: bytesPerSecond,
        learnerIdle: period > 0 ? Math.min(1, waiting / period) : 0,
      },
    };
  }

  async afterUpdate(agent: OnPolicyAgent): Promise<void> {
    const client = this.options.broker.client;
    if (this.toAck.length > 0) await client.xack(this.keys.chunks, LEARNER_GROUP, ...this.toAck.splice(0));
    this.addBytes(await publishWeights(client, this.options.spec.run, agent.update, agent.network.getWeights()));
  }

  private addBytes(bytes: number): void {
    this.bytes += bytes;
    this.totals.bytes += bytes;
  }

  samplingState(): null {
    return null;
  }

  restore(): void {
    this.pendingFirst = true;
    this.pendingCursor = '0';
  }

  /** Nothing to release: the broker closes its connections. */
  async close(): Promise<void> {}

  /** Up to `count` entries: the consumer's pending ones while there are any, then new ones (blocking). */
  private async read(count: number): Promise<Array<[string, Buffer | null]>> {
    const id = this.pendingFirst ? this.pendingCursor : '>';
    const block = this.pendingFirst ? [] : ['BLOCK', String(this.blockMs)];
    let reply: Array<[Buffer, Array<[Buffer, Buffer[] | null]>]> | null;
    try {
      reply = (await this.reader.callBuffer(
        'XREADGROUP',
        'GROUP',
        LEARNER_GROUP,
        LEARNER_GROUP,
        'COUNT',
        String(count),
        ...block,
        'STREAMS',
        this.keys.chunks,
        id,
      )) as typeof reply;
    } catch (err) {
      // Redis came back without its data (no persistence): the run's keys are gone with it.
      if (!String((err as Error).message).includes('NOGROUP') || this.agent === null) throw err;
      this.log('robonav train: the chunk stream is gone (Redis restarted without its data?); writing the spec and weights again');
      this.pendingFirst = false;
      await this.open(this.agent);
      return [];
    }
    const entries = reply?.[0]?.[1] ?? [];
    if (this.pendingFirst) {
      if (entries.length === 0) this.pendingFirst = false;
      else this.pendingCursor = entries[entries.length - 1]![0].toString();
    }
    const out: Array<[string, Buffer | null]> = [];
    for (const [entryId, fields] of entries) {
      const id = entryId.toString();
      // A pending entry that MAXLEN trimmed away comes back without fields: acknowledge it and move on.
      if (!fields) {
        await this.options.broker.client.xack(this.keys.chunks, LEARNER_GROUP, id);
        continue;
      }
      const at = fields.findIndex((f, i) => i % 2 === 0 && f.toString() === 'chunk');
      out.push([id, at < 0 ? null : fields[at + 1]!]);
    }
    return out;
  }

  /**
   * Copy chunk → column j of the agent's buffer: its steps, s_T (row T of its observations) and the
   * final observations of its truncations, which V-trace re-evaluates, with the behaviour's values
   * of both (GAE's bootstraps in a sync run).
   */
  private fill(agent: OnPolicyAgent, j: number, chunk: TrajectoryChunk): void {
    const b = agent.buffer;
    const N = this.numEnvs;
    const T = b.numSteps;
    const a = b.actionSize;
    for (const [key, box] of boxLeaves(this.observationSpace)) {
      const dst = batchLeaf(b.obs, key);
      const src = batchLeaf(chunk.obs, key);
      for (let t = 0; t < T; t++) dst.set(src.subarray(t * box.size, (t + 1) * box.size), (t * N + j) * box.size);
      batchLeaf(b.lastObs, key).set(src.subarray(T * box.size, (T + 1) * box.size), j * box.size);
    }
    b.lastStarts[j] = chunk.starts[T]!;
    for (let t = 0; t < T; t++) {
      const i = t * N + j;
      b.starts[i] = chunk.starts[t]!;
      for (let k = 0; k < a; k++) b.actions[i * a + k] = chunk.actions[t * a + k]!;
      b.rewards[i] = chunk.rewards[t]!;
      b.terminated[i] = chunk.terminated[t]!;
      b.truncated[i] = chunk.truncated[t]!;
      b.logprobs[i] = chunk.logprobs[t]!;
      b.values[i] = chunk.values[t]!;
      b.finalValues[i] = 0;
    }
    chunk.finalSteps.forEach((t, k) => {
      b.finalValues[t * N + j] = chunk.finalValues[k]!;
      b.finals.push(t * N + j, chunk.finalObs, k);
    });
    b.lastValues[j] = chunk.values[T]!;
    this.stateSizes.forEach((h, k) => {
      b.initialState[k]!.set(chunk.initialState[k]!, j * h);
    });
  }

  /** Actors whose heartbeat key is alive. */
  private async liveActors(): Promise<number> {
    const client = this.options.broker.client;
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', this.keys.alivePattern, 'COUNT', 100);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  }
}
