/** Recording a policy's fixed episodes in memory: the same episodes and outcomes as an evaluation, RGB frames when the env has them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { savePolicy } from '../../../agents/common/savedPolicy.js';
import { PPO } from '../../../agents/ppo.js';
import { initBackend } from '../../../src/nn/backend.js';
import { fixedEpisodes } from '../../../envs/episodeFile.js';
import { make } from '../../../envs/registry.js';
import { OraclePolicy } from '../../../agents/oracle.js';
import { UsageError } from '../../../src/core/errors.js';
import { evaluate } from '../../../src/eval/evaluate.js';
import { recordEpisodes } from '../../../src/eval/video/recordEpisodes.js';

const ENV = 'PointNav-Easy-v0';

describe('recordEpisodes', () => {
  it('records the split’s first episodes with the outcomes `evaluate` gives on them', async () => {
    const recording = await recordEpisodes('oracle', { env: ENV, episodes: 3, seed: 5 });
    expect(recording.header).toMatchObject({ task: ENV, episodes: 3, actions: ['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT'] });
    expect(recording.episodes[0]!.frameKinds).toEqual([]);

    const env = make(ENV);
    const { episodes } = fixedEpisodes(ENV, env, { split: 'test', count: 3 });
    const { results } = await evaluate(env, new OraclePolicy(), episodes, { seed: 5 });
    env.close();
    expect(recording.episodes.map((e) => e.steps)).toEqual(results.map((r) => r.steps));
    expect(recording.episodes.map((e) => e.end().metrics.spl)).toEqual(results.map((r) => r.spl));
  });

  it('keeps the RGB observations as frames when the env has an RGB camera', async () => {
    const recording = await recordEpisodes('random', {
      env: ENV,
      envOptions: { sensors: ['rgb', 'pointgoal'], cameraSize: 16, maxEpisodeSteps: 5 },
      episodes: 1,
    });
    const episode = recording.episodes[0]!;
    expect(episode.frameKinds).toEqual(['rgb']);
    expect(episode.frame('rgb', episode.steps)).toMatchObject({ width: 16, height: 16, channels: 3 });
  });

  it('runs a saved policy without leaving tensors behind', async () => {
    await initBackend();
    const dir = mkdtempSync(join(tmpdir(), 'robonav-record-'));
    try {
      const options = { sensors: ['pointgoal'], maxEpisodeSteps: 6 };
      const ppo = new PPO(() => make(ENV, options), { numEnvs: 1, numSteps: 8, seed: 1 });
      await savePolicy(dir, ppo, { env: ENV, sensors: options.sensors });
      await ppo.close();
      const before = tf.memory().numTensors;
      for (let round = 0; round < 2; round++) {
        const recording = await recordEpisodes(dir, { env: ENV, envOptions: options, episodes: 2, seed: round });
        expect(recording.episodes.map((e) => e.steps).every((n) => n >= 1 && n <= 6)).toBe(true);
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a policy it does not know', async () => {
    await expect(recordEpisodes('clever', { env: ENV, episodes: 1 })).rejects.toThrow(UsageError);
  });
});
