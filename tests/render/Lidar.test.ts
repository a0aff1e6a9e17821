import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { allocateFrame, Camera } from '../../src/render/Camera.js';
import { Lidar } from '../../src/render/Lidar.js';
import { RenderScene } from '../../src/render/RenderScene.js';
import { clutterScene, squareRoom } from './fixtures.js';

describe('Lidar', () => {
  it('equals camera depth along the middle pixel row at zero pitch (range · cos(bearing) = depth)', () => {
    const scene = RenderScene.fromSpec(clutterScene(11, { dynamic: true }));
    // An odd number of rows puts the middle row exactly on the level optical axis.
    const camera = new Camera({ width: 41, height: 5, hfov: 1.6, mountHeight: 0.5, far: 30 });
    const frame = allocateFrame(camera.config);
    const beam = new Lidar({ beams: 1, arc: 0.1, mountHeight: 0.5, maxRange: 30 });
    const range = new Float32Array(1);
    const tanX = Math.tan(0.8);
    for (const pose of [
      { x: -4, z: 0.5, yaw: 0.2 },
      { x: 1, z: -1, yaw: -2.2 },
    ]) {
      camera.render(scene, pose, frame);
      for (let j = 0; j < 41; j++) {
        // Column j looks atan(x_j) to the right of the heading.
        const bearing = Math.atan(((2 * (j + 0.5)) / 41 - 1) * tanX);
        beam.scan(scene, { ...pose, yaw: pose.yaw - bearing }, range);
        expect(Math.abs(range[0]! * Math.cos(bearing) - frame.depth![2 * 41 + j]!), `column ${j}`).toBeLessThan(1e-4);
      }
    }
  });

  it('orders beams left to right and spaces a full circle without repeating a direction', () => {
    const scene = RenderScene.fromSpec(squareRoom(3));
    // From (1, 0.5) facing +x: left (−z) wall 3.5 m, ahead 2 m, right (+z) 2.5 m.
    const half = new Lidar({ beams: 3, arc: Math.PI });
    const out = new Float32Array(3);
    half.scan(scene, { x: 1, z: 0.5, yaw: 0 }, out);
    expect(Array.from(out, (r) => Number(r.toFixed(5)))).toEqual([3.5, 2, 2.5]);
    const full = new Lidar({ beams: 4 });
    const ring = new Float32Array(4);
    full.scan(scene, { x: 1, z: 0.5, yaw: 0 }, ring);
    // Beams at +180°, +90°, 0°, −90°: behind 4 m, left 3.5 m, ahead 2 m, right 2.5 m.
    expect(Array.from(ring, (r) => Number(r.toFixed(5)))).toEqual([4, 3.5, 2, 2.5]);
  });

  it('clips at maxRange, adds seeded noise, and rejects bad settings and buffers', () => {
    const scene = RenderScene.fromSpec(squareRoom(3));
    const short = new Lidar({ beams: 8, maxRange: 1 });
    const out = new Float32Array(8);
    short.scan(scene, { x: 0, z: 0, yaw: 0 }, out);
    expect(Array.from(out)).toEqual(new Array(8).fill(1));
    const noisy = new Lidar({ beams: 16, noise: 0.05 });
    const a = new Float32Array(16);
    const b = new Float32Array(16);
    noisy.scan(scene, { x: 0, z: 0, yaw: 0 }, a, new Rng(1));
    noisy.scan(scene, { x: 0, z: 0, yaw: 0 }, b, new Rng(1));
    expect(Array.from(a)).toEqual(Array.from(b));
    const clean = new Float32Array(16);
    new Lidar({ beams: 16 }).scan(scene, { x: 0, z: 0, yaw: 0 }, clean);
    const errors = Array.from(a, (r, k) => r - clean[k]!);
    expect(Math.max(...errors.map(Math.abs))).toBeGreaterThan(0.01);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.25);
    expect(() => new Lidar({ beams: 0 })).toThrow(/lidar\.beams/);
    expect(() => new Lidar({ arc: 7 })).toThrow(/lidar\.arc/);
    expect(() => short.scan(scene, { x: 0, z: 0, yaw: 0 }, new Float32Array(3))).toThrow(/Float32Array of 8/);
  });
});
