/**
 * ViewerServer: one port for HTTP (the bundled viewer's files, nothing else) and WebSocket (`/ws`,
 * the protocol of src/stream/protocol.ts). What is shown — a live env, a replay, a human-driven env — is a
 * `ViewerSession`; the server only guards the door and moves bytes:
 *
 * - binds 127.0.0.1 unless a host is given. Bound to loopback it answers only requests whose Host
 *   is a loopback name (a DNS-rebinding page cannot reach it); bound to any other address it needs
 *   an access token on every request and WebSocket upgrade, given in the printed URL (`access.ts`).
 *   WebSockets opened by a web page must come from a page of this server (Origin = Host);
 * - pages may not be framed by other sites (CSP frame-ancestors, X-Frame-Options) and send no
 *   Referer, which would carry the token;
 * - HTTP serves a fixed map of the files under `dist/viewer/`, read at start: a path not in the map
 *   (`/../x`, `/%2e%2e/x`, …) is a 404 by construction, nothing is resolved on disk per request;
 * - at most `maxClients` WebSocket connections at once; peers that stop answering pings are dropped;
 * - inbound messages are capped at 64 KiB (`maxPayload`: the socket closes with 1009), each one is
 *   validated; a bad one gets an `error` reply, and a connection that floods or keeps sending bad
 *   messages (a token bucket for each, so an occasional mistake is forgiven) is closed with 1008 —
 *   other clients never notice;
 * - outbound: a client whose socket buffer exceeds `highWaterMark` is skipped for droppable
 *   messages (steps, frames) and marked stale; its session resynchronises it once it drains, so a
 *   client that never reads costs a bounded buffer, not unbounded memory.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { UsageError } from '../core/errors.js';
import { AccessToken, checkedToken, isLoopbackHost, newToken, type TokenVerdict } from './access.js';
import { TokenBucket } from './TokenBucket.js';
import {
  encodeServerMessage,
  MAX_CLIENT_MESSAGE_BYTES,
  parseClientMessage,
  PROTOCOL_VERSION,
  type ControlMessage,
  type ErrorCode,
  type FrameKind,
  type HelloMessage,
  type PlaybackMessage,
  type SaliencyMessage,
  type SaliencyMethodName,
  type ServerMessage,
} from '../stream/protocol.js';

/** What the server shows; one per server. */
export interface ViewerSession {
  /** The hello's fields other than type and version. */
  hello(): Omit<HelloMessage, 'type' | 'version'>;
  /** The client subscribed (or changed its subscription): send it the current state. */
  onSubscribe(client: ViewerClient, first: boolean): void;
  /** Play mode; other sessions leave it undefined and the client gets an `unsupported` error. */
  onControl?(client: ViewerClient, message: ControlMessage): void;
  /** Replays; other sessions leave it undefined. */
  onPlayback?(client: ViewerClient, message: PlaybackMessage): void;
  /**
   * Saliency maps on or off for this client (the server has set `client.saliency`). Sessions that
   * offer maps (their hello lists methods) define it; for the others the client gets `unsupported`.
   */
  onSaliency?(client: ViewerClient, message: SaliencyMessage): void;
  /** A stale client drained its buffer: bring it up to date (usually: resend the scene with its trail). */
  onResync?(client: ViewerClient): void;
  onClose(client: ViewerClient): void;
  /** Stop timers, release the env. */
  close(): void;
}

