/** Linear-light to sRGB conversion for the renderer's 8-bit colour output. */

/** Linear [0, 1] → sRGB byte, tabulated: one lookup per channel instead of a pow. */
export const SRGB_STEPS = 4096;
export const SRGB_LUT = (() => {
  const lut = new Uint8Array(SRGB_STEPS + 1);
  for (let i = 0; i <= SRGB_STEPS; i++) {
    const c = i / SRGB_STEPS;
    const s = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
    lut[i] = Math.round(s * 255);
  }
  return lut;
})();

/** sRGB byte of a linear intensity (clamped to [0, 1]). */
export function srgbByte(linear: number): number {
  return linear <= 0 ? 0 : linear >= 1 ? 255 : SRGB_LUT[(linear * SRGB_STEPS + 0.5) | 0]!;
}

/** Three sRGB bytes of a linear colour packed as 0xRRGGBB. */
export function packSrgb(r: number, g: number, b: number): number {
  return (srgbByte(r) << 16) | (srgbByte(g) << 8) | srgbByte(b);
}
