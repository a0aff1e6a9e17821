import { describe, expect, it } from 'vitest';
import { RenderScene } from '../../src/render/RenderScene.js';
import { drawDisc, drawPath, drawRobot, renderTopDown } from '../../src/render/topDown.js';
import { parseSceneSpec } from '../../src/sim/SceneSpec.js';
import { CATEGORIES } from './fixtures.js';

const pixel = (img: { width: number; rgb: Uint8Array }, col: number, row: number) =>
  Array.from(img.rgb.subarray((row * img.width + col) * 3, (row * img.width + col) * 3 + 3));

describe('renderTopDown', () => {
  const spec = parseSceneSpec({
    version: 1,
    categories: CATEGORIES,
    floor: { min: [-2, -1], max: [2, 1], material: { color: [0.2, 0.2, 0.2], category: 1 } },
    ceiling: { height: 2.5, material: { color: [1, 1, 1], category: 3 } },
    primitives: [
      { shape: 'box', position: [1, 0.5, 0], size: [0.5, 1, 0.5], material: { color: [1, 0, 0], category: 4 } },
      { shape: 'cylinder', position: [-1, 0.25, 0.5], radius: 0.2, height: 0.5, material: { color: [0, 0, 1], category: 4 } },
    ],
    lighting: { ambient: 1, direction: [0, 1, 0], intensity: 0 },
    start: { position: [0, 0], yaw: 0 },
  });

  it('looks straight down under the ceiling: +x right, +z down, tops in their colours', () => {
    const map = renderTopDown(RenderScene.fromSpec(spec), spec.floor.min, spec.floor.max, 80);
    // 4 × 2 m at 20 px/m.
    expect([map.width, map.height, map.scale]).toEqual([80, 40, 20]);
    expect(pixel(map, 60, 20)).toEqual([255, 0, 0]); // box top at (1, 0)
    expect(pixel(map, 20, 30)).toEqual([0, 0, 255]); // cylinder top at (−1, 0.5)
    const floor = pixel(map, 40, 5);
    expect(floor[0]).toBe(floor[2]);
    expect(floor[0]).toBeLessThan(128); // the dark floor, not the white ceiling
  });

  it('draws discs, paths and the robot in world coordinates', () => {
    const map = renderTopDown(RenderScene.fromSpec(spec), spec.floor.min, spec.floor.max, 80);
    drawDisc(map, 0, 0, 0.1, [0, 255, 0]);
    expect(pixel(map, 40, 20)).toEqual([0, 255, 0]);
    drawPath(
      map,
      [
        [-1.5, -0.5],
        [1.5, -0.5],
      ],
      [255, 255, 0],
    );
    expect(pixel(map, 50, 10)).toEqual([255, 255, 0]);
    drawRobot(map, { x: -1.5, z: 0.5, yaw: 0 }, 0.18, [0, 0, 200]);
    // The heading tick points along +x (yaw 0): white ahead of the disc centre.
    expect(pixel(map, 17, 30)).toEqual([255, 255, 255]);
  });
});
