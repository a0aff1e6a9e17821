/**
 * RenderScene: a SceneSpec flattened once into typed arrays for the CPU ray caster.
 *
 * Geometry. Every primitive is a vertical prism or a sphere: a yawed box is a prism over a rotated
 * rectangle, a cylinder a prism over a disc, both bounded in y by [yMin, yMax]. The floor is the
 * plane y = 0 and the optional ceiling the plane y = ceilingHeight (both unbounded, like the
 * physics floor plane).
 *
 * Acceleration. Robonav scenes are 2.5-D — everything stands on the floor and the camera never
 * rolls — so the structure is a 2-D uniform grid over the floor (CSR lists of static primitives per
 * cell) walked with a 2-D DDA. One walk ("gather") serves every ray that shares a horizontal
 * direction: at zero pitch that is a whole camera column, so a 64×64 frame costs 64 grid walks
 * (the Camera then rasterises each candidate onto the rows it covers; a lone ray scans the list
 * with `resolve`). The gather collects the primitives whose footprint the horizontal ray crosses,
 * sorted by entry distance, and stops at the first prism that blocks every ray of the column. The
 * grid is built by `footprintGrid.ts`. Dynamic primitives (a handful) are not in the grid: each
 * gather tests them directly, so `setDynamicPoses` only rewrites a few numbers. The README's
 * "Camera and lidar speed" section compares this with a BVH.
 *
 * Ray parametrisation. A ray is o + t·(hx, b, hz): (hx, hz) the horizontal part, b the vertical
 * slope. Cameras use a direction whose component along the optical axis is 1, so t is depth along
 * the optical axis; lidar uses unit directions, so t is range.
 *
 * Nothing here allocates after construction: hits are reported through the `hit*` fields.
 */
import { UsageError } from '../core/errors.js';
import type { Material, Primitive, SceneSpec } from '../sim/SceneSpec.js';
import { buildFootprintGrid } from './footprintGrid.js';
import { packSrgb } from './srgb.js';
import { NOISE_IO, valueNoise } from './valueNoise.js';

/** Primitive shapes, as stored in `kind`. */
export const PrimitiveKind = { BOX: 0, CYLINDER: 1, SPHERE: 2 } as const;

/** What the last `resolve` hit, as stored in `hitKind`. */
export const HitKind = { NONE: 0, FLOOR: 1, CEILING: 2, SIDE: 3, TOP: 4, BOTTOM: 5, SPHERE: 6 } as const;

/**
 * Slots of `RenderScene.ray`, the inputs of gather / resolve / shadePixel. They travel through a
 * typed array rather than arguments because V8 boxes double arguments of calls it does not
 * inline, which would allocate per ray.
 */
export const Ray = {
  /** Origin (m). */
  OX: 0,
  OY: 1,
  OZ: 2,
  /** Horizontal direction (per unit t). */
  DX: 3,
  DZ: 4,
  /** Span of vertical slopes (per unit t) the gather must serve. */
  B_LO: 5,
  B_HI: 6,
  /** Walk limit (t units). */
  LIMIT: 7,
  /** Slope of the ray being resolved / shaded. */
  B: 8,
  /** Ray parameter of the hit being shaded. */
  T: 9,
} as const;

/** Slots of `RenderScene.light`. */
export const Light = { X: 0, Y: 1, Z: 2, R: 3, G: 4, B: 5, AMBIENT: 6 } as const;

/** Material patterns, as stored in `matPattern`. */
export const PatternCode = { solid: 0, checker: 1, stripes: 2, noise: 3 } as const;

export interface RenderSceneOptions {
  /** Side of a grid cell (m). @default 1 */
  cellSize: number;
}

export const DEFAULT_RENDER_SCENE_OPTIONS: RenderSceneOptions = { cellSize: 1 };

/** Largest category id a Uint8Array semantic frame can carry. */
const MAX_CATEGORY = 255;
/** Largest instance id a Uint16Array instance frame can carry. */
const MAX_INSTANCE = 65535;
/** The mailbox stamp restarts before it can overflow an Int32. */
const MAX_STAMP = 0x3fffffff;

