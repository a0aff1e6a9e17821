/**
 * `robonav video`: the agent's view of a recording or of a run's policy as a GIF (decoded with
 * omggif) and an MP4 (probed with ffprobe), byte-identical GIFs for one seed, and bad input as one
 * line, exit code 2 and nothing written.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GifReader } from 'omggif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savePolicy } from '../../agents/common/savedPolicy.js';
import { PPO } from '../../agents/ppo.js';
import { make } from '../../envs/registry.js';
import { initBackend } from '../../src/nn/backend.js';
import { Recording } from '../../src/runs/Recording.js';
import { writeRunFile } from '../../src/runs/runFile.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { chromiumAvailable } from '../helpers/browser.js';
import { ffmpegAvailable, probe } from '../helpers/ffmpeg.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const haveFfmpeg = ffmpegAvailable('tests/commands/video.test.ts');
const haveChromium = chromiumAvailable('tests/commands/video.test.ts');
const ENV = 'PointNav-Easy-v0';
const RUN_ENV_OPTIONS = { sensors: ['pointgoal'], maxEpisodeSteps: 12 };
const root = mkdtempSync(join(tmpdir(), 'robonav-video-'));
const rec = join(root, 'oracle.rec');
const run = join(root, 'run');
const noPolicy = join(root, 'run-without-policy');
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  const recorded = await runCli([
    'eval',
    '--policy',
    'oracle',
    '--env',
    ENV,
    '--episodes',
    '2',
    '--record',
    '2',
    '--record-out',
    rec,
    '--json',
  ]);
  expect(recorded.code, recorded.stderr).toBe(0);
  // A run whose (untrained) policy sees only the point goal: quick to load and to step.
  await initBackend();
  const ppo = new PPO(() => make(ENV, RUN_ENV_OPTIONS), { numEnvs: 1, numSteps: 8, seed: 3 });
  await savePolicy(join(run, 'policy'), ppo, { env: ENV, sensors: RUN_ENV_OPTIONS.sensors });
  await ppo.close();
  const runFile = { version: 1 as const, env: ENV, envOptions: RUN_ENV_OPTIONS, agent: 'ppo' as const, config: {}, steps: 64 };
  writeRunFile(run, runFile);
  mkdirSync(noPolicy);
  writeRunFile(noPolicy, runFile);
}, 120_000);

/** A new empty folder for one test's output. */
function outDir(name: string): string {
  const dir = join(root, 'out', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('robonav video --view agent', () => {
  it('writes a GIF of every view of the recording (reset + steps), at --size, the last view held for a second', async () => {
    const out = join(outDir('gif'), 'episode.gif');
    const r = await runCli(['video', rec, '--out', out, '--size', '96x64', '--fps', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const steps = Recording.read(rec).episodes.map((e) => e.steps);
    const views = steps.reduce((n, s) => n + s + 1, 0);
    expect(lastJson(r.stdout)).toMatchObject({ out, format: 'gif', view: 'agent', episodes: 2, frames: views });
    const gif = new GifReader(readFileSync(out));
    expect([gif.width, gif.height, gif.numFrames()]).toEqual([96, 64, views]);
    // 8 fps: 12.5 cs a frame, rounded to 13 by the encoder; an episode's last view shows 8 periods (1 s).
    expect(gif.frameInfo(0).delay).toBe(13);
    expect(gif.frameInfo(steps[0]!).delay).toBe(100);
    expect(readdirSync(join(root, 'out', 'gif'))).toEqual(['episode.gif']);
  });

  it.skipIf(!haveFfmpeg)('writes an MP4 (H.264, yuv420p) with one frame per view and the held ends', async () => {
    const out = join(outDir('mp4'), 'episode.mp4');
    const r = await runCli(['video', rec, '--out', out, '--episodes', '1', '--size', '128x96', '--fps', '10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const steps = Recording.read(rec).episodes[0]!.steps;
    // steps + 1 views, the last shown 10 periods.
    const frames = steps + 1 + 9;
    expect(lastJson(r.stdout)).toMatchObject({ format: 'mp4', episodes: 1, frames });
    expect(probe(out)).toMatchObject({ codec: 'h264', pixelFormat: 'yuv420p', width: 128, height: 96, frames });
    expect(probe(out).duration).toBeCloseTo(frames / 10, 1);
  });

  it("records a run's policy on the test split first, and gives the same GIF bytes for the same seed", async () => {
    const dir = outDir('run');
    const args = (out: string): string[] => [
      'video',
      run,
      '--out',
      join(dir, out),
      '--episodes',
      '2',
      '--seed',
      '7',
      '--size',
      '64x64',
      '--json',
    ];
    const first = await runCli(args('a.gif'));
    expect(first.code, first.stderr).toBe(0);
    const summary = lastJson(first.stdout);
    expect(summary).toMatchObject({ episodes: 2 });
    // Each episode: at most 12 steps (the run's maxEpisodeSteps) + the reset view.
    expect(summary.frames as number).toBeLessThanOrEqual(26);
    expect(new GifReader(readFileSync(join(dir, 'a.gif'))).numFrames()).toBe(summary.frames);
    const second = await runCli(args('b.gif'));
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(join(dir, 'b.gif')).equals(readFileSync(join(dir, 'a.gif')))).toBe(true);
  }, 120_000);

  it('gives the same GIF bytes for the same recording and seed', async () => {
    const dir = outDir('same');
    for (const name of ['a.gif', 'b.gif']) expect((await runCli(['video', rec, '--out', join(dir, name), '--size', '64x64'])).code).toBe(0);
    expect(readFileSync(join(dir, 'a.gif')).equals(readFileSync(join(dir, 'b.gif')))).toBe(true);
  });
});

/** Variance of the luminance of an RGBA frame: ~0 for a blank (single-colour) picture. */
function lumaVariance(rgba: Uint8Array): number {
  let sum = 0;
  let sumSq = 0;
  const n = rgba.length / 4;
  for (let i = 0; i < n; i++) {
    const y = 0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!;
    sum += y;
    sumSq += y * y;
  }
  return sumSq / n - (sum / n) ** 2;
}

describe.skipIf(!haveChromium)('robonav video --view follow|orbit (headless chromium)', () => {
  for (const view of ['follow', 'orbit']) {
    it(`films the viewer with the ${view} camera: the reset view, every step and the end, at --size, not blank, moving`, async () => {
      const out = join(outDir(view), 'episode.gif');
      const r = await runCli(['video', rec, '--view', view, '--episodes', '1', '--out', out, '--size', '160x120', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const steps = Recording.read(rec).episodes[0]!.steps;
      expect(lastJson(r.stdout)).toMatchObject({ view, episodes: 1, frames: steps + 2 });
      const gif = new GifReader(readFileSync(out));
      expect([gif.width, gif.height, gif.numFrames()]).toEqual([160, 120, steps + 2]);
      const first = new Uint8Array(160 * 120 * 4);
      const last = new Uint8Array(160 * 120 * 4);
      gif.decodeAndBlitFrameRGBA(0, first);
      gif.decodeAndBlitFrameRGBA(steps + 1, last);
      expect(lumaVariance(first)).toBeGreaterThan(50);
      expect(lumaVariance(last)).toBeGreaterThan(50);
      expect(Buffer.from(last).equals(Buffer.from(first))).toBe(false);
    }, 180_000);
  }

  it('films the same frames on every run: the page draws a fixed number of frames per step', async () => {
    const dir = outDir('follow-twice');
    for (const name of ['a.gif', 'b.gif']) {
      const r = await runCli(['video', rec, '--view', 'follow', '--episodes', '1', '--out', join(dir, name), '--size', '96x64']);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readFileSync(join(dir, 'a.gif')).equals(readFileSync(join(dir, 'b.gif')))).toBe(true);
  }, 180_000);
});

describe.skipIf(!haveFfmpeg)('robonav video, interrupted', () => {
  it('removes its temporary MP4 and exits 143 on SIGTERM', async () => {
    const dir = outDir('interrupted');
    const child = spawn(process.execPath, [CLI, 'video', rec, '--out', join(dir, 'big.mp4'), '--size', '2048x2048'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Wait until ffmpeg has started writing its temporary file, then interrupt.
    const deadline = Date.now() + 60_000;
    while (!readdirSync(dir).some((name) => name.includes('.tmp-')) && Date.now() < deadline && child.exitCode === null)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readdirSync(dir).some((name) => name.includes('.tmp-'))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);
});

describe('robonav video: bad input', () => {
  const corrupt = join(root, 'corrupt.rec');
  const cases: Array<[string, () => string[], RegExp]> = [
    ['an unknown view', () => [rec, '--view', 'sideways'], /--view.*expected one of agent, follow, orbit, got "sideways"/],
    ['an --out of another format', () => [rec, '--out', 'episode.webm'], /--out .*episode\.webm: expected a file ending in \.gif or \.mp4/],
    ['a missing recording', () => [join(root, 'nothing.rec')], /nothing\.rec: no such recording/],
    ['a corrupt recording', () => [corrupt], /corrupt\.rec: not a robonav recording/],
    ['a run without a policy', () => [noPolicy], /run-without-policy: is not a run, checkpoint or policy directory/],
    ['a malformed --size', () => [rec, '--size', '256'], /--size.*expected WIDTHxHEIGHT/],
    ['a --size too large', () => [rec, '--size', '4096x64'], /--size.*\[16, 2048\]/],
    ['an odd --size for an MP4', () => [rec, '--out', 'odd.mp4', '--size', '255x256'], /--size 255x256: an MP4 .* even width and height/],
    ['an --fps out of range', () => [rec, '--fps', '0'], /--fps.*expected an integer >= 1/],
    [
      '--env-options the env rejects',
      () => [rec, '--env-options', '{"cameraSize":"big"}'],
      /--env-options \{"cameraSize":"big"\}: .*cameraSize/,
    ],
    ['--env-options that are not JSON', () => [run, '--env-options', '{'], /--env-options.*not valid JSON/],
  ];

  for (const [what, args, message] of cases) {
    it(`refuses ${what}: one line, exit 2, nothing written`, async () => {
      writeFileSync(corrupt, 'definitely not a recording');
      const dir = outDir(what.replace(/\W+/g, '-'));
      const given = args();
      const out = given.includes('--out') ? given : [...given, '--out', 'episode.gif'];
      const withDir = out.map((a, i) => (out[i - 1] === '--out' ? join(dir, a) : a));
      const r = await runCli(['video', ...withDir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('says which package to install when ffmpeg is missing, and writes nothing', async () => {
    const dir = outDir('no-ffmpeg');
    const r = await runCli(['video', rec, '--out', join(dir, 'episode.mp4')], { PATH: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `robonav: --out ${join(dir, 'episode.mp4')}: MP4 needs ffmpeg, which is not installed (apt-get install -y ffmpeg)\n`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('says which package to install when chromium is missing for the viewer views, and writes nothing', async () => {
    const dir = outDir('no-chromium');
    const r = await runCli(['video', rec, '--view', 'follow', '--out', join(dir, 'episode.gif')], {
      ROBONAV_CHROMIUM: '/nonexistent/chromium',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'robonav: --view follow: filming the viewer needs chromium, and /nonexistent/chromium is missing (apt-get install -y chromium)\n',
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an --out that is a directory', async () => {
    const dir = outDir('is-dir.gif');
    const r = await runCli(['video', rec, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`robonav: --out ${dir}: is a directory\n`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
