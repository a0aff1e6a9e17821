/** Observations rebuilt from a recording are the ones the env gave the policy. */
import { describe, expect, it } from 'vitest';
import { make } from '../../envs/registry.js';
import { Box, Dict } from '../../src/core/spaces.js';
import { recordedObservation, recordedObservationProblem } from '../../src/runs/recordedObservation.js';
import { attachRecorder, Recording } from '../../src/runs/Recording.js';

describe('recordedObservation', () => {
  it.each(['polar', 'cosSin'])(
    'gives back the depth, point goal (%s), gps, compass and collision a PointNav env observed at every step',
    (pointgoalFormat) => {
      const inner = make('PointNav-Easy-v0', {
        cameraSize: 16,
        sensors: ['depth', 'pointgoal', 'gps', 'compass', 'collision'],
        pointgoalFormat,
      });
      const { env, writer } = attachRecorder(inner, { source: 'test', frames: ['depth'] });
      const seen: Array<Record<string, Float32Array>> = [];
      const copy = (obs: unknown): Record<string, Float32Array> =>
        Object.fromEntries(Object.entries(obs as Record<string, Float32Array>).map(([k, v]) => [k, v.slice()]));
      seen.push(copy(env.reset({ seed: 4 }).obs));
      for (const action of [1, 1, 2, 1, 3, 1, 1, 1, 2, 1]) seen.push(copy(env.step(action).obs));
      env.step(0);
      env.close();
      const episode = Recording.fromBytes(writer.toBytes()).episodes[0]!;
      const space = inner.observationSpace;
      expect(recordedObservationProblem(space, episode)).toBeNull();
      seen.forEach((obs, t) => {
        const rebuilt = recordedObservation(space, episode, t) as Record<string, Float32Array>;
        expect(Array.from(rebuilt.depth!), `depth ${t}`).toEqual(Array.from(obs.depth!));
        for (const key of ['pointgoal', 'gps', 'compass', 'collision']) {
          expect(rebuilt[key], key).toHaveLength(obs[key]!.length);
          for (const [i, v] of rebuilt[key]!.entries()) expect(v, `${key}[${i}] at step ${t}`).toBeCloseTo(obs[key]![i]!, 5);
        }
      });
    },
  );

  it('names what a recording cannot give back', () => {
    const inner = make('PointNav-Easy-v0', { cameraSize: 16 });
    const { env, writer } = attachRecorder(inner, { source: 'test', frames: ['depth'] });
    env.reset({ seed: 1 });
    env.step(0);
    env.close();
    const episode = Recording.fromBytes(writer.toBytes()).episodes[0]!;
    const withRgb = new Dict({ rgb: new Box(0, 255, [16, 16, 3], 'uint8'), pointgoal: new Box(0, 20, [2]) });
    expect(recordedObservationProblem(withRgb, episode)).toMatch(/no rgb frames/);
    const bigger = new Dict({ depth: new Box(0, 10, [32, 32, 1]) });
    expect(recordedObservationProblem(bigger, episode)).toMatch(/16×16×1 float32, the policy reads 32×32×1/);
    expect(recordedObservationProblem(new Dict({ lidar: new Box(0, 10, [8]) }), episode)).toMatch(/"lidar" cannot be rebuilt/);
    expect(recordedObservationProblem(new Box(0, 1, [2]), episode)).toMatch(/single unnamed observation/);
  });
});