/** Below this |direction component| a slab is treated as parallel to the ray. */
const PARALLEL_EPS = 1e-12;

export class RenderScene {
  /** Static primitives occupy indices [0, staticCount); dynamic ones follow in SceneSpec.dynamic order. */
  readonly staticCount: number;
  readonly dynamicCount: number;
  readonly count: number;

  // ── Geometry, one entry per primitive ────────────────────────────────────────────────────────
  readonly kind: Uint8Array;
  /** Centre (m). */
  readonly cx: Float64Array;
  readonly cy: Float64Array;
  readonly cz: Float64Array;
  /** cos / sin of the yaw (rad); local x axis in the world is (cos, 0, −sin), local z is (sin, 0, cos). */
  readonly cosYaw: Float64Array;
  readonly sinYaw: Float64Array;
  /** Half extents (m): box local x / z; cylinder and sphere radius in halfX. */
  readonly halfX: Float64Array;
  readonly halfY: Float64Array;
  readonly halfZ: Float64Array;
  /** Vertical extent (m). */
  readonly yMin: Float64Array;
  readonly yMax: Float64Array;

  // ── Materials: index p for primitive p, `count` for the floor, `count + 1` for the ceiling ───
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

  // ── Planes, sky, light ──────────────────────────────────────────────────────────────────────
  readonly hasCeiling: boolean;
  /** m; Infinity without a ceiling. */
  readonly ceilingHeight: number;
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
  /** Highest top of any static primitive (m). */
  readonly staticTop: number;
  /**
   * topY[0]: highest top of any primitive (m), dynamic ones at their current pose: rays above it
   * and rising can only meet the ceiling. (A typed array: it changes with setDynamicPose, and a
   * number field that changes allocates.)
   */
  readonly topY = new Float64Array(1);

  // ── Grid over the static primitives' footprints ─────────────────────────────────────────────
  readonly cellSize: number;
  readonly gridX0: number;
  readonly gridZ0: number;
  readonly gridX1: number;
  readonly gridZ1: number;
  readonly cols: number;
  readonly rows: number;
  /** CSR: the primitives of cell c are cellItems[cellStart[c] .. cellStart[c + 1]). Cell c = row·cols + col. */
  readonly cellStart: Int32Array;
  readonly cellItems: Int32Array;

  // ── Candidates of the last gather, sorted by entry distance ─────────────────────────────────
  candCount = 0;
  readonly candPrim: Int32Array;
  /** Horizontal entry / exit distance along the ray (t units), entry clamped to ≥ 0. */
  readonly candT0: Float64Array;
  readonly candT1: Float64Array;
  /** World normal (x, z) of the side face the ray enters through. */
  readonly candNx: Float64Array;
  readonly candNz: Float64Array;
  /** Box: 0 when the entry face is normal to local x, 1 for local z. */
  readonly candAxis: Uint8Array;
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
  private readonly stamp: Int32Array;
  private mark = 0;
  private tStop = 0;

  /** Ray registers (see `Ray`). */
  readonly ray = new Float64Array(10);
  /** Linear RGB written by shadePixel. */
  readonly color = new Float64Array(3);

  // ── The last resolve ────────────────────────────────────────────────────────────────────────
  /** Ray parameter of the hit; Infinity when nothing was hit. */
  hitT = Infinity;
  /** A HitKind value. */
  hitKind: number = HitKind.NONE;
  /** Primitive index, or −1 for floor / ceiling / nothing. */
  hitPrim = -1;
  /** Index into the candidate list of the hit primitive. */
  hitCand = -1;

