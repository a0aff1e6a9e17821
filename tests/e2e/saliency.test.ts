/**
 * The saliency toggle in a real browser (Debian's chromium, as viewer.test.ts): `robonav view
 * FILE.rec --policy DIR` offers maps; switching the toggle on blends them over the agent's camera,
 * switching it off stops them. A screenshot of the camera panel goes to test-output/.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_FILE, type PolicyInfo } from '../../agents/common/policyInfo.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { ActorCritic } from '../../src/nn/ActorCritic.js';
import { initBackend } from '../../src/nn/backend.js';
import { saveModel } from '../../src/nn/fileIO.js';
import { RecordingWriter } from '../../src/runs/Recording.js';
import { streamerFor } from '../../src/stream/EpisodeStreamer.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { ROOT, serveCli } from '../helpers/cli.js';
import { FakeNavEnv, scriptedActions } from '../server/fixtures.js';

const haveChromium = chromiumAvailable('tests/e2e/saliency.test.ts');
const outDir = join(ROOT, 'test-output');
const work = mkdtempSync(join(tmpdir(), 'robonav-saliency-e2e-'));
let browser: Browser;
let child: ChildProcess | null = null;

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(outDir, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

/** A saved policy folder over FakeNavEnv's depth (8×8) and point goal. */
async function savePolicyFolder(dir: string): Promise<void> {
  await initBackend();
  const space = new Dict({ depth: new Box(0, 10, [8, 8, 1]), pointgoal: new Box(-100, 100, [2]) });
  const action = new Discrete(4);
  const net = new ActorCritic(space, action, { fusionHidden: [16] }, new Rng(2));
  await saveModel(net.toLayersModel(), dir);
  const info: PolicyInfo = {
    version: 1,
    agent: 'ppo',
    observationSpace: space.toJSON(),
    actionSpace: action.toJSON(),
    inputs: ['depth', 'pointgoal'],
    distribution: 'categorical',
    logStd: null,
    core: null,
    step: 0,
    meta: {},
  };
  writeFileSync(join(dir, POLICY_FILE), JSON.stringify(info));
  net.dispose();
}

describe.skipIf(!haveChromium)('saliency toggle in chromium', () => {
  it('blends maps over the camera while the toggle is on and asks for none once it is off', async () => {
    const inner = new FakeNavEnv();
    const streamer = streamerFor(inner, { task: 'Fake-v0' });
    const writer = new RecordingWriter({ source: 'e2e', task: 'Fake-v0', frames: ['depth'] });
    streamer.addSink(writer);
    const env = streamer.wrap(inner);
    env.reset();
    for (const a of scriptedActions()) env.step(a);
    const file = join(work, 'e2e.rec');
    writer.save(file);
    const policy = join(work, 'policy');
    await savePolicyFolder(policy);

    const served = serveCli(['view', file, '--policy', policy, '--port', '0']);
    child = served.child;
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(await served.url);
    await page.waitForFunction(() => window.robonav?.connected === true && window.robonav.cameraFrames > 0, null, { timeout: 20_000 });
    await page.selectOption('#pb-speed', '0.25');
    expect(await page.isVisible('#cam-saliency')).toBe(true);
    expect(await page.evaluate(() => window.robonav.saliencyMaps)).toBe(0);
    await page.check('#cam-saliency');
    await page.selectOption('#saliency-method', 'perturbation');
    await page.waitForFunction(() => window.robonav.saliencyMaps >= 2, null, { timeout: 20_000 });
    await page.locator('#camera-panel').screenshot({ path: join(outDir, 'viewer-saliency.png') });
    await page.uncheck('#cam-saliency');
    // In flight when the toggle went off, a map or two may still arrive; after that none.
    await page.waitForTimeout(500);
    const off = await page.evaluate(() => window.robonav.saliencyMaps);
    const framesBefore = await page.evaluate(() => window.robonav.cameraFrames);
    await page.waitForFunction((n) => window.robonav.cameraFrames > n + 2, framesBefore, { timeout: 20_000 });
    expect(await page.evaluate(() => window.robonav.saliencyMaps)).toBe(off);
    expect(await page.evaluate(() => window.robonav.errors)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
