/** Recording a policy's fixed episodes in memory: the same episodes and outcomes as an evaluation, RGB frames when the env has them. */
import { describe, expect, it } from 'vitest';
import { fixedEpisodes } from '../../../envs/episodes.js';
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

  it('refuses a policy it does not know', async () => {
    await expect(recordEpisodes('clever', { env: ENV, episodes: 1 })).rejects.toThrow(UsageError);
  });
});
