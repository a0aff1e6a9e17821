/**
 * The viewer protocol: the ONE module of message types shared by the server (`src/server/`) and the
 * browser viewer (`viewer/`). Bump `PROTOCOL_VERSION` on any change a peer of the old version would
 * misread; the server refuses a `subscribe` of another version with an `error` of code `version`.
 *
 * Transport: one WebSocket per viewer. Text messages are JSON objects discriminated on `type`;
 * binary messages are camera frames in the compact format below (a 24-byte header + raw pixels).
 *
 * Client → server messages come from untrusted peers, so each one is validated here with zod
 * (`parseClientMessage`) before anything acts on it. Server → client messages are typed only: the
 * server builds them from its own state.
 *
 * Units: positions in metres on the ground plane [x, z], yaw in radians (SceneSpec conventions).
 */
import { z } from 'zod';
import type { SceneSpec } from '../sim/SceneSpec.js';
import { formatZodError } from '../core/errors.js';

/** Version of the viewer protocol; a client that subscribes with another version gets an error. */
export const PROTOCOL_VERSION = 1;

/** Inbound (client → server) messages larger than this are refused by the socket (bytes). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/** The agent's camera channels that can be streamed as binary frames. */
export const FRAME_KINDS = ['rgb', 'depth', 'semantic'] as const;
/** One of `FRAME_KINDS`. */
export type FrameKind = (typeof FRAME_KINDS)[number];

/** What a server can offer: episodes (scene/step/episodeEnd), camera frames, training curves. */
export const STREAMS = ['episodes', 'frames', 'metrics'] as const;
/** One of `STREAMS`. */
export type StreamName = (typeof STREAMS)[number];

/**
 * The saliency methods a server may offer over the agent's camera (the names of `SALIENCY_METHODS` in
 * src/nn/saliency.ts, which a test keeps equal): Grad-CAM, integrated gradients, blur perturbation.
 */
export const SALIENCY_METHOD_NAMES = ['gradcam', 'ig', 'perturbation'] as const;
/** One of `SALIENCY_METHOD_NAMES`. */
export type SaliencyMethodName = (typeof SALIENCY_METHOD_NAMES)[number];

/** Names of the default discrete actions (DiscreteAction in src/sim/PhysicsWorld.ts), by index. */
export const DISCRETE_ACTION_NAMES = ['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT'] as const;

/** Playback speed bounds for replays (× real time). */
export const MIN_PLAYBACK_SPEED = 0.0625;
export const MAX_PLAYBACK_SPEED = 64;

// ---------------------------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------------------------

const count = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 31 - 1);

export const SubscribeSchema = z
  .object({
    type: z.literal('subscribe'),
    /** The client's PROTOCOL_VERSION. */
    version: z.number().int().positive(),
    /** Camera channels wanted as binary frames (none by default: frames cost bandwidth). */
    frames: z.array(z.enum(FRAME_KINDS)).max(FRAME_KINDS.length).default([]),
    /** Whether to receive training curves. */
    metrics: z.boolean().default(true),
  })
  .strict();

export const ControlSchema = z
  .object({
    type: z.literal('control'),
    /** Play mode: a discrete action index (0 STOP, 1 MOVE_FORWARD, 2 TURN_LEFT, 3 TURN_RIGHT) or a new episode. */
    action: z.union([
      z
        .number()
        .int()
        .min(0)
        .max(DISCRETE_ACTION_NAMES.length - 1),
      z.literal('reset'),
    ]),
  })
  .strict();

const playback = <C extends string, S extends z.ZodRawShape>(command: C, shape: S) =>
  z.object({ type: z.literal('playback'), command: z.literal(command), ...shape }).strict();

export const PlaybackSchema = z.discriminatedUnion('command', [
  playback('pause', {}),
  playback('resume', {}),
  /** Advance exactly one step (and stay paused). */
  playback('step', {}),
  playback('speed', { speed: z.number().min(MIN_PLAYBACK_SPEED).max(MAX_PLAYBACK_SPEED) }),
  /** Jump to a step of an episode (0 = the episode's start, before its first step). */
  playback('seek', { episode: count, step: count }),
]);

/**
 * Saliency maps over the agent's camera, on or off. While on, the server computes a map for each
 * step it shows this client (costly: only for clients that ask) and sends it as a binary frame of
 * kind 'saliency' after the step's camera frames.
 */
export const SaliencySchema = z
  .object({
    type: z.literal('saliency'),
    enabled: z.boolean(),
    /** One of the methods the server's hello offers. */
    method: z.enum(SALIENCY_METHOD_NAMES).default('gradcam'),
  })
  .strict();