/** Where the server listens, which viewer files it serves and its per-client limits. */
export interface ViewerServerOptions {
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /**
   * Access token every request must carry (`?token=`, the cookie the page sets, or
   * `Authorization: Bearer`): at least 32 characters of A-Z a-z 0-9 . _ ~ -. Bound beyond loopback
   * a random one is made when none is given; on loopback none is needed unless given.
   */
  token?: string;
  /** Directory of the built viewer. @default dist/viewer next to this module */
  staticDir?: string;
  /** Outbound bytes queued per client above which droppable messages are skipped. @default 1 MiB */
  highWaterMark?: number;
  /** Inbound messages per second a client may send on average. @default 50 */
  messageRate?: number;
  /** Inbound burst allowance (messages). @default 100 */
  messageBurst?: number;
  /** Invalid messages a connection may send in a burst before it is closed with 1008. @default 20 */
  maxInvalidMessages?: number;
  /** Invalid messages per second forgiven on average: the burst allowance refills at this rate. @default 0.1 */
  invalidMessageRate?: number;
  /** Simultaneous WebSocket connections; more are refused (HTTP 503) so that sockets cannot exhaust memory. @default 32 */
  maxClients?: number;
  /** Ping period (ms); a client that has not answered the previous ping is dropped (a vanished peer). @default 30000 */
  heartbeatMs?: number;
  /**
   * Extra HTML pages served at fixed paths, read once at start: URL path → file, e.g.
   * `{ '/report.html': 'runs/A/report.html' }` (the run's `robonav report`). `/pages.json` lists
   * the paths so the viewer can link them without probing for missing ones. @default {}
   */
  pages?: Record<string, string>;
}

const DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  highWaterMark: 1024 * 1024,
  messageRate: 50,
  messageBurst: 100,
  maxInvalidMessages: 20,
  invalidMessageRate: 0.1,
  maxClients: 32,
  heartbeatMs: 30_000,
};

/**
 * On every response: no other site may frame the pages (clickjacking the play controls), no Referer
 * leaves them (it would carry the token), and scripts, styles and sockets come from this server.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/** WebSocket close code for a policy violation (RFC 6455 §7.4.1). */
export const CLOSE_POLICY = 1008;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

export function defaultStaticDir(): string {
  // dist/src/server/ViewerServer.js → dist/viewer/
  return fileURLToPath(new URL('../../viewer/', import.meta.url));
}

/** One connected browser (or test client). */
export class ViewerClient {
  private static nextId = 1;
  readonly id = ViewerClient.nextId++;
  /** Camera channels the client subscribed to. */
  frames: readonly FrameKind[] = [];
  /** The saliency method this client asked for maps of, or null (none: maps are computed only for clients that ask). */
  saliency: SaliencyMethodName | null = null;
  metrics = true;
  subscribed = false;
  /** Something droppable was skipped: the session should resync this client when it drains. */
  stale = false;
  /** Messages skipped because the client's buffer was full. */
  dropped = 0;
  /** Per-client state a session may keep (a replay cursor, …). */
  state: unknown = undefined;
  /** Called before the next send once a stale client has drained (set by the server). */
  onDrained: (() => void) | null = null;
  /** Answered the last heartbeat ping. */
  alive = true;
  private readonly messages: TokenBucket;
  private readonly mistakes: TokenBucket;

  constructor(
    readonly socket: WebSocket,
    private readonly highWaterMark: number,
    limits: { messageRate: number; messageBurst: number; invalidMessageRate: number; maxInvalidMessages: number },
  ) {
    this.messages = new TokenBucket(limits.messageBurst, limits.messageRate);
    this.mistakes = new TokenBucket(limits.maxInvalidMessages, limits.invalidMessageRate);
  }

