/**
 * Trajectory chunks: what an actor sends the learner — one env's T consecutive steps under one
 * policy version — and the binary codec for them. The receiver is a trust boundary (any process
 * that can write to the broker can send bytes), so `decodeChunk` checks every length, count, flag
 * and float against what the learner expects, and throws a `ChunkError` with a short `reason` code
 * for the first problem; the learner logs and counts it, and nothing crashes.
 *
 * Layout (little-endian; every section starts at a multiple of 4 bytes, padded with zeros):
 *   0   8 bytes  magic "RNAVCHNK"
 *   8   u32      format version (CHUNK_FORMAT_VERSION)
 *   12  u32      header byte count H (at most MAX_HEADER_BYTES)
 *   16  H bytes  header JSON { run, actor, policyVersion, envSeed, numSteps, actionSize, numFinal,
 *                stateSizes, leaves, episodes }, then zero padding to a multiple of 4
 * then the binary sections, with T = numSteps, K = numFinal (the truncated steps), A = actionSize:
 *   obs          per observation leaf (space key order), (T + 1) rows in the leaf's encoding
 *   starts       u8  × (T + 1)
 *   terminated   u8  × T
 *   truncated    u8  × T
 *   actions      f32 × T·A
 *   rewards      f32 × T
 *   logprobs     f32 × T
 *   values       f32 × (T + 1)
 *   finalSteps   i32 × K
 *   finalValues  f32 × K
 *   finalObs     per observation leaf, K rows in the leaf's encoding
 *   initialState per state tensor i, f32 × stateSizes[i]
 *
 * Leaf encodings (`leaves` in the header lists them as "key:encoding:size", key "" for a bare Box):
 *   u8    a uint8 Box, as its bytes
 *   mm16  a float32 image Box ([H, W, C]) bounded in [0, 65.535] — depth in metres — as uint16
 *         millimetres, round(1000·v) clamped to [0, 65535]; half the bytes of float32, and 1 mm is
 *         far below the sensor noise the envs model
 *   f32   any other float32 Box, as its float32 bits
 * `quantizeObservation` rounds an actor's batch in place to exactly the values the learner decodes,
 * so the actor's policy acts on what the learner trains on: decode(encode(x)) is bit-identical to x
 * once x is quantised, and quantising is idempotent.
 *
 * Rejections (`ChunkError.reason`):
 *   length   the byte count is not the one the header and the expectation imply
 *   magic    not a chunk
 *   format   a format version this robonav does not read (0, or above CHUNK_FORMAT_VERSION)
 *   header   the header is too long, not UTF-8 JSON, or a field has the wrong type
 *   run      another run's chunk
 *   version  the policy version is not an integer in [0, maxVersion]
 *   shape    numSteps, actionSize, stateSizes or numFinal differ from the expectation
 *   space    the observation leaves differ from the expected space's
 *   nan      a float (observation, action, reward, log-prob, value, state) is NaN or infinite
 *   flag     a starts / terminated / truncated byte is not 0 or 1, or a step is both terminated and truncated
 *   starts   starts[t + 1] is not 1 exactly where step t ended an episode (same-step autoreset)
 *   final    finalSteps are not the truncated steps in increasing order
 *   episodes not one well-formed entry ({ return: finite, length: integer ≥ 1, success: null or
 *            in [0, 1] }) per episode end (the sender lists them in the order they ended)
 */
import { endianness } from 'node:os';
import { z } from 'zod';
import type { BatchedObservation } from '../core/Env.js';
import { allocateBatch, boxLeaves, batchLeaf } from '../core/batch.js';
import type { Box, Space } from '../core/spaces.js';