/** The zod schema of every client message: subscribe, control (play mode), playback (replays) and saliency. */
export const ClientMessageSchema = z.discriminatedUnion('type', [SubscribeSchema, ControlSchema, PlaybackSchema, SaliencySchema]);

/** A client asks for the streams and camera channels it wants. */
export type SubscribeMessage = z.infer<typeof SubscribeSchema>;
/** Play mode: a client steps the env with a discrete action, or starts a new episode. */
export type ControlMessage = z.infer<typeof ControlSchema>;
/** Replays: pause, resume, one step, speed (× real time) or seek. */
export type PlaybackMessage = z.infer<typeof PlaybackSchema>;
/** Saliency maps on or off, and by which method. */
export type SaliencyMessage = z.infer<typeof SaliencySchema>;
/** Any message a client sends, validated. */
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
/** What a client writes (defaults may be omitted). */
export type ClientMessageInput = z.input<typeof ClientMessageSchema>;

/** Literal codes of the `error` message, so a client can branch without parsing text. */
export type ErrorCode =
  | 'bad-json' // not JSON, or not an object
  | 'bad-message' // JSON of an unknown type or with wrong fields
  | 'binary-not-accepted' // clients send text only
  | 'version' // subscribe with another PROTOCOL_VERSION
  | 'unsupported' // a valid message this server's mode does not take (control in a replay, …)
  | 'not-subscribed' // control/playback before subscribe
  | 'rate-limit' // too many messages: the connection is closed
  | 'bad-request'; // the command was understood but cannot be done (seek past the end, …)

/** The validated message, or the error code and text to answer with. */
export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; error: string };

/** Validate one text message from a client. Never throws. */
export function parseClientMessage(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad-json', error: 'message is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'bad-json', error: 'message must be a JSON object' };
  }
  const result = ClientMessageSchema.safeParse(raw);
  if (!result.success) return { ok: false, code: 'bad-message', error: formatZodError(result.error) };
  return { ok: true, message: result.data };
}

// ---------------------------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------------------------

/** What a server shows: a live env, a replay, or an env a person drives. */
export type ViewerMode = 'live' | 'replay' | 'play';

/** Robot pose on the ground plane: x, z (m), yaw (rad). */
export interface PoseXZ {
  x: number;
  z: number;
  yaw: number;
}

/** The server's first message: protocol version, mode, source, and what it can stream. */
export interface HelloMessage {
  type: 'hello';
  version: number;
  mode: ViewerMode;
  /** What is being shown: a run name, a recording path, an env id. */
  source: string;
  streams: StreamName[];
  /** Camera channels this server can stream (subscribe to any of them). */
  frameKinds: FrameKind[];
  /** Names of the discrete actions by index ([] for continuous control). */
  actions: string[];
  /** Replays: the number of recorded episodes. */
  episodes?: number;
  /** Saliency methods this server can compute over the agent's camera ([] or absent: none). */
  saliency?: SaliencyMethodName[];
  /** Why there are no saliency maps although a policy was given (e.g. the recording lacks an observation the policy reads). */
  saliencyNote?: string;
}

/** An episode's start: its scene, task, start pose, goals and shortest path. */
export interface SceneMessage {
  type: 'scene';
  /** Episode counter of this stream (0-based). */
  episode: number;
  spec: SceneSpec;
  /** Env id or task name, when known. */
  task?: string;
  /** The robot's pose when the episode started (an env may start episodes away from spec.start). */
  start: PoseXZ;
  /** This episode's goal positions [x, z] (m): the goal point, or every instance of the goal category. */
  goals: Array<[number, number]>;
  /** What the goal is, e.g. an ObjectNav category ("chair"); absent for a point goal. */
  goalLabel?: string;
  /** Geodesic shortest path from the start to the goal, [x, z] points (m); empty when unknown. */
  shortestPath: Array<[number, number]>;
  /** Late joiners: [x0, z0, x1, z1, …] of the robot positions of this episode so far (m). */
  trail?: number[];
  /** Late joiners: the robot's pose now (with `trail`). */
  pose?: PoseXZ;
}

