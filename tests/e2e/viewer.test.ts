/**
 * End to end in a real browser: Debian's chromium (headless, software WebGL through SwiftShader)
 * driven by playwright-core opens the viewer
 *   1. on a replay served by `robonav view file.rec`: the scene appears, the canvas is not blank,
 *      the HUD's step counter advances;
 *   2. in play mode (`robonav play`, a real env): key presses move and turn the robot;
 *   3. from the address with a token that `robonav view --host 0.0.0.0` prints: the viewer connects,
 *      the token leaves the address bar, a reload still gets in (the page's cookie).
 * Screenshots go to test-output/. Chromium set-up and skipping: tests/helpers/browser.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamerFor } from '../../src/stream/EpisodeStreamer.js';
import { RecordingWriter } from '../../src/runs/Recording.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { ROOT, serveCli } from '../helpers/cli.js';
import { FakeNavEnv, scriptedActions } from '../server/fixtures.js';

const haveChromium = chromiumAvailable('tests/e2e/viewer.test.ts');
const outDir = join(ROOT, 'test-output');
const work = mkdtempSync(join(tmpdir(), 'robonav-e2e-'));
let browser: Browser;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(outDir, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

/** Start `robonav <args> --port <port>` (stopped in afterAll) and resolve with the URL it prints. */
function startCli(args: string[], port = 0): Promise<string> {
  const { child, url } = serveCli([...args, '--port', String(port)]);
  children.push(child);
  return url;
}

/** Variance of the luminance of a PNG screenshot: ~0 for a blank (single-colour) canvas. */
function lumaVariance(png: Buffer): number {
  const img = PNG.sync.read(png);
  let sum = 0;
  let sumSq = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const y = 0.299 * img.data[4 * i]! + 0.587 * img.data[4 * i + 1]! + 0.114 * img.data[4 * i + 2]!;
    sum += y;
    sumSq += y * y;
  }
  return sumSq / n - (sum / n) ** 2;
}

async function openViewer(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  await page
    .waitForFunction(() => window.robonav?.connected === true, null, { timeout: 15_000 })
    .catch((e: unknown) => {
      throw new Error(`viewer did not connect (${problems.join('; ')}): ${String(e)}`);
    });
  return page;
}

