/**
 * The connection to the Redis broker every distributed command shares: the `--broker` URL checked
 * up front, a bounded wait for the first connection (a clear error rather than a hang when Redis is
 * unreachable or refuses the password), and afterwards reconnection with exponential back-off, one
 * log line when the connection is lost and one when it is back. Commands issued while it is down
 * wait and run after the reconnect (`maxRetriesPerRequest: null`).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../core/errors.js';

/** A checked broker URL. */
export interface BrokerUrl {
  /** The URL as given (it holds the password, if any: never print it). */
  url: string;
  /** The URL with the password replaced by `***`, for log lines and errors. */
  redacted: string;
  /** `rediss://`: the connection uses TLS. */
  tls: boolean;
  host: string;
  port: number;
  /** The database number (the URL's path), 0 when absent. */
  db: number;
  /** The ACL user, '' for the default user. */
  username: string;
  /** The password, '' for none. */
  password: string;
}

const URL_FORM = 'redis://[user:password@]host[:port][/db] or rediss://… (TLS)';

/** `text` with anything between `scheme://…:` and `@` replaced by `***`, for messages about a URL that did not parse. */
function redactText(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/**
 * Parse and check a broker URL: `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS).
 * Throws a UsageError naming --broker, with the password redacted, when it is not one.
 */
export function parseBrokerUrl(text: string): BrokerUrl {
  const bad = (why: string): UsageError => new UsageError(`--broker "${redactText(text)}": ${why} (expected ${URL_FORM})`);
  let parsed: URL;
  try {
    parsed = new URL(text.trim());
  } catch {
    throw bad('not a URL');
  }
  const scheme = parsed.protocol.toLowerCase();
  if (scheme !== 'redis:' && scheme !== 'rediss:') throw bad(`unsupported scheme "${parsed.protocol.replace(/:$/, '')}"`);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw bad('no host');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${parsed.port} is not in 1..65535`);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw bad(`the path "/${path}" is not a database number`);
  const db = path === '' ? 0 : Number(path);
  if (db > 65535) throw bad(`database ${db} is out of range`);
  if (parsed.search !== '' || parsed.hash !== '') throw bad('query strings and fragments are not supported');
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(parsed.username);
    password = decodeURIComponent(parsed.password);
  } catch {
    throw bad('the user or password is not valid percent-encoding');
  }
  if (username !== '' && password === '') throw bad(`user "${username}" without a password (use redis://${username}:PASSWORD@…)`);
  const auth = password === '' ? '' : `${parsed.username}:***@`;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: text.trim(),
    redacted: `${scheme}//${auth}${hostPart}:${port}/${db}`,
    tls: scheme === 'rediss:',
    host,
    port,
    db,
    username,
    password,
  };
}

/** How a Broker connects and logs. */
export interface BrokerOptions {
  /** The prefix of its log lines, e.g. 'robonav actor'. */
  name: string;
  /** Where its log lines go; default: standard error. */
  log?: (line: string) => void;
  /** How long `connect` waits for the first connection before it fails; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** The first reconnection delay, doubled after each failed attempt; default 100 ms. */
  minBackoffMs?: number;
  /** The largest reconnection delay; default 5 000 ms. */
  maxBackoffMs?: number;
}

/** An error while connecting to the broker that no retry fixes soon: unreachable, or refused credentials. */
export class BrokerError extends Error {
  readonly code = 'broker' as const;
  constructor(message: string) {
    super(message);
    this.name = 'BrokerError';
  }
}

/** Redis's answers to missing or wrong credentials. */
const AUTH_ERROR = /NOAUTH|WRONGPASS|invalid password|invalid username-password|AUTH <password> called without any password/i;

/** A short reason for a lost or failed connection: the system error code, else the message. */
function reasonOf(err: Error | null): string {
  if (err === null) return 'connection closed';
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code !== '' ? code : err.message;
}

/**
 * A connection to the Redis broker, with more connections on demand (`connection()`) for blocking
 * reads and subscriptions. One log line per outage and per recovery, whichever connections are
 * affected; `close()` ends them all.
 */
export class Broker {
  /** The broker URL with the password replaced by `***`. */
  readonly redacted: string;
  private readonly where: string;
  private readonly log: (line: string) => void;
  private readonly extra: Redis[] = [];
  private readonly down = new Set<Redis>();
  private readonly released = new WeakSet<Redis>();
  private lastError: Error | null = null;
  private lostAt = 0;
  private closing = false;

  private constructor(
    private readonly target: BrokerUrl,
    private readonly options: BrokerOptions,
    /** The main connection (ioredis); its commands wait across a reconnect. */
    readonly client: Redis,
  ) {
    this.redacted = target.redacted;
    this.where = `${target.host}:${target.port}`;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.watch(client);
  }

  /**
   * Connect to the broker at `url` (checked with parseBrokerUrl). Waits at most
   * `options.connectTimeoutMs` for Redis to answer and fails with a BrokerError saying so; missing or
   * wrong credentials fail at once.
   */
  static async connect(url: string, options: BrokerOptions): Promise<Broker> {
    const target = parseBrokerUrl(url);
    const client = new Redis(Broker.redisOptions(target, options, true));
    const broker = new Broker(target, options, client);
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    let firstError: Error | null = null;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const why = firstError === null ? 'no answer' : reasonOf(firstError);
          reject(
            new BrokerError(
              `${options.name}: cannot reach Redis at ${broker.where} (${why}) within ${timeoutMs / 1000} s; is redis-server running and --broker ${target.redacted} right?`,
            ),
          );
        }, timeoutMs);
        const onError = (err: Error): void => {
          firstError ??= err;
          if (AUTH_ERROR.test(err.message)) {
            clearTimeout(timer);
            const hint = target.password === '' ? 'it needs a password: --broker redis://:PASSWORD@…' : 'wrong user or password';
            reject(
              new BrokerError(
                `${options.name}: Redis at ${broker.where} refused the connection: ${err.message.replace(/^Ready check failed: /, '')} (${hint})`,
              ),
            );
          }
        };
        client.on('error', onError);
        client.once('ready', () => {
          clearTimeout(timer);
          client.off('error', onError);
          resolve();
        });
        client.connect().catch(() => {
          // Failures arrive as 'error' events too; the retry strategy keeps trying until the timeout.
        });
      });
    } catch (err) {
      await broker.close();
      throw err;
    }
    return broker;
  }

  private static redisOptions(target: BrokerUrl, options: BrokerOptions, lazy: boolean): RedisOptions {
    const min = options.minBackoffMs ?? 100;
    const max = options.maxBackoffMs ?? 5000;
    return {
      host: target.host,
      port: target.port,
      db: target.db,
      ...(target.username !== '' ? { username: target.username } : {}),
      ...(target.password !== '' ? { password: target.password } : {}),
      ...(target.tls ? { tls: { servername: target.host } } : {}),
      lazyConnect: lazy,
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      retryStrategy: (times: number) => Math.min(max, min * 2 ** Math.min(20, times - 1)),
    };
  }

  /** Log one line when the first connection is lost and one when all are back. */
  private watch(redis: Redis): void {
    let ready = false;
    redis.on('error', (err: Error) => {
      this.lastError = err;
    });
    redis.on('ready', () => {
      ready = true;
      if (!this.down.delete(redis) || this.down.size > 0 || this.closing) return;
      const seconds = ((Date.now() - this.lostAt) / 1000).toFixed(1);
      this.log(`${this.options.name}: reconnected to Redis at ${this.where} after ${seconds} s`);
    });
    redis.on('close', () => {
      if (!ready || this.closing || this.released.has(redis)) return;
      ready = false;
      const first = this.down.size === 0;
      this.down.add(redis);
      if (!first) return;
      this.lostAt = Date.now();
      const reason = reasonOf(this.lastError);
      this.lastError = null;
      this.log(`${this.options.name}: lost Redis at ${this.where} (${reason}); reconnecting with back-off`);
    });
  }

  /**
   * Another connection with the same target, back-off and logging, for a blocking read
   * (XREADGROUP … BLOCK) or a subscription; `close()` closes it.
   */
  connection(): Redis {
    const redis = new Redis(Broker.redisOptions(this.target, this.options, false));
    this.extra.push(redis);
    this.watch(redis);
    return redis;
  }

  /** Close one connection made by `connection()` before the others (its pending commands fail). */
  release(redis: Redis): void {
    const index = this.extra.indexOf(redis);
    if (index < 0) return;
    this.extra.splice(index, 1);
    this.released.add(redis);
    this.down.delete(redis);
    redis.disconnect();
  }

  /** Close every connection and wait until they are closed; pending commands fail. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [this.client, ...this.extra].map((redis) => {
        // Between reconnection attempts there is no socket, and ioredis emits no 'end'.
        const open = redis.status !== 'end' && redis.status !== 'reconnecting';
        const ended = open ? new Promise<void>((resolve) => redis.once('end', () => resolve())) : Promise.resolve();
        redis.disconnect();
        return ended;
      }),
    );
  }
}
