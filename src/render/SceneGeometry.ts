/**
 * SceneGeometry: the shapes of a SceneSpec flattened into typed arrays, one entry per primitive,
 * for the ray caster (RenderScene), its shading and the camera.
 *
 * Every primitive is a vertical prism or a sphere: a yawed box is a prism over a rotated
 * rectangle, a cylinder a prism over a disc, both bounded in y by [yMin, yMax]. The floor is the
 * plane y = 0 and the optional ceiling the plane y = ceilingHeight (both unbounded, like the
 * physics floor plane).
 *
 * Static primitives occupy indices [0, staticCount); dynamic ones follow in SceneSpec.dynamic
 * order, and `setDynamicPose(s)` only rewrites their few numbers.
 */
import type { Primitive, SceneSpec } from '../sim/SceneSpec.js';

/** Primitive shapes, as stored in `kind`. */
export const PrimitiveKind = { BOX: 0, CYLINDER: 1, SPHERE: 2 } as const;

export class SceneGeometry {
  readonly staticCount: number;
  readonly dynamicCount: number;
  readonly count: number;

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

  readonly hasCeiling: boolean;
  /** m; Infinity without a ceiling. */
  readonly ceilingHeight: number;
  /** Highest top of any static primitive (m). */
  readonly staticTop: number;
  /**
   * topY[0]: highest top of any primitive (m), dynamic ones at their current pose: rays above it
   * and rising can only meet the ceiling. (A typed array: it changes with setDynamicPose, and a
   * number field that changes allocates.)
   */
  readonly topY = new Float64Array(1);

  constructor(spec: SceneSpec) {
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
    prims.forEach((p, i) => {
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
    this.hasCeiling = spec.ceiling !== undefined;
    this.ceilingHeight = spec.ceiling ? spec.ceiling.height : Infinity;

    let top = 0;
    for (let i = 0; i < this.staticCount; i++) top = Math.max(top, this.yMax[i]!);
    this.staticTop = top;
    this.topY[0] = top;
    for (let i = this.staticCount; i < n; i++) this.topY[0] = Math.max(this.topY[0]!, this.yMax[i]!);
  }

  /** Move dynamic body `index` (into SceneSpec.dynamic): centre (m) and yaw (rad). */
  setDynamicPose(index: number, x: number, y: number, z: number, yaw: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.dynamicCount) {
      throw new RangeError(`setDynamicPose: index ${index} is not in [0, ${this.dynamicCount})`);
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
        `setDynamicPoses: expected ${4 * this.dynamicCount} numbers ([x, y, z, yaw] per dynamic body), got ${poses.length}`,
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
}