/** One env step: the robot and dynamic-body poses (m, rad), action, reward, return and metrics so far. */
export interface StepMessage {
  type: 'step';
  episode: number;
  /** Steps taken in this episode, this one included (1 = the first step). */
  step: number;
  pose: PoseXZ;
  /** [x, y, z, yaw] per SceneSpec.dynamic entry (m, rad). */
  dynamic: number[];
  /** A discrete action index, or the continuous command [linear m/s, angular rad/s]. */
  action: number | number[];
  reward: number;
  /** Undiscounted sum of rewards so far in this episode. */
  return: number;
  /** The robot touched something during this step. */
  collided: boolean;
  /** Numeric metrics so far (distanceToGoal m, pathLength m, collisions, success, spl, …). */
  metrics: Record<string, number>;
}

/** An episode's end: its steps, return, how it ended and its final metrics. */
export interface EpisodeEndMessage {
  type: 'episodeEnd';
  episode: number;
  steps: number;
  return: number;
  terminated: boolean;
  truncated: boolean;
  /** The final info's metrics: success (0|1), spl, softSpl, distanceToGoal, pathLength, collisions, steps. */
  metrics: Record<string, number>;
}

/** One row of a training log: `step` = environment steps so far, `values` = scalar curves. */
export interface MetricPoint {
  step: number;
  values: Record<string, number>;
}

/** Training-curve points. */
export interface MetricsMessage {
  type: 'metrics';
  points: MetricPoint[];
}

/** Replays: where each client's playback stands. */
export interface PlaybackStateMessage {
  type: 'playbackState';
  paused: boolean;
  speed: number;
  episode: number;
  step: number;
  episodes: number;
  /** Steps in the current episode. */
  steps: number;
}

/**
 * Several episode messages in one WebSocket message, in order. Live training steps thousands of
 * times per second; one socket write per step would cost more than the step itself, so the live
 * server sends what accumulated every few tens of milliseconds.
 */
export interface BatchMessage {
  type: 'batch';
  messages: Array<SceneMessage | StepMessage | EpisodeEndMessage>;
}

/** The answer to a client message that was refused, with a literal code. */
export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
}

/** Any JSON message a server sends. */
export type ServerMessage =
  | HelloMessage
  | SceneMessage
  | StepMessage
  | EpisodeEndMessage
  | MetricsMessage
  | PlaybackStateMessage
  | BatchMessage
  | ErrorMessage;

/** The server's JSON encoder (kept here so both peers agree on one text format). */
export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

const SERVER_TYPES: ReadonlySet<string> = new Set(['hello', 'scene', 'step', 'episodeEnd', 'metrics', 'playbackState', 'batch', 'error']);

/** The viewer's decoder: JSON with a known `type`, else an Error naming what is wrong. */
export function decodeServerMessage(text: string): ServerMessage {
  const raw: unknown = JSON.parse(text);
  if (typeof raw !== 'object' || raw === null || !SERVER_TYPES.has(String((raw as { type?: unknown }).type))) {
    throw new Error(`unknown server message: ${text.slice(0, 80)}`);
  }
  return raw as ServerMessage;
}

// ---------------------------------------------------------------------------------------------
// Binary camera frames
// ---------------------------------------------------------------------------------------------
//
// Little-endian, 24-byte header, then width*height*channels values (row-major HWC, row 0 = top):
//   0  u32 magic 'RNFR'        4  u8 frame format version   5  u8 kind (0 rgb, 1 depth, 2 semantic, 3 saliency)
//   6  u8 dtype (0 u8, 1 f32)  7  u8 channels               8  u16 width    10  u16 height
//   12 u32 episode             16 u32 step                  20 u32 payload bytes
// The header is a multiple of 4 bytes so a float32 payload can be viewed in place.

export const FRAME_MAGIC = 0x52464e52; // 'RNFR' read as a little-endian u32
export const FRAME_FORMAT_VERSION = 1;
/** Size of the header of a binary camera frame (bytes), before the pixels. */
export const FRAME_HEADER_BYTES = 24;

/**
 * Kinds of binary frame: the camera channels, then 'saliency', a map over the agent's camera
 * (uint8, one channel, 0..255 = the map's [0, 1]; several camera inputs combined by maximum).
 */
export const BINARY_FRAME_KINDS = [...FRAME_KINDS, 'saliency'] as const;
/** One of `BINARY_FRAME_KINDS`. */
export type BinaryFrameKind = (typeof BINARY_FRAME_KINDS)[number];
/** Largest side (px) of a saliency frame: the camera's own size, bounded so a map stays small. */
export const MAX_SALIENCY_SIDE = 1024;

/** A camera frame's element type: uint8 (RGB, semantic) or float32 (depth, m). */
export type FrameDtype = 'uint8' | 'float32';

/** What a binary frame says about its pixels: channel kind, dtype, size, and the episode and step it belongs to. */
export interface FrameHeader {
  kind: FrameKind;
  dtype: FrameDtype;
  width: number;
  height: number;
  channels: number;
  episode: number;
  step: number;
}

