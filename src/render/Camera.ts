/**
 * The robot's egocentric pinhole camera: depth, RGB and semantic frames ray-cast on the CPU.
 *
 * Frame conventions: row 0 is the top of the image, column 0 the left; rgb is HWC uint8 (sRGB),
 * depth float32 metres along the optical axis clipped to [near, far], semantic the category id
 * (0 = nothing hit), instance the material's instance id.
 *
 * Per-pixel ray directions are fixed in the robot frame at construction (forward, up, left
 * components, forward = 1 on the optical axis so the ray parameter is depth); a frame only rotates
 * them by the robot's yaw. At zero pitch every ray of a column shares one horizontal direction, so
 * the scene is walked once per column (see RenderScene); with pitch each ray walks it alone, about
 * ten times slower (≈ 0.6 ms for a 64×64 depth frame against ≈ 0.05 ms level).
 * All requested outputs come from the same ray and the same traversal.
 */
import { Rng } from '../core/Rng.js';
import { UsageError } from '../core/errors.js';
import { HitKind, Ray } from './rayQuery.js';
import type { RenderScene } from './RenderScene.js';
import { PrimitiveKind } from './SceneGeometry.js';
import { PatternCode } from './Shading.js';
import { srgbByte } from './srgb.js';

/** The camera's resolution, optics and image effects; `DEFAULT_CAMERA` holds the defaults. */
export interface CameraConfig {
  /** Image width and height (pixels). */
  width: number;
  height: number;
  /** Horizontal field of view (rad), in (0, π). */
  hfov: number;
  /** Height of the optical centre above the floor (m). */
  mountHeight: number;
  /** Tilt of the optical axis (rad), + looks up, in (−π/2, π/2). */
  pitch: number;
  /** Depth clipping range (m). */
  near: number;
  far: number;
  /** Which outputs to render. `semantic` fills both the category and the instance frame. */
  rgb: boolean;
  depth: boolean;
  semantic: boolean;
  /** Depth noise: std (m) of Gaussian noise at 1 m, growing with depth² as in structured-light sensors. */
  depthNoise: number;
  /** RGB noise: std of Gaussian pixel noise as a fraction of full scale (0..1). */
  rgbNoise: number;
  /** Blend distant surfaces into the sky colour. */
  fog: boolean;
  /** Fog density (1/m): a surface at depth d keeps exp(−fogDensity·d) of its colour. @default 0.15 */
  fogDensity: number;
}

/** A 64×64 depth camera with a 90° horizontal field of view, 0.88 m above the floor, level, 10 m far plane. */
export const DEFAULT_CAMERA: CameraConfig = {
  width: 64,
  height: 64,
  hfov: Math.PI / 2,
  mountHeight: 0.88,
  pitch: 0,
  near: 0.01,
  far: 10,
  rgb: false,
  depth: true,
  semantic: false,
  depthNoise: 0,
  rgbNoise: 0,
  fog: false,
  fogDensity: 0.15,
};

/** Output buffers of one frame, owned by the caller and overwritten by `Camera.render`. */
export interface CameraFrame {
  /** H*W*3, row-major HWC, row 0 = top. */
  rgb: Uint8Array | null;
  /** H*W, metres along the optical axis, clipped to [near, far]. */
  depth: Float32Array | null;
  /** H*W, category id per pixel (0 = void / nothing hit). */
  semantic: Uint8Array | null;
  /** H*W, instance id per pixel. */
  instance: Uint16Array | null;
}

/** Buffers for the outputs `config` enables (null for the others). */
export function allocateFrame(config: CameraConfig): CameraFrame {
  const n = config.width * config.height;
  return {
    rgb: config.rgb ? new Uint8Array(n * 3) : null,
    depth: config.depth ? new Float32Array(n) : null,
    semantic: config.semantic ? new Uint8Array(n) : null,
    instance: config.semantic ? new Uint16Array(n) : null,
  };
}

