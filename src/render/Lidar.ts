/**
 * A planar 2-D lidar: `beams` level rays over an arc centred on the robot's heading, at
 * `mountHeight` above the floor, returning ranges (m, along each beam) clipped to `maxRange`.
 * Beam 0 is the leftmost; a full circle (arc = 2π) spaces beams 2π/beams apart without repeating
 * the first direction, a smaller arc puts the first and last beams on its edges.
 */
import { Rng } from '../core/Rng.js';
import { UsageError } from '../core/errors.js';
import { Ray } from './rayQuery.js';
import type { RenderScene } from './RenderScene.js';

/** The lidar's beams, arc (rad), mount height (m), range (m) and noise (m). */
export interface LidarConfig {
  /** Number of beams. */
  beams: number;
  /** Angular span (rad), centred on the heading, in (0, 2π]. */
  arc: number;
  /** Height of the scan plane above the floor (m). */
  mountHeight: number;
  /** Ranges beyond this read as maxRange (m). */
  maxRange: number;
  /** Std of Gaussian range noise (m). */
  noise: number;
}

/** 64 beams over a full turn, 0.3 m above the floor, 10 m range, no noise. */
export const DEFAULT_LIDAR: LidarConfig = { beams: 64, arc: 2 * Math.PI, mountHeight: 0.3, maxRange: 10, noise: 0 };

/** A planar lidar: one ray per beam through the same RenderScene as the camera, ranges in m into a Float32Array. */
export class Lidar {
  readonly config: LidarConfig;
  /** Per beam: forward and left components of its unit direction in the robot frame. */
  private readonly beamForward: Float64Array;
  private readonly beamLeft: Float64Array;
  private readonly ownRng = new Rng(0);

  constructor(config: Partial<LidarConfig> = {}) {
    const c: LidarConfig = { ...DEFAULT_LIDAR, ...config };
    const fail = (field: string, expected: string, got: unknown): never => {
      throw new UsageError(`lidar.${field}: expected ${expected}, got ${String(got)}`);
    };
    if (!Number.isInteger(c.beams) || c.beams < 1 || c.beams > 65536) fail('beams', 'an integer in [1, 65536]', c.beams);
    if (!(c.arc > 0 && c.arc <= 2 * Math.PI)) fail('arc', 'a number in (0, 2π] rad', c.arc);
    if (!(c.mountHeight > 0) || !Number.isFinite(c.mountHeight)) fail('mountHeight', 'a finite number > 0 (m)', c.mountHeight);
    if (!(c.maxRange > 0) || !Number.isFinite(c.maxRange)) fail('maxRange', 'a finite number > 0 (m)', c.maxRange);
    if (!(c.noise >= 0) || !Number.isFinite(c.noise)) fail('noise', 'a finite number >= 0 (m)', c.noise);
    this.config = Object.freeze(c);
    this.beamForward = new Float64Array(c.beams);
    this.beamLeft = new Float64Array(c.beams);
    const fullCircle = c.arc >= 2 * Math.PI - 1e-9;
    const step = c.beams === 1 ? 0 : fullCircle ? c.arc / c.beams : c.arc / (c.beams - 1);
    for (let k = 0; k < c.beams; k++) {
      // Angle to the left of the heading (rad).
      const angle = c.beams === 1 ? 0 : c.arc / 2 - k * step;
      this.beamForward[k] = Math.cos(angle);
      this.beamLeft[k] = Math.sin(angle);
    }
  }

  /** Ranges (m) from `pose` into `out` (length = beams). Noise draws from `rng` when given. */
  scan(scene: RenderScene, pose: { x: number; z: number; yaw: number }, out: Float32Array, rng?: Rng): void {
    const c = this.config;
    if (out.length !== c.beams) throw new RangeError(`Lidar.scan: out must be a Float32Array of ${c.beams}, got length ${out.length}`);
    if (!Number.isFinite(pose.x) || !Number.isFinite(pose.z) || !Number.isFinite(pose.yaw)) {
      throw new RangeError(`Lidar.scan: pose must be finite, got x ${pose.x}, z ${pose.z}, yaw ${pose.yaw}`);
    }
    const noise = rng ?? this.ownRng;
    const cosY = Math.cos(pose.yaw);
    const sinY = Math.sin(pose.yaw);
    const maxRange = c.maxRange;
    // Level beams: slope 0, so one gather per beam and no floor or ceiling hits.
    const ray = scene.ray;
    ray[Ray.OX] = pose.x;
    ray[Ray.OY] = c.mountHeight;
    ray[Ray.OZ] = pose.z;
    ray[Ray.B_LO] = 0;
    ray[Ray.B_HI] = 0;
    ray[Ray.B] = 0;
    ray[Ray.LIMIT] = maxRange;
    for (let k = 0; k < c.beams; k++) {
      const f = this.beamForward[k]!;
      const l = this.beamLeft[k]!;
      // Robot frame → world: forward (cos ψ, −sin ψ), left (−sin ψ, −cos ψ).
      ray[Ray.DX] = f * cosY - l * sinY;
      ray[Ray.DZ] = -f * sinY - l * cosY;
      scene.gather();
      scene.resolve();
      let r = scene.hitT;
      if (c.noise > 0 && r < maxRange) r += c.noise * noise.normal();
      out[k] = r < 0 ? 0 : r > maxRange ? maxRange : r;
    }
  }
}
