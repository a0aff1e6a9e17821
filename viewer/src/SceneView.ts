/**
 * SceneView: the 3D view. Builds three.js meshes from a SceneSpec (the same spec physics and the
 * ray caster use), draws the robot with a heading marker, the goals, the dynamic bodies and the
 * path trail, and offers an orbit camera and a camera that follows the robot.
 *
 * Coordinates are the SceneSpec's (three.js convention, metres, +y up); at yaw θ the robot faces
 * (cos θ, 0, −sin θ), which is local +x rotated by θ about +y, so `rotation.y = yaw` is exact.
 * The ceiling is not drawn: the viewer looks from above.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { PoseXZ } from '../../src/stream/protocol.js';
import type { Primitive, SceneSpec } from '../../src/sim/SceneSpec.js';
import { linearColor, MaterialCache, tileSize } from './materials.js';

/** Robot body as drawn (m): PhysicsWorld's default radius and height. */
const ROBOT_RADIUS = 0.18;
const ROBOT_HEIGHT = 0.6;
/** Trail points kept (positions); longer episodes drop the oldest. */
const TRAIL_CAPACITY = 20_000;
/** Trail height above the floor (m), so it is not hidden in the floor texture. */
const TRAIL_Y = 0.02;
/** Goal beacon height (m), above the 1 m walls of generated scenes. */
const GOAL_BEACON_HEIGHT = 2.5;
/** Trail dot diameter (m). */
const TRAIL_DOT = 0.08;
/** Follow camera: distance behind and height above the robot (m), smoothing per frame. */
const FOLLOW_BACK = 2.2;
const FOLLOW_UP = 1.6;
const FOLLOW_SMOOTHING = 0.15;

export type CameraMode = 'orbit' | 'follow';

export class SceneView {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(55, 1, 0.05, 200);
  private readonly controls: OrbitControls;
  private readonly materials = new MaterialCache();
  private readonly world = new THREE.Group();
  private readonly robot = new THREE.Group();
  private readonly trail: THREE.Line;
  private readonly trailPositions = new Float32Array(TRAIL_CAPACITY * 3);
  private trailCount = 0;
  private dynamicMeshes: THREE.Object3D[] = [];
  private mode: CameraMode = 'orbit';
  private readonly target = new THREE.Vector3();
  private readonly desired = new THREE.Vector3();
  private pose: PoseXZ = { x: 0, z: 0, yaw: 0 };
  private dirty = true;
  /** Frames rendered (the e2e test waits for it). */
  framesRendered = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {
    // preserveDrawingBuffer: screenshots and pixel checks read what was drawn last.
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.addEventListener('change', () => (this.dirty = true));
    this.scene.add(this.world);
    this.buildRobot();
    this.scene.add(this.robot);
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(this.trailPositions, 3).setUsage(THREE.DynamicDrawUsage));
    geometry.setDrawRange(0, 0);
    this.trail = new THREE.Line(geometry, new THREE.LineBasicMaterial({ color: 0xffb020 }));
    this.trail.frustumCulled = false;
    // WebGL lines are 1 px wide whatever the zoom: a dot per step (sized in metres) keeps the path visible.
    const dots = new THREE.Points(geometry, new THREE.PointsMaterial({ color: 0xffb020, size: TRAIL_DOT, sizeAttenuation: true }));
    dots.frustumCulled = false;
    this.scene.add(this.trail, dots);
    this.camera.position.set(6, 8, 6);
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  setCameraMode(mode: CameraMode): void {
    this.mode = mode;
    this.controls.enabled = mode === 'orbit';
    this.dirty = true;
  }

  /** Turn the orbit camera about its target on every frame (three.js autoRotateSpeed: 2 = a turn per 1800 frames); 0 stops it. */
  setAutoRotate(speed: number): void {
    this.controls.autoRotate = speed !== 0;
    this.controls.autoRotateSpeed = speed;
    this.dirty = true;
  }

