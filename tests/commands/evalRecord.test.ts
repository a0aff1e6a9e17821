/** `robonav eval --record N`: the first N evaluation episodes as a replay file, figures unchanged. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Recording } from '../../src/runs/Recording.js';

const cli = new URL('../../dist/src/cli.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'robonav-evalrec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('robonav eval --record', () => {
  it('writes the first N episodes, replayable, with the same final metrics the evaluation counted', () => {
    const out = join(dir, 'sub', 'oracle.rec');
    const args = ['eval', '--policy', 'oracle', '--env', 'PointNav-Easy-v0', '--episodes', '3', '--json'];
    const r = spawnSync(process.execPath, [cli, ...args, '--record', '2', '--record-out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`recorded 2 episodes to ${out}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { episodes: number; success: number };
    expect(summary.episodes).toBe(3);
    const rec = Recording.read(out);
    expect(rec.header).toMatchObject({
      task: 'PointNav-Easy-v0',
      episodes: 2,
      actions: ['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT'],
    });
    for (const episode of rec.episodes) {
      const end = episode.end();
      // The oracle reaches the goal and calls STOP: the last recorded action, a terminated episode.
      expect(end.terminated).toBe(true);
      expect(end.metrics.success).toBe(1);
      expect(episode.step(episode.steps).action).toBe(0);
      expect(end.metrics.steps).toBe(episode.steps);
    }
  });
});
