import { describe, expect, it } from 'vitest';
import { CATEGORIES, categoryId, OBJECT_CATEGORIES, OBJECT_STYLES, objectHalfExtents } from '../../src/sim/categories.js';

describe('categories', () => {
  it('index 0 is void; object categories are a subset with distinct colours', () => {
    expect(CATEGORIES[0]).toBe('void');
    expect(new Set(CATEGORIES).size).toBe(CATEGORIES.length);
    for (const c of OBJECT_CATEGORIES) expect(CATEGORIES).toContain(c);
    const colours = OBJECT_CATEGORIES.map((c) => OBJECT_STYLES[c].color.join(','));
    expect(new Set(colours).size).toBe(OBJECT_CATEGORIES.length);
  });

  it('categoryId names the known categories when it fails', () => {
    expect(categoryId('wall')).toBe(2);
    expect(() => categoryId('dragon')).toThrow(/dragon.*void, floor, wall/);
  });

  it('half extents scale with the object', () => {
    expect(objectHalfExtents('table', 1)).toEqual([0.6, 0.4]);
    expect(objectHalfExtents('plant', 2)).toEqual([0.44, 0.44]);
  });
});