/**
 * The robot's egocentric pinhole camera, ray-cast on the CPU: writes RGB (uint8 sRGB), depth (m)
 * and semantic frames into buffers it is handed (`allocateFrame`), allocating nothing per frame.
 */
export class Camera {
  readonly config: CameraConfig;
  /** Per row: forward and up components of the ray direction in the robot frame (pitch applied). */
  private readonly rowForward: Float64Array;
  private readonly rowUp: Float64Array;
  /** Per column: left component of the ray direction in the robot frame. */
  private readonly colLeft: Float64Array;
  /** tan of half the vertical field of view. */
  private readonly tanY: number;
  /** Per row: how far its rays must walk the grid (t units), refreshed per frame for the scene. */
  private readonly rowLimit: Float64Array;
  /** Per-column scratch (one entry per row): nearest hit t, HitKind, candidate index. */
  private readonly colT: Float64Array;
  private readonly colKind: Uint8Array;
  private readonly colCand: Int32Array;
  /** Per row: floor / ceiling hit t and kind (zero pitch). */
  private readonly rowPlaneT: Float64Array;
  private readonly rowPlaneKind: Uint8Array;
  /** The frame being rendered (set by `render`). */
  private rgbOut: Uint8Array | null = null;
  private depthOut: Float32Array | null = null;
  private semanticOut: Uint8Array | null = null;
  private instanceOut: Uint16Array | null = null;
  /** Noise stream used when `render` gets no Rng (seeded once: frames stay reproducible). */
  private readonly ownRng = new Rng(0);
  private noise: Rng = this.ownRng;

  constructor(config: Partial<CameraConfig> = {}) {
    const c: CameraConfig = { ...DEFAULT_CAMERA, ...config };
    validateCamera(c);
    this.config = c;
    const { width: w, height: h } = c;
    const tanX = Math.tan(c.hfov / 2);
    const tanY = (tanX * h) / w;
    this.tanY = tanY;
    this.colT = new Float64Array(h);
    this.colKind = new Uint8Array(h);
    this.colCand = new Int32Array(h);
    this.rowPlaneT = new Float64Array(h);
    this.rowPlaneKind = new Uint8Array(h);
    this.rowLimit = new Float64Array(h);
    const cp = Math.cos(c.pitch);
    const sp = Math.sin(c.pitch);
    this.rowForward = new Float64Array(h);
    this.rowUp = new Float64Array(h);
    this.colLeft = new Float64Array(w);
    for (let i = 0; i < h; i++) {
      const y = (1 - (2 * (i + 0.5)) / h) * tanY;
      // (1, y) in the camera's (forward, up) plane, rotated by the pitch into the robot frame.
      this.rowForward[i] = cp - y * sp;
      this.rowUp[i] = sp + y * cp;
    }
    for (let j = 0; j < w; j++) this.colLeft[j] = -(((2 * (j + 0.5)) / w - 1) * tanX);
  }

  /**
   * Render the frame seen from `pose` (x, z in m; yaw in rad) into `out`, whose buffers must match
   * this camera's enabled outputs. Noise draws from `rng` when given.
   */
  render(scene: RenderScene, pose: { x: number; z: number; yaw: number }, out: CameraFrame, rng?: Rng): void {
    const c = this.config;
    const n = c.width * c.height;
    if (c.rgb && (!out.rgb || out.rgb.length !== n * 3)) throw new RangeError(`Camera.render: out.rgb must be a Uint8Array of ${n * 3}`);
    if (c.depth && (!out.depth || out.depth.length !== n)) throw new RangeError(`Camera.render: out.depth must be a Float32Array of ${n}`);
    if (c.semantic && (!out.semantic || out.semantic.length !== n || !out.instance || out.instance.length !== n)) {
      throw new RangeError(`Camera.render: out.semantic (Uint8Array) and out.instance (Uint16Array) must hold ${n}`);
    }
    if (!Number.isFinite(pose.x) || !Number.isFinite(pose.z) || !Number.isFinite(pose.yaw)) {
      throw new RangeError(`Camera.render: pose must be finite, got x ${pose.x}, z ${pose.z}, yaw ${pose.yaw}`);
    }
    this.rgbOut = c.rgb ? out.rgb : null;
    this.depthOut = c.depth ? out.depth : null;
    this.semanticOut = c.semantic ? out.semantic : null;
    this.instanceOut = c.semantic ? out.instance : null;
    this.noise = rng ?? this.ownRng;
    this.fillRowLimits(scene);
    if (c.pitch === 0) this.renderColumns(scene, pose);
    else this.renderRays(scene, pose);
  }

