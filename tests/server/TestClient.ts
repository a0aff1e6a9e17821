/** A WebSocket test client that queues what it receives (batches unpacked) and waits for messages by predicate. */
import WebSocket from 'ws';
import { decodeFrame, type BinaryFrame, type ServerMessage } from '../../src/stream/protocol.js';

export class TestClient {
  readonly messages: ServerMessage[] = [];
  readonly frames: BinaryFrame[] = [];
  batches = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.frames.push(decodeFrame(data));
      else {
        const message = JSON.parse(data.toString('utf8')) as ServerMessage;
        // Batches are unpacked in order, as the viewer does; `batches` counts them.
        if (message.type === 'batch') {
          this.batches += 1;
          for (const inner of message.messages) this.messages.push(inner);
        } else this.messages.push(message);
      }
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
    ws.on('error', () => undefined);
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Messages of one type received so far. */
  of<T extends ServerMessage['type']>(type: T): Array<Extract<ServerMessage, { type: T }>> {
    return this.messages.filter((m) => m.type === type) as Array<Extract<ServerMessage, { type: T }>>;
  }

  /** Resolve once `done()` holds (checked after every message), or reject after `timeoutMs`. */
  async until(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first message of `type` after the first `skip` ones, waiting for it. */
  async next<T extends ServerMessage['type']>(type: T, skip = 0): Promise<Extract<ServerMessage, { type: T }>> {
    await this.until(() => this.of(type).length > skip, `message "${type}" #${skip + 1}`);
    return this.of(type)[skip]!;
  }

  close(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
