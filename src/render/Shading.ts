/**
 * Shading: what a ray hit looks like. It holds the scene's materials (colours, pattern, semantic
 * category and instance), the directional light, ambient light and sky, and turns a hit of the
 * ray caster (a HitKind and a candidate of the last gather) into a colour.
 *
 * Lighting is Lambert from the directional light plus ambient; patterns are evaluated on the hit
 * face in the primitive's local frame. Flat faces are lit uniformly, so most colours are worked out
 * ahead of time as final sRGB (0xRRGGBB): per material for faces looking up (floor, tops) and down
 * (ceiling, bottoms), per candidate and gather for side faces (flat along a gather's ray).
 * `packedColor` answers from those tables; `shadePixel` does the full computation for the rest
 * (spheres, noise patterns, fog).
 *
 * Nothing here allocates after construction: inputs come through the ray registers (`Ray`),
 * results through `color` and return values.
 */
import { UsageError } from '../core/errors.js';
import type { Material, SceneSpec } from '../sim/SceneSpec.js';
import { HitKind, Ray } from './rayQuery.js';
import { PrimitiveKind, type SceneGeometry } from './SceneGeometry.js';
import { packSrgb } from './srgb.js';
import { NOISE_IO, valueNoise } from './valueNoise.js';

/** Slots of `Shading.light`. */
export const Light = { X: 0, Y: 1, Z: 2, R: 3, G: 4, B: 5, AMBIENT: 6 } as const;

/** Material patterns, as stored in `matPattern`. */
export const PatternCode = { solid: 0, checker: 1, stripes: 2, noise: 3 } as const;

/** Largest category id a Uint8Array semantic frame can carry. */
const MAX_CATEGORY = 255;
/** Largest instance id a Uint16Array instance frame can carry. */
const MAX_INSTANCE = 65535;

/** What shading reads from the ray caster (RenderScene has all of it): the ray registers and the last gather's candidates. */
export interface GatherState {
  /** Ray registers (see `Ray`). */
  readonly ray: Float64Array;
  /** Per candidate: primitive index, entry distance (t units), world normal (x, z) and box axis of the entry face. */
  readonly candPrim: Int32Array;
  readonly candT0: Float64Array;
  readonly candNx: Float64Array;
  readonly candNz: Float64Array;
  readonly candAxis: Uint8Array;
  /** gatherMark[0] tells gathers apart: every gather changes it. */
  readonly gatherMark: Int32Array;
}

export class Shading {
  // ── Materials: index p for primitive p, `floorMaterial` for the floor, `ceilingMaterial` for the ceiling ──
  readonly floorMaterial: number;
  readonly ceilingMaterial: number;
  /** Linear RGB in [0, 1] of the base colour and the pattern's second colour. */
  readonly matR: Float64Array;
  readonly matG: Float64Array;
  readonly matB: Float64Array;
  readonly mat2R: Float64Array;
  readonly mat2G: Float64Array;
  readonly mat2B: Float64Array;
  readonly matPattern: Uint8Array;
  /** 1 / pattern scale (1/m). */
  readonly matInvScale: Float64Array;
  readonly matCategory: Uint8Array;
  readonly matInstance: Uint16Array;

  // ── Sky and light ───────────────────────────────────────────────────────────────────────────
  /*
   * Colours and light live in typed arrays, not number fields: a field that once held an integer
   * (ambient 1, a colour 0) is stored tagged, and mixing it with float math in the shading code
   * makes V8 allocate a HeapNumber per pixel.
   */
  /** Linear RGB of rays that hit nothing. */
  readonly sky = new Float64Array(3);
  /** Unit vector towards the directional light, then its intensity × colour (RGB), then ambient. */
  readonly light = new Float64Array(7);
  /** Ambient + directional light per channel on faces looking up (floor, tops) and down (ceiling, bottoms). */
  readonly upLight = new Float64Array(3);
  readonly downLight = new Float64Array(3);
  /**
   * Final sRGB (0xRRGGBB) of each material's first / second colour on faces looking up (floor,
   * tops) and down (ceiling, bottoms): their light is the same everywhere, so it is done once here.
   */
  readonly upPacked1: Int32Array;
  readonly upPacked2: Int32Array;
  readonly downPacked1: Int32Array;
  readonly downPacked2: Int32Array;
  /** sRGB of the sky, 0xRRGGBB. */
  readonly skyPacked: number;

