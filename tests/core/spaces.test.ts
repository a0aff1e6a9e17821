import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete, spaceFromJSON, SpaceJSONSchema, spacesEqual } from '../../src/core/spaces.js';
import { listEnvs, make } from '../../envs/registry.js';

describe('Rng', () => {
  it('repeats a stream for one seed and restores a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    const state = a.getState();
    const next = [a.random(), a.random()];
    a.setState(state);
    expect([a.random(), a.random()]).toEqual(next);
    expect(new Rng(43).nextU32()).not.toBe(xs[0]);
  });

  it('draws uniform floats with the right mean and normals with unit variance', () => {
    const rng = new Rng(1);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) sum += rng.random();
    expect(sum / n).toBeCloseTo(0.5, 1);
    for (let i = 0; i < n; i++) sq += rng.normal() ** 2;
    expect(sq / n).toBeGreaterThan(0.95);
    expect(sq / n).toBeLessThan(1.05);
  });
});

describe('spaces', () => {
  it('Box accepts in-bound typed arrays and explains the rest', () => {
    const box = new Box(-1, 1, [2]);
    expect(box.contains(new Float32Array([0.5, -1]))).toBe(true);
    expect(box.contains([0, 0])).toBe(true);
    expect(box.explain(new Float32Array([0, 2]))).toMatch(/element 1 = 2 is outside/);
    expect(box.explain(new Float32Array([0, NaN]))).toMatch(/not a number/);
    expect(box.explain(new Float32Array(3))).toMatch(/length 2/);
    expect(box.explain('x')).toMatch(/Float32Array/);
    const img = new Box(0, 255, [4, 4, 3], 'uint8');
    expect(img.contains(new Uint8Array(48))).toBe(true);
    expect(img.contains(new Float32Array(48))).toBe(false);
  });

  it('Discrete accepts integers in range only', () => {
    const d = new Discrete(4);
    expect(d.contains(3)).toBe(true);
    expect(d.explain(4)).toMatch(/outside/);
    expect(d.explain(1.5)).toMatch(/integer/);
    expect(d.explain(NaN)).toMatch(/integer/);
  });

  it('samples stay inside the space and are seeded', () => {
    const space = new Dict({ pos: new Box(-2, 3, [3]), img: new Box(0, 255, [2, 2, 1], 'uint8'), k: new Discrete(5, 1) });
    const rng = new Rng(7);
    for (let i = 0; i < 100; i++) expect(space.contains(space.sample(rng))).toBe(true);
    expect(space.sample(new Rng(3))).toEqual(space.sample(new Rng(3)));
    expect(space.explain({ pos: new Float32Array(3), img: new Uint8Array(4) })).toMatch(/missing key "k"/);
  });

  it('round-trips through JSON, infinite bounds included', () => {
    const space = new Dict({ a: new Box(-Infinity, Infinity, [2]), b: new Discrete(3) });
    const back = spaceFromJSON(JSON.parse(JSON.stringify(space.toJSON())));
    expect(spacesEqual(space, back)).toBe(true);
    expect((back as Dict).spaces.a).toBeInstanceOf(Box);
    expect(((back as Dict).spaces.a as Box).high[0]).toBe(Infinity);
  });

  it('SpaceJSONSchema accepts the spaces of every registered env and refuses JSON spaceFromJSON could not build', () => {
    for (const { id } of listEnvs()) {
      const env = make(id);
      for (const space of [env.observationSpace, env.actionSpace]) {
        const parsed = SpaceJSONSchema.parse(JSON.parse(JSON.stringify(space.toJSON())));
        expect(spacesEqual(spaceFromJSON(parsed), space), id).toBe(true);
      }
      env.close();
    }
    const bad: unknown[] = [
      { type: 'box', shape: [0], dtype: 'float32', low: [], high: [] },
      { type: 'box', shape: [2], dtype: 'float32', low: [0], high: [1, 1] },
      { type: 'box', shape: [1], dtype: 'float32', low: [2], high: [1] },
      { type: 'box', shape: [1], dtype: 'int8', low: [0], high: [1] },
      { type: 'box', shape: [4096, 4096, 4], dtype: 'uint8', low: [0], high: [255] },
      { type: 'discrete', n: 0, start: 0 },
      { type: 'dict', spaces: { a: { type: 'discrete', n: 2.5, start: 0 } } },
      { type: 'dict' },
      { type: 'tuple', spaces: [] },
      null,
    ];
    for (const json of bad) expect(SpaceJSONSchema.safeParse(json).success, JSON.stringify(json)).toBe(false);
  });
});
