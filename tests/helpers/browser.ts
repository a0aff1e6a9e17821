/**
 * The browser of the e2e tests (and of `robonav video --view follow|orbit`, src/server/capture/browser.ts): Debian's chromium (`apt-get install -y chromium`, as `.ci/run`
 * does), headless, with software WebGL through SwiftShader, driven by playwright-core. Without
 * /usr/bin/chromium a suite is skipped with a printed reason, except under CI (CI set), where
 * that is an error.
 *
 *   const haveChromium = chromiumAvailable('tests/e2e/x.test.ts');
 *   beforeAll(async () => { if (haveChromium) browser = await launchChromium(); });
 *   describe.skipIf(!haveChromium)('…', …);   // browser.newPage({ viewport }) per test
 */
import type { Browser } from 'playwright-core';
import { chromiumInstalled, chromiumPath, launchChromium as launch } from '../../src/server/capture/browser.js';

/** Whether chromium is installed; says why the suite `file` is skipped if not, and throws under CI. */
export function chromiumAvailable(file: string): boolean {
  if (chromiumInstalled()) return true;
  if (process.env.CI) throw new Error(`${chromiumPath()} is missing: the browser tests need it (apt-get install -y chromium)`);
  console.log(`${file}: skipped, ${chromiumPath()} is missing (apt-get install -y chromium)`);
  return false;
}

/** Start headless chromium as `robonav video` does (a fresh temporary profile each time). Close it in afterAll. */
export function launchChromium(): Promise<Browser> {
  return launch();
}
