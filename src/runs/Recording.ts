/**
 * Replay files (`.rec`): the scene and every step of a few episodes, optionally with the agent's
 * camera frames, for `robonav view file.rec`.
 *
 * Layout (little-endian):
 *   0   8 bytes  magic "RNAVREC\n"
 *   8   u32      format version (RECORDING_VERSION)
 *   12  …        gzip of the body; gzip's CRC-32 and length trailer catch truncation and bit rot
 * Body, a sequence of length-prefixed sections (u32 byte count, then the bytes):
 *   header JSON  { source, task?, createdAt, actions, frames, episodes }
 *   per episode: meta JSON { scene, start, goals, goalLabel?, shortestPath, steps, discrete, actionSize, dynamicCount, metricKeys, frames, end }
 *                steps   float64 × steps × stride: x, z, yaw, action[actionSize], reward, return,
 *                        collided, dynamic[4 × dynamicCount], metrics[metricKeys] (NaN = absent)
 *                frames  for each recorded kind, (steps + 1) raw frames: the reset view, then one per step
 * Float64 keeps replayed numbers identical to the live ones; gzip makes the repetition cheap.
 * A body holds at most MAX_RECORDING_BYTES: the writer stops keeping episodes before that, and the
 * reader inflates no more than the gzip trailer announces (its last 4 bytes, the body's length), so
 * a small file cannot expand into gigabytes of memory.
 *
 * `RecordingWriter` is an EpisodeSink: attach it to an EpisodeStreamer and `save()` writes the file
 * atomically (temp file + rename). `Recording.read()` validates everything and throws a
 * `FileFormatError` naming the file and the first problem.
 */
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { FileFormatError, formatZodError } from '../core/errors.js';
import { SceneSpecSchema } from '../sim/SceneSpec.js';
import type { Env } from '../core/Env.js';
import { streamerFor, type EpisodeSink } from '../stream/EpisodeStreamer.js';
import { writeFileAtomicSync } from '../core/atomicWrite.js';
import {
  FRAME_KINDS,
  type EpisodeEndMessage,
  type Frame,
  type FrameHeader,
  type FrameKind,
  type PoseXZ,
  type SceneMessage,
  type StepMessage,
} from '../stream/protocol.js';

/** The format version of `.rec` files this robonav writes and reads. */
export const RECORDING_VERSION = 1;
const MAGIC = Buffer.from('RNAVREC\n', 'latin1');
const PREFIX_BYTES = 12;
/**
 * Most bytes a recording's body may hold once inflated (1 GiB): about 8000 frames of 128×128 RGB,
 * depth and semantic camera, far more than `--record` keeps in practice.
 */
export const MAX_RECORDING_BYTES = 2 ** 30;
/** Deflate grows incompressible data by well under 0.1 %: no valid recording is larger than this on disk. */
const MAX_FILE_BYTES = PREFIX_BYTES + MAX_RECORDING_BYTES + MAX_RECORDING_BYTES / 1024 + 1024;
/** A gzip stream is at least a 10-byte header, an empty deflate block and an 8-byte trailer. */
const MIN_GZIP_BYTES = 20;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const count = z.number().int().nonnegative();

const FrameInfoSchema = z
  .object({
    kind: z.enum(FRAME_KINDS),
    dtype: z.enum(['uint8', 'float32']),
    width: count.max(4096),
    height: count.max(4096),
    channels: count.max(16),
  })
  .strict();

const HeaderSchema = z
  .object({
    source: z.string(),
    task: z.string().optional(),
    createdAt: z.string(),
    actions: z.array(z.string()),
    frames: z.array(z.enum(FRAME_KINDS)),
    episodes: count,
  })
  .strict();

