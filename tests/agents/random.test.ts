import { describe, expect, it } from 'vitest';
import { Box, Discrete } from '../../src/core/spaces.js';
import type { Env } from '../../src/core/Env.js';
import { RandomPolicy } from '../../agents/random.js';

const discrete = { actionSpace: new Discrete(4) } as unknown as Env;
const box = { actionSpace: new Box([-0.5, -1], [0.5, 1], [2]) } as unknown as Env;

describe('RandomPolicy', () => {
  it('samples actions in the space, reproducibly from its seed', () => {
    const a = new RandomPolicy(3);
    const b = new RandomPolicy(3);
    const xs = Array.from({ length: 200 }, () => a.act(null, discrete) as number);
    expect(Array.from({ length: 200 }, () => b.act(null, discrete))).toEqual(xs);
    expect(new Set(xs)).toEqual(new Set([0, 1, 2, 3]));
    const c = new RandomPolicy(4);
    expect(Array.from({ length: 200 }, () => c.act(null, discrete))).not.toEqual(xs);
    for (let i = 0; i < 50; i++) expect(box.actionSpace.contains(a.act(null, box))).toBe(true);
  });
});
