/**
 * SensorSuite: the robot's sensors as a navigation env's options ask for them. It builds the
 * camera and the lidar, the observation Dict (keys in `SENSORS` order; NavEnv.ts lists their
 * spaces and units) and one buffer per key, and fills those buffers from the robot's pose each
 * step: frames and ranges ray-cast in the scene, the goal and odometry readings computed from poses.
 *
 * The buffers are the observation an env returns: they are allocated once and overwritten by every
 * `observe`. A task may fill a key of its own (ObjectNav's `objectgoal`) in the same dict, and
 * names its goal category (`goalCategory`) for the `goalview` sensor.
 */
import type { Rng } from '../src/core/Rng.js';
import { UsageError } from '../src/core/errors.js';
import { Box, Dict } from '../src/core/spaces.js';
import { allocateFrame, Camera, type CameraConfig, type CameraFrame, DEFAULT_CAMERA } from '../src/render/Camera.js';
import { blankValue, isBlankFrame } from '../src/render/blank.js';
import { Lidar, type LidarConfig } from '../src/render/Lidar.js';
import type { RenderScene } from '../src/render/RenderScene.js';
import { type PhysicsWorld, wrapAngle } from '../src/sim/PhysicsWorld.js';
import type { EpisodeSpec } from './episodes.js';
import { type NavConfig, SENSORS, type SensorName } from './NavOptions.js';

const CAMERA_SENSORS: readonly SensorName[] = ['rgb', 'depth', 'semantic', 'goalview'];

/** Cells per side of the `goalview` grid over the camera image. */
export const GOAL_VIEW_CELLS = 8;

export class SensorSuite {
  readonly observationSpace: Dict;
  /** One buffer per observation key, overwritten by `observe`. */
  readonly obs: Record<string, Float32Array | Uint8Array> = {};
  /** Whether a sensor casts rays (camera or lidar): the env then needs a RenderScene of its scene. */
  readonly castsRays: boolean;
  /** Whether `observe` needs the point goal (the `pointgoal` sensor is on). */
  readonly readsPointGoal: boolean;
  private readonly camera: Camera | null;
  private readonly frame: CameraFrame | null;
  private readonly lidar: Lidar | null;
  /** Range (m) that bounds the pointgoal distance and gps readings. */
  private readonly range: number;
  /**
   * The category id (`CATEGORIES`) the `goalview` sensor looks for, set by the task when an
   * episode begins; −1 (no goal) reads as an empty view.
   */
  goalCategory = -1;

