/**
 * The turbo colour map (Mikhailov 2019), shared by the PNGs robonav writes (depth images, saliency
 * overlays) and the viewer's saliency overlay, so that a map looks the same in both.
 */

/** Control points of the turbo colour map, sampled at 9 even steps from 0 to 1. */
const TURBO = [
  [0.19, 0.07, 0.23],
  [0.27, 0.41, 0.89],
  [0.16, 0.74, 0.92],
  [0.19, 0.96, 0.6],
  [0.64, 0.99, 0.24],
  [0.94, 0.8, 0.22],
  [0.98, 0.5, 0.13],
  [0.82, 0.2, 0.03],
  [0.48, 0.02, 0.01],
];
const LAST = TURBO.length - 1;

/**
 * Channel `c` (0 red, 1 green, 2 blue) of the turbo colour of `t` in [0, 1] (clamped), as 0–255,
 * not rounded: blue at 0, dark red at 1, linear between control points.
 */
export function turboChannel(t: number, c: number): number {
  const v = Math.min(1, Math.max(0, t)) * LAST;
  const k = Math.min(LAST - 1, Math.floor(v));
  const lo = TURBO[k]![c]!;
  return 255 * (lo + (TURBO[k + 1]![c]! - lo) * (v - k));
}
