import { describe, expect, it } from 'vitest';
import { startExample } from './runExample.js';

describe('examples/watch-custom-loop.ts', () => {
  it('serves the viewer while its own loop steps the env, and closes itself after --steps', async () => {
    const { child, url, exit } = startExample('watch-custom-loop', ['--steps', '400', '--port', '0', '--fps', '100']);
    try {
      const page = await fetch(await url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const run = await exit;
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^400 steps, \d+ episodes, \d+ successes$/m);
    } finally {
      child.kill();
    }
  });
});