  // ── Side faces of the last gather's candidates ──────────────────────────────────────────────
  /**
   * Side-face shading of a candidate, valid while candShadeMark equals the gather's mark: the
   * across-face pattern coordinate (m), the light per channel, and the final sRGB (0xRRGGBB) of
   * the material's two colours under that light.
   */
  readonly candU: Float64Array;
  readonly candPacked1: Int32Array;
  readonly candPacked2: Int32Array;
  private readonly candLightR: Float64Array;
  private readonly candLightG: Float64Array;
  private readonly candLightB: Float64Array;
  private readonly candShadeMark: Int32Array;

  /** Linear RGB written by shadePixel. */
  readonly color = new Float64Array(3);

  private readonly geometry: SceneGeometry;
  // The gather's arrays, held here so that per-pixel code reaches them in one step.
  private readonly ray: Float64Array;
  private readonly candPrim: Int32Array;
  private readonly candT0: Float64Array;
  private readonly candNx: Float64Array;
  private readonly candNz: Float64Array;
  private readonly candAxis: Uint8Array;
  private readonly gatherMark: Int32Array;

  /** Materials and light of a (validated) SceneSpec. Category ids must fit a byte and instance ids 16 bits. */
  constructor(spec: SceneSpec, geometry: SceneGeometry, gather: GatherState) {
    this.geometry = geometry;
    this.ray = gather.ray;
    this.candPrim = gather.candPrim;
    this.candT0 = gather.candT0;
    this.candNx = gather.candNx;
    this.candNz = gather.candNz;
    this.candAxis = gather.candAxis;
    this.gatherMark = gather.gatherMark;

    const n = geometry.count;
    const nm = n + 2;
    this.floorMaterial = n;
    this.ceilingMaterial = n + 1;
    this.matR = new Float64Array(nm);
    this.matG = new Float64Array(nm);
    this.matB = new Float64Array(nm);
    this.mat2R = new Float64Array(nm);
    this.mat2G = new Float64Array(nm);
    this.mat2B = new Float64Array(nm);
    this.matPattern = new Uint8Array(nm);
    this.matInvScale = new Float64Array(nm);
    this.matCategory = new Uint8Array(nm);
    this.matInstance = new Uint16Array(nm);
    for (const [i, p] of spec.primitives.entries()) this.setMaterial(i, p.material, `primitives[${i}]`);
    for (const [i, d] of spec.dynamic.entries())
      this.setMaterial(geometry.staticCount + i, d.primitive.material, `dynamic[${i}].primitive`);
    this.setMaterial(this.floorMaterial, spec.floor.material, 'floor');
    if (spec.ceiling) this.setMaterial(this.ceilingMaterial, spec.ceiling.material, 'ceiling');

    this.sky.set(spec.sky);
    const { direction, ambient, intensity, color } = spec.lighting;
    const len = Math.hypot(direction[0], direction[1], direction[2]);
    const light = this.light;
    light[Light.X] = direction[0] / len;
    light[Light.Y] = direction[1] / len;
    light[Light.Z] = direction[2] / len;
    light[Light.R] = intensity * color[0];
    light[Light.G] = intensity * color[1];
    light[Light.B] = intensity * color[2];
    light[Light.AMBIENT] = ambient;
    const up = Math.max(0, light[Light.Y]!);
    const down = Math.max(0, -light[Light.Y]!);
    for (let ch = 0; ch < 3; ch++) {
      this.upLight[ch] = ambient + up * light[Light.R + ch]!;
      this.downLight[ch] = ambient + down * light[Light.R + ch]!;
    }

    this.upPacked1 = new Int32Array(nm);
    this.upPacked2 = new Int32Array(nm);
    this.downPacked1 = new Int32Array(nm);
    this.downPacked2 = new Int32Array(nm);
    const ul = this.upLight;
    const dl = this.downLight;
    for (let m = 0; m < nm; m++) {
      this.upPacked1[m] = packSrgb(this.matR[m]! * ul[0]!, this.matG[m]! * ul[1]!, this.matB[m]! * ul[2]!);
      this.upPacked2[m] = packSrgb(this.mat2R[m]! * ul[0]!, this.mat2G[m]! * ul[1]!, this.mat2B[m]! * ul[2]!);
      this.downPacked1[m] = packSrgb(this.matR[m]! * dl[0]!, this.matG[m]! * dl[1]!, this.matB[m]! * dl[2]!);
      this.downPacked2[m] = packSrgb(this.mat2R[m]! * dl[0]!, this.mat2G[m]! * dl[1]!, this.mat2B[m]! * dl[2]!);
    }
    this.skyPacked = packSrgb(spec.sky[0], spec.sky[1], spec.sky[2]);

    this.candU = new Float64Array(n);
    this.candLightR = new Float64Array(n);
    this.candLightG = new Float64Array(n);
    this.candLightB = new Float64Array(n);
    this.candShadeMark = new Int32Array(n);
    this.candPacked1 = new Int32Array(n);
    this.candPacked2 = new Int32Array(n);
  }

