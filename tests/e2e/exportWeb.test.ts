/**
 * End to end: `robonav export-web` writes a static page, and Debian's chromium (headless, software
 * WebGL through SwiftShader, as tests/e2e/viewer.test.ts) runs it with no robonav server:
 *   1. from file://, the page runs the 20 fixed test episodes with the deterministic policy and gets
 *      what `robonav eval --deterministic --per-episode` gets on the same seeds: per episode the
 *      same success and steps, and the same path length and final distance to the goal, so that a
 *      trajectory that went another way within the time limit counts too. At most 1 episode in 20
 *      may differ: the page's policy runs on TensorFlow.js's WebGL backend, Node's on wasm, and
 *      their float32 sums are not added in the same order, so an action whose two best logits are
 *      within rounding of each other can go the other way. The simulator is the same JavaScript in
 *      both, so the same actions give the same episode to the last bit;
 *   2. on TensorFlow.js's wasm backend (`?backend=wasm`), and from a static HTTP server, the same
 *      page gives the same results;
 *   3. the saliency toggle blends maps over the camera while it is on, and the policy acts as before;
 *   4. "Drive" hands the robot to the keyboard, and handing it back restarts the episode;
 *   5. without WebGL, without its data.js and with damaged weights, the page says so in words.
 * The policy is tests/web/fixtures.ts's: a PPO network at its seeded initialisation whose actions
 * follow what it sees. Screenshots go to test-output/.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { saveTinyPolicy, TINY_ENV, TINY_ENV_OPTIONS } from '../web/fixtures.js';

const haveChromium = chromiumAvailable('tests/e2e/exportWeb.test.ts');
const outDir = join(ROOT, 'test-output');
const work = mkdtempSync(join(tmpdir(), 'robonav-export-web-'));
const policyDir = join(work, 'policy');
const site = join(work, 'site');
const EPISODES = 20;
let browser: Browser;
let server: Server;
let httpUrl = '';

/** One episode's figures, as the page and `robonav eval --per-episode` report them. */
interface EpisodeFigures {
  seed: number;
  success: number;
  spl: number;
  steps: number;
  pathLength: number;
  distanceToGoal: number;
}

interface PageState {
  status: string;
  backend: string | null;
  results: EpisodeFigures[];
  tensors: number[];
  error: string | null;
}

const pageState = (page: Page): Promise<PageState> =>
  page.evaluate(() => (window as unknown as { robonavExport: PageState }).robonavExport);

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(outDir, { recursive: true });
  await saveTinyPolicy(policyDir);
  const exported = await runCli([
    'export-web',
    policyDir,
    '--out',
    site,
    '--env',
    TINY_ENV,
    '--env-options',
    JSON.stringify(TINY_ENV_OPTIONS),
    '--episodes',
    String(EPISODES),
    // The parity check compares with robonav eval of the float32 policy itself.
    '--quantize',
    'float32',
  ]);
  expect(exported.code, exported.stderr).toBe(0);
  server = createServer((req, res) => {
    const requested = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(site, requested.endsWith('/') ? `${requested}index.html` : requested));
    try {
      const body = readFileSync(file);
      const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' }[extname(file)];
      res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  httpUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(work, { recursive: true, force: true });
});

async function openPage(url: string, init?: () => void): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 750 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  if (init) await page.addInitScript(init);
  await page.goto(url);
  return { page, problems };
}

async function waitForResults(page: Page, count: number, problems: string[]): Promise<PageState> {
  await page
    .waitForFunction(
      (n) => {
        const s = (window as unknown as { robonavExport?: PageState }).robonavExport;
        return s !== undefined && (s.status === 'error' || s.results.length >= n);
      },
      count,
      { timeout: 600_000, polling: 500 },
    )
    .catch(async (e: unknown) => {
      throw new Error(`the page did not finish (${problems.join('; ')}): ${JSON.stringify(await pageState(page))} ${String(e)}`);
    });
  const state = await pageState(page);
  expect(state.error, problems.join('; ')).toBeNull();
  return state;
}