const MetaSchema = z
  .object({
    scene: SceneSpecSchema,
    start: z.object({ x: finite, z: finite, yaw: finite }).strict(),
    goals: z.array(z.tuple([finite, finite])),
    goalLabel: z.string().optional(),
    shortestPath: z.array(z.tuple([finite, finite])),
    steps: count,
    /** Discrete actions are stored as one number; continuous ones as actionSize numbers. */
    discrete: z.boolean(),
    actionSize: count.max(64),
    dynamicCount: count,
    metricKeys: z.array(z.string()).max(64),
    frames: z.array(FrameInfoSchema),
    end: z.object({ return: finite, terminated: z.boolean(), truncated: z.boolean(), metrics: z.record(z.string(), finite) }).strict(),
  })
  .strict();

/** The header of a `.rec` file: what was recorded (source, task, date), the action names, the camera channels kept and the episode count. */
export type RecordingHeader = z.infer<typeof HeaderSchema>;
type EpisodeMeta = z.infer<typeof MetaSchema>;
type FrameInfo = z.infer<typeof FrameInfoSchema>;

/** What a recording says about itself and how much it keeps. */
export interface RecordingWriterOptions {
  /** What was recorded (run name, env id), shown by the viewer. */
  source: string;
  task?: string;
  /** Discrete action names by index ([] for continuous). */
  actions?: string[];
  /** Camera channels to store (frames make files much larger). @default [] */
  frames?: readonly FrameKind[];
  /** Stop after this many complete episodes. @default Infinity */
  maxEpisodes?: number;
  /**
   * Stop keeping episodes before the body (uncompressed) would exceed this many bytes, so the file
   * stays readable. @default MAX_RECORDING_BYTES (also the most it may be)
   */
  maxBytes?: number;
}

/** A complete episode as it goes into the file: its meta, its steps, one byte run per kept frame channel. */
interface PackedEpisode {
  meta: EpisodeMeta;
  steps: Float64Array;
  frames: Uint8Array[];
}

interface EpisodeBuilder {
  scene: SceneMessage;
  steps: StepMessage[];
  frames: Map<FrameKind, { info: FrameInfo; chunks: Uint8Array[] }>;
}

/** Collects episodes from an EpisodeStreamer (as a sink) and writes a `.rec` file. */
export class RecordingWriter implements EpisodeSink {
  private readonly episodes: Array<PackedEpisode> = [];
  private current: EpisodeBuilder | null = null;
  private readonly frameKinds: readonly FrameKind[];
  private readonly maxEpisodes: number;
  private readonly maxBytes: number;
  /** Body bytes of the episodes kept so far (their sections, length prefixes included). */
  private episodeBytes = 0;
  /** Set when an episode did not fit under maxBytes: the writer then keeps no more. */
  private outOfRoom = false;

  constructor(private readonly options: RecordingWriterOptions) {
    this.frameKinds = options.frames ?? [];
    this.maxEpisodes = options.maxEpisodes ?? Infinity;
    this.maxBytes = options.maxBytes ?? MAX_RECORDING_BYTES;
    if (!(this.maxBytes <= MAX_RECORDING_BYTES))
      throw new RangeError(`RecordingWriter: maxBytes ${this.maxBytes} is more than a recording may hold (${MAX_RECORDING_BYTES})`);
  }

  /** Complete episodes collected so far. */
  get episodeCount(): number {
    return this.episodes.length;
  }

  /** True once `maxEpisodes` episodes are complete, or once an episode did not fit under `maxBytes`. */
  get full(): boolean {
    return this.episodes.length >= this.maxEpisodes || this.outOfRoom;
  }

  wantsEpisodes(): boolean {
    return !this.full;
  }

  wantsFrames(): readonly FrameKind[] {
    return this.current === null ? [] : this.frameKinds;
  }

  scene(message: SceneMessage): void {
    if (this.full) return;
    // An episode cut short (the env was reset before it ended) is discarded: replays hold whole episodes.
    this.current = { scene: message, steps: [], frames: new Map() };
  }

  step(message: StepMessage): void {
    this.current?.steps.push(message);
  }