  /** Material index of a hit (see the material arrays), or −1 for nothing hit. */
  materialOf(kind: number, cand: number): number {
    if (kind === HitKind.NONE) return -1;
    if (kind === HitKind.FLOOR) return this.floorMaterial;
    if (kind === HitKind.CEILING) return this.ceilingMaterial;
    return this.candPrim[cand]!;
  }

  /**
   * Linear RGB in [0, 1] (into `color`) of the hit (kind, cand) at ray parameter T of the ray
   * o + t·(dx, B, dz) (from `ray`) against the last gather's candidates: Lambert from the
   * directional light plus ambient, the material pattern evaluated on the hit face in the
   * primitive's local frame, sky for no hit. Side faces are flat along a gather's ray, so their
   * lighting and across-face coordinate are computed once per candidate and gather.
   */
  shadePixel(kind: number, cand: number): void {
    const out = this.color;
    if (kind === HitKind.NONE) {
      out[0] = this.sky[0]!;
      out[1] = this.sky[1]!;
      out[2] = this.sky[2]!;
      return;
    }
    const g = this.geometry;
    const light = this.light;
    const ray = this.ray;
    const ox = ray[Ray.OX]!;
    const oy = ray[Ray.OY]!;
    const oz = ray[Ray.OZ]!;
    const dx = ray[Ray.DX]!;
    const dz = ray[Ray.DZ]!;
    const b = ray[Ray.B]!;
    const t = ray[Ray.T]!;
    let m: number;
    let u: number;
    let v: number;
    let lr: number;
    let lg: number;
    let lb: number;
    if (kind === HitKind.SIDE) {
      const p = this.candPrim[cand]!;
      m = p;
      this.ensureSide(cand);
      u = this.candU[cand]!;
      v = oy + t * b - g.yMin[p]!;
      lr = this.candLightR[cand]!;
      lg = this.candLightG[cand]!;
      lb = this.candLightB[cand]!;
    } else if (kind === HitKind.FLOOR || kind === HitKind.CEILING) {
      const floor = kind === HitKind.FLOOR;
      m = floor ? this.floorMaterial : this.ceilingMaterial;
      u = ox + t * dx;
      v = oz + t * dz;
      const faceLight = floor ? this.upLight : this.downLight;
      lr = faceLight[0]!;
      lg = faceLight[1]!;
      lb = faceLight[2]!;
    } else {
      const p = this.candPrim[cand]!;
      m = p;
      const rx = ox + t * dx - g.cx[p]!;
      const rz = oz + t * dz - g.cz[p]!;
      const c = g.cosYaw[p]!;
      const s = g.sinYaw[p]!;
      const lx = rx * c - rz * s;
      const lz = rx * s + rz * c;
      if (kind === HitKind.SPHERE) {
        const inv = 1 / g.halfX[p]!;
        const ry = oy + t * b - g.cy[p]!;
        let lambert = (rx * light[Light.X]! + ry * light[Light.Y]! + rz * light[Light.Z]!) * inv;
        if (lambert < 0) lambert = 0;
        const ambient = light[Light.AMBIENT]!;
        lr = ambient + lambert * light[Light.R]!;
        lg = ambient + lambert * light[Light.G]!;
        lb = ambient + lambert * light[Light.B]!;
        u = lx + lz;
        v = ry + g.halfY[p]!;
      } else {
        const top = kind === HitKind.TOP;
        const faceLight = top ? this.upLight : this.downLight;
        lr = faceLight[0]!;
        lg = faceLight[1]!;
        lb = faceLight[2]!;
        u = lx;
        v = lz;
      }
    }
    let r = this.matR[m]!;
    let gr = this.matG[m]!;
    let bl = this.matB[m]!;
    const pattern = this.matPattern[m]!;
    if (pattern !== PatternCode.solid) {
      // How much of the second colour shows: 0 or 1 for checker and stripes, smooth for noise.
      const inv = this.matInvScale[m]!;
      let w: number;
      if (pattern === PatternCode.checker) w = (Math.floor(u * inv) + Math.floor(v * inv)) & 1;
      else if (pattern === PatternCode.stripes) w = Math.floor(v * inv) & 1;
      else {
        NOISE_IO[0] = u * inv;
        NOISE_IO[1] = v * inv;
        valueNoise();
        w = NOISE_IO[2]!;
      }
      r += (this.mat2R[m]! - r) * w;
      gr += (this.mat2G[m]! - gr) * w;
      bl += (this.mat2B[m]! - bl) * w;
    }
    out[0] = r * lr;
    out[1] = gr * lg;
    out[2] = bl * lb;
  }