/** One env's T consecutive steps under one policy version, as an actor sends them. */
export interface TrajectoryChunk {
  /** The run name. */
  run: string;
  /** The actor's id. */
  actor: string;
  /** The weights version the actions were chosen with. */
  policyVersion: number;
  /** The env's reset seed in force (reproduction, debugging). */
  envSeed: number;
  /** T. */
  numSteps: number;
  /** T + 1 rows s_0 … s_T (s_T only bootstraps), leaves in the space's dtypes. */
  obs: BatchedObservation;
  /** [T + 1] 1 where s_t begins an episode. */
  starts: Uint8Array;
  /** [T·actionSize] actions a_t (Discrete: the index as a float). */
  actions: Float32Array;
  /** [T] r_t. */
  rewards: Float32Array;
  /** [T] 1 where step t ended the episode by termination. */
  terminated: Uint8Array;
  /** [T] 1 where step t ended the episode by truncation and not termination. */
  truncated: Uint8Array;
  /** [T] log μ(a_t | s_t) of the behaviour policy. */
  logprobs: Float32Array;
  /** [T + 1] V_μ(s_t); the last is V_μ(s_T). */
  values: Float32Array;
  /** K rows: the final observation of each truncated step. */
  finalObs: BatchedObservation;
  /** [K] the truncated steps' indices t, increasing. */
  finalSteps: Int32Array;
  /** [K] V_μ(final observation). */
  finalValues: Float32Array;
  /** Recurrent state before s_0, one [H] array per state tensor (empty without a core). */
  initialState: Float32Array[];
  /** The episodes that ended in this chunk, in the order they ended. */
  episodes: ChunkEpisode[];
}

/** An episode that ended inside a chunk: its undiscounted return, its length in steps, and its success (null where the task has none). */
export interface ChunkEpisode {
  return: number;
  length: number;
  success: number | null;
}

/** What the receiver expects; a chunk that does not fit is rejected. */
export interface ChunkExpectation {
  run: string;
  observationSpace: Space;
  actionSize: number;
  numSteps: number;
  stateSizes: number[];
  /** The newest policy version a chunk may carry (the learner's current one). */
  maxVersion: number;
}

/** The short codes a `ChunkError` carries; the header comment of chunk.ts says what each means. */
export type ChunkRejection =
  | 'length'
  | 'magic'
  | 'format'
  | 'header'
  | 'run'
  | 'version'
  | 'shape'
  | 'space'
  | 'nan'
  | 'flag'
  | 'starts'
  | 'final'
  | 'episodes';

/** Longest detail a ChunkError message keeps (characters). */
const MAX_DETAIL_LENGTH = 300;

/**
 * A chunk the receiver cannot use: `reason` is a short code to count by, the message says what was
 * wrong. The message quotes what the sender wrote, so it is one line (control characters become
 * `?`) of bounded length: a crafted chunk cannot forge or flood log lines.
 */
export class ChunkError extends Error {
  readonly code = 'chunk' as const;
  constructor(
    readonly reason: ChunkRejection,
    detail: string,
  ) {
    const line = detail.replace(/\p{Cc}/gu, '?');
    super(`rejected chunk (${reason}): ${line.length > MAX_DETAIL_LENGTH ? `${line.slice(0, MAX_DETAIL_LENGTH)}…` : line}`);
    this.name = 'ChunkError';
  }
}

/** The chunk format version this robonav writes, and the newest it reads. */
export const CHUNK_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('RNAVCHNK', 'latin1');
const PREFIX_BYTES = 16;
/** Longest header JSON (bytes): names, a few numbers and at most one episode entry per step fit easily. */
export const MAX_HEADER_BYTES = 2 ** 20;
/** Longest run or actor name (UTF-16 code units). */
const MAX_NAME_LENGTH = 256;
/** Largest value an mm16 leaf carries (m): 65535 mm, as a Box's float32 bound holds it. */
const MAX_MM16 = Math.fround(65.535);

/** How an observation leaf travels. */
type LeafEncoding = 'u8' | 'mm16' | 'f32';

interface LeafCodec {
  key: string | null;
  box: Box;
  encoding: LeafEncoding;
  /** Values per row. */
  size: number;
  /** Bytes per row, before padding. */
  rowBytes: number;
  /** "key:encoding:size", as the header lists it. */
  tag: string;
}

const codecCache = new WeakMap<Space, LeafCodec[]>();

/** The encoding of each Box leaf of `space`, in key order (cached per space object). */
function leafCodecs(space: Space): LeafCodec[] {
  const cached = codecCache.get(space);
  if (cached) return cached;
  const codecs = boxLeaves(space).map(([key, box]): LeafCodec => {
    const encoding: LeafEncoding = box.dtype === 'uint8' ? 'u8' : isDepthLike(box) ? 'mm16' : 'f32';
    const bytesPer = encoding === 'u8' ? 1 : encoding === 'mm16' ? 2 : 4;
    return { key, box, encoding, size: box.size, rowBytes: box.size * bytesPer, tag: `${key ?? ''}:${encoding}:${box.size}` };
  });
  codecCache.set(space, codecs);
  return codecs;
}