  frame(header: FrameHeader, data: Uint8Array | Float32Array): void {
    const episode = this.current;
    if (episode === null) return;
    let entry = episode.frames.get(header.kind);
    if (entry === undefined) {
      // Frames must start at the reset view so that frame i belongs to step i.
      if (header.step !== 0) return;
      const { kind, dtype, width, height, channels } = header;
      entry = { info: { kind, dtype, width, height, channels }, chunks: [] };
      episode.frames.set(header.kind, entry);
    }
    if (header.step !== entry.chunks.length) return;
    entry.chunks.push(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }

  episodeEnd(message: EpisodeEndMessage): void {
    const episode = this.current;
    this.current = null;
    if (episode === null || this.full || episode.steps.length !== message.steps) return;
    const packed = packEpisode(episode, message);
    const bytes = episodeSize(packed);
    const header = this.headerSection(this.episodes.length + 1).byteLength;
    if (header + this.episodeBytes + bytes > this.maxBytes) {
      this.outOfRoom = true;
      return;
    }
    this.episodes.push(packed);
    this.episodeBytes += bytes;
  }

  /** Encode everything collected so far. */
  toBytes(): Buffer {
    const parts: Uint8Array[] = [this.headerSection(this.episodes.length), ...this.episodes.flatMap(episodeSections)];
    const prefix = Buffer.alloc(PREFIX_BYTES);
    MAGIC.copy(prefix, 0);
    prefix.writeUInt32LE(RECORDING_VERSION, 8);
    return Buffer.concat([prefix, gzipSync(Buffer.concat(parts))]);
  }

  /** Write the file atomically: a reader never sees half a recording. */
  save(path: string): void {
    writeFileAtomicSync(path, this.toBytes());
  }

  private headerSection(episodes: number): Buffer {
    const header: RecordingHeader = {
      source: this.options.source,
      ...(this.options.task !== undefined ? { task: this.options.task } : {}),
      createdAt: new Date().toISOString(),
      actions: this.options.actions ?? [],
      frames: [...this.frameKinds],
      episodes,
    };
    return section(Buffer.from(JSON.stringify(header)));
  }
}

/** The body sections of one episode: meta JSON, steps, then each kept frame channel. */
function episodeSections(episode: PackedEpisode): Buffer[] {
  const steps = new Uint8Array(episode.steps.buffer, episode.steps.byteOffset, episode.steps.byteLength);
  return [section(Buffer.from(JSON.stringify(episode.meta))), section(steps), ...episode.frames.map(section)];
}

/** The body bytes of one episode: its sections, 4-byte length prefixes included. */
function episodeSize(episode: PackedEpisode): number {
  const lengths = [Buffer.byteLength(JSON.stringify(episode.meta)), episode.steps.byteLength, ...episode.frames.map((f) => f.byteLength)];
  return lengths.reduce((n, length) => n + 4 + length, 0);
}

function section(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + bytes.byteLength);
  out.writeUInt32LE(bytes.byteLength, 0);
  out.set(bytes, 4);
  return out;
}

