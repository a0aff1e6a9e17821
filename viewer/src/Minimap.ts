/**
 * Minimap: the scene from above on a 2D canvas — obstacles in their colours, goals, the geodesic
 * shortest path from the start (dashed), the trail so far and the robot with its heading.
 * The static layer is drawn once per scene into an offscreen canvas.
 */
import type { PoseXZ } from '../../src/stream/protocol.js';
import type { SceneSpec } from '../../src/sim/SceneSpec.js';
import { cssColor } from './materials.js';

/** Margin around the floor (pixels). */
const MARGIN = 6;

export class Minimap {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly base: HTMLCanvasElement;
  private spec: SceneSpec | null = null;
  private scale = 1;
  private ox = 0;
  private oz = 0;
  private trail: number[] = [];
  private pose: PoseXZ | null = null;
  private dirty = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
    this.base = document.createElement('canvas');
    this.base.width = canvas.width;
    this.base.height = canvas.height;
  }

  load(
    spec: SceneSpec,
    start: PoseXZ,
    goals: Array<[number, number]>,
    shortestPath: Array<[number, number]>,
    trail: number[],
    pose: PoseXZ = start,
  ): void {
    this.spec = spec;
    const [x0, z0] = spec.floor.min;
    const [x1, z1] = spec.floor.max;
    const w = this.canvas.width - 2 * MARGIN;
    const h = this.canvas.height - 2 * MARGIN;
    this.scale = Math.min(w / (x1 - x0), h / (z1 - z0));
    this.ox = MARGIN + (w - (x1 - x0) * this.scale) / 2 - x0 * this.scale;
    this.oz = MARGIN + (h - (z1 - z0) * this.scale) / 2 - z0 * this.scale;
    const g = this.base.getContext('2d')!;
    g.clearRect(0, 0, this.base.width, this.base.height);
    g.fillStyle = cssColor(spec.floor.material.color);
    g.fillRect(this.px(x0), this.pz(z0), (x1 - x0) * this.scale, (z1 - z0) * this.scale);
    for (const p of spec.primitives) {
      g.fillStyle = cssColor(p.material.color);
      g.save();
      g.translate(this.px(p.position[0]), this.pz(p.position[2]));
      if (p.shape === 'box') {
        // +yaw turns counter-clockwise seen from above; on the map (+z down) that is a negative canvas angle.
        g.rotate(-p.yaw);
        g.fillRect((-p.size[0] / 2) * this.scale, (-p.size[2] / 2) * this.scale, p.size[0] * this.scale, p.size[2] * this.scale);
      } else {
        g.beginPath();
        g.arc(0, 0, p.radius * this.scale, 0, 2 * Math.PI);
        g.fill();
      }
      g.restore();
    }
    if (shortestPath.length > 1) {
      g.strokeStyle = '#30e060';
      g.lineWidth = 1.5;
      g.setLineDash([4, 3]);
      g.beginPath();
      shortestPath.forEach(([x, z], i) => {
        if (i === 0) g.moveTo(this.px(x), this.pz(z));
        else g.lineTo(this.px(x), this.pz(z));
      });
      g.stroke();
      g.setLineDash([]);
    }
    g.fillStyle = '#30e060';
    for (const [x, z] of goals) {
      g.beginPath();
      g.arc(this.px(x), this.pz(z), 4, 0, 2 * Math.PI);
      g.fill();
    }
    this.trail = trail.length > 0 ? trail.slice() : [start.x, start.z];
    this.pose = pose;
    this.dirty = true;
  }

  step(pose: PoseXZ): void {
    this.trail.push(pose.x, pose.z);
    this.pose = pose;
    this.dirty = true;
  }

  setPose(pose: PoseXZ): void {
    this.pose = pose;
    this.dirty = true;
  }

  /** Redraw if anything changed; call once per animation frame. */
  frame(): void {
    if (!this.dirty || this.spec === null) return;
    this.dirty = false;
    const g = this.ctx;
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    g.drawImage(this.base, 0, 0);
    if (this.trail.length >= 4) {
      g.strokeStyle = '#ffb020';
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(this.px(this.trail[0]!), this.pz(this.trail[1]!));
      for (let i = 2; i + 1 < this.trail.length; i += 2) g.lineTo(this.px(this.trail[i]!), this.pz(this.trail[i + 1]!));
      g.stroke();
    }
    const pose = this.pose!;
    const x = this.px(pose.x);
    const z = this.pz(pose.z);
    const r = Math.max(4, 0.25 * this.scale);
    // Forward is (cos yaw, −sin yaw) in (x, z); on the canvas z grows downwards, as it does in the world.
    const fx = Math.cos(pose.yaw);
    const fz = -Math.sin(pose.yaw);
    g.fillStyle = '#2f7de1';
    g.strokeStyle = '#fff';
    g.beginPath();
    g.moveTo(x + fx * r * 1.6, z + fz * r * 1.6);
    g.lineTo(x - fx * r + fz * r, z - fz * r - fx * r);
    g.lineTo(x - fx * r - fz * r, z - fz * r + fx * r);
    g.closePath();
    g.fill();
    g.stroke();
  }

  private px(x: number): number {
    return this.ox + x * this.scale;
  }

  private pz(z: number): number {
    return this.oz + z * this.scale;
  }
}