  /**
   * Replace the world with a new episode's scene: `start` = the robot's start pose, `goals` = this
   * episode's goal positions [x, z], `trail` = [x0, z0, x1, z1, …] already travelled, `pose` = where
   * the robot is now (a viewer joining mid-episode).
   */
  load(spec: SceneSpec, start: PoseXZ, goals: Array<[number, number]>, trail: number[] = [], pose: PoseXZ = start): void {
    this.clearWorld();
    this.scene.background = linearColor(spec.sky);
    const l = spec.lighting;
    const lightColor = linearColor(l.color);
    // three.js lights divide diffuse by π; scaling by π gives the ray caster's ambient + intensity·(n·l).
    this.world.add(new THREE.AmbientLight(lightColor, l.ambient * Math.PI));
    const sun = new THREE.DirectionalLight(lightColor, l.intensity * Math.PI);
    sun.position.set(l.direction[0], l.direction[1], l.direction[2]).normalize().multiplyScalar(20);
    this.world.add(sun);

    const [x0, z0] = spec.floor.min;
    const [x1, z1] = spec.floor.max;
    const floorGeometry = new THREE.PlaneGeometry(x1 - x0, z1 - z0);
    floorGeometry.rotateX(-Math.PI / 2);
    const floor = new THREE.Mesh(worldUVs(floorGeometry, tileSize(spec.floor.material.pattern)), this.materials.get(spec.floor.material));
    floor.position.set((x0 + x1) / 2, 0, (z0 + z1) / 2);
    this.world.add(floor);

    for (const p of spec.primitives) this.world.add(this.mesh(p));
    this.dynamicMeshes = spec.dynamic.map((d) => this.mesh(d.primitive));
    for (const m of this.dynamicMeshes) this.world.add(m);

    for (const [gx, gz] of goals) {
      const marker = new THREE.Mesh(
        new THREE.CylinderGeometry(0.25, 0.25, 0.04, 32),
        new THREE.MeshBasicMaterial({ color: 0x30e060, transparent: true, opacity: 0.7 }),
      );
      marker.position.set(gx, 0.02, gz);
      // A tall thin beacon: goals stay visible behind walls from the orbit camera.
      const beacon = new THREE.Mesh(
        new THREE.CylinderGeometry(0.05, 0.05, GOAL_BEACON_HEIGHT, 8),
        new THREE.MeshBasicMaterial({ color: 0x30e060 }),
      );
      beacon.position.set(gx, GOAL_BEACON_HEIGHT / 2, gz);
      this.world.add(marker, beacon);
    }

    this.trailCount = 0;
    for (let i = 0; i + 1 < trail.length; i += 2) this.pushTrail(trail[i]!, trail[i + 1]!);
    if (this.trailCount === 0) this.pushTrail(start.x, start.z);
    this.setPose(pose);

    // Orbit around the floor's centre from a corner, far enough to see the whole floor.
    const cx = (x0 + x1) / 2;
    const cz = (z0 + z1) / 2;
    const span = Math.max(x1 - x0, z1 - z0);
    this.controls.target.set(cx, 0, cz);
    this.camera.position.set(cx + span * 0.45, span * 0.9, cz + span * 0.75);
    this.controls.update();
    this.dirty = true;
  }

  setPose(pose: PoseXZ): void {
    this.pose = pose;
    this.robot.position.set(pose.x, 0, pose.z);
    this.robot.rotation.y = pose.yaw;
    this.dirty = true;
  }

  /** A step: move the robot, extend the trail, move the dynamic bodies ([x, y, z, yaw] each). */
  step(pose: PoseXZ, dynamic: number[]): void {
    this.setPose(pose);
    this.pushTrail(pose.x, pose.z);
    for (let i = 0; i < this.dynamicMeshes.length; i++) {
      const m = this.dynamicMeshes[i]!;
      if (dynamic.length < 4 * (i + 1)) break;
      m.position.set(dynamic[4 * i]!, dynamic[4 * i + 1]!, dynamic[4 * i + 2]!);
      m.rotation.y = dynamic[4 * i + 3]!;
    }
  }

  /** Render if anything changed; call once per animation frame. */
  frame(): void {
    if (this.mode === 'follow') {
      const fx = Math.cos(this.pose.yaw);
      const fz = -Math.sin(this.pose.yaw);
      this.desired.set(this.pose.x - fx * FOLLOW_BACK, FOLLOW_UP, this.pose.z - fz * FOLLOW_BACK);
      this.camera.position.lerp(this.desired, FOLLOW_SMOOTHING);
      this.target.set(this.pose.x, 0.3, this.pose.z);
      this.camera.lookAt(this.target);
      this.dirty = this.camera.position.distanceToSquared(this.desired) > 1e-6 || this.dirty;
    } else {
      this.controls.update();
    }
    if (!this.dirty) return;
    this.dirty = false;
    this.renderer.render(this.scene, this.camera);
    this.framesRendered += 1;
  }