function packEpisode(episode: EpisodeBuilder, end: EpisodeEndMessage): PackedEpisode {
  const steps = episode.steps;
  const first = steps[0];
  const discrete = first === undefined || typeof first.action === 'number';
  const actionSize = first === undefined || typeof first.action === 'number' ? 1 : first.action.length;
  const dynamicCount = episode.scene.spec.dynamic.length;
  const keys = new Set<string>();
  for (const s of steps) for (const k of Object.keys(s.metrics)) keys.add(k);
  const metricKeys = [...keys];
  const stride = strideOf(actionSize, dynamicCount, metricKeys.length);
  const data = new Float64Array(steps.length * stride);
  steps.forEach((s, i) => {
    let o = i * stride;
    data[o++] = s.pose.x;
    data[o++] = s.pose.z;
    data[o++] = s.pose.yaw;
    if (typeof s.action === 'number') data[o++] = s.action;
    else for (let a = 0; a < actionSize; a++) data[o++] = s.action[a] ?? NaN;
    data[o++] = s.reward;
    data[o++] = s.return;
    data[o++] = s.collided ? 1 : 0;
    for (let d = 0; d < dynamicCount * 4; d++) data[o++] = s.dynamic[d] ?? NaN;
    for (const k of metricKeys) data[o++] = s.metrics[k] ?? NaN;
  });
  const frames: Uint8Array[] = [];
  const frameInfos: FrameInfo[] = [];
  for (const kind of FRAME_KINDS) {
    const entry = episode.frames.get(kind);
    // Keep a channel only when every view of the episode is there.
    if (entry === undefined || entry.chunks.length !== steps.length + 1) continue;
    frameInfos.push(entry.info);
    frames.push(Buffer.concat(entry.chunks));
  }
  const meta: EpisodeMeta = {
    scene: episode.scene.spec,
    start: episode.scene.start,
    goals: episode.scene.goals,
    ...(episode.scene.goalLabel !== undefined ? { goalLabel: episode.scene.goalLabel } : {}),
    shortestPath: episode.scene.shortestPath,
    steps: steps.length,
    discrete,
    actionSize,
    dynamicCount,
    metricKeys,
    frames: frameInfos,
    end: { return: end.return, terminated: end.terminated, truncated: end.truncated, metrics: end.metrics },
  };
  return { meta, steps: data, frames };
}

function strideOf(actionSize: number, dynamicCount: number, metricCount: number): number {
  return 3 + actionSize + 3 + dynamicCount * 4 + metricCount;
}

function frameBytes(info: FrameInfo): number {
  return info.width * info.height * info.channels * (info.dtype === 'uint8' ? 1 : 4);
}

/** One recorded episode, read back. Step i (1-based) and frame i (0 = the reset view). */
export class RecordedEpisode {
  private readonly stride: number;

  constructor(
    readonly index: number,
    private readonly meta: EpisodeMeta,
    private readonly data: Float64Array,
    private readonly frameData: Map<FrameKind, { info: FrameInfo; bytes: Uint8Array }>,
    private readonly task: string | undefined,
  ) {
    this.stride = strideOf(meta.actionSize, meta.dynamicCount, meta.metricKeys.length);
  }

  get steps(): number {
    return this.meta.steps;
  }

  get frameKinds(): FrameKind[] {
    return [...this.frameData.keys()];
  }

  /** The robot's pose when the episode started. */
  get start(): PoseXZ {
    return this.meta.start;
  }

  /** The episode's goal positions [x, z] (m): the goal point, or every instance of the goal category. */
  get goals(): ReadonlyArray<[number, number]> {
    return this.meta.goals;
  }

  /** The robot's pose after step i (0 = the start). */
  pose(i: number): PoseXZ {
    if (!Number.isInteger(i) || i < 0 || i > this.steps) throw new RangeError(`episode ${this.index} has poses 0..${this.steps}, not ${i}`);
    if (i === 0) return this.meta.start;
    const o = (i - 1) * this.stride;
    return { x: this.data[o]!, z: this.data[o + 1]!, yaw: this.data[o + 2]! };
  }

  /** The scene message of this episode; with `upToStep`, the trail of positions up to that step. */
  scene(upToStep = 0): SceneMessage {
    const trail: number[] = [this.meta.start.x, this.meta.start.z];
    const last = Math.min(upToStep, this.steps);
    for (let i = 1; i <= last; i++) trail.push(this.data[(i - 1) * this.stride]!, this.data[(i - 1) * this.stride + 1]!);
    const pose =
      last === 0
        ? this.meta.start
        : {
            x: this.data[(last - 1) * this.stride]!,
            z: this.data[(last - 1) * this.stride + 1]!,
            yaw: this.data[(last - 1) * this.stride + 2]!,
          };
    return {
      type: 'scene',
      episode: this.index,
      spec: this.meta.scene,
      ...(this.task !== undefined ? { task: this.task } : {}),
      start: this.meta.start,
      goals: this.meta.goals,
      ...(this.meta.goalLabel !== undefined ? { goalLabel: this.meta.goalLabel } : {}),
      shortestPath: this.meta.shortestPath,
      trail,
      pose,
    };
  }

