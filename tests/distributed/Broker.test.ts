import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { Broker, BrokerError, parseBrokerUrl } from '../../src/distributed/Broker.js';
import { type RedisServer, redisAvailable, startRedis } from '../helpers/redis.js';

const haveRedis = redisAvailable('tests/distributed/Broker.test.ts');

/** Fast back-off so that a restart is noticed within a second. */
const FAST = { minBackoffMs: 50, maxBackoffMs: 200 };

describe('parseBrokerUrl', () => {
  it('reads host, port, db, user, password and TLS', () => {
    expect(parseBrokerUrl('redis://127.0.0.1:6380/2')).toMatchObject({ host: '127.0.0.1', port: 6380, db: 2, tls: false, password: '' });
    expect(parseBrokerUrl('redis://redis.example')).toMatchObject({
      host: 'redis.example',
      port: 6379,
      db: 0,
      redacted: 'redis://redis.example:6379/0',
    });
    const auth = parseBrokerUrl('rediss://robo:s%40cret@redis.example:6390/1');
    expect(auth).toMatchObject({ tls: true, username: 'robo', password: 's@cret', port: 6390, db: 1 });
    expect(auth.redacted).toBe('rediss://robo:***@redis.example:6390/1');
    expect(parseBrokerUrl('redis://:secret@[::1]:7000').redacted).toBe('redis://:***@[::1]:7000/0');
  });

  it.each([
    ['http://127.0.0.1:6379', /unsupported scheme "http"/],
    ['127.0.0.1:6379', /unsupported scheme|not a URL/],
    ['redis://', /not a URL|no host/],
    ['redis://host:99999', /not a URL|port/],
    ['redis://host/abc', /not a database number/],
    ['redis://host/0?password=x', /query strings/],
    ['redis://robo@host', /without a password/],
    ['nonsense', /not a URL/],
  ])('rejects %s naming --broker', (text, why) => {
    expect(() => parseBrokerUrl(text)).toThrow(UsageError);
    expect(() => parseBrokerUrl(text)).toThrow(/^--broker /);
    expect(() => parseBrokerUrl(text)).toThrow(why);
  });

  it('never repeats a password in its error', () => {
    expect(() => parseBrokerUrl('redis://:hunter2@host/x')).toThrow(/:\*\*\*@/);
    try {
      parseBrokerUrl('ftp://u:hunter2@host');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});

describe('Broker.connect without Redis', () => {
  it('fails within the bounded wait, naming the address', async () => {
    const lines: string[] = [];
    // Port 1 on loopback: nothing listens there.
    const started = Date.now();
    await expect(
      Broker.connect('redis://127.0.0.1:1/0', { name: 'robonav test', log: (l) => lines.push(l), connectTimeoutMs: 600, ...FAST }),
    ).rejects.toThrow(/robonav test: cannot reach Redis at 127\.0\.0\.1:1 \(ECONNREFUSED\) within 0\.6 s/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines).toEqual([]);
  });
});

describe.skipIf(!haveRedis)('Broker on a real Redis', () => {
  let redis: RedisServer;
  let secured: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
    secured = await startRedis(['--requirepass', 'secret']);
  });
  afterAll(async () => {
    await redis?.stop();
    await secured?.stop();
  });

  it('connects, runs commands on both connections, releases one quietly and closes', async () => {
    const lines: string[] = [];
    const broker = await Broker.connect(redis.url, { name: 'robonav test', log: (l) => lines.push(l) });
    expect(broker.redacted).toBe(redis.url);
    await broker.client.set('robonav:test:k', 'v');
    const other = broker.connection();
    expect(await other.get('robonav:test:k')).toBe('v');
    const released = broker.connection();
    expect(await released.ping()).toBe('PONG');
    broker.release(released);
    await new Promise((resolve) => released.once('end', resolve));
    await broker.client.del('robonav:test:k');
    await broker.close();
    expect(lines).toEqual([]);
    expect(broker.client.status).toBe('end');
    expect(other.status).toBe('end');
  });

  it('uses the password of redis://:secret@…, and fails clearly without it', async () => {
    const url = `redis://:secret@127.0.0.1:${secured.port}/0`;
    const broker = await Broker.connect(url, { name: 'robonav test', log: () => {} });
    expect(broker.redacted).toBe(`redis://:***@127.0.0.1:${secured.port}/0`);
    expect(await broker.client.ping()).toBe('PONG');
    await broker.close();
    await expect(Broker.connect(secured.url, { name: 'robonav test', log: () => {}, connectTimeoutMs: 5000 })).rejects.toThrow(
      /refused the connection: NOAUTH.*needs a password/,
    );
    const wrong = Broker.connect(`redis://:nope@127.0.0.1:${secured.port}/0`, {
      name: 'robonav test',
      log: () => {},
      connectTimeoutMs: 5000,
    });
    await expect(wrong).rejects.toThrow(BrokerError);
    await expect(wrong).rejects.toThrow(/wrong user or password/);
  });

  it('logs a loss and a reconnect when Redis restarts, and a command sent meanwhile completes', async () => {
    const lines: string[] = [];
    const broker = await Broker.connect(redis.url, { name: 'robonav actor', log: (l) => lines.push(l), ...FAST });
    const blocking = broker.connection();
    expect(await blocking.ping()).toBe('PONG');
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = broker.client.set('robonav:test:after', 'yes');
    await redis.restart();
    await during;
    expect(await broker.client.get('robonav:test:after')).toBe('yes');
    expect(await blocking.ping()).toBe('PONG');
    await broker.close();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^robonav actor: lost Redis at 127\\.0\\.0\\.1:${redis.port} \\(.+\\); reconnecting with back-off$`),
    );
    expect(lines[1]).toMatch(new RegExp(`^robonav actor: reconnected to Redis at 127\\.0\\.0\\.1:${redis.port} after \\d+\\.\\d s$`));
  });
});
