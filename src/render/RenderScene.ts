/**
 * RenderScene: the CPU ray caster over a SceneSpec flattened once into typed arrays. It puts
 * together the scene's geometry (`SceneGeometry`), its materials and light (`Shading`) and an
 * acceleration grid, and answers ray queries: which primitives a horizontal ray passes over
 * (`gather`), and what a ray hits first among them, the floor and the ceiling (`resolve`).
 * Camera, Lidar and the top-down map are its users.
 *
 * Acceleration. Robonav scenes are 2.5-D — everything stands on the floor and the camera never
 * rolls — so the structure is a 2-D uniform grid over the floor (CSR lists of static primitives per
 * cell) walked with a 2-D DDA. One walk ("gather") serves every ray that shares a horizontal
 * direction: at zero pitch that is a whole camera column, so a 64×64 frame costs 64 grid walks
 * (the Camera then rasterises each candidate onto the rows it covers; a lone ray scans the list
 * with `resolve`). The gather collects the primitives whose footprint the horizontal ray crosses,
 * sorted by entry distance, and stops at the first prism that blocks every ray of the column. The
 * grid is built by `footprintGrid.ts`. Dynamic primitives (a handful) are not in the grid: each
 * gather tests them directly, so `setDynamicPoses` only rewrites a few numbers. A BVH over the same
 * footprints gives identical frames but is slower (docs/results.md, simulator speed).
 *
 * Queries read their inputs from the `ray` registers (see `rayQuery.ts` for the slots and the ray
 * parametrisation). Nothing here allocates after construction: hits are reported through the
 * `hit*` fields.
 */
import { UsageError } from '../core/errors.js';
import type { SceneSpec } from '../sim/SceneSpec.js';
import { buildFootprintGrid } from './footprintGrid.js';
import { HitKind, RAY_SLOTS, Ray } from './rayQuery.js';
import { PrimitiveKind, SceneGeometry } from './SceneGeometry.js';
import { type GatherState, Shading } from './Shading.js';

/** How the scene is indexed for ray casting. */
export interface RenderSceneOptions {
  /** Side of a grid cell (m). @default 1 */
  cellSize: number;
}

export const DEFAULT_RENDER_SCENE_OPTIONS: RenderSceneOptions = { cellSize: 1 };

/** The mailbox stamp restarts before it can overflow an Int32. */
const MAX_STAMP = 0x3fffffff;

/** Below this |direction component| a slab is treated as parallel to the ray. */
const PARALLEL_EPS = 1e-12;

/**
 * A SceneSpec flattened for ray casting: typed-array geometry, shading tables and a 2-D grid over
 * the floor. Cameras and lidars query it through the ray registers; `raycast` answers one ray.
 */
export class RenderScene implements GatherState {
  /** The primitives' shapes and poses, the floor and ceiling planes. */
  readonly geometry: SceneGeometry;
  /** Materials, light and sky: the colour of a hit. */
  readonly shading: Shading;

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
   * gatherMark[0] numbers the gathers; `stamp[p]` holds it once primitive p has been tested in this
   * gather (a primitive spans several cells), and Shading keys its side-face cache on it.
   */
  readonly gatherMark = new Int32Array(1);
  private readonly stamp: Int32Array;
  private tStop = 0;

  /** Ray registers (see `Ray`). */
  readonly ray = new Float64Array(RAY_SLOTS);

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
    const geometry = new SceneGeometry(spec);
    this.geometry = geometry;
    const n = geometry.count;
    this.candPrim = new Int32Array(n);
    this.candT0 = new Float64Array(n);
    this.candT1 = new Float64Array(n);
    this.candNx = new Float64Array(n);
    this.candNz = new Float64Array(n);
    this.candAxis = new Uint8Array(n);
    this.stamp = new Int32Array(n);
    this.shading = new Shading(spec, geometry, this);