  /**
   * The final sRGB (0xRRGGBB) of the hit (kind, cand) at ray parameter T of the ray in `ray`, or
   * −1 when it needs the full `shadePixel` (spheres, whose light varies per pixel, and noise
   * patterns, which blend colours). Flat faces are lit uniformly and solid, checker and stripe
   * patterns pick one of two colours, so this is a pattern test and a table lookup.
   */
  packedColor(kind: number, cand: number): number {
    if (kind === HitKind.NONE) return this.skyPacked;
    if (kind === HitKind.SPHERE) return -1;
    const ray = this.ray;
    const t = ray[Ray.T]!;
    let m: number;
    let u: number;
    let v: number;
    if (kind === HitKind.FLOOR || kind === HitKind.CEILING) {
      m = kind === HitKind.FLOOR ? this.floorMaterial : this.ceilingMaterial;
      u = ray[Ray.OX]! + t * ray[Ray.DX]!;
      v = ray[Ray.OZ]! + t * ray[Ray.DZ]!;
    } else {
      const g = this.geometry;
      m = this.candPrim[cand]!;
      if (kind === HitKind.SIDE) {
        this.ensureSide(cand);
        u = this.candU[cand]!;
        v = ray[Ray.OY]! + t * ray[Ray.B]! - g.yMin[m]!;
      } else {
        const rx = ray[Ray.OX]! + t * ray[Ray.DX]! - g.cx[m]!;
        const rz = ray[Ray.OZ]! + t * ray[Ray.DZ]! - g.cz[m]!;
        const c = g.cosYaw[m]!;
        const s = g.sinYaw[m]!;
        u = rx * c - rz * s;
        v = rx * s + rz * c;
      }
    }
    const pattern = this.matPattern[m]!;
    let second = 0;
    if (pattern === PatternCode.checker) {
      const inv = this.matInvScale[m]!;
      second = (Math.floor(u * inv) + Math.floor(v * inv)) & 1;
    } else if (pattern === PatternCode.stripes) {
      second = Math.floor(v * this.matInvScale[m]!) & 1;
    } else if (pattern === PatternCode.noise) {
      return -1;
    }
    if (kind === HitKind.SIDE) return second === 0 ? this.candPacked1[cand]! : this.candPacked2[cand]!;
    if (kind === HitKind.FLOOR || kind === HitKind.TOP) return second === 0 ? this.upPacked1[m]! : this.upPacked2[m]!;
    return second === 0 ? this.downPacked1[m]! : this.downPacked2[m]!;
  }

