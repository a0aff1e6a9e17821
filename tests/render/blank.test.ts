import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { assertNotBlank, isBlankFrame } from '../../src/render/blank.js';
import { allocateFrame, Camera } from '../../src/render/Camera.js';
import { RenderScene } from '../../src/render/RenderScene.js';
import { squareRoom } from './fixtures.js';

describe('assertNotBlank', () => {
  const scene = RenderScene.fromSpec(squareRoom(3, { ceiling: { height: 2.5, material: { color: [1, 1, 1], category: 3 } } }));

  it('passes a camera that sees the room', () => {
    const camera = new Camera({ width: 16, height: 16, rgb: true, semantic: true });
    const frame = allocateFrame(camera.config);
    camera.render(scene, { x: 0, z: 0, yaw: 0 }, frame);
    expect(isBlankFrame(frame)).toBe(false);
    expect(() => assertNotBlank(frame)).not.toThrow();
  });

  it('rejects a camera mounted above the ceiling and one whose far plane clips everything', () => {
    // Mounted 5 m high (above the 2.5 m ceiling) and pitched up: every ray rises into the sky.
    const up = new Camera({ width: 16, height: 16, mountHeight: 5, pitch: 1.2 });
    const frame = allocateFrame(up.config);
    up.render(scene, { x: 0, z: 0, yaw: 0 }, frame);
    expect(isBlankFrame(frame)).toBe(true);
    expect(() => assertNotBlank(frame, 'PointNav-v0')).toThrow(UsageError);
    expect(() => assertNotBlank(frame, 'PointNav-v0')).toThrow(/^PointNav-v0: every camera pixel reads depth 10 m/);

    const clipped = new Camera({ width: 16, height: 16, rgb: false, far: 0.2, near: 0.1 });
    const f2 = allocateFrame(clipped.config);
    clipped.render(scene, { x: 0, z: 0, yaw: 0 }, f2);
    expect(() => assertNotBlank(f2)).toThrow(/depth 0\.2\d* m/);
  });

  it('treats a frame with no outputs as not blank only when something varies', () => {
    expect(isBlankFrame({ rgb: null, depth: null, semantic: null, instance: null })).toBe(false);
    const rgb = new Uint8Array(12).fill(7);
    expect(isBlankFrame({ rgb, depth: null, semantic: null, instance: null })).toBe(true);
    rgb[5] = 8;
    expect(isBlankFrame({ rgb, depth: null, semantic: null, instance: null })).toBe(false);
  });
});