/** A float32 image ([H, W, C]) whose every bound lies in [0, 65.535]: depth in metres. */
function isDepthLike(box: Box): boolean {
  if (box.shape.length !== 3) return false;
  for (let i = 0; i < box.size; i++) if (!(box.low[i]! >= 0 && box.high[i]! <= MAX_MM16)) return false;
  return true;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** The sizes that fix a chunk's byte count besides its observation space. */
export interface ChunkLayout {
  actionSize: number;
  /** K, the truncated steps. @default 0 */
  numFinal?: number;
  /** One entry per recurrent state tensor. @default [] */
  stateSizes?: readonly number[];
  /** Byte count of the header JSON (a few hundred bytes plus ~50 per ended episode). @default 0 */
  headerBytes?: number;
}

/** Bytes of the binary sections after the header (padding included). */
function bodyBytes(codecs: readonly LeafCodec[], T: number, A: number, K: number, stateSizes: readonly number[]): number {
  let n = 0;
  for (const c of codecs) n += pad4((T + 1) * c.rowBytes);
  n += pad4(T + 1) + 2 * pad4(T); // starts, terminated, truncated
  n += 4 * (T * A + T + T + (T + 1)); // actions, rewards, logprobs, values
  n += 4 * (K + K); // finalSteps, finalValues
  for (const c of codecs) n += pad4(K * c.rowBytes);
  for (const h of stateSizes) n += 4 * h;
  return n;
}

/**
 * The exact byte count of an encoded chunk of `numSteps` steps: 16 + pad4(header) + per leaf
 * pad4((T + 1)·rowBytes) + pad4(T + 1) + 2·pad4(T) + 4·(T·A + 3T + 1) + 8K + per leaf
 * pad4(K·rowBytes) + 4·ΣH, with rowBytes = size (u8), 2·size (mm16) or 4·size (f32).
 * Divided by T it is the broker's bytes per env step.
 */
export function chunkBytes(space: Space, numSteps: number, layout: ChunkLayout): number {
  const { actionSize, numFinal = 0, stateSizes = [], headerBytes = 0 } = layout;
  return PREFIX_BYTES + pad4(headerBytes) + bodyBytes(leafCodecs(space), numSteps, actionSize, numFinal, stateSizes);
}

/**
 * round(1000·v) (halves up) clamped to [0, 65535]; NaN → 0. The one rounding both the codec and
 * `quantizeObservation` use. floor(x + 0.5) by `| 0` is Math.round for these x, and several times
 * faster: 1000·v of a float32 v is exact in float64 with at most 34 significant bits, so adding 0.5
 * is exact too.
 */
function toMillimetres(v: number): number {
  const halfUp = v * 1000 + 0.5;
  if (!(halfUp > 0.5)) return 0;
  return halfUp >= 65535 ? 65535 : halfUp | 0;
}

/** Round rows [0, count) of a batch in place to exactly what encodeChunk transmits, so actors act on what the learner will see. */
export function quantizeObservation(space: Space, batch: BatchedObservation, count: number): void {
  for (const c of leafCodecs(space)) {
    if (c.encoding !== 'mm16') continue;
    const values = batchLeaf(batch, c.key) as Float32Array;
    const n = count * c.size;
    for (let i = 0; i < n; i++) values[i] = toMillimetres(values[i]!) / 1000;
  }
}

/** The codec copies float32 and int32 sections as bytes, which is the wire's little-endian order only on little-endian hosts. */
function requireLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('trajectory chunks need a little-endian host');
}

/** Appends sections to a chunk's buffer; `offset` is always a multiple of 4 between sections. */
class Writer {
  offset: number;
  constructor(
    readonly out: Buffer,
    start: number,
  ) {
    this.offset = start;
  }

  bytes(src: Uint8Array): void {
    this.out.set(src, this.offset);
    this.offset += pad4(src.byteLength);
  }