  /**
   * @param id the env id, for messages
   * @param config NavEnv's validated options (sensors, camera, cameraSize, lidar, range)
   * @param extraSpaces goal-observation spaces a task provides (ObjectNav's `objectgoal`)
   */
  constructor(id: string, config: NavConfig, extraSpaces: Record<string, Box> = {}) {
    const c = config;
    this.range = c.range;
    const usesCamera = c.sensors.some((s) => CAMERA_SENSORS.includes(s));
    const size =
      c.cameraSize === undefined
        ? {}
        : typeof c.cameraSize === 'number'
          ? { width: c.cameraSize, height: c.cameraSize }
          : { width: c.cameraSize[0], height: c.cameraSize[1] };
    const cameraConfig: Partial<CameraConfig> = {
      ...c.camera,
      ...size,
      rgb: c.sensors.includes('rgb'),
      depth: c.sensors.includes('depth'),
      // goalview is read from the semantic frame.
      semantic: c.sensors.includes('semantic') || c.sensors.includes('goalview'),
    };
    this.camera = usesCamera ? new Camera(cameraConfig) : null;
    this.frame = this.camera ? allocateFrame(this.camera.config) : null;
    this.lidar = c.sensors.includes('lidar') ? new Lidar(c.lidar as Partial<LidarConfig>) : null;
    this.castsRays = this.camera !== null || this.lidar !== null;
    this.readsPointGoal = c.sensors.includes('pointgoal');

    const cam = this.cameraConfig;
    const spaces: Record<string, Box> = {};
    for (const sensor of SENSORS) {
      if (!c.sensors.includes(sensor)) continue;
      switch (sensor) {
        case 'rgb':
          spaces.rgb = new Box(0, 255, [cam.height, cam.width, 3], 'uint8');
          this.obs.rgb = this.frame!.rgb!;
          break;
        case 'depth':
          spaces.depth = new Box(0, cam.far, [cam.height, cam.width, 1]);
          this.obs.depth = this.frame!.depth!;
          break;
        case 'semantic':
          spaces.semantic = new Box(0, 255, [cam.height, cam.width, 1], 'uint8');
          this.obs.semantic = this.frame!.semantic!;
          break;
        case 'pointgoal':
          spaces.pointgoal =
            c.pointgoalFormat === 'polar' ? new Box([0, -Math.PI], [c.range, Math.PI], [2]) : new Box([0, -1, -1], [c.range, 1, 1], [3]);
          break;
        case 'objectgoal': {
          const extra = extraSpaces.objectgoal;
          if (!extra) throw new UsageError(`${id}: sensor "objectgoal" needs an ObjectNav task`);
          spaces.objectgoal = extra;
          break;
        }
        case 'goalview':
          if (!extraSpaces.objectgoal) throw new UsageError(`${id}: sensor "goalview" needs an ObjectNav task`);
          if (cam.width < GOAL_VIEW_CELLS || cam.height < GOAL_VIEW_CELLS)
            throw new UsageError(
              `${id}: sensor "goalview" needs a camera of at least ${GOAL_VIEW_CELLS}×${GOAL_VIEW_CELLS} px, got ${cam.width}×${cam.height}`,
            );
          spaces.goalview = new Box(0, 1, [GOAL_VIEW_CELLS, GOAL_VIEW_CELLS, 1]);
          break;
        case 'gps':
          spaces.gps = new Box(-c.range, c.range, [2]);
          break;
        case 'compass':
          spaces.compass = new Box(-Math.PI, Math.PI, [1]);
          break;
        case 'collision':
          spaces.collision = new Box(0, 1, [1]);
          break;
        case 'lidar': {
          const l = this.lidar!.config;
          spaces.lidar = new Box(0, l.maxRange, [l.beams]);
          break;
        }
      }
      if (!(sensor in this.obs))
        this.obs[sensor] =
          spaces[sensor]!.dtype === 'uint8' ? new Uint8Array(spaces[sensor]!.size) : new Float32Array(spaces[sensor]!.size);
    }
    this.observationSpace = new Dict(spaces);
  }

  /** The camera's settings (the default camera's when there is none): tasks reason about what it can see. */
  get cameraConfig(): CameraConfig {
    return this.camera?.config ?? DEFAULT_CAMERA;
  }

  /**
   * Fill every buffer for the robot's current pose in `world`.
   * @param scene the ray-casting scene of `world`'s scene (needed when `castsRays`); its dynamic bodies are moved to the world's
   * @param start the episode's start pose, the origin of gps and compass
   * @param goal the point [x, z] (m) the pointgoal sensor reports (needed when `readsPointGoal`)
   * @param collided whether the last step touched something
   * @param rng the stream of camera and lidar noise
   */
  observe(
    scene: RenderScene | null,
    world: Pick<PhysicsWorld, 'pose' | 'dynamicPoses'>,
    start: EpisodeSpec['start'],
    goal: readonly [number, number] | null,
    collided: boolean,
    rng: Rng,
  ): void {
    const pose = world.pose;
    if (this.castsRays) scene!.setDynamicPoses(world.dynamicPoses);
    if (this.camera) this.camera.render(scene!, pose, this.frame!, rng);
    if (this.lidar) this.lidar.scan(scene!, pose, this.obs.lidar as Float32Array, rng);
    const view = this.obs.goalview as Float32Array | undefined;
    if (view) goalViewReading(this.frame!.semantic!, this.cameraConfig.width, this.cameraConfig.height, this.goalCategory, view);
    const range = this.range;
    const pg = this.obs.pointgoal as Float32Array | undefined;
    if (pg) pointGoalReading(pose, goal!, range, pg);
    const origin = { x: start.position[0], z: start.position[1], yaw: start.yaw };
    const gps = this.obs.gps as Float32Array | undefined;
    if (gps) gpsReading(pose, origin, range, gps);
    const compass = this.obs.compass as Float32Array | undefined;
    if (compass) compass[0] = wrapAngle(pose.yaw - start.yaw);
    const collision = this.obs.collision as Float32Array | undefined;
    if (collision) collision[0] = collided ? 1 : 0;
  }

