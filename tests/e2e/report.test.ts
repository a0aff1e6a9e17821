/**
 * The HTML report in a real browser: Debian's chromium (headless) driven by playwright-core, as in
 * viewer.test.ts. The page must open from a file:// URL with no console errors, request nothing but
 * itself and inline data, and lay out its charts and replay maps. A screenshot goes to test-output/.
 * Chromium set-up and skipping: tests/helpers/browser.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/eval/report/report.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { ROOT, serveCli } from '../helpers/cli.js';
import { writeBench, writeRecording, writeRuns } from '../eval/report/fixtures.js';

const haveChromium = chromiumAvailable('tests/e2e/report.test.ts');
const outDir = join(ROOT, 'test-output');
const work = mkdtempSync(join(tmpdir(), 'robonav-report-e2e-'));
let browser: Browser;
let viewProcess: ChildProcess | null = null;

/** Start `robonav view <source>` (stopped in afterAll) and resolve with the URL it prints. */
function startView(source: string): Promise<string> {
  const { child, url } = serveCli(['view', source, '--port', '0']);
  viewProcess = child;
  return url;
}

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(outDir, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (viewProcess && viewProcess.exitCode === null) viewProcess.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)('report in chromium', () => {
  it('opens without console errors or network requests and lays out charts and replays', async () => {
    const runs = writeRuns(work);
    const out = join(work, 'report');
    writeBench(out);
    await writeRecording(join(runs.a, 'recordings'));
    const { file } = writeReport({ runs: [runs.a, runs.b], out });

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    expect(await page.title()).toBe('robonav report');
    // Six charts (3 metrics × steps / wall-clock) and two replays, each laid out with a real size.
    const sizes = await page.$$eval('svg', (svgs) =>
      svgs.map((s) => [s.getAttribute('class'), s.getBoundingClientRect().width, s.getBoundingClientRect().height] as const),
    );
    expect(sizes.filter(([c]) => c === 'chart')).toHaveLength(6);
    expect(sizes.filter(([c]) => c === 'replay')).toHaveLength(2);
    for (const [, w, h] of sizes) {
      expect(w).toBeGreaterThan(100);
      expect(h).toBeGreaterThan(100);
    }
    // The band of the two-seed run is drawn in the return chart; the table lists both policies.
    expect(await page.locator('svg.chart polygon').count()).toBeGreaterThan(0);
    expect(await page.locator('table td', { hasText: 'oracle' }).count()).toBe(1);
    await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });
    await page.close();
  });

  it('is linked from the viewer serving the run, and served under its security policy without errors', async () => {
    const runs = writeRuns(join(work, 'served'));
    await writeRecording(join(runs.a, 'recordings'));
    writeReport({ runs: [runs.a], out: runs.a });
    const url = await startView(runs.a);

    const viewer = await browser.newPage();
    await viewer.goto(url);
    await viewer.waitForSelector('#report-link:not([hidden])', { state: 'visible', timeout: 15_000 });
    expect(await viewer.getAttribute('#report-link', 'href')).toBe('report.html');
    await viewer.close();

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const response = await page.goto(`${url}report.html`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('robonav report');
    expect(await page.locator('svg.chart').count()).toBe(6);
    // The replay map's PNG (a data: URL) is allowed by the viewer's content security policy.
    expect(problems).toEqual([]);
    await page.close();
  });
});
