import { describe, expect, it } from 'vitest';
import { EpisodeMetrics, pathEfficiency, polylineLength, softSpl, spl } from '../../envs/metrics.js';

describe('metrics', () => {
  it('SPL of a straight optimal path is 1, of a path twice as long 0.5, of a failure 0', () => {
    // Start (0,0), goal (3,0): ℓ = 3 m. The robot drives straight: p = 3 m.
    const straight: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
    ];
    expect(spl(true, 3, polylineLength(straight))).toBe(1);
    // Out 1.5 m sideways and back to the line: (0,0)→(0,1.5)→(3,1.5)→(3,0) = 1.5 + 3 + 1.5 = 6 m = 2ℓ.
    const detour: Array<[number, number]> = [
      [0, 0],
      [0, 1.5],
      [3, 1.5],
      [3, 0],
    ];
    expect(polylineLength(detour)).toBe(6);
    expect(spl(true, 3, 6)).toBe(0.5);
    expect(spl(false, 3, 3)).toBe(0);
  });

  it('never rewards a path shorter than the shortest (p < ℓ counts as ℓ)', () => {
    // Success within 0.2 m can end before the goal: p = 2.9 m < ℓ = 3 m still scores 1, not 1.03.
    expect(pathEfficiency(3, 2.9)).toBe(1);
    expect(pathEfficiency(0, 0)).toBe(1);
    expect(() => pathEfficiency(-1, 0)).toThrow(RangeError);
  });

  it('soft-SPL replaces success by the fraction of the distance covered', () => {
    // d_0 = 4 m, ended 1 m away after a 4 m path: (1 − 1/4) · 4/4 = 0.75.
    expect(softSpl(4, 1, 4, 4)).toBe(0.75);
    // Ended farther than it started: progress clipped at 0.
    expect(softSpl(4, 5, 4, 8)).toBe(0);
    // Unreachable end: 0.
    expect(softSpl(4, Infinity, 4, 2)).toBe(0);
  });

  it('EpisodeMetrics accumulates path length, collisions and steps', () => {
    const m = new EpisodeMetrics();
    m.begin(0, 0, 2);
    m.record(0.25, 0, false);
    m.record(0.25, 0, true); // bumped a wall: no motion, one collision
    m.record(0.25, 0.25, false);
    const out = m.finish(true, 0.1);
    expect(out).toEqual({ success: 1, spl: 1, softSpl: (1 - 0.1 / 2) * 1, distanceToGoal: 0.1, pathLength: 0.5, collisions: 1, steps: 3 });
    m.begin(1, 1, 1);
    expect(m.finish(false, 1)).toMatchObject({ success: 0, spl: 0, softSpl: 0, pathLength: 0, collisions: 0, steps: 0 });
  });
});

describe('evaluation summary', () => {
  it('averages episodes and gives bootstrap intervals inside the range of the data', async () => {
    const { summarize } = await import('../../src/eval/evaluate.js');
    const episode = (success: number, spl: number) => ({
      success,
      spl,
      softSpl: spl,
      return: 2 * success,
      collisions: 0,
      pathLength: 4,
      steps: 10,
      distanceToGoal: 0,
    });
    const s = summarize([episode(1, 1), episode(1, 0.5), episode(0, 0), episode(1, 0.5)]);
    expect(s.episodes).toBe(4);
    expect(s.success).toBe(0.75);
    // A resample of 4 episodes has a success rate in {0, 0.25, …, 1}; P(all four successes) = 0.75⁴ ≈ 0.32
    // and P(at most one) ≈ 0.05, so the 95% interval runs from 0.25 or 0.5 up to exactly 1 — never past
    // 1, where the normal interval (0.75 ± 0.49) would reach 1.24.
    expect([0.25, 0.5]).toContain(s.ci95.success[0]);
    expect(s.ci95.success[1]).toBe(1);
    expect(s.spl).toBe(0.5);
    expect(s.ci95.spl[0]).toBeGreaterThanOrEqual(0);
    expect(s.ci95.spl[1]).toBeLessThanOrEqual(1);
    expect(s.ci95.steps).toEqual([10, 10]);
    expect(summarize([episode(1, 1), episode(0, 0)]).ci95).toEqual(summarize([episode(1, 1), episode(0, 0)]).ci95);
    expect(() => summarize([])).toThrow(/no episodes/);
  });
});
