import { describe, expect, it } from 'vitest';
import { generateScene, GENERATOR_NAMES, TMAZE_CUE_COLORS, type GeneratorName } from '../../../src/sim/generators/index.js';
import { parseSceneSpec, type SceneSpec } from '../../../src/sim/SceneSpec.js';
import { OccupancyGrid } from '../../../src/sim/OccupancyGrid.js';
import { GeodesicField } from '../../../src/sim/GeodesicField.js';
import { CATEGORIES, OBJECT_CATEGORIES } from '../../../src/sim/categories.js';
import { UsageError } from '../../../src/core/errors.js';
import { distanceToFootprint, footprintOf } from '../../../src/sim/footprint.js';

const SEEDS = [0, 1, 2, 3, 4];

function checkScene(spec: SceneSpec): void {
  // Valid as a file: survives a JSON round trip through the validator unchanged.
  expect(parseSceneSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  const grid = OccupancyGrid.fromScene(spec);
  expect(grid.isFree(spec.start.position[0], spec.start.position[1])).toBe(true);
  expect(spec.goals.length).toBeGreaterThan(0);
  const fromStart = GeodesicField.compute(grid, [spec.start.position]);
  for (const g of spec.goals) {
    if (g.instance === undefined) {
      // A point goal: reachable by the robot's centre.
      expect(grid.isFree(g.position[0], g.position[1])).toBe(true);
      expect(fromStart.distance(g.position[0], g.position[1])).toBeLessThan(Infinity);
    } else {
      // An object goal: a reachable cell lies within 0.6 m of the object's surface.
      const p = spec.primitives.find((q) => q.material.instance === g.instance)!;
      expect(p.material.category).toBe(g.category);
      const f = footprintOf(p, 10)!;
      let near = Infinity;
      for (let i = 0; i < fromStart.values.length; i++) {
        if (fromStart.values[i] === Infinity) continue;
        const r = Math.floor(i / grid.cols);
        near = Math.min(near, distanceToFootprint(f, grid.centerX(i - r * grid.cols), grid.centerZ(r)));
      }
      expect(near).toBeLessThanOrEqual(0.6);
    }
  }
}

describe.each(GENERATOR_NAMES)('generateScene(%s)', (name: GeneratorName) => {
  it('is deterministic in the seed and differs between seeds', () => {
    const a = generateScene(name, { seed: 7 });
    expect(generateScene(name, { seed: 7 })).toEqual(a);
    expect(generateScene(name, { seed: 8 })).not.toEqual(a);
    expect(a.generator).toEqual({ name, seed: 7 });
    expect(a.categories).toEqual([...CATEGORIES]);
  });

  it('validates, starts free and reaches its goal', () => {
    for (const seed of SEEDS) checkScene(generateScene(name, { seed }));
  });

  it('keeps the layout when domain randomisation is switched on', () => {
    const plain = generateScene(name, { seed: 3 });
    const styled = generateScene(name, {
      seed: 3,
      randomize: { wallColors: true, floorPatterns: true, lighting: true, objectColors: true },
    });
    expect(styled.primitives.map((p) => p.position)).toEqual(plain.primitives.map((p) => p.position));
    expect(styled.start).toEqual(plain.start);
    expect(styled.lighting).not.toEqual(plain.lighting);
    expect(styled.floor.material).not.toEqual(plain.floor.material);
    // Walls change colour together; objects change colour but keep their category and instance.
    const wall = styled.categories.indexOf('wall');
    const walls = styled.primitives.filter((p) => p.material.category === wall);
    expect(walls.every((p) => JSON.stringify(p.material) === JSON.stringify(walls[0]!.material))).toBe(true);
    expect(walls[0]!.material).not.toEqual(plain.primitives.find((p) => p.material.category === wall)!.material);
    styled.primitives.forEach((p, i) => {
      expect(p.material.category).toBe(plain.primitives[i]!.material.category);
      expect(p.material.instance).toBe(plain.primitives[i]!.material.instance);
    });
  });

  it('randomises differently per seed', () => {
    const all = { wallColors: true, floorPatterns: true, lighting: true, objectColors: true };
    const a = generateScene(name, { seed: 1, randomize: all });
    const b = generateScene(name, { seed: 2, randomize: all });
    expect(a.lighting).not.toEqual(b.lighting);
    expect(a.floor.material).not.toEqual(b.floor.material);
  });

  it('rejects a bad option naming it', () => {
    expect(() => generateScene(name, { seed: 1.5 })).toThrow(/seed/);
    expect(() => generateScene(name, { seed: 1, colour: 'red' })).toThrow(UsageError);
    expect(() => generateScene(name, { seed: 1, randomize: { walls: true } as never })).toThrow(/randomize/);
  });
});

describe('generateScene details', () => {
  it('rooms: an apartment of 50+ primitives on 10 × 10 m with a ceiling', () => {
    for (const seed of SEEDS) {
      const spec = generateScene('rooms', { seed });
      expect(spec.floor.max[0] - spec.floor.min[0]).toBe(10);
      expect(spec.primitives.length).toBeGreaterThanOrEqual(40);
      expect(spec.ceiling?.height).toBe(2.5);
    }
    const counts = [...SEEDS, 5, 6, 7, 8, 9].map((seed) => generateScene('rooms', { seed }).primitives.length);
    expect(counts.reduce((a, b) => a + b) / counts.length).toBeGreaterThanOrEqual(50);
  });

  it('rooms and arena: ObjectNav objects of every category, each its own instance, all reachable', () => {
    for (const name of ['rooms', 'arena'] as const) {
      for (const seed of [0, 1]) {
        const spec = generateScene(name, { seed, objects: {} });
        checkScene(spec);
        const categories = new Set(spec.goals.map((g) => spec.categories[g.category!]));
        expect([...categories].sort()).toEqual([...OBJECT_CATEGORIES].sort());
        const instances = spec.primitives.map((p) => p.material.instance).filter((i) => i > 0);
        expect(new Set(instances).size).toBe(instances.length);
      }
    }
  });

  it('objects: a subset of categories, several per category; unknown categories are named', () => {
    const spec = generateScene('arena', { seed: 2, objects: { categories: ['chair', 'plant'], perCategory: 2 } });
    checkScene(spec);
    const chairs = spec.goals.filter((g) => spec.categories[g.category!] === 'chair');
    expect(chairs.length).toBeGreaterThanOrEqual(2);
    expect(spec.goals.every((g) => ['chair', 'plant'].includes(spec.categories[g.category!]!))).toBe(true);
    expect(() => generateScene('arena', { seed: 2, objects: { categories: ['unicorn'] } })).toThrow(/unicorn/);
  });

  it('maze: objects sit in dead ends', () => {
    const spec = generateScene('maze', { seed: 4, objects: { categories: ['chair', 'ball'] } });
    checkScene(spec);
  });

  it('dynamic obstacles are added away from the start', () => {
    const spec = generateScene('arena', { seed: 5, dynamic: 3 });
    expect(spec.dynamic.map((d) => d.motion.type)).toEqual(['bounce', 'patrol', 'free']);
    for (const d of spec.dynamic) {
      const [x, , z] = d.primitive.position;
      expect(Math.hypot(x - spec.start.position[0], z - spec.start.position[1])).toBeGreaterThanOrEqual(1.5);
    }
  });

  it('tmaze: the cue colour names the goal arm (left = −z)', () => {
    for (const arm of ['left', 'right'] as const) {
      const spec = generateScene('tmaze', { seed: 1, arm });
      const cue = spec.primitives.filter((p) => spec.categories[p.material.category] === 'cue');
      expect(cue.length).toBe(2);
      expect(cue[0]!.material.color).toEqual(TMAZE_CUE_COLORS[arm]);
      expect(Math.sign(spec.goals[0]!.position[1])).toBe(arm === 'left' ? -1 : 1);
      expect(spec.start).toEqual({ position: [0.3, 0], yaw: 0 });
    }
    const arms = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((seed) => Math.sign(generateScene('tmaze', { seed }).goals[0]!.position[1])));
    expect(arms.size).toBe(2);
  });

  it('plans for a larger robot when asked', () => {
    for (const name of GENERATOR_NAMES) {
      const spec = generateScene(name, { seed: 2, robotRadius: 0.3 });
      const grid = OccupancyGrid.fromScene(spec, { inflate: 0.3 });
      expect(grid.isFree(spec.start.position[0], spec.start.position[1])).toBe(true);
      const field = GeodesicField.compute(grid, [spec.start.position]);
      expect(field.distance(spec.goals[0]!.position[0], spec.goals[0]!.position[1])).toBeLessThan(Infinity);
    }
  });

  it('an unknown generator lists the known ones', () => {
    expect(() => generateScene('castle' as GeneratorName, { seed: 1 })).toThrow(/rooms, maze, arena, tmaze/);
  });
});
