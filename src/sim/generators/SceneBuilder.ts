/**
 * SceneBuilder: the shared machinery of the generators. It collects primitives, styles them,
 * places objects without blocking passages, picks a start and goals on the reachable floor
 * (checked with an OccupancyGrid and a GeodesicField) and validates the result with
 * `parseSceneSpec`, so every generated scene is a valid spec with a free start and reachable goals.
 */
import { Rng } from '../../core/Rng.js';
import { UsageError } from '../../core/errors.js';
import {
  parseSceneSpec,
  SCENE_SPEC_VERSION,
  type DynamicBody,
  type Goal,
  type Material,
  type Pose,
  type Primitive,
  type SceneSpec,
  type SceneSpecInput,
  type Vec2,
} from '../SceneSpec.js';
import { CATEGORIES, categoryId, OBJECT_CATEGORIES, OBJECT_STYLES, objectHalfExtents, type ObjectCategory } from '../categories.js';
import { distanceToFootprint, footprintBounds, footprintOf, type Footprint } from '../footprint.js';
import { OccupancyGrid } from '../OccupancyGrid.js';
import { GeodesicField } from '../GeodesicField.js';
import { DEFAULT_RANDOMIZATION, makeStyle, type DomainRandomization, type SceneStyle } from './style.js';

/** ObjectNav object placement: which categories must be present, and how many of each. */
export interface ObjectPlacementOptions {
  /** Goal categories that must each have reachable instances. @default OBJECT_CATEGORIES */
  categories?: readonly string[];
  /** Reachable instances per category, at least. @default 1 */
  perCategory?: number;
}

/** An object counts as reachable when a reachable robot position lies within this distance (m) of its surface. */
export const OBJECT_REACH = 0.6;
/** Margin (m) on top of the robot's diameter kept free between placed objects, so placement never seals a passage. */
const CLEARANCE_MARGIN = 0.14;

const OBSTACLE = categoryId('obstacle');

export interface PlaceOptions {
  /** Allow standing flush (≤ 5 cm) against walls. */
  ignoreWalls?: boolean;
  /** Allow any gap to walls (for spots that cannot block a passage, such as dead ends). */
  anyWallGap?: boolean;
}

/** A generator-specific way to propose one object of a category (null: no proposal this attempt). */
export type ObjectProposer = (category: ObjectCategory) => { primitive: Primitive; place: PlaceOptions } | null;

export class SceneBuilder {
  /** Layout choices. */
  readonly rng: Rng;
  readonly style: SceneStyle;
  readonly primitives: Primitive[] = [];
  readonly dynamic: DynamicBody[] = [];
  /** Areas (axis-aligned [minX, minZ, maxX, maxZ], m) objects must keep clear of, such as doorways. */
  readonly keepClear: Array<[number, number, number, number]> = [];
  private nextInstance = 1;
  private cache: { count: number; grid: OccupancyGrid; labels: Int32Array; sizes: number[]; main: number } | null = null;
  private ceiling: SceneSpecInput['ceiling'];

  constructor(
    readonly name: string,
    readonly seed: number,
    readonly floorMin: Vec2,
    readonly floorMax: Vec2,
    randomize: Partial<DomainRandomization> | undefined,
    /** Radius (m) of the robot the start and goals must suit. */
    readonly robotRadius: number,
  ) {
    this.rng = new Rng(seed);
    // The style stream is split off a second generator so that styling never shifts the layout.
    this.style = makeStyle(new Rng(new Rng(seed ^ 0x5bd1e995).deriveSeed()), { ...DEFAULT_RANDOMIZATION, ...randomize });
  }

  newInstance(): number {
    return this.nextInstance++;
  }

  setCeiling(height: number): void {
    this.ceiling = { height, material: { color: [0.9, 0.9, 0.88], category: categoryId('ceiling'), instance: 0 } };
  }

  /** An axis-aligned wall from (x0, z0) to (x1, z1) (m) along its centre line. */
  addWall(x0: number, z0: number, x1: number, z1: number, thickness: number, height: number, material?: Material): void {
    const lx = Math.abs(x1 - x0);
    const lz = Math.abs(z1 - z0);
    if (lx < 1e-6 && lz < 1e-6) return;
    const size: [number, number, number] = lx >= lz ? [lx + thickness, height, thickness] : [thickness, height, lz + thickness];
    this.primitives.push({
      shape: 'box',
      position: [(x0 + x1) / 2, height / 2, (z0 + z1) / 2],
      size,
      yaw: 0,
      material: material ?? this.style.wall,
    });
  }

