/** `CheckpointCallback`: a checkpoint every N updates and one at the end, resumable. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPO } from '../../agents/ppo.js';
import type { TrainingCallback } from '../../agents/common/callbacks.js';
import { initBackend } from '../../src/nn/backend.js';
import { CheckpointCallback } from '../../src/runs/CheckpointCallback.js';
import { loadCheckpoint } from '../../src/runs/checkpoint.js';
import { CueBandit } from '../agents/fakeEnvs.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-ckpt-callback-'));
beforeAll(async () => {
  await initBackend();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 8 transitions per update. */
const tinyPpo = (): PPO => new PPO((i) => new CueBandit(2, i), { numEnvs: 2, numSteps: 4, numMinibatches: 1, updateEpochs: 1 });

/** The update the run's checkpoint pointer names, or null. */
function pointedUpdate(dir: string): number | null {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')) as { update: number }).update;
  } catch {
    return null;
  }
}

describe('CheckpointCallback', () => {
  it('saves every N updates and at the end, and the last one resumes the run', async () => {
    const dir = path.join(root, 'every-2');
    const ppo = tinyPpo();
    const checkpoints = new CheckpointCallback(ppo, dir, { every: 2, meta: { env: 'CueBandit' } });
    const seen: Array<number | null> = [];
    const watch: TrainingCallback = { onUpdate: () => void seen.push(pointedUpdate(dir)) };
    await ppo.learn(40, { callbacks: [checkpoints, watch] });
    // Updates 1…5: saved after 2 and 4, then after 5 at the end.
    expect(seen).toEqual([null, 2, 2, 4, 4]);
    expect(pointedUpdate(dir)).toBe(5);
    expect(checkpoints.lastCheckpoint).toBe(path.join(dir, 'checkpoints', '000005'));
    const { state, meta } = await loadCheckpoint(dir);
    expect(meta).toEqual({ env: 'CueBandit' });
    expect(state).toMatchObject({ step: 40, update: 5 });
    await ppo.close();
  });

  it('with every 0 saves only at the end', async () => {
    const dir = path.join(root, 'at-end');
    const ppo = tinyPpo();
    const checkpoints = new CheckpointCallback(ppo, dir, { every: 0 });
    const seen: Array<number | null> = [];
    await ppo.learn(24, { callbacks: [checkpoints, { onUpdate: () => void seen.push(pointedUpdate(dir)) }] });
    expect(seen).toEqual([null, null, null]);
    expect(pointedUpdate(dir)).toBe(3);
    await ppo.close();
  });

  it('does not save the last update again at the end when it was just saved', async () => {
    const dir = path.join(root, 'exact');
    const ppo = tinyPpo();
    // The pointer is replaced by a rename on every save: a new inode means a new save.
    const pointerInode = (): number => statSync(path.join(dir, 'checkpoint.json')).ino;
    const inodes: number[] = [];
    const watch: TrainingCallback = {
      onUpdate: (r) => void (r.update === 3 && inodes.push(pointerInode())),
      onTrainingEnd: () => void inodes.push(pointerInode()),
    };
    await ppo.learn(24, { callbacks: [new CheckpointCallback(ppo, dir, { every: 3 }), watch] });
    expect(inodes).toHaveLength(2);
    expect(inodes[1]).toBe(inodes[0]);
    await ppo.close();
  });

  it('rejects a negative or fractional interval', () => {
    const ppo = tinyPpo();
    expect(() => new CheckpointCallback(ppo, root, { every: -1 })).toThrow(RangeError);
    expect(() => new CheckpointCallback(ppo, root, { every: 1.5 })).toThrow(RangeError);
    void ppo.close();
  });
});
