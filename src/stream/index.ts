/**
 * robonav/stream: the viewer protocol and the episode stream built on it — for a viewer client of
 * your own, or an env whose episodes go somewhere other than the built-in server.
 */

// The WebSocket protocol (version, message types, validators and the binary frame format), the one thing server and viewers share.
export {
  BINARY_FRAME_KINDS,
  ClientMessageSchema,
  decodeFrame,
  decodeServerMessage,
  DISCRETE_ACTION_NAMES,
  encodeFrame,
  encodeServerMessage,
  FRAME_HEADER_BYTES,
  FRAME_KINDS,
  MAX_CLIENT_MESSAGE_BYTES,
  MAX_SALIENCY_SIDE,
  parseClientMessage,
  PROTOCOL_VERSION,
  SALIENCY_METHOD_NAMES,
  STREAMS,
  type BatchMessage,
  type BinaryFrame,
  type BinaryFrameHeader,
  type BinaryFrameKind,
  type ClientMessage,
  type ClientMessageInput,
  type ControlMessage,
  type EpisodeEndMessage,
  type ErrorCode,
  type ErrorMessage,
  type Frame,
  type FrameDtype,
  type FrameHeader,
  type FrameKind,
  type HelloMessage,
  type MetricPoint,
  type MetricsMessage,
  type ParseResult,
  type PlaybackMessage,
  type PlaybackStateMessage,
  type PoseXZ,
  type SaliencyMessage,
  type SaliencyMethodName,
  type SceneMessage,
  type ServerMessage,
  type StepMessage,
  type StreamName,
  type SubscribeMessage,
  type ViewerMode,
} from './protocol.js';

// An env's episodes as protocol messages: the streamer that wraps an env, and what it streams to.
export {
  EpisodeStreamer,
  streamerFor,
  type EpisodeSink,
  type EpisodeSource,
  type EpisodeStreamerOptions,
  type ViewableEnv,
} from './EpisodeStreamer.js';

// The main-thread end of the episodes an env in a worker thread relays (`relayedEnv`, in the main entry).
export { RelayedEpisodes, type StreamingVectorEnv } from './RelayedEpisodes.js';