  step(i: number): StepMessage {
    if (!Number.isInteger(i) || i < 1 || i > this.steps) throw new RangeError(`episode ${this.index} has steps 1..${this.steps}, not ${i}`);
    const { actionSize, dynamicCount, metricKeys } = this.meta;
    let o = (i - 1) * this.stride;
    const d = this.data;
    const pose = { x: d[o++]!, z: d[o++]!, yaw: d[o++]! };
    const action = this.meta.discrete ? d[o]! : Array.from(d.subarray(o, o + actionSize));
    o += this.meta.discrete ? 1 : actionSize;
    const reward = d[o++]!;
    const ret = d[o++]!;
    const collided = d[o++] === 1;
    const dynamic = Array.from(d.subarray(o, o + dynamicCount * 4));
    o += dynamicCount * 4;
    const metrics: Record<string, number> = {};
    for (const k of metricKeys) {
      const v = d[o++]!;
      if (!Number.isNaN(v)) metrics[k] = v;
    }
    return { type: 'step', episode: this.index, step: i, pose, dynamic, action, reward, return: ret, collided, metrics };
  }

  /** The frame of `kind` after step i (0 = the reset view), or null when not recorded. */
  frame(kind: FrameKind, i: number): Frame | null {
    const entry = this.frameData.get(kind);
    if (entry === undefined || i < 0 || i > this.steps) return null;
    const size = frameBytes(entry.info);
    // A copy into a fresh buffer (Buffer#slice would be a view into the whole file, at an unaligned offset).
    const raw = new Uint8Array(size);
    raw.set(entry.bytes.subarray(i * size, (i + 1) * size));
    const data = entry.info.dtype === 'uint8' ? raw : new Float32Array(raw.buffer, 0, raw.byteLength / 4);
    return { ...entry.info, episode: this.index, step: i, data };
  }

  end(): EpisodeEndMessage {
    const e = this.meta.end;
    return { type: 'episodeEnd', episode: this.index, steps: this.steps, ...e };
  }
}

/** A `.rec` file, read and validated. */
export class Recording {
  private constructor(
    readonly header: RecordingHeader,
    readonly episodes: RecordedEpisode[],
  ) {}

  /** Read a `.rec` file; throws FileFormatError(path, reason) for anything but a valid recording. */
  static read(path: string): Recording {
    let bytes: Buffer;
    try {
      const size = statSync(path).size;
      if (size > MAX_FILE_BYTES) throw new FileFormatError(path, `${size} bytes, more than any recording (at most ${MAX_FILE_BYTES})`);
      bytes = readFileSync(path);
    } catch (err) {
      if (err instanceof FileFormatError) throw err;
      throw new FileFormatError(path, `cannot read: ${(err as Error).message}`);
    }
    return Recording.fromBytes(bytes, path);
  }