  /** A grey clutter box or cylinder (not yet placed: see `tryPlace`). `size` = side or diameter (m). */
  makeObstacle(x: number, z: number, shape: 'box' | 'cylinder', size: number, height: number, yaw: number): Primitive {
    const grey = this.rng.uniform(0.35, 0.65);
    const material: Material = { color: [grey, grey, grey * 0.95], pattern: { type: 'solid' }, category: OBSTACLE, instance: 0 };
    return shape === 'box'
      ? { shape: 'box', position: [x, height / 2, z], size: [size, height, size], yaw, material }
      : { shape: 'cylinder', position: [x, height / 2, z], radius: size / 2, height, material };
  }

  /**
   * An object of `category` at (x, z) with `yaw` (rad), its nominal size scaled by `scale` (not yet
   * placed: `tryPlace` gives it its instance id).
   */
  makeObject(category: ObjectCategory, x: number, z: number, yaw: number, scale: number): Primitive {
    const s = OBJECT_STYLES[category];
    const material = this.style.object(category);
    switch (s.shape) {
      case 'box': {
        const size: [number, number, number] = [s.size[0] * scale, s.size[1] * scale, s.size[2] * scale];
        return { shape: 'box', position: [x, size[1] / 2, z], size, yaw, material };
      }
      case 'cylinder':
        return {
          shape: 'cylinder',
          position: [x, (s.height * scale) / 2, z],
          radius: s.radius * scale,
          height: s.height * scale,
          material,
        };
      case 'sphere':
        return { shape: 'sphere', position: [x, s.radius * scale, z], radius: s.radius * scale, material };
    }
  }

  /**
   * Add `p` with a fresh instance id unless it comes within a robot diameter (plus margin) of
   * another primitive's footprint, leaves the floor, or enters a keep-clear area. `ignoreWalls`
   * lets furniture stand flush against a wall.
   */
  tryPlace(p: Primitive, options: PlaceOptions = {}): boolean {
    const f = footprintOf(p, 10)!;
    const [x0, z0, x1, z1] = footprintBounds(f, 0);
    if (x0 < this.floorMin[0] || z0 < this.floorMin[1] || x1 > this.floorMax[0] || z1 > this.floorMax[1]) return false;
    for (const [a0, b0, a1, b1] of this.keepClear) {
      if (x0 < a1 && x1 > a0 && z0 < b1 && z1 > b0) return false;
    }
    const wall = categoryId('wall');
    const clearance = 2 * this.robotRadius + CLEARANCE_MARGIN;
    for (const q of this.primitives) {
      const isWall = q.material.category === wall;
      const g = footprintOf(q, 10);
      if (g === null) continue;
      const gap = footprintGap(f, g);
      // Against a wall means flush with it (a gap the robot could squeeze into would be a trap).
      if (isWall && options.anyWallGap && gap >= 0) continue;
      if (gap < clearance && !(isWall && options.ignoreWalls && gap >= 0 && gap <= 0.05)) return false;
    }
    p.material.instance = this.newInstance();
    this.primitives.push(p);
    return true;
  }

  /** The occupancy grid of the primitives so far (cached: primitives are only ever appended). */
  grid(): OccupancyGrid {
    if (this.cache === null || this.cache.count !== this.primitives.length) {
      const grid = OccupancyGrid.fromScene(this.floorSpec(), { inflate: this.robotRadius });
      const { labels, sizes } = grid.components();
      this.cache = { count: this.primitives.length, grid, labels, sizes, main: argmax(sizes) };
    }
    return this.cache.grid;
  }

  /** Component labels of the current grid and the label of the largest component. */
  private components(): { labels: Int32Array; sizes: number[]; main: number } {
    this.grid();
    return this.cache!;
  }

  private floorSpec(): Pick<SceneSpec, 'floor' | 'primitives'> {
    return { floor: { min: this.floorMin, max: this.floorMax, material: this.style.floor }, primitives: this.primitives };
  }

  /**
   * Make sure every requested ObjectNav category has `perCategory` reachable instances, placing
   * extra objects where `propose` (default: a random free spot) suggests.
   */
  placeObjects(options: ObjectPlacementOptions, propose?: ObjectProposer): void {
    // Largest first: big pieces need the open wall runs that small ones would break up.
    const categories = objectCategories(options).sort((a, b) => footprintArea(b) - footprintArea(a));
    const perCategory = options.perCategory ?? 1;
    if (!Number.isInteger(perCategory) || perCategory < 1 || perCategory > 10) {
      throw new UsageError(`objects.perCategory: expected an integer in [1, 10], got ${String(perCategory)}`);
    }
    for (const category of categories) {
      let have = this.reachableObjects(category).length;
      for (let attempt = 0; attempt < 300 && have < perCategory; attempt++) {
        const proposal = propose ? propose(category) : this.proposeOpenSpot(category);
        if (proposal === null) continue;
        if (this.tryPlace(proposal.primitive, proposal.place)) have = this.reachableObjects(category).length;
      }
      if (have < perCategory) {
        throw new UsageError(
          `${this.name} (seed ${this.seed}): could not place ${perCategory} reachable "${category}" object(s); use a larger scene`,
        );
      }
    }
  }