  /** float32 / int32 values as their bytes. */
  words(src: Float32Array | Int32Array): void {
    this.bytes(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  }

  leaf(c: LeafCodec, src: Float32Array | Uint8Array, rows: number): void {
    const n = rows * c.size;
    if (c.encoding === 'mm16') {
      const dst = new Uint16Array(this.out.buffer, this.out.byteOffset + this.offset, n);
      for (let i = 0; i < n; i++) dst[i] = toMillimetres(src[i]!);
      this.offset += pad4(2 * n);
    } else if (c.encoding === 'u8') {
      this.bytes((src as Uint8Array).subarray(0, n));
    } else {
      this.words((src as Float32Array).subarray(0, n));
    }
  }
}

function expectLength(what: string, array: ArrayLike<number>, min: number): void {
  if (array.length < min) throw new RangeError(`encodeChunk: ${what} has ${array.length} values, the chunk needs ${min}`);
}

/** The chunk as bytes (layout in this file's header). Throws a RangeError when its arrays are shorter than its sizes say. */
export function encodeChunk(chunk: TrajectoryChunk, observationSpace: Space): Buffer {
  requireLittleEndian();
  const T = chunk.numSteps;
  const K = chunk.finalSteps.length;
  const A = T > 0 ? chunk.actions.length / T : 0;
  if (!Number.isInteger(A)) throw new RangeError(`encodeChunk: ${chunk.actions.length} action values are not a multiple of ${T} steps`);
  const codecs = leafCodecs(observationSpace);
  for (const c of codecs) {
    expectLength(`obs${c.key === null ? '' : `.${c.key}`}`, batchLeaf(chunk.obs, c.key), (T + 1) * c.size);
    expectLength(`finalObs${c.key === null ? '' : `.${c.key}`}`, batchLeaf(chunk.finalObs, c.key), K * c.size);
  }
  expectLength('starts', chunk.starts, T + 1);
  expectLength('terminated', chunk.terminated, T);
  expectLength('truncated', chunk.truncated, T);
  expectLength('rewards', chunk.rewards, T);
  expectLength('logprobs', chunk.logprobs, T);
  expectLength('values', chunk.values, T + 1);
  expectLength('finalValues', chunk.finalValues, K);
  const stateSizes = chunk.initialState.map((s) => s.length);
  const header = Buffer.from(
    JSON.stringify({
      run: chunk.run,
      actor: chunk.actor,
      policyVersion: chunk.policyVersion,
      envSeed: chunk.envSeed,
      numSteps: T,
      actionSize: A,
      numFinal: K,
      stateSizes,
      leaves: codecs.map((c) => c.tag),
      episodes: chunk.episodes,
    }),
    'utf8',
  );
  // A fresh ArrayBuffer starts at offset 0, so every section's typed-array view is aligned.
  const out = Buffer.from(new ArrayBuffer(PREFIX_BYTES + pad4(header.byteLength) + bodyBytes(codecs, T, A, K, stateSizes)));
  MAGIC.copy(out, 0);
  out.writeUInt32LE(CHUNK_FORMAT_VERSION, 8);
  out.writeUInt32LE(header.byteLength, 12);
  const w = new Writer(out, PREFIX_BYTES);
  w.bytes(header);
  for (const c of codecs) w.leaf(c, batchLeaf(chunk.obs, c.key), T + 1);
  w.bytes(chunk.starts.subarray(0, T + 1));
  w.bytes(chunk.terminated.subarray(0, T));
  w.bytes(chunk.truncated.subarray(0, T));
  w.words(chunk.actions.subarray(0, T * A));
  w.words(chunk.rewards.subarray(0, T));
  w.words(chunk.logprobs.subarray(0, T));
  w.words(chunk.values.subarray(0, T + 1));
  w.words(chunk.finalSteps);
  w.words(chunk.finalValues.subarray(0, K));
  for (const c of codecs) w.leaf(c, batchLeaf(chunk.finalObs, c.key), K);
  for (const s of chunk.initialState) w.words(s);
  return out;
}

const HeaderSchema = z
  .object({
    run: z.string().max(MAX_NAME_LENGTH),
    actor: z.string().max(MAX_NAME_LENGTH),
    policyVersion: z.number(),
    envSeed: z.number().int().refine(Number.isSafeInteger, 'expected a safe integer'),
    numSteps: z.number().int().nonnegative(),
    actionSize: z.number().int().nonnegative(),
    numFinal: z.number().int().nonnegative(),
    stateSizes: z.array(z.number().int().nonnegative()).max(64),
    leaves: z.array(z.string().max(MAX_NAME_LENGTH + 32)).max(64),
    episodes: z.array(z.unknown()),
  })
  .strict();

/** Scratch for mm16 sections, grown to the largest leaf seen: decoding allocates nothing per value. */
let millimetres = new Uint16Array(0);

/** Reads sections from a chunk's bytes; the byte count was checked against the layout before any read. */
class Reader {
  offset: number;
  constructor(
    readonly bytes: Buffer,
    start: number,
  ) {
    this.offset = start;
  }