  /**
   * Zero pitch: every ray of column j lies in one vertical plane, so one grid walk serves the
   * column and each candidate is rasterised onto the rows it covers (a per-column z-buffer keeps
   * the nearest hit, with the same tests and tie-breaking as RenderScene.resolve).
   */
  private renderColumns(scene: RenderScene, pose: { x: number; z: number; yaw: number }): void {
    const c = this.config;
    const w = c.width;
    const h = c.height;
    const ox = pose.x;
    const oz = pose.z;
    const oy = c.mountHeight;
    const cosY = Math.cos(pose.yaw);
    const sinY = Math.sin(pose.yaw);
    const rowUp = this.rowUp;
    const colLeft = this.colLeft;
    const zbuf = this.colT;
    const kinds = this.colKind;
    const cands = this.colCand;
    // The column walk must serve its slowest-terminating row.
    let limit = 0;
    for (let i = 0; i < h; i++) if (this.rowLimit[i]! > limit) limit = this.rowLimit[i]!;
    // Floor / ceiling / sky per row: the same for every column at zero pitch.
    const baseT = this.rowPlaneT;
    const baseKind = this.rowPlaneKind;
    const ray = scene.ray;
    ray[Ray.OY] = oy;
    for (let i = 0; i < h; i++) {
      ray[Ray.B] = rowUp[i]!;
      scene.planeHit();
      baseT[i] = scene.hitT;
      baseKind[i] = scene.hitKind;
    }
    // Row index of slope b (rows run from +tanY at the top to −tanY at the bottom).
    const rowScale = -h / (2 * this.tanY);
    const rowOffset = h / 2 - 0.5;
    const geometry = scene.geometry;
    const kindArr = geometry.kind;
    const yMinArr = geometry.yMin;
    const yMaxArr = geometry.yMax;
    const candPrim = scene.candPrim;
    const candT0 = scene.candT0;
    const candT1 = scene.candT1;
    const cxArr = geometry.cx;
    const cyArr = geometry.cy;
    const czArr = geometry.cz;
    const radiusArr = geometry.halfX;
    ray[Ray.OX] = ox;
    ray[Ray.OY] = oy;
    ray[Ray.OZ] = oz;
    ray[Ray.B_LO] = rowUp[h - 1]!;
    ray[Ray.B_HI] = rowUp[0]!;
    ray[Ray.LIMIT] = limit;

    for (let j = 0; j < w; j++) {
      const left = colLeft[j]!;
      const dx = cosY - left * sinY;
      const dz = -sinY - left * cosY;
      ray[Ray.DX] = dx;
      ray[Ray.DZ] = dz;
      const count = scene.gather();
      zbuf.set(baseT);
      kinds.set(baseKind);
      for (let k = 0; k < count; k++) {
        const p = candPrim[k]!;
        const t0 = candT0[k]!;
        const t1 = candT1[k]!;
        const yMin = yMinArr[p]!;
        const yMax = yMaxArr[p]!;
        if (kindArr[p] !== PrimitiveKind.SPHERE) {
          // Side face: rows whose height at entry lies in [yMin, yMax].
          let r0 = 0;
          let r1 = h - 1;
          if (t0 > 0) {
            r0 = clampRow(Math.ceil(((yMax - oy) / t0) * rowScale + rowOffset) - 1, h);
            r1 = clampRow(Math.floor(((yMin - oy) / t0) * rowScale + rowOffset) + 1, h);
          }
          for (let i = r0; i <= r1; i++) {
            const y0 = oy + rowUp[i]! * t0;
            if (y0 >= yMin && y0 <= yMax && t0 < zbuf[i]!) {
              zbuf[i] = t0;
              kinds[i] = HitKind.SIDE;
              cands[i] = k;
            }
          }
          if (oy > yMax) {
            // Top face: falling rows above the prism at entry that reach yMax before leaving it.
            r0 = clampRow(Math.ceil(((yMax - oy) / t1) * rowScale + rowOffset) - 1, h);
            r1 = t0 > 0 ? clampRow(Math.floor(((yMax - oy) / t0) * rowScale + rowOffset) + 1, h) : h - 1;
            for (let i = r0; i <= r1; i++) {
              const b = rowUp[i]!;
              if (b < 0 && oy + b * t0 > yMax) {
                const t = (yMax - oy) / b;
                if (t <= t1 && t < zbuf[i]!) {
                  zbuf[i] = t;
                  kinds[i] = HitKind.TOP;
                  cands[i] = k;
                }
              }
            }
          } else if (oy < yMin) {
            // Bottom face: rising rows below the prism at entry that reach yMin before leaving it.
            r0 = t0 > 0 ? clampRow(Math.ceil(((yMin - oy) / t0) * rowScale + rowOffset) - 1, h) : 0;
            r1 = clampRow(Math.floor(((yMin - oy) / t1) * rowScale + rowOffset) + 1, h);
            for (let i = r0; i <= r1; i++) {
              const b = rowUp[i]!;
              if (b > 0 && oy + b * t0 < yMin) {
                const t = (yMin - oy) / b;
                if (t <= t1 && t < zbuf[i]!) {
                  zbuf[i] = t;
                  kinds[i] = HitKind.BOTTOM;
                  cands[i] = k;
                }
              }
            }
          }
        } else {
          // Sphere: the rows whose slope can reach its height span inside the footprint, then exact tests.
          let r0 = 0;
          let r1 = h - 1;
          if (t0 > 0) {
            const hiB = Math.max((yMax - oy) / t0, (yMax - oy) / t1);
            const loB = Math.min((yMin - oy) / t0, (yMin - oy) / t1);
            r0 = clampRow(Math.ceil(hiB * rowScale + rowOffset) - 1, h);
            r1 = clampRow(Math.floor(loB * rowScale + rowOffset) + 1, h);
          }
          const rx = ox - cxArr[p]!;
          const ry = oy - cyArr[p]!;
          const rz = oz - czArr[p]!;
          const r = radiusArr[p]!;
          const hh = dx * dx + dz * dz;
          const bh = rx * dx + rz * dz;
          const cc = rx * rx + ry * ry + rz * rz - r * r;
          for (let i = r0; i <= r1; i++) {
            const b = rowUp[i]!;
            const a = hh + b * b;
            const bb = bh + ry * b;
            const disc = bb * bb - a * cc;
            if (disc < 0) continue;
            const sq = Math.sqrt(disc);
            let t = (-bb - sq) / a;
            if (t < 0 && (-bb + sq) / a >= 0) t = 0;
            if (t >= 0 && t < zbuf[i]!) {
              zbuf[i] = t;
              kinds[i] = HitKind.SPHERE;
              cands[i] = k;
            }
          }
        }
      }
      this.writeColumn(scene, j);
    }
  }