  /** The ObjectNav goals: every reachable instance of the requested categories. */
  objectGoals(options: ObjectPlacementOptions): Goal[] {
    const ids = new Set(objectCategories(options).map((c) => categoryId(c)));
    const goals: Goal[] = [];
    for (const p of this.reachablePrimitives()) {
      if (!ids.has(p.material.category)) continue;
      goals.push({ position: [p.position[0], p.position[2]], category: p.material.category, instance: p.material.instance });
    }
    return goals;
  }

  /** An object of `category` standing free at a random reachable spot. */
  private proposeOpenSpot(category: ObjectCategory): { primitive: Primitive; place: PlaceOptions } | null {
    const spot = this.randomReachablePoint();
    if (spot === null) return null;
    return {
      primitive: this.makeObject(category, spot[0], spot[1], this.rng.int(4) * (Math.PI / 2), this.rng.uniform(0.9, 1.1)),
      place: {},
    };
  }

  /** Instances of `category` with a reachable robot position within OBJECT_REACH of their surface. */
  private reachableObjects(category: ObjectCategory): Primitive[] {
    const id = categoryId(category);
    return this.reachablePrimitives().filter((p) => p.material.category === id);
  }

  private reachablePrimitives(): Primitive[] {
    const grid = this.grid();
    const { labels, main } = this.components();
    const out: Primitive[] = [];
    for (const p of this.primitives) {
      if (p.material.instance === 0) continue;
      const f = footprintOf(p, 10);
      if (f !== null && touchesComponent(grid, labels, main, f, OBJECT_REACH)) out.push(p);
    }
    return out;
  }

  /** A uniformly chosen cell centre of the largest free component, or null if there is none. */
  randomReachablePoint(): Vec2 | null {
    const grid = this.grid();
    const { labels, sizes, main } = this.components();
    if (sizes.length === 0) return null;
    let k = this.rng.int(sizes[main]!);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== main) continue;
      if (k-- === 0) {
        const r = (i / grid.cols) | 0;
        return [grid.centerX(i - r * grid.cols), grid.centerZ(r)];
      }
    }
    return null;
  }

  /**
   * A start on the largest free component with a random heading, and (for PointNav) a goal on the
   * same component whose geodesic distance from the start lies in [minDist, maxDist] m when such a
   * cell exists (else the farthest reachable cell).
   */
  pickStartAndGoal(minDist: number, maxDist: number): { start: Pose; goal: Vec2 } {
    const start = this.pickStart();
    const grid = this.grid();
    const field = GeodesicField.compute(grid, [start.position]);
    const candidates: number[] = [];
    let farthest = -1;
    for (let i = 0; i < field.values.length; i++) {
      const d = field.values[i]!;
      if (d === Infinity) continue;
      if (farthest < 0 || d > field.values[farthest]!) farthest = i;
      if (d >= minDist && d <= maxDist) candidates.push(i);
    }
    const cell = candidates.length > 0 ? candidates[this.rng.int(candidates.length)]! : farthest;
    const r = (cell / grid.cols) | 0;
    return { start, goal: [grid.centerX(cell - r * grid.cols), grid.centerZ(r)] };
  }

  pickStart(): Pose {
    const position = this.randomReachablePoint();
    if (position === null) throw new UsageError(`${this.name} (seed ${this.seed}): the scene has no free floor for the robot`);
    return { position, yaw: this.rng.uniform(-Math.PI, Math.PI) };
  }

  /**
   * Moving obstacles on the reachable floor, at least 1.5 m from the start: in turn a bouncing
   * ball, a patrolling cylinder and a free (pushable) box.
   */
  addDynamicObstacles(count: number, start: Vec2): void {
    for (let k = 0, attempts = 0; k < count && attempts < 200 * (count + 1); attempts++) {
      const spot = this.randomReachablePoint();
      if (spot === null) break;
      if (Math.hypot(spot[0] - start[0], spot[1] - start[1]) < 1.5) continue;
      const material: Material = { color: [0.9, 0.2, 0.6], pattern: { type: 'solid' }, category: OBSTACLE, instance: 0 };
      const kind = k % 3;
      const heading = this.rng.uniform(-Math.PI, Math.PI);
      if (kind === 0) {
        const speed = this.rng.uniform(0.2, 0.5);
        material.instance = this.newInstance();
        this.dynamic.push({
          primitive: { shape: 'sphere', position: [spot[0], 0.2, spot[1]], radius: 0.2, material },
          mass: 3,
          motion: { type: 'bounce', velocity: [speed * Math.cos(heading), -speed * Math.sin(heading)] },
        });
      } else if (kind === 1) {
        // Patrol to a point up to 2 m away in straight sight, and back.
        const grid = this.grid();
        const len = this.rng.uniform(0.8, 2);
        const to: Vec2 = [spot[0] + len * Math.cos(heading), spot[1] - len * Math.sin(heading)];
        if (!grid.segmentFree(spot[0], spot[1], to[0], to[1])) continue;
        material.instance = this.newInstance();
        this.dynamic.push({
          primitive: { shape: 'cylinder', position: [spot[0], 0.4, spot[1]], radius: 0.2, height: 0.8, material },
          mass: 20,
          motion: { type: 'patrol', waypoints: [spot, to], speed: this.rng.uniform(0.2, 0.4) },
        });
      } else {
        material.instance = this.newInstance();
        this.dynamic.push({
          primitive: { shape: 'box', position: [spot[0], 0.2, spot[1]], size: [0.4, 0.4, 0.4], yaw: heading, material },
          mass: 2,
          motion: { type: 'free' },
        });
      }
      k++;
    }
  }

  /** Validate and return the finished spec. */
  finish(start: Pose, goals: Goal[]): SceneSpec {
    const input: SceneSpecInput = {
      version: SCENE_SPEC_VERSION,
      generator: { name: this.name, seed: this.seed },
      categories: [...CATEGORIES],
      floor: { min: this.floorMin, max: this.floorMax, material: this.style.floor },
      ...(this.ceiling ? { ceiling: this.ceiling } : {}),
      primitives: this.primitives,
      dynamic: this.dynamic,
      lighting: this.style.lighting,
      start,
      goals,
    };
    // A deep copy through JSON: the spec is plain data and shares nothing with the builder.
    return parseSceneSpec(JSON.parse(JSON.stringify(input)), `${this.name} scene (seed ${this.seed})`);
  }
}