  static fromBytes(bytes: Uint8Array, name = 'recording'): Recording {
    const fail = (detail: string): never => {
      throw new FileFormatError(name, detail);
    };
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.byteLength < PREFIX_BYTES || !buf.subarray(0, 8).equals(MAGIC)) fail('not a robonav recording (bad magic)');
    const version = buf.readUInt32LE(8);
    if (version !== RECORDING_VERSION) fail(`recording format version ${version}; this robonav reads version ${RECORDING_VERSION}`);
    const gzip = buf.subarray(PREFIX_BYTES);
    if (gzip.byteLength < MIN_GZIP_BYTES) fail(`corrupt or truncated: ${gzip.byteLength} bytes of gzip data`);
    // The trailer's length is checked by gunzip too, but only at the end: bound the output by it from the start.
    const announced = gzip.readUInt32LE(gzip.byteLength - 4);
    if (announced > MAX_RECORDING_BYTES)
      fail(
        `corrupt or truncated: its gzip trailer announces ${announced} bytes, more than the ${MAX_RECORDING_BYTES} a recording may hold`,
      );
    let body: Buffer;
    try {
      body = gunzipSync(gzip, { maxOutputLength: Math.max(announced, 1) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        return fail(`corrupt: inflates to more than the ${announced} bytes its gzip trailer announces`);
      return fail(`corrupt or truncated (${(err as Error).message})`);
    }
    let offset = 0;
    const next = (what: string): Buffer => {
      if (offset + 4 > body.byteLength) fail(`truncated before ${what}`);
      const length = body.readUInt32LE(offset);
      if (offset + 4 + length > body.byteLength) fail(`${what}: ${length} bytes announced, ${body.byteLength - offset - 4} left`);
      const out = body.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      return out;
    };
    const json = <T>(schema: z.ZodType<T>, what: string): T => {
      let raw: unknown;
      try {
        raw = JSON.parse(next(what).toString('utf8'));
      } catch (err) {
        if (err instanceof FileFormatError) throw err;
        return fail(`${what}: not valid JSON`);
      }
      const result = schema.safeParse(raw);
      if (!result.success) return fail(formatZodError(result.error, what));
      return result.data;
    };
    const header = json(HeaderSchema, 'header');
    const episodes: RecordedEpisode[] = [];
    for (let e = 0; e < header.episodes; e++) {
      const where = `episode ${e}`;
      const meta = json(MetaSchema, `${where} meta`);
      if (meta.dynamicCount !== meta.scene.dynamic.length)
        fail(`${where}: dynamicCount ${meta.dynamicCount} but the scene has ${meta.scene.dynamic.length} dynamic bodies`);
      const stepBytes = next(`${where} steps`);
      const stride = strideOf(meta.actionSize, meta.dynamicCount, meta.metricKeys.length);
      if (stepBytes.byteLength !== meta.steps * stride * 8)
        fail(`${where} steps: ${stepBytes.byteLength} bytes, expected ${meta.steps * stride * 8}`);
      // Copy into an aligned Float64Array (the section may start at any byte offset).
      const data = new Float64Array(meta.steps * stride);
      new Uint8Array(data.buffer).set(stepBytes);
      const frames = new Map<FrameKind, { info: FrameInfo; bytes: Uint8Array }>();
      for (const info of meta.frames) {
        const raw = next(`${where} ${info.kind} frames`);
        const expected = frameBytes(info) * (meta.steps + 1);
        if (raw.byteLength !== expected) fail(`${where} ${info.kind} frames: ${raw.byteLength} bytes, expected ${expected}`);
        frames.set(info.kind, { info, bytes: raw });
      }
      episodes.push(new RecordedEpisode(e, meta, data, frames, header.task));
    }
    if (offset !== body.byteLength) fail(`${body.byteLength - offset} unexpected bytes after the last episode`);
    return new Recording(header, episodes);
  }
}

/**
 * Record an env's episodes: returns the env to step instead (the same env behind a Proxy, see
 * `EpisodeStreamer.wrap`) and the writer; call `writer.save(path)` when done. For `--record N`,
 * pass `maxEpisodes: N`: later episodes cost nothing.
 */
export function attachRecorder<E extends Env>(env: E, options: RecordingWriterOptions): { env: E; writer: RecordingWriter } {
  const streamer = streamerFor(env, options.task !== undefined ? { task: options.task } : {});
  const writer = new RecordingWriter({ actions: streamer.actionNames, ...options });
  streamer.addSink(writer);
  return { env: streamer.wrap(env), writer };
}