/** Whether two runs of one episode went the same way. */
function sameEpisode(a: EpisodeFigures, b: EpisodeFigures): boolean {
  return (
    a.seed === b.seed &&
    a.success === b.success &&
    a.steps === b.steps &&
    Math.abs(a.pathLength - b.pathLength) < 1e-6 &&
    Math.abs(a.distanceToGoal - b.distanceToGoal) < 1e-6
  );
}

let fileResults: EpisodeFigures[] = [];
let nodeResults: EpisodeFigures[] = [];

describe.skipIf(!haveChromium)('the exported page in chromium', () => {
  it('runs the test episodes from file:// with the results of robonav eval --deterministic', async () => {
    const { page, problems } = await openPage(`${pathToFileURL(join(site, 'index.html')).href}?speed=max`);
    const state = await waitForResults(page, EPISODES, problems);
    fileResults = state.results;
    expect(state.backend).toBe('webgl');
    expect(await page.locator('#backend').textContent()).toBe('webgl');
    expect(await page.locator('#results tr').count()).toBe(EPISODES);
    expect(await page.locator('#summary').textContent()).toContain(`${EPISODES} of ${EPISODES} episodes`);
    const debug = await page.evaluate(() => window.robonav);
    expect(debug.scenes).toBe(EPISODES);
    expect(debug.cameraFrames).toBeGreaterThan(0);
    // The policy disposes what it makes: as many tensors alive after the last episode as after the first.
    expect(state.tensors).toHaveLength(EPISODES);
    expect(new Set(state.tensors).size, state.tensors.join(' ')).toBe(1);
    await page.screenshot({ path: join(outDir, 'export-web.png') });
    await page.close();

    const evaluated = await runCli([
      'eval',
      '--policy',
      policyDir,
      '--env',
      TINY_ENV,
      '--env-options',
      JSON.stringify(TINY_ENV_OPTIONS),
      '--episodes',
      String(EPISODES),
      '--deterministic',
      '--per-episode',
      '--json',
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const node = (JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!) as { perEpisode: EpisodeFigures[] }).perEpisode;
    expect(node).toHaveLength(EPISODES);
    nodeResults = node;
    const flips = node.filter((n, i) => !sameEpisode(n, state.results[i]!));
    console.log(`exported page vs robonav eval: ${EPISODES - flips.length} of ${EPISODES} episodes the same`);
    expect(flips.length, JSON.stringify({ node, page: state.results })).toBeLessThanOrEqual(1);
    // The comparison has something to compare: the episodes went different ways.
    expect(new Set(node.map((r) => `${r.steps}:${r.pathLength.toFixed(3)}`)).size).toBeGreaterThan(3);
  }, 900_000);

  it('runs on the wasm backend, whose binary it reads from tfjs-wasm.js, from file:// too', async () => {
    const { page, problems } = await openPage(`${pathToFileURL(join(site, 'index.html')).href}?speed=max&backend=wasm`);
    const state = await waitForResults(page, EPISODES, problems);
    expect(state.backend).toBe('wasm');
    const flips = nodeResults.filter((n, i) => !sameEpisode(n, state.results[i]!));
    console.log(`exported page on wasm vs robonav eval: ${EPISODES - flips.length} of ${EPISODES} episodes the same`);
    expect(flips.length).toBeLessThanOrEqual(1);
    await page.close();
  }, 600_000);

  it('runs the same from a static HTTP server', async () => {
    const { page, problems } = await openPage(`${httpUrl}?speed=max`);
    const state = await waitForResults(page, 3, problems);
    for (let i = 0; i < 3; i++) expect(sameEpisode(state.results[i]!, fileResults[i]!), `episode ${i}`).toBe(true);
    await page.close();
  }, 600_000);

  it('blends saliency maps over the camera while the toggle is on, without changing what the policy does', async () => {
    const { page, problems } = await openPage(`${httpUrl}?speed=20`);
    await page.check('#cam-saliency');
    await page.selectOption('#saliency-method', 'gradcam');
    await page.waitForFunction(() => window.robonav?.saliencyMaps >= 5, null, { timeout: 120_000 });
    await page.locator('#camera-panel').screenshot({ path: join(outDir, 'export-web-saliency.png') });
    await page.uncheck('#cam-saliency');
    const off = await page.evaluate(() => window.robonav.saliencyMaps);
    await page.selectOption('#speed', 'max');
    const state = await waitForResults(page, 2, problems);
    expect(await page.evaluate(() => window.robonav.saliencyMaps)).toBe(off);
    for (let i = 0; i < 2; i++) expect(sameEpisode(state.results[i]!, fileResults[i]!), `episode ${i}`).toBe(true);
    await page.close();
  }, 600_000);

  it('hands the robot to the keyboard and back; the interrupted episode restarts', async () => {
    const { page, problems } = await openPage(`${httpUrl}?speed=5`);
    await page.waitForFunction(() => window.robonav?.steps >= 2, null, { timeout: 120_000 });
    await page.click('#drive');
    expect((await pageState(page)).status).toBe('driving');
    await expect.poll(() => page.locator('#play-help').isVisible()).toBe(true);
    const before = await page.evaluate(() => window.robonav.pose!);
    for (const key of ['w', 'w', 'ArrowLeft', 'w']) await page.keyboard.press(key);
    await expect
      .poll(async () => {
        const pose = await page.evaluate(() => window.robonav.pose!);
        return Math.hypot(pose.x - before.x, pose.z - before.z) + Math.abs(pose.yaw - before.yaw);
      })
      .toBeGreaterThan(0.05);
    await page.click('#drive');
    await page.selectOption('#speed', 'max');
    const state = await waitForResults(page, 2, problems);
    expect(state.status).not.toBe('driving');
    for (let i = 0; i < 2; i++) expect(sameEpisode(state.results[i]!, fileResults[i]!), `episode ${i}`).toBe(true);
    await page.close();
  }, 600_000);

  it('says in words that WebGL is missing instead of showing a blank canvas', async () => {
    const { page } = await openPage(pathToFileURL(join(site, 'index.html')).href, () => {
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
        if (/webgl/.test(kind)) return null;
        return (original as (...a: unknown[]) => unknown).call(this, kind, ...rest);
      } as typeof original;
    });
    await page.waitForFunction(() => (window as unknown as { robonavExport: PageState }).robonavExport.status === 'error');
    await expect.poll(() => page.locator('#page-error').isVisible()).toBe(true);
    expect(await page.locator('#page-error h1').textContent()).toBe('WebGL is not available');
    expect(await page.locator('#page-error p').textContent()).toMatch(/turn on hardware acceleration/i);
    await page.screenshot({ path: join(outDir, 'export-web-no-webgl.png') });
    await page.close();
  }, 120_000);

  it('says in words that its data is missing when data.js is not beside it', async () => {
    const bare = join(work, 'bare');
    cpSync(site, bare, { recursive: true });
    rmSync(join(bare, 'data.js'));
    const { page } = await openPage(pathToFileURL(join(bare, 'index.html')).href);
    await page.waitForFunction(() => (window as unknown as { robonavExport: PageState }).robonavExport.status === 'error');
    expect(await page.locator('#page-error h1').textContent()).toBe('This page has no usable data');
    expect(await page.locator('#page-error p').textContent()).toMatch(/data\.js is missing/);
    await page.close();
  }, 120_000);

  it('says in words that the model failed to load when its weights are damaged', async () => {
    const damaged = join(work, 'damaged');
    cpSync(site, damaged, { recursive: true });
    const dataFile = join(damaged, 'data.js');
    const text = readFileSync(dataFile, 'utf8');
    const prefix = 'window.ROBONAV_EXPORT = ';
    const data = JSON.parse(text.slice(prefix.length, text.lastIndexOf(';'))) as { model: { weights: string } };
    data.model.weights = data.model.weights.slice(0, 4000);
    writeFileSync(dataFile, `${prefix}${JSON.stringify(data)};\n`);
    const { page } = await openPage(pathToFileURL(join(damaged, 'index.html')).href);
    await page.waitForFunction(() => (window as unknown as { robonavExport: PageState }).robonavExport.status === 'error', null, {
      timeout: 60_000,
    });
    await expect.poll(() => page.locator('#page-error').isVisible()).toBe(true);
    expect(await page.locator('#page-error h1').textContent()).toBe('The policy could not be loaded');
    expect(await page.locator('#page-error p').textContent()).toMatch(/the weights hold 3000 bytes, the model's manifest needs \d+/);
    await page.close();
  }, 120_000);
});