/** A decoded binary camera frame: its header and its HWC pixels. */
export interface Frame extends FrameHeader {
  data: Uint8Array | Float32Array;
}

/** The header of any binary frame: a camera channel's or a saliency map's. */
export interface BinaryFrameHeader extends Omit<FrameHeader, 'kind'> {
  kind: BinaryFrameKind;
}

/** A decoded binary frame: a camera frame, or a saliency map (uint8 H×W). */
export type BinaryFrame = Frame | (Omit<Frame, 'kind'> & { kind: 'saliency'; data: Uint8Array });

/** Encode a frame into a fresh buffer (the socket may hold it after `send` returns, so no reuse). */
export function encodeFrame(header: BinaryFrameHeader, data: Uint8Array | Float32Array): Uint8Array {
  if (
    header.kind === 'saliency' &&
    (header.dtype !== 'uint8' || header.channels !== 1 || Math.max(header.width, header.height) > MAX_SALIENCY_SIDE)
  )
    throw new RangeError(`frame saliency: must be uint8, 1 channel, at most ${MAX_SALIENCY_SIDE} px a side`);
  const expected = header.width * header.height * header.channels;
  if (data.length !== expected) {
    throw new RangeError(`frame ${header.kind}: ${data.length} values for ${header.width}x${header.height}x${header.channels}`);
  }
  if ((header.dtype === 'float32') !== data instanceof Float32Array) {
    throw new TypeError(`frame ${header.kind}: dtype ${header.dtype} does not match ${data.constructor.name}`);
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, FRAME_FORMAT_VERSION);
  view.setUint8(5, BINARY_FRAME_KINDS.indexOf(header.kind));
  view.setUint8(6, header.dtype === 'uint8' ? 0 : 1);
  view.setUint8(7, header.channels);
  view.setUint16(8, header.width, true);
  view.setUint16(10, header.height, true);
  view.setUint32(12, header.episode, true);
  view.setUint32(16, header.step, true);
  view.setUint32(20, data.byteLength, true);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), FRAME_HEADER_BYTES);
  return out;
}

/** Decode a binary frame; throws an Error naming the bad header field. The payload is copied out. */
export function decodeFrame(bytes: Uint8Array): BinaryFrame {
  if (bytes.byteLength < FRAME_HEADER_BYTES) throw new Error(`frame: ${bytes.byteLength} bytes is shorter than the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC) throw new Error('frame: bad magic (not a robonav frame)');
  const version = view.getUint8(4);
  if (version !== FRAME_FORMAT_VERSION) throw new Error(`frame: format version ${version}, expected ${FRAME_FORMAT_VERSION}`);
  const kind = BINARY_FRAME_KINDS[view.getUint8(5)];
  if (kind === undefined) throw new Error(`frame: unknown kind ${view.getUint8(5)}`);
  const dtypeCode = view.getUint8(6);
  if (dtypeCode > 1) throw new Error(`frame: unknown dtype ${dtypeCode}`);
  const dtype: FrameDtype = dtypeCode === 0 ? 'uint8' : 'float32';
  const channels = view.getUint8(7);
  const width = view.getUint16(8, true);
  const height = view.getUint16(10, true);
  if (kind === 'saliency' && (dtype !== 'uint8' || channels !== 1 || width > MAX_SALIENCY_SIDE || height > MAX_SALIENCY_SIDE))
    throw new Error(
      `frame: a saliency map is uint8, 1 channel, at most ${MAX_SALIENCY_SIDE} px a side; got ${dtype}, ${channels}, ${width}x${height}`,
    );
  const payload = view.getUint32(20, true);
  const expected = width * height * channels * (dtype === 'uint8' ? 1 : 4);
  if (payload !== expected || bytes.byteLength !== FRAME_HEADER_BYTES + payload) {
    throw new Error(`frame: payload of ${bytes.byteLength - FRAME_HEADER_BYTES} bytes, header says ${payload}, shape needs ${expected}`);
  }
  // Copy into a fresh buffer: Node's Buffer#slice is a view, and float32 needs an aligned offset.
  const raw = new Uint8Array(payload);
  raw.set(bytes.subarray(FRAME_HEADER_BYTES));
  const data = dtype === 'uint8' ? raw : new Float32Array(raw.buffer, 0, raw.byteLength / 4);
  return { kind, dtype, width, height, channels, episode: view.getUint32(12, true), step: view.getUint32(16, true), data } as BinaryFrame;
}