  /** Make candU / candPacked1 / candPacked2 (and the side light) of candidate `cand` current for this gather. */
  ensureSide(cand: number): void {
    if (this.candShadeMark[cand] !== this.gatherMark[0]) this.prepareSide(cand);
  }

  /** Drop every candidate's side shading (the gather mark is about to restart). */
  forgetSides(): void {
    this.candShadeMark.fill(0);
  }

  /** Lighting and across-face pattern coordinate (m) of a candidate's side face along this gather's ray. */
  private prepareSide(cand: number): void {
    const g = this.geometry;
    const ray = this.ray;
    const ox = ray[Ray.OX]!;
    const oz = ray[Ray.OZ]!;
    const dx = ray[Ray.DX]!;
    const dz = ray[Ray.DZ]!;
    const p = this.candPrim[cand]!;
    const t0 = this.candT0[cand]!;
    const nx = this.candNx[cand]!;
    const nz = this.candNz[cand]!;
    const light = this.light;
    let lambert = nx * light[Light.X]! + nz * light[Light.Z]!;
    if (lambert < 0) lambert = 0;
    const ambient = light[Light.AMBIENT]!;
    const lr = ambient + lambert * light[Light.R]!;
    const lg = ambient + lambert * light[Light.G]!;
    const lb = ambient + lambert * light[Light.B]!;
    this.candLightR[cand] = lr;
    this.candLightG[cand] = lg;
    this.candLightB[cand] = lb;
    this.candPacked1[cand] = packSrgb(this.matR[p]! * lr, this.matG[p]! * lg, this.matB[p]! * lb);
    this.candPacked2[cand] = packSrgb(this.mat2R[p]! * lr, this.mat2G[p]! * lg, this.mat2B[p]! * lb);
    const rx = ox + t0 * dx - g.cx[p]!;
    const rz = oz + t0 * dz - g.cz[p]!;
    const c = g.cosYaw[p]!;
    const s = g.sinYaw[p]!;
    const lx = rx * c - rz * s;
    const lz = rx * s + rz * c;
    if (g.kind[p] === PrimitiveKind.BOX) this.candU[cand] = this.candAxis[cand] === 0 ? lz : lx;
    else this.candU[cand] = g.halfX[p]! * Math.atan2(lz, lx);
    this.candShadeMark[cand] = this.gatherMark[0]!;
  }

  private setMaterial(i: number, m: Material, where: string): void {
    if (m.category > MAX_CATEGORY) throw new UsageError(`scene.${where}.material.category: ${m.category} exceeds ${MAX_CATEGORY}`);
    if (m.instance > MAX_INSTANCE) throw new UsageError(`scene.${where}.material.instance: ${m.instance} exceeds ${MAX_INSTANCE}`);
    this.matR[i] = m.color[0];
    this.matG[i] = m.color[1];
    this.matB[i] = m.color[2];
    this.matCategory[i] = m.category;
    this.matInstance[i] = m.instance;
    const pattern = m.pattern;
    this.matPattern[i] = PatternCode[pattern.type];
    if (pattern.type !== 'solid') {
      this.mat2R[i] = pattern.color2[0];
      this.mat2G[i] = pattern.color2[1];
      this.mat2B[i] = pattern.color2[2];
      this.matInvScale[i] = 1 / pattern.scale;
    }
  }
}
