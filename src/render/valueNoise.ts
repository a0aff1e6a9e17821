/** The `noise` material pattern: smooth, deterministic 2-D value noise (no state, no allocation). */

/** Arguments (x, y) and result of `valueNoise`: a typed array, so that a call allocates nothing. */
export const NOISE_IO = new Float64Array(3);

/** Smooth 2-D value noise in [0, 1] at (NOISE_IO[0], NOISE_IO[1]) into NOISE_IO[2]: hashed lattice values, smoothstep-interpolated. */
export function valueNoise(): void {
  const x = NOISE_IO[0]!;
  const y = NOISE_IO[1]!;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  let fx = x - x0;
  let fy = y - y0;
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  const a = lattice(x0, y0);
  const b = lattice(x0 + 1, y0);
  const c = lattice(x0, y0 + 1);
  const d = lattice(x0 + 1, y0 + 1);
  const top = a + (b - a) * fx;
  NOISE_IO[2] = (top + (c + (d - c) * fx - top) * fy) / 0xffff;
}

/** A deterministic integer in [0, 0xffff] per integer lattice point (integer hash, no state). */
function lattice(x: number, y: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0xffff;
}
