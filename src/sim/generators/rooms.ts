/**
 * `rooms`: an apartment-like floor. The floor rectangle is split recursively (binary space
 * partition) into rooms no smaller than `minRoomSize`; every splitting wall gets one doorway, so
 * the rooms form a tree and all of them are connected. Each room is then furnished: objects of the
 * ObjectNav categories against the walls or free-standing, plus small grey clutter, always keeping
 * doorways clear and a robot-wide gap between pieces. A 10 × 10 m floor gives 4–8 rooms and
 * about 50–70 primitives.
 */
import { z } from 'zod';
import type { Primitive, SceneSpec } from '../SceneSpec.js';
import { OBJECT_CATEGORIES, objectHalfExtents, type ObjectCategory } from '../categories.js';
import { SceneBuilder, type PlaceOptions } from './SceneBuilder.js';
import { baseOptionsSchema, parseGeneratorOptions } from './options.js';

/** The options of the rooms generator: floor size, room and doorway sizes (m), furniture, start–goal distances. */
export const RoomsOptionsSchema = baseOptionsSchema.extend({
  /** Floor extent along x (m). */
  width: z.number().min(4).max(50).default(10),
  /** Floor extent along z (m). */
  depth: z.number().min(4).max(50).default(10),
  /** Smallest room side (m). */
  minRoomSize: z.number().min(1.5).max(10).default(2.5),
  /** Doorway width (m). */
  doorWidth: z.number().min(0.6).max(2).default(1),
  wallThickness: z.number().min(0.02).max(0.5).default(0.1),
  wallHeight: z.number().min(0.8).max(5).default(2.5),
  /** Furniture pieces per 4 m² of room floor (on average). */
  furnitureDensity: z.number().min(0).max(3).default(1.8),
  /** Geodesic start–goal distance range (m) for the PointNav goal. */
  minGoalDistance: z.number().min(0).default(3),
  maxGoalDistance: z.number().min(0).default(Infinity),
});
/** What `generateRooms` takes (see `RoomsOptionsSchema`). */
export type RoomsOptions = z.input<typeof RoomsOptionsSchema>;

/** Depth (m) kept free of furniture on both sides of a doorway, so the robot can line up with it. */
const DOOR_CLEARANCE = 0.75;

export interface Region {
  x0: number;
  z0: number;
  x1: number;
  z1: number;
}
/** A doorway in a wall on the line `axis` = `at` (m), open over [from, to] (m) along the wall. */
interface Door {
  axis: 'x' | 'z';
  at: number;
  from: number;
  to: number;
}

/** An apartment: the floor split into rooms joined by doorways, furnished, with a start and a goal, from a seed. */
export function generateRooms(options: unknown): SceneSpec {
  const o = parseGeneratorOptions('rooms', RoomsOptionsSchema, options);
  const t = o.wallThickness;
  const b = new SceneBuilder('rooms', o.seed, [-o.width / 2, -o.depth / 2], [o.width / 2, o.depth / 2], o.randomize, o.robotRadius);
  const rng = b.rng;
  b.setCeiling(o.wallHeight);

  // Perimeter walls lie inside the floor; their centre lines bound the first region.
  const outer: Region = { x0: -o.width / 2 + t / 2, z0: -o.depth / 2 + t / 2, x1: o.width / 2 - t / 2, z1: o.depth / 2 - t / 2 };
  b.addWall(outer.x0, outer.z0, outer.x1, outer.z0, t, o.wallHeight);
  b.addWall(outer.x0, outer.z1, outer.x1, outer.z1, t, o.wallHeight);
  b.addWall(outer.x0, outer.z0, outer.x0, outer.z1, t, o.wallHeight);
  b.addWall(outer.x1, outer.z0, outer.x1, outer.z1, t, o.wallHeight);

  const rooms: Region[] = [];
  const doors: Door[] = [];
  const min = o.minRoomSize;
  const split = (r: Region): void => {
    const w = r.x1 - r.x0;
    const d = r.z1 - r.z0;
    const canX = w >= 2 * min;
    const canZ = d >= 2 * min;
    // Large rooms always split; middling ones sometimes stay whole, for variety.
    if ((!canX && !canZ) || (w * d < 5 * min * min && rng.random() < 0.25)) {
      rooms.push(r);
      return;
    }
    const alongX = canX && canZ ? (Math.abs(w - d) < 0.5 ? rng.random() < 0.5 : w > d) : canX;
    for (let attempt = 0; attempt < 12; attempt++) {
      // alongX: a wall on the line x = s spanning z ∈ [z0, z1]; else on z = s spanning x.
      const s = alongX ? rng.uniform(r.x0 + min, r.x1 - min) : rng.uniform(r.z0 + min, r.z1 - min);
      const span0 = alongX ? r.z0 : r.x0;
      const span1 = alongX ? r.z1 : r.x1;
      // The new wall must not end inside a doorway of the walls it meets.
      const margin = t / 2 + 0.3;
      const blocked = doors.some(
        (dr) => dr.axis !== (alongX ? 'x' : 'z') && (dr.at === span0 || dr.at === span1) && s > dr.from - margin && s < dr.to + margin,
      );
      if (blocked) continue;
      const half = o.doorWidth / 2;
      const centre = rng.uniform(span0 + t + 0.3 + half, span1 - t - 0.3 - half);
      const door: Door = { axis: alongX ? 'x' : 'z', at: s, from: centre - half, to: centre + half };
      doors.push(door);
      if (alongX) {
        b.addWall(s, span0, s, door.from - t / 2, t, o.wallHeight);
        b.addWall(s, door.to + t / 2, s, span1, t, o.wallHeight);
        b.keepClear.push([s - DOOR_CLEARANCE, door.from, s + DOOR_CLEARANCE, door.to]);
        split({ ...r, x1: s });
        split({ ...r, x0: s });
      } else {
        b.addWall(span0, s, door.from - t / 2, s, t, o.wallHeight);
        b.addWall(door.to + t / 2, s, span1, s, t, o.wallHeight);
        b.keepClear.push([door.from, s - DOOR_CLEARANCE, door.to, s + DOOR_CLEARANCE]);
        split({ ...r, z1: s });
        split({ ...r, z0: s });
      }
      return;
    }
    rooms.push(r);
  };
  split(outer);

  // ObjectNav goals go in first, while every room still has space for a bed; the second pass tops
  // up any category whose instances the furniture placed afterwards cut off.
  const proposeInRoom = (category: ObjectCategory) => proposeFurniture(b, rng.pick(rooms), t, category);
  if (o.objects) b.placeObjects(o.objects, proposeInRoom);
  for (const room of rooms) furnish(b, room, t, o.furnitureDensity);
  if (o.objects) b.placeObjects(o.objects, proposeInRoom);

  const goalsAndStart = (): { start: SceneSpec['start']; goals: SceneSpec['goals'] } => {
    if (o.objects) {
      const goals = b.objectGoals(o.objects);
      return { start: b.pickStart(), goals };
    }
    const { start, goal } = b.pickStartAndGoal(o.minGoalDistance, o.maxGoalDistance);
    return { start, goals: [{ position: goal }] };
  };
  const { start, goals } = goalsAndStart();
  b.addDynamicObstacles(o.dynamic, start.position);
  return b.finish(start, goals);
}

