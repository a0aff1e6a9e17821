/**
 * The viewer filmed in headless chromium: one frame for the reset view, one per step and one for
 * the end (held), each a screenshot of the viewport's size; stopping early still closes the
 * browser. Skipped without chromium (tests/helpers/browser.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordEpisodes } from '../../../src/eval/video/recordEpisodes.js';
import { viewerFrames } from '../../../src/server/capture/viewerFrames.js';
import { chromiumAvailable } from '../../helpers/browser.js';
import { ROOT } from '../../helpers/cli.js';

const haveChromium = chromiumAvailable('tests/server/capture/viewerFrames.test.ts');
/** The viewer bundle the test setup builds (the source folder has no viewer.js). */
const staticDir = join(ROOT, 'dist', 'viewer');

/** Chromium processes started by this test process. */
function chromiumChildren(): number {
  const out = spawnSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((name) => name.includes('chrom')).length;
}

describe.skipIf(!haveChromium)('viewerFrames', () => {
  it('gives the reset view, every step and the held end, at the viewport size', async () => {
    const recording = await recordEpisodes('oracle', { env: 'PointNav-Easy-v0', episodes: 1 });
    const episode = recording.episodes[0]!;
    const holds: number[] = [];
    for await (const frame of viewerFrames([episode], {
      camera: 'follow',
      width: 120,
      height: 90,
      source: 'test',
      endHold: 4,
      staticDir,
    })) {
      expect([frame.image.width, frame.image.height, frame.image.data.length]).toEqual([120, 90, 120 * 90 * 4]);
      holds.push(frame.hold);
    }
    expect(holds).toEqual([...Array.from({ length: episode.steps + 1 }, () => 1), 4]);
  }, 120_000);

  it('closes the browser when the consumer stops early', async () => {
    const recording = await recordEpisodes('oracle', { env: 'PointNav-Easy-v0', episodes: 1 });
    const frames = viewerFrames(recording.episodes, { camera: 'orbit', width: 64, height: 64, source: 'test', staticDir });
    expect((await frames.next()).done).toBe(false);
    expect(chromiumChildren()).toBeGreaterThan(0);
    await frames.return(undefined);
    expect(chromiumChildren()).toBe(0);
  }, 120_000);
});
