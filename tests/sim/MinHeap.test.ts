import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/sim/MinHeap.js';
import { Rng } from '../../src/core/Rng.js';

describe('MinHeap', () => {
  it('pops ids in key order, with decrease-key', () => {
    const rng = new Rng(1);
    const n = 500;
    const keys = new Float64Array(n);
    const heap = new MinHeap(n, keys);
    for (let i = 0; i < n; i++) {
      keys[i] = rng.random();
      heap.push(i);
    }
    // Lower every third key; push restores the order.
    for (let i = 0; i < n; i += 3) {
      keys[i] = keys[i]! / 10;
      heap.push(i);
    }
    expect(heap.size).toBe(n);
    const popped: number[] = [];
    while (heap.size > 0) popped.push(heap.pop());
    expect(new Set(popped).size).toBe(n);
    for (let k = 1; k < n; k++) expect(keys[popped[k]!]!).toBeGreaterThanOrEqual(keys[popped[k - 1]!]!);
    expect(heap.has(0)).toBe(false);
  });
});