/** Furniture against the walls and in the open, plus clutter, inside one room (wall centre lines `r`). */
function furnish(b: SceneBuilder, r: Region, t: number, density: number): void {
  const rng = b.rng;
  const area = (r.x1 - r.x0 - t) * (r.z1 - r.z0 - t);
  const pieces = Math.round((area / 4) * density * rng.uniform(0.6, 1.2));
  for (let k = 0; k < pieces; k++) {
    const category: ObjectCategory = rng.pick(OBJECT_CATEGORIES);
    for (let attempt = 0; attempt < 15; attempt++) {
      const proposal = proposeFurniture(b, r, t, category);
      if (proposal !== null && b.tryPlace(proposal.primitive, proposal.place)) break;
    }
  }
  const clutter = 3 + rng.int(3) + (area > 8 ? 1 : 0);
  for (let k = 0; k < clutter; k++) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const size = rng.uniform(0.2, 0.45);
      const x = rng.uniform(r.x0 + t / 2 + 0.3, r.x1 - t / 2 - 0.3);
      const zc = rng.uniform(r.z0 + t / 2 + 0.3, r.z1 - t / 2 - 0.3);
      const shape = rng.random() < 0.5 ? 'box' : 'cylinder';
      if (b.tryPlace(b.makeObstacle(x, zc, shape, size, rng.uniform(0.2, 0.6), rng.uniform(0, Math.PI / 2)))) break;
    }
  }
}

/** One piece of furniture in room `r`: 60 % flush against a wall (long side along it), else free-standing. */
export function proposeFurniture(
  b: SceneBuilder,
  r: Region,
  t: number,
  category: ObjectCategory,
): { primitive: Primitive; place: PlaceOptions } | null {
  const rng = b.rng;
  const ix0 = r.x0 + t / 2;
  const iz0 = r.z0 + t / 2;
  const ix1 = r.x1 - t / 2;
  const iz1 = r.z1 - t / 2;
  const scale = rng.uniform(0.9, 1.1);
  const [hx, hz] = objectHalfExtents(category, scale);
  const againstWall = rng.random() < 0.6;
  let x: number;
  let zc: number;
  let yaw: number;
  if (againstWall) {
    // 3 cm off the wall; walls at z = iz0 / iz1 run along x, so the object's local x follows them.
    const side = rng.int(4);
    const along = side < 2;
    yaw = along ? 0 : Math.PI / 2;
    // Along the wall: tucked into a corner, or a robot-wide gap (0.55 m) away from the side walls.
    const slide = (lo: number, hi: number): number => {
      const corner = rng.int(3);
      return corner === 0 ? lo + 0.03 : corner === 1 ? hi - 0.03 : rng.uniform(lo + 0.55, hi - 0.55);
    };
    if (along) {
      x = slide(ix0 + hx, ix1 - hx);
      zc = side === 0 ? iz0 + hz + 0.03 : iz1 - hz - 0.03;
    } else {
      zc = slide(iz0 + hx, iz1 - hx);
      x = side === 2 ? ix0 + hz + 0.03 : ix1 - hz - 0.03;
    }
  } else {
    const m = Math.max(hx, hz) + 0.6;
    x = rng.uniform(ix0 + m, ix1 - m);
    zc = rng.uniform(iz0 + m, iz1 - m);
    yaw = rng.int(8) * (Math.PI / 4);
  }
  if (x < ix0 || x > ix1 || zc < iz0 || zc > iz1) return null;
  return { primitive: b.makeObject(category, x, zc, yaw, scale), place: { ignoreWalls: againstWall } };
}
