/**
 * A top-down map of a scene for people (`robonav render`): an orthographic view straight down,
 * shaded like the camera, with the robot, the goals and a path drawn over it.
 * Map pixel (row, col) covers world x = x0 + (col + 0.5) / scale, z = z0 + (row + 0.5) / scale
 * (+x to the right, +z down, as in the occupancy grid). Not on the training path.
 */
import { Ray } from './rayQuery.js';
import type { RenderScene } from './RenderScene.js';

export interface TopDownImage {
  width: number;
  height: number;
  /** HWC sRGB. */
  rgb: Uint8Array;
  /** World x, z (m) of the top-left corner and pixels per metre. */
  x0: number;
  z0: number;
  scale: number;
}

/** Render the floor rectangle [min, max] (m) so that its longer side spans `size` pixels. */
export function renderTopDown(scene: RenderScene, min: [number, number], max: [number, number], size: number): TopDownImage {
  const scale = size / Math.max(max[0] - min[0], max[1] - min[1]);
  const width = Math.max(1, Math.round((max[0] - min[0]) * scale));
  const height = Math.max(1, Math.round((max[1] - min[1]) * scale));
  const rgb = new Uint8Array(width * height * 3);
  const { topY, hasCeiling, ceilingHeight } = scene.geometry;
  const top = Math.min(topY[0]! + 1, hasCeiling ? ceilingHeight - 1e-6 : Infinity);
  const ray = scene.ray;
  const shading = scene.shading;
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const x = min[0] + (col + 0.5) / scale;
      const z = min[1] + (row + 0.5) / scale;
      // A vertical ray: no horizontal motion, slope −1, so t is the drop in height (m).
      scene.setRay(x, top, z, 0, 0, -1, -1, Infinity);
      ray[Ray.B] = -1;
      scene.gather();
      const kind = scene.resolve();
      ray[Ray.T] = scene.hitT;
      shading.shadePixel(kind, scene.hitCand);
      const o = (row * width + col) * 3;
      for (let c = 0; c < 3; c++) rgb[o + c] = Math.round(255 * Math.min(1, Math.max(0, shading.color[c]!)) ** (1 / 2.2));
    }
  }
  return { width, height, rgb, x0: min[0], z0: min[1], scale };
}

type Color = [number, number, number];

/** Fill a disc of radius r (m) at world (x, z). */
export function drawDisc(img: TopDownImage, x: number, z: number, r: number, color: Color): void {
  const cx = (x - img.x0) * img.scale;
  const cz = (z - img.z0) * img.scale;
  const rp = Math.max(1.5, r * img.scale);
  for (let row = Math.floor(cz - rp); row <= Math.ceil(cz + rp); row++) {
    for (let col = Math.floor(cx - rp); col <= Math.ceil(cx + rp); col++) {
      if ((col + 0.5 - cx) ** 2 + (row + 0.5 - cz) ** 2 <= rp * rp) setPixel(img, col, row, color);
    }
  }
}

/** Draw a polyline through world points [x, z], `thickness` pixels wide. */
export function drawPath(img: TopDownImage, points: ReadonlyArray<readonly [number, number]>, color: Color, thickness = 2): void {
  for (let k = 0; k + 1 < points.length; k++) {
    const [x0, z0] = points[k]!;
    const [x1, z1] = points[k + 1]!;
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, z1 - z0) * img.scale * 2));
    for (let s = 0; s <= steps; s++) {
      const col = (x0 + ((x1 - x0) * s) / steps - img.x0) * img.scale;
      const row = (z0 + ((z1 - z0) * s) / steps - img.z0) * img.scale;
      for (let dr = -thickness / 2; dr < thickness / 2; dr++) {
        for (let dc = -thickness / 2; dc < thickness / 2; dc++)
          setPixel(img, Math.floor(col + dc + 0.5), Math.floor(row + dr + 0.5), color);
      }
    }
  }
}

/** The robot: a disc of its radius (m) with a heading tick (yaw convention of SceneSpec). */
export function drawRobot(img: TopDownImage, pose: { x: number; z: number; yaw: number }, radius: number, color: Color): void {
  drawDisc(img, pose.x, pose.z, radius, color);
  const tip: [number, number] = [pose.x + Math.cos(pose.yaw) * radius * 2, pose.z - Math.sin(pose.yaw) * radius * 2];
  drawPath(img, [[pose.x, pose.z], tip], [255, 255, 255], 2);
}

function setPixel(img: TopDownImage, col: number, row: number, color: Color): void {
  if (col < 0 || row < 0 || col >= img.width || row >= img.height) return;
  const o = (row * img.width + col) * 3;
  img.rgb[o] = color[0];
  img.rgb[o + 1] = color[1];
  img.rgb[o + 2] = color[2];
}