  /** Bytes queued on this socket and not yet sent. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** True while the client is behind (its queued bytes exceed the high-water mark). */
  get backlogged(): boolean {
    return this.socket.bufferedAmount > this.highWaterMark;
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Send a message. Droppable ones (steps, frames, curves) are skipped while the client is
   * backlogged, and the client is marked stale. Returns whether it was sent.
   */
  send(message: ServerMessage | string, droppable = true): boolean {
    if (!this.open) return false;
    this.resyncIfDrained();
    if (droppable && this.backlogged) {
      this.dropped += 1;
      this.stale = true;
      return false;
    }
    this.socket.send(typeof message === 'string' ? message : encodeServerMessage(message));
    return true;
  }

  /** Send a binary frame (always droppable). */
  sendBinary(bytes: Uint8Array): boolean {
    if (!this.open) return false;
    this.resyncIfDrained();
    if (this.backlogged) {
      this.dropped += 1;
      this.stale = true;
      return false;
    }
    this.socket.send(bytes, { binary: true });
    return true;
  }

  private resyncIfDrained(): void {
    if (!this.stale || this.backlogged) return;
    this.stale = false;
    this.onDrained?.();
  }

  error(code: ErrorCode, message: string): void {
    this.send({ type: 'error', code, message }, false);
  }

  /** Count an inbound message: false when it exceeds the allowed rate. */
  takeToken(): boolean {
    return this.messages.take();
  }

  /** Count an invalid message: false when there have been too many of late. */
  forgiven(): boolean {
    return this.mistakes.take();
  }
}

/** One port for the built viewer over HTTP and the protocol over WebSocket, in front of one session. */
export class ViewerServer {
  private readonly clientSet = new Set<ViewerClient>();
  private readonly files: Map<string, { body: Buffer; type: string }>;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly options: typeof DEFAULTS;
  private readonly loopbackOnly: boolean;
  private readonly token: AccessToken | null;
  private readonly heartbeat: NodeJS.Timeout;
  private boundPort = 0;
  private closed = false;

  private constructor(
    readonly session: ViewerSession,
    options: ViewerServerOptions,
  ) {
    this.options = { ...DEFAULTS, ...stripUndefined(options) } as typeof DEFAULTS;
    this.loopbackOnly = isLoopbackHost(this.options.host);
    // Beyond loopback anyone on the network could connect: a token it is, the user's or a random one.
    const token = options.token !== undefined ? checkedToken(options.token) : this.loopbackOnly ? null : newToken();
    this.token = token === null ? null : new AccessToken(token);
    this.files = loadStaticFiles(options.staticDir ?? defaultStaticDir());
    addPages(this.files, options.pages ?? {});
    this.http = createServer((req, res) => this.handleHttp(req, res));
    this.wss = new WebSocketServer({
      server: this.http,
      path: '/ws',
      maxPayload: MAX_CLIENT_MESSAGE_BYTES,
      verifyClient: (
        { req }: { req: IncomingMessage },
        done: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void,
      ) => {
        const verdict = this.token?.verify(req).verdict ?? 'ok';
        if (!this.hostAllowed(req) || !this.originAllowed(req)) done(false, 403, 'Forbidden');
        else if (verdict === 'missing') done(false, 401, 'Unauthorized', { 'www-authenticate': 'Bearer realm="robonav"' });
        else if (verdict === 'wrong') done(false, 403, 'Forbidden');
        else if (this.clientSet.size >= this.options.maxClients) done(false, 503, 'Too many viewers');
        else done(true);
      },
    });
    this.wss.on('connection', (socket) => this.handleConnection(socket));
    // unref: the heartbeat alone never keeps the process alive.
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs).unref();
    // A socket-level error (e.g. an oversized frame) is reported per connection; never let it crash the process.
    this.wss.on('error', () => undefined);
  }

  /** Start listening; resolves once the port is bound. Throws UsageError for an unfit token or a port that is taken. */
  static async start(session: ViewerSession, options: ViewerServerOptions = {}): Promise<ViewerServer> {
    const server = new ViewerServer(session, options);
    const { port, host } = server.options;
    try {
      await server.listen(port, host);
    } catch (err) {
      clearInterval(server.heartbeat);
      server.wss.close();
      throw err;
    }
    server.boundPort = (server.http.address() as AddressInfo).port;
    return server;
  }