  /** Outputs of column j from the per-column z-buffer (colT / colKind / colCand); `ray` holds the column's ray. */
  private writeColumn(scene: RenderScene, j: number): void {
    const c = this.config;
    const w = c.width;
    const h = c.height;
    const zbuf = this.colT;
    const kinds = this.colKind;
    const cands = this.colCand;
    const depth = this.depthOut;
    if (depth !== null) {
      const near = c.near;
      const far = c.far;
      const noise = c.depthNoise;
      if (noise === 0) {
        for (let i = 0, px = j; i < h; i++, px += w) {
          const d = zbuf[i]!;
          depth[px] = d < near ? near : d > far ? far : d;
        }
      } else {
        for (let i = 0, px = j; i < h; i++, px += w) {
          let d = zbuf[i]!;
          // Structured-light style: std grows with depth².
          if (d < far) d += noise * d * d * this.noise.normal();
          depth[px] = d < near ? near : d > far ? far : d;
        }
      }
    }
    const semantic = this.semanticOut;
    if (semantic !== null) {
      const instance = this.instanceOut!;
      const shading = scene.shading;
      const category = shading.matCategory;
      const instanceOf = shading.matInstance;
      const candPrim = scene.candPrim;
      const floorM = shading.floorMaterial;
      const ceilingM = shading.ceilingMaterial;
      for (let i = 0, px = j; i < h; i++, px += w) {
        // Shading.materialOf, inlined.
        const kind = kinds[i]!;
        if (kind === HitKind.NONE) {
          semantic[px] = 0;
          instance[px] = 0;
        } else {
          const m = kind === HitKind.FLOOR ? floorM : kind === HitKind.CEILING ? ceilingM : candPrim[cands[i]!]!;
          semantic[px] = category[m]!;
          instance[px] = instanceOf[m]!;
        }
      }
    }
    if (this.rgbOut !== null) {
      if (c.fog || c.rgbNoise > 0) {
        const ray = scene.ray;
        for (let i = 0, px = j; i < h; i++, px += w) {
          ray[Ray.B] = this.rowUp[i]!;
          ray[Ray.T] = zbuf[i]!;
          this.writeColor(scene, px, kinds[i]!, cands[i]!);
        }
      } else {
        this.writeColumnColor(scene, j);
      }
    }
  }

