/**
 * Connection: the viewer's WebSocket to the robonav server. Subscribes (and asks for saliency maps,
 * when on) on every (re)connect, decodes text messages and binary frames (camera, saliency), and reconnects by itself with a growing delay
 * (0.5 s doubling to 5 s) when the server goes away — e.g. while `robonav train --view` restarts.
 */
import {
  decodeFrame,
  decodeServerMessage,
  PROTOCOL_VERSION,
  type BinaryFrame,
  type ClientMessageInput,
  type FrameKind,
  type SaliencyMethodName,
  type ServerMessage,
} from '../../src/stream/protocol.js';

export interface ConnectionHandlers {
  message(message: ServerMessage): void;
  /** A camera frame or a saliency map. */
  frame(frame: BinaryFrame): void;
  /** `connected` false: the socket closed; a reconnect is scheduled. */
  status(connected: boolean, detail: string): void;
}

/** Reconnect delays (ms). */
const RETRY_MIN = 500;
const RETRY_MAX = 5000;

export class Connection {
  private socket: WebSocket | null = null;
  private retryDelay = RETRY_MIN;
  private retryTimer: number | null = null;
  private frames: FrameKind[] = [];
  private saliency: SaliencyMethodName | null = null;

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
  ) {}

  open(): void {
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.retryDelay = RETRY_MIN;
      this.handlers.status(true, 'connected');
      this.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: this.frames, metrics: true });
      if (this.saliency !== null) this.send({ type: 'saliency', enabled: true, method: this.saliency });
    };
    socket.onmessage = (event: MessageEvent) => {
      try {
        if (typeof event.data === 'string') this.handlers.message(decodeServerMessage(event.data));
        else this.handlers.frame(decodeFrame(new Uint8Array(event.data as ArrayBuffer)));
      } catch (err) {
        console.warn('robonav viewer: dropped a message:', err);
      }
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.handlers.status(false, `disconnected (${event.code}${event.reason ? ` ${event.reason}` : ''}), retrying…`);
      this.retryTimer = window.setTimeout(() => this.open(), this.retryDelay);
      this.retryDelay = Math.min(RETRY_MAX, this.retryDelay * 2);
    };
  }

  /** Change the camera channels streamed to this viewer. */
  setFrames(frames: FrameKind[]): void {
    this.frames = frames;
    this.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames, metrics: true });
  }

  /** Saliency maps by `method`, or none (null): the server computes them only while asked. */
  setSaliency(method: SaliencyMethodName | null): void {
    if (method === this.saliency) return;
    this.saliency = method;
    this.send(method === null ? { type: 'saliency', enabled: false } : { type: 'saliency', enabled: true, method });
  }

  send(message: ClientMessageInput): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  close(): void {
    if (this.retryTimer !== null) window.clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }
}