describe.skipIf(!haveChromium)('viewer in chromium', () => {
  it('replays a run: scene drawn, canvas not blank, HUD step advances, curves shown; reconnects after a restart', async () => {
    const inner = new FakeNavEnv();
    const streamer = streamerFor(inner, { task: 'Fake-v0' });
    const writer = new RecordingWriter({
      source: 'e2e',
      task: 'Fake-v0',
      actions: ['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT'],
      frames: ['rgb'],
    });
    streamer.addSink(writer);
    const env = streamer.wrap(inner);
    env.reset();
    for (const a of scriptedActions()) env.step(a);
    const run = join(work, 'run');
    mkdirSync(join(run, 'eval'), { recursive: true });
    writer.save(join(run, 'eval', 'e2e.rec'));
    writeFileSync(
      join(run, 'metrics.jsonl'),
      `${[1, 2, 3, 4].map((i) => JSON.stringify({ step: i * 1000, meanReturn: i / 4, successRate: i / 8 })).join('\n')}\n`,
    );

    const url = await startCli(['view', run]);
    const page = await openViewer(url);
    await page.waitForFunction(() => window.robonav.scenes > 0 && window.robonav.framesRendered > 0, null, { timeout: 15_000 });
    await page.waitForFunction(() => window.robonav.steps >= 2, null, { timeout: 15_000 });
    // From step 5 at a quarter of the speed: a busy machine must not reach the episode's end (the HUD
    // then reads "26 (done)") between two looks at the step counter.
    await page.selectOption('#pb-speed', '0.25');
    await page.locator('#pb-seek').fill('5');
    await page.waitForFunction(() => Number(document.getElementById('hud-step')!.textContent) >= 5, null, { timeout: 15_000 });
    if ((await page.textContent('#pb-toggle')) === 'Play') await page.click('#pb-toggle');
    const first = Number(await page.textContent('#hud-step'));
    await page.waitForFunction((n) => Number(document.getElementById('hud-step')!.textContent) > n, first, { timeout: 15_000 });
    const later = Number(await page.textContent('#hud-step'));
    expect(later).toBeGreaterThan(first);
    expect(await page.textContent('#hud-mode')).toBe('replay');
    // The agent's camera panel shows frames (RGB is on by default when the server offers frames).
    await page.waitForFunction(() => window.robonav.cameraFrames > 0, null, { timeout: 15_000 });

    // Training curves from the run's metrics.jsonl, drawn by uPlot.
    await page.waitForSelector('#charts:not([hidden]) .uplot canvas', { timeout: 15_000 });
    expect(await page.inputValue('#chart-select')).toBe('meanReturn');

    const canvas = await page.locator('#scene').screenshot();
    expect(lumaVariance(canvas)).toBeGreaterThan(50);
    await page.screenshot({ path: join(outDir, 'viewer-replay.png') });

    // Restart the server on the same port: the page notices, retries, and starts over by itself.
    const scenes = await page.evaluate(() => window.robonav.scenes);
    const server = children.at(-1)!;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    await page.waitForFunction(() => !window.robonav.connected, null, { timeout: 15_000 });
    await startCli(['view', run], Number(new URL(url).port));
    await page.waitForFunction((n) => window.robonav.connected && window.robonav.scenes > n, scenes, { timeout: 20_000 });
    await page.close();
  });

  it('needs the printed token when bound beyond loopback: the viewer connects with it and survives a reload', async () => {
    const file = join(work, 'token.rec');
    const inner = new FakeNavEnv();
    const streamer = streamerFor(inner, { task: 'Fake-v0' });
    const writer = new RecordingWriter({ source: 'e2e-token' });
    streamer.addSink(writer);
    const env = streamer.wrap(inner);
    env.reset();
    for (const a of scriptedActions()) env.step(a);
    writer.save(file);

    const url = await startCli(['view', file, '--host', '0.0.0.0']);
    expect(url).toMatch(/\/\?token=[\w-]{32}$/);
    const bare = await browser.newPage();
    const refused = await bare.goto(url.slice(0, url.indexOf('?')));
    expect(refused?.status()).toBe(401);
    await bare.close();

    const page = await openViewer(url);
    await page.waitForFunction(() => window.robonav.scenes > 0, null, { timeout: 15_000 });
    expect(page.url()).not.toContain('token');
    await page.reload();
    await page.waitForFunction(() => window.robonav?.connected === true && window.robonav.scenes > 0, null, { timeout: 15_000 });
    await page.close();
  });

  it('play mode (robonav play, real physics): key presses move and turn the robot', async () => {
    const page = await openViewer(await startCli(['play', '--env', 'PointNav-Easy-v0', '--seed', '5']));
    await page.waitForFunction(() => window.robonav.scenes > 0 && window.robonav.mode === 'play', null, { timeout: 30_000 });
    expect(await page.isVisible('#play-help')).toBe(true);
    const start = await page.evaluate(() => window.robonav.start!);
    await page.locator('#scene').click();
    await page.keyboard.press('w');
    await page.waitForFunction(() => window.robonav.steps >= 1, null, { timeout: 15_000 });
    const moved = await page.evaluate(() => window.robonav.pose!);
    // MOVE_FORWARD: up to 0.25 m along the heading (cos yaw, −sin yaw), less only if something is in the way.
    const along = (moved.x - start.x) * Math.cos(start.yaw) - (moved.z - start.z) * Math.sin(start.yaw);
    expect(along).toBeGreaterThan(0.1);
    expect(along).toBeLessThanOrEqual(0.25 + 1e-6);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => window.robonav.steps >= 2, null, { timeout: 15_000 });
    const turned = await page.evaluate(() => window.robonav.pose!);
    expect(turned.yaw - moved.yaw).toBeCloseTo(Math.PI / 18, 2);
    expect(await page.textContent('#hud-action')).toBe('TURN_LEFT');
    expect(await page.textContent('#hud-source')).toBe('PointNav-Easy-v0');
    await page.screenshot({ path: join(outDir, 'viewer-play.png') });
    await page.close();
  });
});

declare global {
  interface Window {
    robonav: {
      connected: boolean;
      mode: string;
      scenes: number;
      steps: number;
      framesRendered: number;
      cameraFrames: number;
      saliencyMaps: number;
      errors: string[];
      start: { x: number; z: number; yaw: number } | null;
      pose: { x: number; z: number; yaw: number } | null;
    };
  }
}