  /**
   * Throw a UsageError when the camera's last frame (from `observe`) and the views in three more
   * directions from `pose` all read one value everywhere: such a camera is misconfigured (mounted
   * above the ceiling, clipped away by near/far, pitched into the floor). A wall filling one view
   * is legitimate, hence the other directions.
   */
  checkCameraSeesSomething(id: string, scene: RenderScene | null, pose: { x: number; z: number; yaw: number }): void {
    if (!this.camera || !isBlankFrame(this.frame!)) return;
    const probe = allocateFrame(this.camera.config);
    for (let k = 1; k < 4; k++) {
      this.camera.render(scene!, { x: pose.x, z: pose.z, yaw: pose.yaw + (k * Math.PI) / 2 }, probe);
      if (!isBlankFrame(probe)) return;
    }
    throw new UsageError(
      `${id}: every camera pixel reads ${blankValue(this.frame!)} at episode start, in all four directions: the camera sees nothing; check camera.mountHeight (${this.camera.config.mountHeight} m), near/far, pitch and the scene`,
    );
  }
}

/** A robot pose on the ground plane: x, z (m), yaw (rad). */
interface GroundPose {
  x: number;
  z: number;
  yaw: number;
}

/**
 * The `pointgoal` reading of a pose into `out`: [Euclidean distance to `goal` (m, at most `range`),
 * bearing φ (rad, + = left)], or [distance, cos φ, sin φ] when `out` holds three values (the
 * 'cosSin' format). Pure, so a recording's poses give back the observations the policy read.
 */
export function pointGoalReading(pose: GroundPose, goal: readonly [number, number], range: number, out: Float32Array): void {
  const [gx, gz] = goal;
  out[0] = Math.min(range, Math.hypot(gx - pose.x, gz - pose.z));
  const bearing = wrapAngle(Math.atan2(-(gz - pose.z), gx - pose.x) - pose.yaw);
  if (out.length === 3) {
    out[1] = Math.cos(bearing);
    out[2] = Math.sin(bearing);
  } else {
    out[1] = bearing;
  }
}

/**
 * The `goalview` reading of a semantic frame into `out` ([G, G, 1], G = GOAL_VIEW_CELLS): the
 * fraction of each cell of a G × G grid over the `width` × `height` image (row 0 = top) whose pixels
 * show `category`. A spatial form of the "semantic goal exists" feature of Ye et al. 2021
 * ("Auxiliary Tasks and Exploration Enable ObjectGoal Navigation"): where the goal is in view and
 * how much of the view it fills.
 */
export function goalViewReading(semantic: Uint8Array, width: number, height: number, category: number, out: Float32Array): void {
  const G = GOAL_VIEW_CELLS;
  out.fill(0);
  for (let r = 0; r < height; r++) {
    const row = Math.floor((r * G) / height) * G;
    for (let c = 0; c < width; c++) {
      if (semantic[r * width + c] !== category) continue;
      const cell = row + Math.floor((c * G) / width);
      out[cell] = out[cell]! + 1;
    }
  }
  // Cell (i, j) spans rows ⌈i·H/G⌉ … ⌈(i + 1)·H/G⌉ − 1, and columns likewise.
  for (let i = 0; i < G; i++) {
    const rows = Math.ceil(((i + 1) * height) / G) - Math.ceil((i * height) / G);
    for (let j = 0; j < G; j++) {
      const cols = Math.ceil(((j + 1) * width) / G) - Math.ceil((j * width) / G);
      out[i * G + j] = out[i * G + j]! / (rows * cols);
    }
  }
}

/** The `gps` reading of a pose into `out`: displacement from `start` in the start frame [forward, left] (m, within ±`range`). */
export function gpsReading(pose: GroundPose, start: GroundPose, range: number, out: Float32Array): void {
  // Start frame: forward = (cos y0, −sin y0), left = (−sin y0, −cos y0) in world (x, z).
  const dx = pose.x - start.x;
  const dz = pose.z - start.z;
  const c = Math.cos(start.yaw);
  const s = Math.sin(start.yaw);
  out[0] = clamp(dx * c - dz * s, -range, range);
  out[1] = clamp(-dx * s - dz * c, -range, range);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