function footprintArea(category: ObjectCategory): number {
  const [hx, hz] = objectHalfExtents(category, 1);
  return hx * hz;
}

function objectCategories(options: ObjectPlacementOptions): ObjectCategory[] {
  return (options.categories ?? OBJECT_CATEGORIES).map((c) => {
    if (!(OBJECT_CATEGORIES as readonly string[]).includes(c)) {
      throw new UsageError(`objects.categories: unknown object category "${c}"; known: ${OBJECT_CATEGORIES.join(', ')}`);
    }
    return c as ObjectCategory;
  });
}

/** Index of the largest entry (the first on ties). */
function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** True when a cell of component `label` lies within `reach` (m) of the footprint. */
function touchesComponent(grid: OccupancyGrid, labels: Int32Array, label: number, f: Footprint, reach: number): boolean {
  const [x0, z0, x1, z1] = footprintBounds(f, reach);
  const c0 = Math.max(0, Math.floor((x0 - grid.originX) / grid.cellSize));
  const c1 = Math.min(grid.cols - 1, Math.floor((x1 - grid.originX) / grid.cellSize));
  const r0 = Math.max(0, Math.floor((z0 - grid.originZ) / grid.cellSize));
  const r1 = Math.min(grid.rows - 1, Math.floor((z1 - grid.originZ) / grid.cellSize));
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      if (labels[r * grid.cols + c] !== label) continue;
      if (distanceToFootprint(f, grid.centerX(c), grid.centerZ(r)) <= reach) return true;
    }
  }
  return false;
}

/**
 * A lower bound on the gap (m) between two footprints, exact for discs and axis-aligned boxes and
 * conservative for rotated boxes (measured from the other's corners and centre, then from its bounds).
 */
function footprintGap(a: Footprint, b: Footprint): number {
  if (a.kind === 'circle' && b.kind === 'circle') return Math.hypot(a.x - b.x, a.z - b.z) - a.radius - b.radius;
  if (a.kind === 'circle') return distanceToFootprint(b, a.x, a.z) - a.radius;
  if (b.kind === 'circle') return distanceToFootprint(a, b.x, b.z) - b.radius;
  // Two boxes: the gap between their axis-aligned bounds (exact when both are axis-aligned, smaller otherwise).
  const [ax0, az0, ax1, az1] = footprintBounds(a, 0);
  const [bx0, bz0, bx1, bz1] = footprintBounds(b, 0);
  const gx = Math.max(0, bx0 - ax1, ax0 - bx1);
  const gz = Math.max(0, bz0 - az1, az0 - bz1);
  if (gx === 0 && gz === 0) return -1;
  return Math.hypot(gx, gz);
}
