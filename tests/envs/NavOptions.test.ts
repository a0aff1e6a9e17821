import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../../src/core/errors.js';
import { navOptionsSchema, parseOptions, splitOptions } from '../../envs/NavOptions.js';

describe('NavOptions', () => {
  it('fills the defaults of every option a task does not set', () => {
    const config = parseOptions('Test-v0', navOptionsSchema, { maxEpisodeSteps: 10, sensors: ['depth'] });
    expect(config).toMatchObject({
      camera: {},
      lidar: {},
      robot: {},
      continuous: false,
      split: 'train',
      episodesPerScene: 4,
      slackReward: -0.01,
      successReward: 2.5,
      collisionPenalty: 0,
      endOnSuccess: false,
      range: 20,
      pointgoalFormat: 'polar',
    });
  });

  it('names the first bad option in one UsageError', () => {
    const parse = (options: Record<string, unknown>) => () =>
      parseOptions('Test-v0', navOptionsSchema, { maxEpisodeSteps: 10, sensors: ['depth'], ...options });
    expect(parse({ sensors: ['sonar'] })).toThrow(UsageError);
    expect(parse({ sensors: ['sonar'] })).toThrow(/Test-v0 options.*sensors/);
    expect(parse({ camera: { hfov: Number.NaN } })).toThrow(/Test-v0 options: camera\.hfov/);
    expect(parse({ robot: { wheels: 3 } })).toThrow(/robot/);
    expect(parse({ range: 0 })).toThrow(/range.*> 0/);
    expect(parse({ pointgoalFormat: 'cartesian' })).toThrow(/Test-v0 options: pointgoalFormat/);
  });

  it("splits a task's own options from NavEnv's, the caller's over the registry's defaults", () => {
    const schema = z.object({ successDistance: z.number().default(0.2), tries: z.number().int().default(3) }).strict();
    const { task, base } = splitOptions('Test-v0', schema, { successDistance: 0.5, sensors: ['depth'] }, { tries: 7, range: 5 });
    expect(task).toEqual({ successDistance: 0.5, tries: 7 });
    expect(base).toEqual({ sensors: ['depth'], range: 5 });
    expect(() => splitOptions('Test-v0', schema, {}, { tries: 1.5 })).toThrow(/Test-v0 options.*tries/);
  });
});
