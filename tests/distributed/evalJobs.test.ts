/**
 * Faults of sharded evaluation with real actor processes: an actor killed with SIGKILL mid-job
 * (another takes its job over, the table is unchanged), an actor stopped with SIGTERM (exit 0, its
 * job handed back), a command with no actor (it says so, --broker-timeout and Ctrl-C end it and
 * delete its keys), malformed jobs and answers (rejected with a reason, nothing crashes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVAL_GROUP, EVAL_JOBS_STREAM } from '../../src/distributed/evalJobs.js';
import { startActor, stopAll, trainTinyPointGoalRun } from '../helpers/actors.js';
import { ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { type RedisServer, redisAvailable, startRedis } from '../helpers/redis.js';

const haveRedis = redisAvailable('tests/distributed/evalJobs.test.ts');
const root = mkdtempSync(path.join(tmpdir(), 'robonav-eval-jobs-'));
const run = path.join(root, 'run');
const env = { ROBONAV_BACKEND: 'wasm' };
/** Most likely actions: the tiny policy then walks the whole 200 steps, so a job lasts long enough to be killed in. */
const EVAL = ['eval', '--policy', run, '--env', 'PointNav-Easy-v0', '--episodes', '6', '--deterministic', '--per-episode', '--json'];

/** Start a CLI command without waiting for it; its result and a way to signal it. */
function startCli(args: string[]): { result: Promise<CliRun>; signal: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<CliRun>((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { result, signal: (s) => child.kill(s) };
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!haveRedis)('sharded evaluation under faults', () => {
  let redis: RedisServer;
  let client: Redis;
  let local: CliRun;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    const trained = await trainTinyPointGoalRun(run);
    expect(trained.code, trained.stderr).toBe(0);
    local = await runCli(EVAL, env);
    expect(local.code, local.stderr).toBe(0);
  }, 120_000);
  afterEach(() => stopAll());
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** Everything of the job sets is gone: only the empty shared job stream is left. */
  async function expectClean(): Promise<void> {
    expect((await client.keys('robonav:*')).sort()).toEqual([EVAL_JOBS_STREAM]);
    expect(await client.xlen(EVAL_JOBS_STREAM)).toBe(0);
  }

  /** Jobs taken and not answered, per the consumer group. */
  const pending = async (): Promise<number> => Number(((await client.xpending(EVAL_JOBS_STREAM, EVAL_GROUP)) as [number])[0]);

  it('an actor killed with SIGKILL mid-job: another takes its job over and the table is unchanged', async () => {
    const doomed = startActor(redis.url);
    await doomed.waitFor(/taking evaluation jobs/);
    const command = startCli([...EVAL, '--broker', redis.url, '--job-episodes', '3']);
    await until(async () => (await client.exists(EVAL_JOBS_STREAM)) === 1 && (await pending()) > 0);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const rescuer = startActor(redis.url, ['--reclaim-after', '1']);
    const r = await command.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(local.stdout);
    expect(rescuer.stderr()).toMatch(/robonav actor: took over job \S+ from an actor that stopped answering/);
    await expectClean();
  }, 60_000);

  it('an actor stopped with SIGTERM mid-job exits 0 and hands its job back at once', async () => {
    const stopped = startActor(redis.url);
    await stopped.waitFor(/taking evaluation jobs/);
    const command = startCli([...EVAL, '--broker', redis.url, '--job-episodes', '6']);
    await until(async () => (await client.exists(EVAL_JOBS_STREAM)) === 1 && (await pending()) > 0);
    // Frozen while its job is still pending, the actor is stopped mid-job however fast the job runs.
    stopped.child.kill('SIGSTOP');
    expect(await pending()).toBe(1);
    stopped.child.kill('SIGTERM');
    stopped.child.kill('SIGCONT');
    expect(await stopped.exited).toBe(0);
    expect(stopped.stderr()).toMatch(/SIGTERM: stopping; the running job goes back to the other actors/);
    expect(stopped.stderr()).toMatch(/stopped; 0 jobs done/);
    // A long reclaim time: the job is taken over because it was handed back, not because it went idle.
    const next = startActor(redis.url, ['--reclaim-after', '600']);
    const r = await command.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(local.stdout);
    expect(next.stderr()).toMatch(/took over job/);
    await expectClean();
  }, 60_000);

  it('with no actor it says it is waiting; --broker-timeout ends it (exit 1) and its keys are deleted', async () => {
    const r = await runCli([...EVAL, '--broker', redis.url, '--broker-timeout', '2'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /robonav eval: waiting for actors: 0\/1 jobs done, none answered in 1 s \(start one: robonav actor --broker redis:\/\/127\.0\.0\.1:\d+\/0 --eval\)/,
    );
    expect(r.stderr).toMatch(/robonav eval: no actor answered for 2 s \(--broker-timeout\); 0\/1 jobs done, gave up/);
    await expectClean();
  }, 60_000);

  it('Ctrl-C ends the wait and deletes the keys; a malformed answer meanwhile is rejected with its reason', async () => {
    const command = startCli([...EVAL, '--broker', redis.url]);
    let spec: string[] = [];
    await until(async () => {
      spec = await client.keys('robonav:eval:*:spec');
      return spec.length === 1;
    });
    const results = spec[0]!.replace(/:spec$/, ':results');
    await client.xadd(results, '*', 'answer', '{not json');
    await client.xadd(results, '*', 'answer', JSON.stringify({ job: 99, actor: 'x', results: [], replays: [] }));
    await client.xadd(results, '*', 'answer', JSON.stringify({ job: 0, actor: 'x', results: [{ success: 'yes' }], replays: [] }));
    await until(async () => (await client.xlen(results)) === 0);
    command.signal('SIGINT');
    const r = await command.result;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/robonav eval: rejected an answer \(not JSON\)/);
    expect(r.stderr).toMatch(/robonav eval: rejected an answer \(no job 99 in this set\)/);
    expect(r.stderr).toMatch(/robonav eval: rejected an answer \(answer: results\[0\]\.success: /);
    expect(r.stderr).toMatch(/robonav eval: interrupted \(SIGINT\); the job set was deleted from redis:\/\/127\.0\.0\.1:\d+\/0/);
    await expectClean();
  }, 60_000);

  it('malformed jobs are rejected with a reason and counted; the actor carries on', async () => {
    const actor = startActor(redis.url);
    await actor.waitFor(/taking evaluation jobs/);
    const set = 'ab'.repeat(8);
    await client.xadd(EVAL_JOBS_STREAM, '*', 'set', set, 'job', '{oops');
    await client.xadd(EVAL_JOBS_STREAM, '*', 'nothing', 'here');
    await client.xadd(EVAL_JOBS_STREAM, '*', 'set', set, 'job', JSON.stringify({ job: 0, policy: 0, first: 0, episodes: [] }));
    await client.xadd(
      EVAL_JOBS_STREAM,
      '*',
      'set',
      set,
      'job',
      JSON.stringify({ job: 0, policy: 0, first: 0, episodes: [{ sceneSeed: 1 }] }),
    );
    const job = { job: 0, policy: 0, first: 0, episodes: [JSON.parse(JSON.stringify(await firstEpisode()))] };
    await client.xadd(EVAL_JOBS_STREAM, '*', 'set', set, 'job', JSON.stringify(job));
    await actor.waitFor(/rejected job \S+: job set (ab)+ is gone \(its command has ended\)/);
    const spec = {
      version: 1,
      env: 'Nowhere-v9',
      envOptions: {},
      seed: 0,
      stochastic: false,
      replays: 0,
      policies: [{ name: 'random', model: false }],
      ttlSeconds: 60,
    };
    await client.set(`robonav:eval:${set}:spec`, JSON.stringify(spec), 'EX', 60);
    await client.xadd(EVAL_JOBS_STREAM, '*', 'set', set, 'job', JSON.stringify(job));
    await actor.waitFor(/env Nowhere-v9/);
    const log = actor.stderr();
    expect(log).toMatch(/rejected job \S+: the job is not JSON/);
    expect(log).toMatch(/rejected job \S+: no set or job field/);
    expect(log).toMatch(/rejected job \S+: job: episodes: /);
    expect(log).toMatch(/rejected job \S+: job: episodes\[0\]\.start: /);
    expect(log).toMatch(/rejected job \S+: env Nowhere-v9: /);
    await client.del(`robonav:eval:${set}:spec`);
    // Still taking jobs: a real evaluation goes through.
    const r = await runCli([...EVAL, '--broker', redis.url], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(local.stdout);
    actor.child.kill('SIGTERM');
    expect(await actor.exited).toBe(0);
    expect(actor.stderr()).toMatch(/stopped; 1 jobs done \(0 taken over from other actors\), 6 rejected/);
    await expectClean();
  }, 60_000);
});

/** The first test episode of PointNav-Easy-v0, as a job carries it. */
async function firstEpisode(): Promise<unknown> {
  const { make } = await import('../../envs/registry.js');
  const { fixedEpisodes } = await import('../../envs/episodeFile.js');
  const e = make('PointNav-Easy-v0', { sensors: ['pointgoal'] });
  try {
    return fixedEpisodes('PointNav-Easy-v0', e, { split: 'test', count: 1 }).episodes[0];
  } finally {
    e.close();
  }
}