  private constructor(spec: SceneSpec, options: RenderSceneOptions) {
    const prims: Primitive[] = [...spec.primitives, ...spec.dynamic.map((d) => d.primitive)];
    const n = prims.length;
    this.staticCount = spec.primitives.length;
    this.dynamicCount = spec.dynamic.length;
    this.count = n;

    this.kind = new Uint8Array(n);
    this.cx = new Float64Array(n);
    this.cy = new Float64Array(n);
    this.cz = new Float64Array(n);
    this.cosYaw = new Float64Array(n);
    this.sinYaw = new Float64Array(n);
    this.halfX = new Float64Array(n);
    this.halfY = new Float64Array(n);
    this.halfZ = new Float64Array(n);
    this.yMin = new Float64Array(n);
    this.yMax = new Float64Array(n);

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

    prims.forEach((p, i) => {
      const where = i < this.staticCount ? `primitives[${i}]` : `dynamic[${i - this.staticCount}].primitive`;
      this.setMaterial(i, p.material, where);
      this.cx[i] = p.position[0];
      this.cy[i] = p.position[1];
      this.cz[i] = p.position[2];
      this.cosYaw[i] = 1;
      if (p.shape === 'box') {
        this.kind[i] = PrimitiveKind.BOX;
        this.halfX[i] = p.size[0] / 2;
        this.halfY[i] = p.size[1] / 2;
        this.halfZ[i] = p.size[2] / 2;
        this.cosYaw[i] = Math.cos(p.yaw);
        this.sinYaw[i] = Math.sin(p.yaw);
      } else if (p.shape === 'cylinder') {
        this.kind[i] = PrimitiveKind.CYLINDER;
        this.halfX[i] = this.halfZ[i] = p.radius;
        this.halfY[i] = p.height / 2;
      } else {
        this.kind[i] = PrimitiveKind.SPHERE;
        this.halfX[i] = this.halfY[i] = this.halfZ[i] = p.radius;
      }
      this.yMin[i] = this.cy[i]! - this.halfY[i]!;
      this.yMax[i] = this.cy[i]! + this.halfY[i]!;
    });
    this.setMaterial(n, spec.floor.material, 'floor');
    this.hasCeiling = spec.ceiling !== undefined;
    this.ceilingHeight = spec.ceiling ? spec.ceiling.height : Infinity;
    if (spec.ceiling) this.setMaterial(n + 1, spec.ceiling.material, 'ceiling');

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
    for (let m = 0; m < nm; m++) {
      const up = this.upLight;
      const dn = this.downLight;
      this.upPacked1[m] = packSrgb(this.matR[m]! * up[0]!, this.matG[m]! * up[1]!, this.matB[m]! * up[2]!);
      this.upPacked2[m] = packSrgb(this.mat2R[m]! * up[0]!, this.mat2G[m]! * up[1]!, this.mat2B[m]! * up[2]!);
      this.downPacked1[m] = packSrgb(this.matR[m]! * dn[0]!, this.matG[m]! * dn[1]!, this.matB[m]! * dn[2]!);
      this.downPacked2[m] = packSrgb(this.mat2R[m]! * dn[0]!, this.mat2G[m]! * dn[1]!, this.mat2B[m]! * dn[2]!);
    }
    this.skyPacked = packSrgb(spec.sky[0], spec.sky[1], spec.sky[2]);

    let top = 0;
    for (let i = 0; i < this.staticCount; i++) top = Math.max(top, this.yMax[i]!);
    this.staticTop = top;
    this.topY[0] = top;
    for (let i = this.staticCount; i < n; i++) this.topY[0] = Math.max(this.topY[0]!, this.yMax[i]!);

    if (!(options.cellSize > 0) || !Number.isFinite(options.cellSize)) {
      throw new UsageError(`RenderScene cellSize: expected a finite number > 0 (m), got ${options.cellSize}`);
    }
    const grid = buildFootprintGrid(this, spec.floor, options.cellSize);
    this.cellSize = options.cellSize;
    this.cols = grid.cols;
    this.rows = grid.rows;
    this.gridX0 = grid.x0;
    this.gridZ0 = grid.z0;
    this.gridX1 = grid.x0 + grid.cols * options.cellSize;
    this.gridZ1 = grid.z0 + grid.rows * options.cellSize;
    this.cellStart = grid.cellStart;
    this.cellItems = grid.cellItems;

    this.candPrim = new Int32Array(n);
    this.candT0 = new Float64Array(n);
    this.candT1 = new Float64Array(n);
    this.candNx = new Float64Array(n);
    this.candNz = new Float64Array(n);
    this.candAxis = new Uint8Array(n);
    this.candU = new Float64Array(n);
    this.candLightR = new Float64Array(n);
    this.candLightG = new Float64Array(n);
    this.candLightB = new Float64Array(n);
    this.candShadeMark = new Int32Array(n);
    this.candPacked1 = new Int32Array(n);
    this.candPacked2 = new Int32Array(n);
    this.stamp = new Int32Array(n);
  }

