/**
 * three.js materials for SceneSpec materials: a solid colour, or the spec's pattern (checker,
 * stripes, noise) painted once on a small canvas and repeated. Geometry UVs are in metres divided
 * by the pattern's tile size (see SceneView), so a pattern has the same scale on every face.
 */
import * as THREE from 'three';
import type { Material, Pattern } from '../../src/sim/SceneSpec.js';

/** Canvas texture resolution (pixels per tile side). */
const TILE_PIXELS = 64;

/** Linear [0, 1] → an sRGB CSS colour (canvas pixels are sRGB). */
export function cssColor(rgb: readonly number[]): string {
  const c = new THREE.Color().setRGB(rgb[0]!, rgb[1]!, rgb[2]!, THREE.LinearSRGBColorSpace);
  return `#${c.getHexString(THREE.SRGBColorSpace)}`;
}

export function linearColor(rgb: readonly number[]): THREE.Color {
  return new THREE.Color().setRGB(rgb[0]!, rgb[1]!, rgb[2]!, THREE.LinearSRGBColorSpace);
}

/** Size of one texture tile in metres: two checker squares, two stripes, four noise features. */
export function tileSize(pattern: Pattern): number {
  switch (pattern.type) {
    case 'solid':
      return 1;
    case 'checker':
    case 'stripes':
      return 2 * pattern.scale;
    case 'noise':
      return 4 * pattern.scale;
  }
}

export class MaterialCache {
  private readonly cache = new Map<string, THREE.MeshLambertMaterial>();

  get(material: Material, options: { transparent?: boolean } = {}): THREE.MeshLambertMaterial {
    const key = JSON.stringify([material.color, material.pattern, options.transparent === true]);
    let m = this.cache.get(key);
    if (m === undefined) {
      m = make(material, options.transparent === true);
      this.cache.set(key, m);
    }
    return m;
  }

  dispose(): void {
    for (const m of this.cache.values()) {
      m.map?.dispose();
      m.dispose();
    }
    this.cache.clear();
  }
}

function make(material: Material, transparent: boolean): THREE.MeshLambertMaterial {
  const pattern = material.pattern;
  const params: THREE.MeshLambertMaterialParameters = transparent ? { transparent: true, opacity: 0.35 } : {};
  if (pattern.type === 'solid') return new THREE.MeshLambertMaterial({ ...params, color: linearColor(material.color) });
  const texture = new THREE.CanvasTexture(paint(material.color, pattern));
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.wrapS = THREE.RepeatWrapping;
  texture.wrapT = THREE.RepeatWrapping;
  texture.magFilter = pattern.type === 'noise' ? THREE.LinearFilter : THREE.NearestFilter;
  return new THREE.MeshLambertMaterial({ ...params, map: texture });
}

function paint(color: readonly number[], pattern: Exclude<Pattern, { type: 'solid' }>): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = TILE_PIXELS;
  canvas.height = TILE_PIXELS;
  const ctx = canvas.getContext('2d')!;
  const a = cssColor(color);
  const b = cssColor(pattern.color2);
  const half = TILE_PIXELS / 2;
  ctx.fillStyle = a;
  ctx.fillRect(0, 0, TILE_PIXELS, TILE_PIXELS);
  ctx.fillStyle = b;
  switch (pattern.type) {
    case 'checker':
      ctx.fillRect(half, 0, half, half);
      ctx.fillRect(0, half, half, half);
      break;
    case 'stripes':
      // Bands along the local x axis: they alternate as u (x) advances.
      ctx.fillRect(half, 0, half, TILE_PIXELS);
      break;
    case 'noise':
      paintNoise(ctx, color, pattern.color2);
      break;
  }
  return canvas;
}

/** Smooth value noise on a 4×4 periodic lattice (so the tile repeats without seams). */
function paintNoise(ctx: CanvasRenderingContext2D, c1: readonly number[], c2: readonly number[]): void {
  const lattice = 4;
  const values = new Float32Array(lattice * lattice);
  // A fixed hash: the viewer only needs a plausible texture, not the renderer's exact noise.
  for (let i = 0; i < values.length; i++) values[i] = (((Math.sin(i * 12.9898 + 78.233) * 43758.5453) % 1) + 1) % 1;
  const img = ctx.createImageData(TILE_PIXELS, TILE_PIXELS);
  const ca = linearColor(c1).convertLinearToSRGB();
  const cb = linearColor(c2).convertLinearToSRGB();
  const smooth = (t: number): number => t * t * (3 - 2 * t);
  for (let y = 0; y < TILE_PIXELS; y++) {
    for (let x = 0; x < TILE_PIXELS; x++) {
      const fx = (x / TILE_PIXELS) * lattice;
      const fy = (y / TILE_PIXELS) * lattice;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const tx = smooth(fx - x0);
      const ty = smooth(fy - y0);
      const v = (i: number, j: number): number => values[(j % lattice) * lattice + (i % lattice)]!;
      const top = v(x0, y0) * (1 - tx) + v(x0 + 1, y0) * tx;
      const bottom = v(x0, y0 + 1) * (1 - tx) + v(x0 + 1, y0 + 1) * tx;
      const t = top * (1 - ty) + bottom * ty;
      const o = (y * TILE_PIXELS + x) * 4;
      img.data[o] = 255 * (ca.r * (1 - t) + cb.r * t);
      img.data[o + 1] = 255 * (ca.g * (1 - t) + cb.g * t);
      img.data[o + 2] = 255 * (ca.b * (1 - t) + cb.b * t);
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}