  /** Fill `dst` with the next dst.byteLength bytes (a memcpy, whatever the source's alignment). */
  into(dst: Uint8Array | Float32Array | Int32Array | Uint16Array): void {
    const n = dst.byteLength;
    new Uint8Array(dst.buffer, dst.byteOffset, n).set(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += pad4(n);
  }

  flags(n: number, what: string): Uint8Array {
    const out = new Uint8Array(n);
    this.into(out);
    for (let i = 0; i < n; i++) if (out[i]! > 1) throw new ChunkError('flag', `${what}[${i}] is ${out[i]}, not 0 or 1`);
    return out;
  }

  floats(n: number, what: string): Float32Array {
    const out = new Float32Array(n);
    this.into(out);
    requireFinite(out, what);
    return out;
  }

  leaf(c: LeafCodec, dst: Float32Array | Uint8Array, rows: number, what: string): void {
    const n = rows * c.size;
    if (c.encoding === 'mm16') {
      if (millimetres.length < n) millimetres = new Uint16Array(n);
      const mm = millimetres.subarray(0, n);
      this.into(mm);
      for (let i = 0; i < n; i++) dst[i] = mm[i]! / 1000;
    } else {
      this.into(dst.subarray(0, n));
      if (c.encoding === 'f32') requireFinite(dst as Float32Array, what);
    }
  }
}

function requireFinite(values: Float32Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v − v is 0 for every finite v, NaN for NaN and ±Infinity.
    if (v - v !== 0) throw new ChunkError('nan', `${what}[${i}] is ${v}`);
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Read and check a chunk; throws a `ChunkError` naming the first problem (reasons in this file's header). */
export function decodeChunk(bytes: Buffer, expect: ChunkExpectation): TrajectoryChunk {
  requireLittleEndian();
  if (bytes.byteLength < PREFIX_BYTES)
    throw new ChunkError('length', `${bytes.byteLength} bytes, shorter than the ${PREFIX_BYTES}-byte prefix`);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new ChunkError('magic', 'does not start with "RNAVCHNK"');
  const format = bytes.readUInt32LE(8);
  if (format === 0 || format > CHUNK_FORMAT_VERSION) {
    throw new ChunkError('format', `format version ${format}; this robonav reads 1 to ${CHUNK_FORMAT_VERSION}`);
  }
  const headerBytes = bytes.readUInt32LE(12);
  if (headerBytes > MAX_HEADER_BYTES) throw new ChunkError('header', `header of ${headerBytes} bytes, more than ${MAX_HEADER_BYTES}`);
  if (PREFIX_BYTES + headerBytes > bytes.byteLength) {
    throw new ChunkError('length', `${bytes.byteLength} bytes, shorter than its ${headerBytes}-byte header`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes)));
  } catch {
    throw new ChunkError('header', 'the header is not UTF-8 JSON');
  }
  const parsed = HeaderSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChunkError('header', `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const header = parsed.data;
  if (header.run !== expect.run) throw new ChunkError('run', `run "${header.run}", expected "${expect.run}"`);
  const version = header.policyVersion;
  if (!Number.isInteger(version) || version < 0 || version > expect.maxVersion) {
    throw new ChunkError('version', `policy version ${version}, expected an integer in [0, ${expect.maxVersion}]`);
  }
  const T = header.numSteps;
  if (T !== expect.numSteps) throw new ChunkError('shape', `${T} steps, expected ${expect.numSteps}`);
  const A = header.actionSize;
  if (A !== expect.actionSize) throw new ChunkError('shape', `action size ${A}, expected ${expect.actionSize}`);
  if (!sameNumbers(header.stateSizes, expect.stateSizes)) {
    throw new ChunkError('shape', `state sizes [${header.stateSizes.join(',')}], expected [${expect.stateSizes.join(',')}]`);
  }
  const K = header.numFinal;
  if (K > T) throw new ChunkError('shape', `${K} final observations in ${T} steps`);
  const codecs = leafCodecs(expect.observationSpace);
  const tags = codecs.map((c) => c.tag);
  if (header.leaves.length !== tags.length || header.leaves.some((tag, i) => tag !== tags[i])) {
    throw new ChunkError('space', `observation leaves [${header.leaves.join(', ')}], expected [${tags.join(', ')}]`);
  }
  const total = PREFIX_BYTES + pad4(headerBytes) + bodyBytes(codecs, T, A, K, header.stateSizes);
  if (bytes.byteLength !== total) throw new ChunkError('length', `${bytes.byteLength} bytes, the header implies ${total}`);

  const r = new Reader(bytes, PREFIX_BYTES + pad4(headerBytes));
  const obs = allocateBatch(expect.observationSpace, T + 1);
  for (const c of codecs) r.leaf(c, batchLeaf(obs, c.key), T + 1, `obs${c.key === null ? '' : `.${c.key}`}`);
  const starts = r.flags(T + 1, 'starts');
  const terminated = r.flags(T, 'terminated');
  const truncated = r.flags(T, 'truncated');
  const actions = r.floats(T * A, 'actions');
  const rewards = r.floats(T, 'rewards');
  const logprobs = r.floats(T, 'logprobs');
  const values = r.floats(T + 1, 'values');
  const finalSteps = new Int32Array(K);
  r.into(finalSteps);
  const finalValues = r.floats(K, 'finalValues');
  const finalObs = allocateBatch(expect.observationSpace, K);
  for (const c of codecs) r.leaf(c, batchLeaf(finalObs, c.key), K, `finalObs${c.key === null ? '' : `.${c.key}`}`);
  const initialState = header.stateSizes.map((h, i) => r.floats(h, `initialState[${i}]`));

  let ends = 0;
  let k = 0;
  for (let t = 0; t < T; t++) {
    if (terminated[t] && truncated[t]) throw new ChunkError('flag', `step ${t} is both terminated and truncated`);
    const ended = terminated[t]! | truncated[t]!;
    if (starts[t + 1] !== ended)
      throw new ChunkError('starts', `starts[${t + 1}] is ${starts[t + 1]} after step ${t} ${ended ? 'ended' : 'went on'}`);
    ends += ended;
    if (truncated[t]) {
      if (k >= K || finalSteps[k] !== t)
        throw new ChunkError('final', `step ${t} truncated, finalSteps[${k}] is ${k < K ? finalSteps[k] : 'missing'}`);
      k++;
    }
  }
  if (k !== K) throw new ChunkError('final', `${K} final observations for ${k} truncated steps`);
  const episodes = checkEpisodes(header.episodes, ends);
  return {
    run: header.run,
    actor: header.actor,
    policyVersion: version,
    envSeed: header.envSeed,
    numSteps: T,
    obs,
    starts,
    actions,
    rewards,
    terminated,
    truncated,
    logprobs,
    values,
    finalObs,
    finalSteps,
    finalValues,
    initialState,
    episodes,
  };
}

function checkEpisodes(entries: unknown[], ends: number): ChunkEpisode[] {
  if (entries.length !== ends) throw new ChunkError('episodes', `${entries.length} episodes for ${ends} episode ends`);
  return entries.map((entry, i) => {
    const e = entry as Partial<Record<string, unknown>> | null;
    const ok =
      typeof e === 'object' &&
      e !== null &&
      !Array.isArray(e) &&
      Object.keys(e).length === 3 &&
      typeof e.return === 'number' &&
      Number.isFinite(e.return) &&
      typeof e.length === 'number' &&
      Number.isSafeInteger(e.length) &&
      e.length >= 1 &&
      (e.success === null || (typeof e.success === 'number' && e.success >= 0 && e.success <= 1));
    if (!ok) throw new ChunkError('episodes', `episodes[${i}] is not { return, length ≥ 1, success: null or in [0, 1] }`);
    return { return: e.return as number, length: e.length as number, success: e.success as number | null };
  });
}