    if (!(options.cellSize > 0) || !Number.isFinite(options.cellSize)) {
      throw new UsageError(`RenderScene cellSize: expected a finite number > 0 (m), got ${options.cellSize}`);
    }
    const grid = buildFootprintGrid(geometry, spec.floor, options.cellSize);
    this.cellSize = options.cellSize;
    this.cols = grid.cols;
    this.rows = grid.rows;
    this.gridX0 = grid.x0;
    this.gridZ0 = grid.z0;
    this.gridX1 = grid.x0 + grid.cols * options.cellSize;
    this.gridZ1 = grid.z0 + grid.rows * options.cellSize;
    this.cellStart = grid.cellStart;
    this.cellItems = grid.cellItems;
  }

  /** Flatten a (validated) SceneSpec. Category ids must fit a byte and instance ids 16 bits. */
  static fromSpec(spec: SceneSpec, options: Partial<RenderSceneOptions> = {}): RenderScene {
    return new RenderScene(spec, { ...DEFAULT_RENDER_SCENE_OPTIONS, ...options });
  }

  /** Move dynamic body `index` (into SceneSpec.dynamic): centre (m) and yaw (rad). */
  setDynamicPose(index: number, x: number, y: number, z: number, yaw: number): void {
    this.geometry.setDynamicPose(index, x, y, z, yaw);
  }

  /** Move every dynamic body at once from [x, y, z, yaw] quadruples (m, rad), e.g. PhysicsWorld.dynamicPoses. */
  setDynamicPoses(poses: Float32Array | Float64Array): void {
    this.geometry.setDynamicPoses(poses);
  }

  /**
   * Collect, sorted by entry distance, the primitives whose footprint the horizontal ray
   * (ox, oz) + t·(dx, dz) crosses for t in [0, LIMIT) (all read from `ray`). Every ray
   * o + t·(dx, b, dz) from height oy with b in [B_LO, B_HI] is then answered exactly by `resolve`:
   * the walk stops only behind a prism that blocks all of them (floor and ceiling catch the rest).
   * Returns the number of candidates.
   */
  gather(): number {
    const g = this.geometry;
    const ray = this.ray;
    const ox = ray[Ray.OX]!;
    const oz = ray[Ray.OZ]!;
    const dx = ray[Ray.DX]!;
    const dz = ray[Ray.DZ]!;
    const tLimit = ray[Ray.LIMIT]!;
    this.candCount = 0;
    this.tStop = tLimit;
    let mark = this.gatherMark[0]! + 1;
    if (mark > MAX_STAMP) {
      this.stamp.fill(0);
      this.shading.forgetSides();
      mark = 1;
    }
    this.gatherMark[0] = mark;
    const stamp = this.stamp;

    // Dynamic bodies first: one that blocks the column shortens the grid walk.
    for (let p = g.staticCount; p < g.count; p++) this.testFootprint(p);

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
    const g = this.geometry;
    const ray = this.ray;
    const dx = ray[Ray.DX]!;
    const dz = ray[Ray.DZ]!;
    const rx = ray[Ray.OX]! - g.cx[p]!;
    const rz = ray[Ray.OZ]! - g.cz[p]!;
    let t0: number;
    let t1: number;
    let nx: number;
    let nz: number;
    let axis = 0;
    if (g.kind[p] === PrimitiveKind.BOX) {
      // Slabs in the box's local frame.
      const c = g.cosYaw[p]!;
      const s = g.sinYaw[p]!;
      const lox = rx * c - rz * s;
      const loz = rx * s + rz * c;
      const ldx = dx * c - dz * s;
      const ldz = dx * s + dz * c;
      const hx = g.halfX[p]!;
      const hz = g.halfZ[p]!;
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
      const r = g.halfX[p]!;
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
    if (g.kind[p] !== PrimitiveKind.SPHERE) {
      const oy = ray[Ray.OY]!;
      let lo = oy + ray[Ray.B_LO]! * t0;
      let hi = oy + ray[Ray.B_HI]! * t0;
      if (oy > 0 && oy < g.ceilingHeight) {
        if (lo < 0) lo = 0;
        if (hi > g.ceilingHeight) hi = g.ceilingHeight;
      }
      if (g.yMin[p]! <= lo && hi <= g.yMax[p]!) this.tStop = t0;
    }
  }

  /**
   * The first hit of the ray o + t·(dx, B, dz) (from `ray`) among the last gather's candidates,
   * the floor and the ceiling: sets hitT (Infinity for none), hitKind, hitPrim, hitCand and
   * returns hitKind.
   */
  resolve(): number {
    const g = this.geometry;
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
      if (g.kind[p] !== PrimitiveKind.SPHERE) {
        const y0 = oy + b * t0;
        const yMax = g.yMax[p]!;
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
          const yMin = g.yMin[p]!;
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
        const rx = ox - g.cx[p]!;
        const ry = oy - g.cy[p]!;
        const rz = oz - g.cz[p]!;
        const r = g.halfX[p]!;
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
    const g = this.geometry;
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
      if (g.hasCeiling) {
        const tc = (g.ceilingHeight - oy) / b;
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
}