  /** Flatten a (validated) SceneSpec. Category ids must fit a byte and instance ids 16 bits. */
  static fromSpec(spec: SceneSpec, options: Partial<RenderSceneOptions> = {}): RenderScene {
    return new RenderScene(spec, { ...DEFAULT_RENDER_SCENE_OPTIONS, ...options });
  }

  /** Move dynamic body `index` (into SceneSpec.dynamic): centre (m) and yaw (rad). */
  setDynamicPose(index: number, x: number, y: number, z: number, yaw: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.dynamicCount) {
      throw new RangeError(`RenderScene.setDynamicPose: index ${index} is not in [0, ${this.dynamicCount})`);
    }
    const p = this.staticCount + index;
    this.cx[p] = x;
    this.cy[p] = y;
    this.cz[p] = z;
    this.yMin[p] = y - this.halfY[p]!;
    this.yMax[p] = y + this.halfY[p]!;
    if (this.kind[p] === PrimitiveKind.BOX) {
      this.cosYaw[p] = Math.cos(yaw);
      this.sinYaw[p] = Math.sin(yaw);
    }
    let top = this.staticTop;
    for (let i = this.staticCount; i < this.count; i++) if (this.yMax[i]! > top) top = this.yMax[i]!;
    this.topY[0] = top;
  }

  /**
   * Move every dynamic body at once from [x, y, z, yaw] quadruples (m, rad) in SceneSpec.dynamic
   * order, e.g. PhysicsWorld.dynamicPoses: one call per step, numbers read from the array.
   */
  setDynamicPoses(poses: Float32Array | Float64Array): void {
    if (poses.length !== 4 * this.dynamicCount) {
      throw new RangeError(
        `RenderScene.setDynamicPoses: expected ${4 * this.dynamicCount} numbers ([x, y, z, yaw] per dynamic body), got ${poses.length}`,
      );
    }
    let top = this.staticTop;
    for (let i = 0; i < this.dynamicCount; i++) {
      const p = this.staticCount + i;
      const y = poses[4 * i + 1]!;
      this.cx[p] = poses[4 * i]!;
      this.cy[p] = y;
      this.cz[p] = poses[4 * i + 2]!;
      this.yMin[p] = y - this.halfY[p]!;
      this.yMax[p] = y + this.halfY[p]!;
      if (this.yMax[p]! > top) top = this.yMax[p]!;
      if (this.kind[p] === PrimitiveKind.BOX) {
        const yaw = poses[4 * i + 3]!;
        this.cosYaw[p] = Math.cos(yaw);
        this.sinYaw[p] = Math.sin(yaw);
      }
    }
    this.topY[0] = top;
  }

  /**
   * Collect, sorted by entry distance, the primitives whose footprint the horizontal ray
   * (ox, oz) + t·(dx, dz) crosses for t in [0, LIMIT) (all read from `ray`). Every ray
   * o + t·(dx, b, dz) from height oy with b in [B_LO, B_HI] is then answered exactly by `resolve`:
   * the walk stops only behind a prism that blocks all of them (floor and ceiling catch the rest).
   * Returns the number of candidates.
   */
  gather(): number {
    const ray = this.ray;
    const ox = ray[Ray.OX]!;
    const oz = ray[Ray.OZ]!;
    const dx = ray[Ray.DX]!;
    const dz = ray[Ray.DZ]!;
    const tLimit = ray[Ray.LIMIT]!;
    this.candCount = 0;
    this.tStop = tLimit;
    if (++this.mark > MAX_STAMP) {
      this.stamp.fill(0);
      this.candShadeMark.fill(0);
      this.mark = 1;
    }
    const mark = this.mark;
    const stamp = this.stamp;

    // Dynamic bodies first: one that blocks the column shortens the grid walk.
    for (let p = this.staticCount; p < this.count; p++) this.testFootprint(p);

    // Clip the ray to the grid rectangle. Here, in the DDA set-up and in testFootprint's box slabs
    // the x and z axes are written out twice on purpose: a shared per-axis helper returning through
    // a typed array made camera frames 1–3 % and lone rays 3 % slower (measured).
    let tEnter = 0;
    let tExit = tLimit;
    if (dx > PARALLEL_EPS || dx < -PARALLEL_EPS) {
      const inv = 1 / dx;
      let ta = (this.gridX0 - ox) * inv;
      let tb = (this.gridX1 - ox) * inv;
      if (ta > tb) {
        const t = ta;
        ta = tb;
        tb = t;
      }
      if (ta > tEnter) tEnter = ta;
      if (tb < tExit) tExit = tb;
    } else if (ox < this.gridX0 || ox > this.gridX1) {
      return this.candCount;
    }
    if (dz > PARALLEL_EPS || dz < -PARALLEL_EPS) {
      const inv = 1 / dz;
      let ta = (this.gridZ0 - oz) * inv;
      let tb = (this.gridZ1 - oz) * inv;
      if (ta > tb) {
        const t = ta;
        ta = tb;
        tb = t;
      }
      if (ta > tEnter) tEnter = ta;
      if (tb < tExit) tExit = tb;
    } else if (oz < this.gridZ0 || oz > this.gridZ1) {
      return this.candCount;
    }
    if (tEnter > tExit || tEnter >= this.tStop) return this.candCount;

    // 2-D DDA (Amanatides & Woo) from the entry point.
    const cell = this.cellSize;
    const cols = this.cols;
    const rows = this.rows;
    let ix = Math.floor((ox + dx * tEnter - this.gridX0) / cell);
    let iz = Math.floor((oz + dz * tEnter - this.gridZ0) / cell);
    if (ix < 0) ix = 0;
    else if (ix >= cols) ix = cols - 1;
    if (iz < 0) iz = 0;
    else if (iz >= rows) iz = rows - 1;
    // A non-finite origin or direction (NaN) would never leave the grid.
    if (!(ix >= 0 && iz >= 0)) return this.candCount;
    let stepX = 0;
    let tMaxX = Infinity;
    let tDeltaX = Infinity;
    if (dx > PARALLEL_EPS) {
      stepX = 1;
      tMaxX = (this.gridX0 + (ix + 1) * cell - ox) / dx;
      tDeltaX = cell / dx;
    } else if (dx < -PARALLEL_EPS) {
      stepX = -1;
      tMaxX = (this.gridX0 + ix * cell - ox) / dx;
      tDeltaX = -cell / dx;
    }
    let stepZ = 0;
    let tMaxZ = Infinity;
    let tDeltaZ = Infinity;
    if (dz > PARALLEL_EPS) {
      stepZ = 1;
      tMaxZ = (this.gridZ0 + (iz + 1) * cell - oz) / dz;
      tDeltaZ = cell / dz;
    } else if (dz < -PARALLEL_EPS) {
      stepZ = -1;
      tMaxZ = (this.gridZ0 + iz * cell - oz) / dz;
      tDeltaZ = -cell / dz;
    }
    const cellStart = this.cellStart;
    const cellItems = this.cellItems;
    for (;;) {
      const c = iz * cols + ix;
      const end = cellStart[c + 1]!;
      for (let k = cellStart[c]!; k < end; k++) {
        const p = cellItems[k]!;
        if (stamp[p] === mark) continue;
        stamp[p] = mark;
        this.testFootprint(p);
      }
      let tCell: number;
      if (tMaxX < tMaxZ) {
        tCell = tMaxX;
        ix += stepX;
        if (ix < 0 || ix >= cols) break;
        tMaxX += tDeltaX;
      } else {
        if (stepZ === 0) break;
        tCell = tMaxZ;
        iz += stepZ;
        if (iz < 0 || iz >= rows) break;
        tMaxZ += tDeltaZ;
      }
      if (tCell >= this.tStop || tCell > tExit) break;
    }
    return this.candCount;
  }

  /** Footprint test of primitive p against the gathered horizontal ray; inserts a candidate on a crossing. */
  private testFootprint(p: number): void {
    const ray = this.ray;
    const dx = ray[Ray.DX]!;
    const dz = ray[Ray.DZ]!;
    const rx = ray[Ray.OX]! - this.cx[p]!;
    const rz = ray[Ray.OZ]! - this.cz[p]!;
    let t0: number;
    let t1: number;
    let nx: number;
    let nz: number;
    let axis = 0;
    if (this.kind[p] === PrimitiveKind.BOX) {
      // Slabs in the box's local frame.
      const c = this.cosYaw[p]!;
      const s = this.sinYaw[p]!;
      const lox = rx * c - rz * s;
      const loz = rx * s + rz * c;
      const ldx = dx * c - dz * s;
      const ldz = dx * s + dz * c;
      const hx = this.halfX[p]!;
      const hz = this.halfZ[p]!;
      let sx = 0;
      let sz = 0;
      let txa: number;
      let txb: number;
      if (ldx > PARALLEL_EPS || ldx < -PARALLEL_EPS) {
        const inv = 1 / ldx;
        txa = (-hx - lox) * inv;
        txb = (hx - lox) * inv;
        sx = ldx > 0 ? -1 : 1;
        if (txa > txb) {
          const t = txa;
          txa = txb;
          txb = t;
        }
      } else {
        if (lox < -hx || lox > hx) return;
        txa = -Infinity;
        txb = Infinity;
      }
      let tza: number;
      let tzb: number;
      if (ldz > PARALLEL_EPS || ldz < -PARALLEL_EPS) {
        const inv = 1 / ldz;
        tza = (-hz - loz) * inv;
        tzb = (hz - loz) * inv;
        sz = ldz > 0 ? -1 : 1;
        if (tza > tzb) {
          const t = tza;
          tza = tzb;
          tzb = t;
        }
      } else {
        if (loz < -hz || loz > hz) return;
        tza = -Infinity;
        tzb = Infinity;
      }
      if (txa > tza) {
        t0 = txa;
        // Local x axis in the world is (c, −s); local z is (s, c).
        nx = sx * c;
        nz = -sx * s;
      } else {
        t0 = tza;
        nx = sz * s;
        nz = sz * c;
        axis = 1;
      }
      t1 = txb < tzb ? txb : tzb;
      if (t0 > t1) return;
    } else {
      const a = dx * dx + dz * dz;
      const r = this.halfX[p]!;
      const cc = rx * rx + rz * rz - r * r;
      if (a < PARALLEL_EPS * PARALLEL_EPS) {
        if (cc > 0) return;
        t0 = -Infinity;
        t1 = Infinity;
      } else {
        const bb = rx * dx + rz * dz;
        const disc = bb * bb - a * cc;
        if (disc < 0) return;
        const sq = Math.sqrt(disc);
        t0 = (-bb - sq) / a;
        t1 = (-bb + sq) / a;
      }
      const inv = 1 / r;
      nx = t0 > -Infinity ? (rx + t0 * dx) * inv : 0;
      nz = t0 > -Infinity ? (rz + t0 * dz) * inv : 0;
    }
    if (t1 < 0) return;
    if (t0 < 0) t0 = 0;
    if (t0 >= this.tStop) return;

    // Insertion into the sorted candidate list.
    let k = this.candCount++;
    const T0 = this.candT0;
    while (k > 0 && T0[k - 1]! > t0) {
      T0[k] = T0[k - 1]!;
      this.candT1[k] = this.candT1[k - 1]!;
      this.candPrim[k] = this.candPrim[k - 1]!;
      this.candNx[k] = this.candNx[k - 1]!;
      this.candNz[k] = this.candNz[k - 1]!;
      this.candAxis[k] = this.candAxis[k - 1]!;
      k--;
    }
    T0[k] = t0;
    this.candT1[k] = t1;
    this.candPrim[k] = p;
    this.candNx[k] = nx;
    this.candNz[k] = nz;
    this.candAxis[k] = axis;

    // A prism whose side spans the heights of all rays at entry (clipped by floor and ceiling,
    // which stop the rays outside that span earlier) hides everything behind it.
    if (this.kind[p] !== PrimitiveKind.SPHERE) {
      const oy = ray[Ray.OY]!;
      let lo = oy + ray[Ray.B_LO]! * t0;
      let hi = oy + ray[Ray.B_HI]! * t0;
      if (oy > 0 && oy < this.ceilingHeight) {
        if (lo < 0) lo = 0;
        if (hi > this.ceilingHeight) hi = this.ceilingHeight;
      }
      if (this.yMin[p]! <= lo && hi <= this.yMax[p]!) this.tStop = t0;
    }
  }

  /**
   * The first hit of the ray o + t·(dx, B, dz) (from `ray`) among the last gather's candidates,
   * the floor and the ceiling: sets hitT (Infinity for none), hitKind, hitPrim, hitCand and
   * returns hitKind.
   */
  resolve(): number {
    const ray = this.ray;
    const ox = ray[Ray.OX]!;
    const oy = ray[Ray.OY]!;
    const oz = ray[Ray.OZ]!;
    const dx = ray[Ray.DX]!;
    const dz = ray[Ray.DZ]!;
    const b = ray[Ray.B]!;
    this.planeHit();
    let tBest = this.hitT;
    let kind = this.hitKind;
    let cand = -1;
    const n = this.candCount;
    const T0 = this.candT0;
    for (let k = 0; k < n; k++) {
      const t0 = T0[k]!;
      if (t0 >= tBest) break;
      const p = this.candPrim[k]!;
      if (this.kind[p] !== PrimitiveKind.SPHERE) {
        const y0 = oy + b * t0;
        const yMax = this.yMax[p]!;
        if (y0 > yMax) {
          // Above the prism at entry: it can only come down onto the top face.
          if (b < 0) {
            const t = (yMax - oy) / b;
            if (t <= this.candT1[k]! && t < tBest) {
              tBest = t;
              kind = HitKind.TOP;
              cand = k;
            }
          }
        } else {
          const yMin = this.yMin[p]!;
          if (y0 >= yMin) {
            tBest = t0;
            kind = HitKind.SIDE;
            cand = k;
          } else if (b > 0) {
            const t = (yMin - oy) / b;
            if (t <= this.candT1[k]! && t < tBest) {
              tBest = t;
              kind = HitKind.BOTTOM;
              cand = k;
            }
          }
        }
      } else {
        const rx = ox - this.cx[p]!;
        const ry = oy - this.cy[p]!;
        const rz = oz - this.cz[p]!;
        const r = this.halfX[p]!;
        const a = dx * dx + b * b + dz * dz;
        const bb = rx * dx + ry * b + rz * dz;
        const cc = rx * rx + ry * ry + rz * rz - r * r;
        const disc = bb * bb - a * cc;
        if (disc >= 0) {
          const sq = Math.sqrt(disc);
          let t = (-bb - sq) / a;
          if (t < 0 && (-bb + sq) / a >= 0) t = 0;
          if (t >= 0 && t < tBest) {
            tBest = t;
            kind = HitKind.SPHERE;
            cand = k;
          }
        }
      }
    }
    this.hitT = tBest;
    this.hitKind = kind;
    this.hitCand = cand;
    this.hitPrim = cand >= 0 ? this.candPrim[cand]! : -1;
    return kind;
  }

  /**
   * Nearest floor or ceiling hit (t ≥ 0) of the ray from height OY with slope B (from `ray`) into
   * hitT / hitKind (Infinity / NONE when it meets neither). Both planes are seen from either side.
   */
  planeHit(): void {
    const oy = this.ray[Ray.OY]!;
    const b = this.ray[Ray.B]!;
    let t = Infinity;
    let kind: number = HitKind.NONE;
    if (b !== 0) {
      const tf = -oy / b;
      if (tf >= 0) {
        t = tf;
        kind = HitKind.FLOOR;
      }
      if (this.hasCeiling) {
        const tc = (this.ceilingHeight - oy) / b;
        if (tc >= 0 && tc < t) {
          t = tc;
          kind = HitKind.CEILING;
        }
      }
    }
    this.hitT = t;
    this.hitKind = kind;
  }

  /**
   * First hit of an arbitrary ray o + t·d (t in units of |d|) up to tMax; Infinity if none.
   * Convenience for tools and tests; cameras and lidar call gather/resolve directly.
   */
  raycast(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMax = Infinity): number {
    this.setRay(ox, oy, oz, dx, dz, dy, dy, tMax);
    this.ray[Ray.B] = dy;
    this.gather();
    this.resolve();
    return this.hitT <= tMax ? this.hitT : Infinity;
  }

  /** Fill the ray registers read by gather (origin, horizontal direction, slope span, walk limit). */
  setRay(ox: number, oy: number, oz: number, dx: number, dz: number, bLo: number, bHi: number, limit: number): void {
    const ray = this.ray;
    ray[Ray.OX] = ox;
    ray[Ray.OY] = oy;
    ray[Ray.OZ] = oz;
    ray[Ray.DX] = dx;
    ray[Ray.DZ] = dz;
    ray[Ray.B_LO] = bLo;
    ray[Ray.B_HI] = bHi;
    ray[Ray.LIMIT] = limit;
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
      v = oy + t * b - this.yMin[p]!;
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
      const rx = ox + t * dx - this.cx[p]!;
      const rz = oz + t * dz - this.cz[p]!;
      const c = this.cosYaw[p]!;
      const s = this.sinYaw[p]!;
      const lx = rx * c - rz * s;
      const lz = rx * s + rz * c;
      if (kind === HitKind.SPHERE) {
        const inv = 1 / this.halfX[p]!;
        const ry = oy + t * b - this.cy[p]!;
        let lambert = (rx * light[Light.X]! + ry * light[Light.Y]! + rz * light[Light.Z]!) * inv;
        if (lambert < 0) lambert = 0;
        const ambient = light[Light.AMBIENT]!;
        lr = ambient + lambert * light[Light.R]!;
        lg = ambient + lambert * light[Light.G]!;
        lb = ambient + lambert * light[Light.B]!;
        u = lx + lz;
        v = ry + this.halfY[p]!;
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
    let g = this.matG[m]!;
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
      g += (this.mat2G[m]! - g) * w;
      bl += (this.mat2B[m]! - bl) * w;
    }
    out[0] = r * lr;
    out[1] = g * lg;
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
      m = this.candPrim[cand]!;
      if (kind === HitKind.SIDE) {
        this.ensureSide(cand);
        u = this.candU[cand]!;
        v = ray[Ray.OY]! + t * ray[Ray.B]! - this.yMin[m]!;
      } else {
        const rx = ray[Ray.OX]! + t * ray[Ray.DX]! - this.cx[m]!;
        const rz = ray[Ray.OZ]! + t * ray[Ray.DZ]! - this.cz[m]!;
        const c = this.cosYaw[m]!;
        const s = this.sinYaw[m]!;
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
    if (this.candShadeMark[cand] !== this.mark) this.prepareSide(cand);
  }

  /** Lighting and across-face pattern coordinate (m) of a candidate's side face along this gather's ray. */
  private prepareSide(cand: number): void {
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
    const rx = ox + t0 * dx - this.cx[p]!;
    const rz = oz + t0 * dz - this.cz[p]!;
    const c = this.cosYaw[p]!;
    const s = this.sinYaw[p]!;
    const lx = rx * c - rz * s;
    const lz = rx * s + rz * c;
    if (this.kind[p] === PrimitiveKind.BOX) this.candU[cand] = this.candAxis[cand] === 0 ? lz : lx;
    else this.candU[cand] = this.halfX[p]! * Math.atan2(lz, lx);
    this.candShadeMark[cand] = this.mark;
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