  private listen(port: number, host: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          err.code === 'EADDRINUSE'
            ? new UsageError(`--port ${port}: already in use on ${host}`)
            : err.code === 'EADDRNOTAVAIL'
              ? new UsageError(`--host ${host}: not an address of this machine`)
              : err,
        );
      };
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** True when bound to an address other machines can reach (an explicit non-loopback --host). */
  get exposed(): boolean {
    return !this.loopbackOnly;
  }

  get host(): string {
    return this.options.host;
  }

  /** The token every request must carry, or null when none is needed (loopback without --token). */
  get accessToken(): string | null {
    return this.token?.value ?? null;
  }

  /** The viewer's address, with the token when one is needed, e.g. http://127.0.0.1:8080/ or http://10.0.0.5:8080/?token=… */
  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    const base = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.boundPort}/`;
    return this.token === null ? base : `${base}?token=${this.token.value}`;
  }

  get clientCount(): number {
    return this.clientSet.size;
  }

  /** Connected clients that have not subscribed yet (their `subscribe` is on its way). */
  get pendingCount(): number {
    let n = 0;
    for (const c of this.clientSet) if (!c.subscribed) n += 1;
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.session.close();
    for (const client of this.clientSet) client.socket.terminate();
    this.clientSet.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Drop clients that did not answer the previous ping (their peer is gone), ping the others. */
  private beat(): void {
    for (const client of this.clientSet) {
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  private handleHttp(req: IncomingMessage, res: ServerResponse): void {
    const access = this.token?.verify(req) ?? { verdict: 'ok', fromQuery: false };
    const refusal = this.refusal(req, access.verdict);
    if (refusal !== null) {
      refuse(res, refusal);
      return;
    }
    // Look the raw path up in the fixed map: no decoding, no joining with a directory.
    const raw = (req.url ?? '/').split('?')[0]!;
    const file = this.files.get(raw === '/' ? '/index.html' : raw);
    if (file === undefined) {
      refuse(res, { status: 404, text: 'not found' });
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': file.type,
      'content-length': file.body.byteLength,
      'cache-control': 'no-cache',
      // The token came in the URL: the cookie lets the page's own requests (scripts, styles, reloads) in without it.
      ...(access.fromQuery && this.token !== null ? { 'set-cookie': this.token.cookie(req) } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  /** Why an HTTP request is refused, checked in this order, or null when it may have its file. */
  private refusal(req: IncomingMessage, verdict: TokenVerdict): Refusal | null {
    if (!this.hostAllowed(req)) return { status: 403, text: 'forbidden host' };
    if (verdict === 'missing')
      return {
        status: 401,
        text: 'this viewer needs its access token: open the address robonav printed (…/?token=…)',
        headers: { 'www-authenticate': 'Bearer realm="robonav"' },
      };
    if (verdict === 'wrong') return { status: 403, text: 'wrong access token' };
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, text: 'method not allowed', headers: { allow: 'GET, HEAD' } };
    return null;
  }

  /** Bound to loopback, only requests that name a loopback host: a DNS-rebinding page names its own. */
  private hostAllowed(req: IncomingMessage): boolean {
    if (!this.loopbackOnly) return true;
    const host = req.headers.host;
    return host !== undefined && isLoopbackHost(hostnameOf(host));
  }

  /** A browser's WebSocket must come from a page of this server (the same host and port it asked for). */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser: no cross-site page involved
    try {
      return new URL(origin).host === req.headers.host?.toLowerCase();
    } catch {
      return false;
    }
  }

  private handleConnection(socket: WebSocket): void {
    const o = this.options;
    const client = new ViewerClient(socket, o.highWaterMark, o);
    this.clientSet.add(client);
    // ws closes the socket itself after a protocol error (1009 for an oversized message).
    socket.on('error', () => undefined);
    client.onDrained = () => this.session.onResync?.(client);
    socket.on('pong', () => (client.alive = true));
    socket.on('close', () => {
      if (this.clientSet.delete(client)) this.session.onClose(client);
    });
    socket.on('message', (data, isBinary) => this.handleMessage(client, data, isBinary));
    client.send({ type: 'hello', version: PROTOCOL_VERSION, ...this.session.hello() }, false);
  }

  private handleMessage(client: ViewerClient, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (!client.open) return;
    if (!client.takeToken()) {
      client.error('rate-limit', `more than ${this.options.messageRate} messages/s: closing`);
      client.socket.close(CLOSE_POLICY, 'rate limit');
      return;
    }
    if (isBinary) {
      this.reject(client, 'binary-not-accepted', 'send JSON text messages');
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.reject(client, parsed.code, parsed.error);
      return;
    }
    const message = parsed.message;
    try {
      switch (message.type) {
        case 'subscribe': {
          if (message.version !== PROTOCOL_VERSION) {
            client.error('version', `protocol version ${message.version}; this server speaks ${PROTOCOL_VERSION}`);
            client.socket.close(CLOSE_POLICY, 'protocol version');
            return;
          }
          const first = !client.subscribed;
          client.subscribed = true;
          client.frames = message.frames;
          client.metrics = message.metrics;
          this.session.onSubscribe(client, first);
          return;
        }
        case 'control':
        case 'playback': {
          if (!client.subscribed) {
            this.reject(client, 'not-subscribed', `${message.type} before subscribe`);
            return;
          }
          const handler = message.type === 'control' ? this.session.onControl : this.session.onPlayback;
          if (handler === undefined) {
            this.reject(client, 'unsupported', `this server (${this.session.hello().mode}) does not take ${message.type} messages`);
            return;
          }
          handler.call(this.session, client, message as ControlMessage & PlaybackMessage);
          return;
        }
        case 'saliency': {
          if (!client.subscribed) {
            this.reject(client, 'not-subscribed', 'saliency before subscribe');
            return;
          }
          const offered = this.session.hello().saliency ?? [];
          if (this.session.onSaliency === undefined || offered.length === 0) {
            this.reject(client, 'unsupported', 'this server has no policy to compute saliency maps with');
            return;
          }
          if (message.enabled && !offered.includes(message.method)) {
            this.reject(client, 'unsupported', `saliency method ${message.method} is not offered (${offered.join(', ')})`);
            return;
          }
          client.saliency = message.enabled ? message.method : null;
          this.session.onSaliency(client, message);
          return;
        }
      }
    } catch (err) {
      // A session failing on one client's request must not take the server down.
      client.error('bad-request', err instanceof Error ? err.message : String(err));
    }
  }

  private reject(client: ViewerClient, code: ErrorCode, message: string): void {
    client.error(code, message);
    if (!client.forgiven()) client.socket.close(CLOSE_POLICY, 'too many invalid messages');
  }
}

/** An HTTP refusal: status, a line of text, extra headers. */
interface Refusal {
  status: number;
  text: string;
  headers?: Record<string, string>;
}

function refuse(res: ServerResponse, { status, text, headers }: Refusal): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...headers }).end(`${text}\n`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon >= 0 ? hostHeader.slice(0, colon) : hostHeader;
}

/** Add the extra pages and `/pages.json` (their paths) to the file map. */
function addPages(files: Map<string, { body: Buffer; type: string }>, pages: Record<string, string>): void {
  for (const [url, file] of Object.entries(pages)) {
    if (!/^\/[\w.-]+\.html$/.test(url) || files.has(url))
      throw new UsageError(`viewer page "${url}": expected a free path like /report.html`);
    try {
      files.set(url, { body: readFileSync(file), type: CONTENT_TYPES['.html']! });
    } catch (err) {
      throw new UsageError(`viewer page ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  files.set('/pages.json', { body: Buffer.from(JSON.stringify(Object.keys(pages))), type: CONTENT_TYPES['.json']! });
}

/** Read every file of the built viewer into memory, keyed by its URL path. */
function loadStaticFiles(dir: string): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const ext = name.slice(name.lastIndexOf('.'));
        const type = CONTENT_TYPES[ext];
        if (type !== undefined) files.set(`/${relative(dir, full).split(sep).join('/')}`, { body: readFileSync(full), type });
      }
    }
  };
  try {
    walk(dir);
  } catch {
    throw new UsageError(`the viewer is not built (${dir} is missing): run npm run build`);
  }
  if (!files.has('/index.html')) throw new UsageError(`the viewer is not built (${join(dir, 'index.html')} is missing): run npm run build`);
  return files;
}