  private pushTrail(x: number, z: number): void {
    if (this.trailCount === TRAIL_CAPACITY) {
      this.trailPositions.copyWithin(0, 3);
      this.trailCount -= 1;
    }
    const o = this.trailCount * 3;
    this.trailPositions[o] = x;
    this.trailPositions[o + 1] = TRAIL_Y;
    this.trailPositions[o + 2] = z;
    this.trailCount += 1;
    const geometry = this.trail.geometry;
    geometry.setDrawRange(0, this.trailCount);
    (geometry.getAttribute('position') as THREE.BufferAttribute).needsUpdate = true;
    this.dirty = true;
  }

  private buildRobot(): void {
    const body = new THREE.Mesh(
      new THREE.CylinderGeometry(ROBOT_RADIUS, ROBOT_RADIUS, ROBOT_HEIGHT, 32),
      new THREE.MeshLambertMaterial({ color: 0x2f7de1 }),
    );
    body.position.y = ROBOT_HEIGHT / 2;
    // Heading marker: a cone on top pointing along local +x (the robot's forward at rotation.y = yaw).
    const nose = new THREE.Mesh(new THREE.ConeGeometry(0.08, 0.3, 16), new THREE.MeshBasicMaterial({ color: 0xff3030 }));
    nose.rotation.z = -Math.PI / 2;
    nose.position.set(ROBOT_RADIUS, ROBOT_HEIGHT + 0.05, 0);
    this.robot.add(body, nose);
  }

  private mesh(p: Primitive): THREE.Mesh {
    const tile = tileSize(p.material.pattern);
    let geometry: THREE.BufferGeometry;
    switch (p.shape) {
      case 'box':
        geometry = worldUVs(new THREE.BoxGeometry(p.size[0], p.size[1], p.size[2]), tile);
        break;
      case 'cylinder':
        geometry = scaleUVs(new THREE.CylinderGeometry(p.radius, p.radius, p.height, 32), (2 * Math.PI * p.radius) / tile, p.height / tile);
        break;
      case 'sphere':
        geometry = scaleUVs(new THREE.SphereGeometry(p.radius, 32, 16), (2 * Math.PI * p.radius) / tile, (Math.PI * p.radius) / tile);
        break;
    }
    const mesh = new THREE.Mesh(geometry, this.materials.get(p.material));
    mesh.position.set(p.position[0], p.position[1], p.position[2]);
    if (p.shape === 'box') mesh.rotation.y = p.yaw;
    return mesh;
  }

  private clearWorld(): void {
    for (const child of [...this.world.children]) {
      this.world.remove(child);
      if (child instanceof THREE.Mesh) child.geometry.dispose();
    }
    this.materials.dispose();
    this.dynamicMeshes = [];
  }

  private resize(): void {
    const w = Math.max(1, this.canvas.clientWidth);
    const h = Math.max(1, this.canvas.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }
}

/** UVs in metres / tile from each vertex's position, projected along its face normal. */
function worldUVs(geometry: THREE.BufferGeometry, tile: number): THREE.BufferGeometry {
  const pos = geometry.getAttribute('position');
  const normal = geometry.getAttribute('normal');
  const uv = geometry.getAttribute('uv');
  for (let i = 0; i < pos.count; i++) {
    const ax = Math.abs(normal.getX(i));
    const ay = Math.abs(normal.getY(i));
    const [u, v] =
      ax >= ay && ax >= Math.abs(normal.getZ(i))
        ? [pos.getZ(i), pos.getY(i)]
        : ay >= Math.abs(normal.getZ(i))
          ? [pos.getX(i), pos.getZ(i)]
          : [pos.getX(i), pos.getY(i)];
    uv.setXY(i, u / tile, v / tile);
  }
  uv.needsUpdate = true;
  return geometry;
}

function scaleUVs(geometry: THREE.BufferGeometry, su: number, sv: number): THREE.BufferGeometry {
  const uv = geometry.getAttribute('uv');
  for (let i = 0; i < uv.count; i++) uv.setXY(i, uv.getX(i) * su, uv.getY(i) * sv);
  uv.needsUpdate = true;
  return geometry;
}
