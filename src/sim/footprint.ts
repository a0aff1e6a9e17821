/**
 * Footprints: what a primitive occupies on the ground plane within the robot's height band.
 *
 * The robot is a vertical cylinder standing on the floor, so it collides with a primitive exactly
 * when the primitive overlaps the band y ∈ (0, bandHeight) and its horizontal cross-section there
 * overlaps the robot's disc. Both the occupancy grid and the physics world go through this one
 * function, so the planner's idea of "free" and the physics world's idea of "blocked" agree.
 */
import type { Primitive } from './SceneSpec.js';

/** An oriented rectangle (a box seen from above): centre, half extents (m) and yaw (rad). */
export interface RectFootprint {
  kind: 'rect';
  x: number;
  z: number;
  halfX: number;
  halfZ: number;
  yaw: number;
}
/** A disc (a cylinder or a sphere's cross-section): centre and radius (m). */
export interface CircleFootprint {
  kind: 'circle';
  x: number;
  z: number;
  radius: number;
}
export type Footprint = RectFootprint | CircleFootprint;

/**
 * The footprint of `p` within the band y ∈ (0, bandHeight) (m), or null when the primitive lies
 * wholly above or below it (a shelf over the robot's head, a decal on the floor).
 */
export function footprintOf(p: Primitive, bandHeight: number): Footprint | null {
  const [x, y, z] = p.position;
  switch (p.shape) {
    case 'box': {
      const [bottom, top] = verticalExtent(p);
      if (top <= 0 || bottom >= bandHeight) return null;
      return { kind: 'rect', x, z, halfX: p.size[0] / 2, halfZ: p.size[2] / 2, yaw: p.yaw };
    }
    case 'cylinder': {
      const [bottom, top] = verticalExtent(p);
      if (top <= 0 || bottom >= bandHeight) return null;
      return { kind: 'circle', x, z, radius: p.radius };
    }
    case 'sphere': {
      // Widest cross-section inside the band: the equator if it lies in the band, else the band edge nearest it.
      const dy = y < 0 ? -y : y > bandHeight ? y - bandHeight : 0;
      if (dy >= p.radius) return null;
      return { kind: 'circle', x, z, radius: Math.sqrt(p.radius * p.radius - dy * dy) };
    }
  }
}

/** Lowest and highest y (m) of a primitive. */
export function verticalExtent(p: Primitive): [number, number] {
  const y = p.position[1];
  const half = p.shape === 'box' ? p.size[1] / 2 : p.shape === 'cylinder' ? p.height / 2 : p.radius;
  return [y - half, y + half];
}

/** Distance (m) from the ground point (px, pz) to the footprint; 0 inside it. */
export function distanceToFootprint(f: Footprint, px: number, pz: number): number {
  const dx = px - f.x;
  const dz = pz - f.z;
  if (f.kind === 'circle') return Math.max(0, Math.hypot(dx, dz) - f.radius);
  // World → local: the inverse of the rotation about +y by yaw (x = c·lx + s·lz, z = −s·lx + c·lz).
  const c = Math.cos(f.yaw);
  const s = Math.sin(f.yaw);
  const lx = c * dx - s * dz;
  const lz = s * dx + c * dz;
  const qx = Math.max(Math.abs(lx) - f.halfX, 0);
  const qz = Math.max(Math.abs(lz) - f.halfZ, 0);
  return Math.hypot(qx, qz);
}

/** Axis-aligned bounds [minX, minZ, maxX, maxZ] (m) of the footprint grown by `margin` (m). */
export function footprintBounds(f: Footprint, margin: number): [number, number, number, number] {
  if (f.kind === 'circle') {
    const r = f.radius + margin;
    return [f.x - r, f.z - r, f.x + r, f.z + r];
  }
  const c = Math.abs(Math.cos(f.yaw));
  const s = Math.abs(Math.sin(f.yaw));
  const ex = c * f.halfX + s * f.halfZ + margin;
  const ez = s * f.halfX + c * f.halfZ + margin;
  return [f.x - ex, f.z - ez, f.x + ex, f.z + ez];
}
