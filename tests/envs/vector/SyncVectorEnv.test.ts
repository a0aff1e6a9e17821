import { describe, expect, it } from 'vitest';
import type { Env, StepResult } from '../../../src/core/Env.js';
import { Box, Discrete } from '../../../src/core/spaces.js';
import { SyncVectorEnv } from '../../../envs/vector/SyncVectorEnv.js';

/** Counts steps; ends (terminated) after `length` steps; obs = [step, episode]. */
class CountingEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 1000, [2]);
  readonly actionSpace = new Discrete(2);
  private readonly obs = new Float32Array(2);
  private t = 0;
  private episode = -1;
  constructor(private readonly length: number) {}
  reset() {
    this.t = 0;
    this.episode++;
    this.obs.set([0, this.episode]);
    return { obs: this.obs, info: { episode: this.episode } };
  }
  step(action: number): StepResult<Float32Array> {
    this.t++;
    this.obs.set([this.t, this.episode]);
    return { obs: this.obs, reward: action, terminated: this.t >= this.length, truncated: false, info: { t: this.t } };
  }
  close() {}
}

describe('SyncVectorEnv', () => {
  it('batches observations and autoresets on the same step', async () => {
    const venv = new SyncVectorEnv((i) => new CountingEnv(i + 1), 2);
    const first = await venv.reset({ seed: 0 });
    expect(Array.from(first.obs as Float32Array)).toEqual([0, 0, 0, 0]);
    const r = await venv.step(new Int32Array([1, 0]));
    // env 0 (length 1) finished: its slot holds the next episode's first obs.
    expect(Array.from(r.obs as Float32Array)).toEqual([0, 1, 1, 0]);
    expect(Array.from(r.terminated)).toEqual([1, 0]);
    expect(Array.from(r.rewards)).toEqual([1, 0]);
    expect(Array.from(r.infos[0]!.finalObs as Float32Array)).toEqual([1, 0]);
    expect(r.infos[0]!.finalInfo).toEqual({ t: 1 });
    expect(r.infos[1]!.finalObs).toBeUndefined();
  });

  it('rejects a wrong number of actions', async () => {
    const venv = new SyncVectorEnv(() => new CountingEnv(3), 3);
    await venv.reset();
    await expect(venv.step(new Int32Array(2))).rejects.toThrow(/expected 3 action values/);
  });
});