  /**
   * Colours of column j without fog or noise, the common case, kept in one tight loop: floor,
   * ceiling and side-face pixels (nearly all of them) pick one of two precomputed sRGB colours by the
   * pattern at the hit; anything else goes through Shading.packedColor / shadePixel.
   */
  private writeColumnColor(scene: RenderScene, j: number): void {
    const w = this.config.width;
    const h = this.config.height;
    const rgb = this.rgbOut!;
    const zbuf = this.colT;
    const kinds = this.colKind;
    const cands = this.colCand;
    const rowUp = this.rowUp;
    const ray = scene.ray;
    const ox = ray[Ray.OX]!;
    const oy = ray[Ray.OY]!;
    const oz = ray[Ray.OZ]!;
    const dx = ray[Ray.DX]!;
    const dz = ray[Ray.DZ]!;
    const shading = scene.shading;
    const yMinArr = scene.geometry.yMin;
    // The floor material, hoisted.
    const fm = shading.floorMaterial;
    const fPattern = shading.matPattern[fm]!;
    const fInv = shading.matInvScale[fm]!;
    const f1 = shading.upPacked1[fm]!;
    const f2 = shading.upPacked2[fm]!;
    // The ceiling material (lit from below), hoisted.
    const cm = shading.ceilingMaterial;
    const cPattern = shading.matPattern[cm]!;
    const cInv = shading.matInvScale[cm]!;
    const c1 = shading.downPacked1[cm]!;
    const c2 = shading.downPacked2[cm]!;
    // The side face of the last candidate seen in this column.
    let sideCand = -1;
    let sPattern = 0;
    let sInv = 0;
    let sU = 0;
    let sYMin = 0;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0, o = 3 * j; i < h; i++, o += 3 * w) {
      const kind = kinds[i]!;
      let packed = -1;
      if (kind === HitKind.FLOOR && fPattern <= PatternCode.checker) {
        if (fPattern === PatternCode.solid) packed = f1;
        else {
          const t = zbuf[i]!;
          packed = ((Math.floor((ox + t * dx) * fInv) + Math.floor((oz + t * dz) * fInv)) & 1) === 0 ? f1 : f2;
        }
      } else if (kind === HitKind.CEILING && cPattern <= PatternCode.checker) {
        if (cPattern === PatternCode.solid) packed = c1;
        else {
          const t = zbuf[i]!;
          packed = ((Math.floor((ox + t * dx) * cInv) + Math.floor((oz + t * dz) * cInv)) & 1) === 0 ? c1 : c2;
        }
      } else if (kind === HitKind.SIDE) {
        const cand = cands[i]!;
        if (cand !== sideCand) {
          sideCand = cand;
          shading.ensureSide(cand);
          const p = scene.candPrim[cand]!;
          sPattern = shading.matPattern[p]!;
          sInv = shading.matInvScale[p]!;
          sU = shading.candU[cand]!;
          sYMin = yMinArr[p]!;
          s1 = shading.candPacked1[cand]!;
          s2 = shading.candPacked2[cand]!;
        }
        if (sPattern === PatternCode.solid) packed = s1;
        else if (sPattern !== PatternCode.noise) {
          const v = (oy + zbuf[i]! * rowUp[i]! - sYMin) * sInv;
          const second = sPattern === PatternCode.checker ? (Math.floor(sU * sInv) + Math.floor(v)) & 1 : Math.floor(v) & 1;
          packed = second === 0 ? s1 : s2;
        }
      }
      if (packed < 0) {
        ray[Ray.B] = rowUp[i]!;
        ray[Ray.T] = zbuf[i]!;
        packed = shading.packedColor(kind, cands[i]!);
      }
      if (packed >= 0) {
        rgb[o] = packed >> 16;
        rgb[o + 1] = (packed >> 8) & 255;
        rgb[o + 2] = packed & 255;
      } else {
        shading.shadePixel(kind, cands[i]!);
        const color = shading.color;
        rgb[o] = srgbByte(color[0]!);
        rgb[o + 1] = srgbByte(color[1]!);
        rgb[o + 2] = srgbByte(color[2]!);
      }
    }
  }

  /** Any pitch: each ray walks the grid on its own. */
  private renderRays(scene: RenderScene, pose: { x: number; z: number; yaw: number }): void {
    const c = this.config;
    const w = c.width;
    const h = c.height;
    const cosY = Math.cos(pose.yaw);
    const sinY = Math.sin(pose.yaw);
    const ray = scene.ray;
    ray[Ray.OX] = pose.x;
    ray[Ray.OY] = c.mountHeight;
    ray[Ray.OZ] = pose.z;
    const depth = this.depthOut;
    const semantic = this.semanticOut;
    for (let i = 0; i < h; i++) {
      const f = this.rowForward[i]!;
      const b = this.rowUp[i]!;
      ray[Ray.B_LO] = b;
      ray[Ray.B_HI] = b;
      ray[Ray.B] = b;
      ray[Ray.LIMIT] = this.rowLimit[i]!;
      for (let j = 0; j < w; j++) {
        const left = this.colLeft[j]!;
        ray[Ray.DX] = f * cosY - left * sinY;
        ray[Ray.DZ] = -f * sinY - left * cosY;
        scene.gather();
        const kind = scene.resolve();
        const px = i * w + j;
        if (depth !== null) {
          let d = scene.hitT;
          if (c.depthNoise > 0 && d < c.far) d += c.depthNoise * d * d * this.noise.normal();
          depth[px] = d < c.near ? c.near : d > c.far ? c.far : d;
        }
        if (semantic !== null) {
          const shading = scene.shading;
          const m = shading.materialOf(kind, scene.hitCand);
          semantic[px] = m < 0 ? 0 : shading.matCategory[m]!;
          this.instanceOut![px] = m < 0 ? 0 : shading.matInstance[m]!;
        }
        if (this.rgbOut !== null) {
          ray[Ray.T] = scene.hitT;
          this.writeColor(scene, px, kind, scene.hitCand);
        }
      }
    }
  }

  /** Shaded, fogged, noised sRGB colour of one hit (ray registers B and T set) into rgb[3·px ..]. */
  private writeColor(scene: RenderScene, px: number, kind: number, cand: number): void {
    const c = this.config;
    const rgb = this.rgbOut!;
    const o = px * 3;
    const shading = scene.shading;
    // Without fog most hits have a ready-made colour (flat faces, two-colour patterns).
    const packed = c.fog ? -1 : shading.packedColor(kind, cand);
    if (packed >= 0) {
      rgb[o] = packed >> 16;
      rgb[o + 1] = (packed >> 8) & 255;
      rgb[o + 2] = packed & 255;
    } else {
      shading.shadePixel(kind, cand);
      const color = shading.color;
      let r = color[0]!;
      let g = color[1]!;
      let bl = color[2]!;
      if (c.fog && kind !== HitKind.NONE) {
        const keep = Math.exp(-c.fogDensity * scene.ray[Ray.T]!);
        const sky = shading.sky;
        r = sky[0]! + (r - sky[0]!) * keep;
        g = sky[1]! + (g - sky[1]!) * keep;
        bl = sky[2]! + (bl - sky[2]!) * keep;
      }
      rgb[o] = srgbByte(r);
      rgb[o + 1] = srgbByte(g);
      rgb[o + 2] = srgbByte(bl);
    }
    if (c.rgbNoise > 0) {
      const std = c.rgbNoise * 255;
      for (let k = o; k < o + 3; k++) {
        const v = Math.round(rgb[k]! + std * this.noise.normal());
        rgb[k] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }

  /**
   * How far (ray parameter) the grid walk must go for each row's slope b: a falling ray is done
   * at the floor, a rising one once above every primitive (or at the ceiling), a level
   * one runs to the end of the grid. Depth-only frames need nothing beyond `far`.
   */
  private fillRowLimits(scene: RenderScene): void {
    const c = this.config;
    const oy = c.mountHeight;
    const { topY, ceilingHeight } = scene.geometry;
    const top = topY[0]! < ceilingHeight ? topY[0]! : ceilingHeight;
    const depthOnly = !c.rgb && !c.semantic;
    for (let i = 0; i < c.height; i++) {
      const b = this.rowUp[i]!;
      let limit: number;
      if (b < 0) limit = -oy / b;
      else if (b > 0) limit = top > oy ? (top - oy) / b : 0;
      else limit = oy <= top ? Infinity : 0;
      this.rowLimit[i] = depthOnly && c.far < limit ? c.far : limit;
    }
  }
}

function clampRow(i: number, h: number): number {
  return i < 0 ? 0 : i >= h ? h - 1 : i;
}

function validateCamera(c: CameraConfig): void {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new UsageError(`camera.${field}: expected ${expected}, got ${String(got)}`);
  };
  for (const f of ['width', 'height'] as const)
    if (!Number.isInteger(c[f]) || c[f] < 1 || c[f] > 4096) fail(f, 'an integer in [1, 4096]', c[f]);
  if (!(c.hfov > 0 && c.hfov < Math.PI)) fail('hfov', 'a number in (0, π) rad', c.hfov);
  if (!(Math.abs(c.pitch) < Math.PI / 2)) fail('pitch', 'a number in (−π/2, π/2) rad', c.pitch);
  if (!(c.mountHeight > 0) || !Number.isFinite(c.mountHeight)) fail('mountHeight', 'a finite number > 0 (m)', c.mountHeight);
  if (!(c.near >= 0) || !Number.isFinite(c.near)) fail('near', 'a finite number >= 0 (m)', c.near);
  if (!(c.far > c.near) || !Number.isFinite(c.far)) fail('far', 'a finite number > near (m)', c.far);
  for (const f of ['depthNoise', 'rgbNoise', 'fogDensity'] as const)
    if (!(c[f] >= 0) || !Number.isFinite(c[f])) fail(f, 'a finite number >= 0', c[f]);
  if (!c.rgb && !c.depth && !c.semantic) fail('rgb|depth|semantic', 'at least one output enabled', 'none');
}
