import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/Rng.js';
import { UsageError } from '../../src/core/errors.js';
import { allocateFrame, Camera, type CameraConfig } from '../../src/render/Camera.js';
import { RenderScene } from '../../src/render/RenderScene.js';
import { parseSceneSpec, type SceneSpec } from '../../src/sim/SceneSpec.js';
import { CATEGORIES, clutterScene, squareRoom } from './fixtures.js';

/**
 * The pinhole model written out independently of Camera.ts: world direction of pixel (i, j) with
 * unit component along the optical axis (so the ray parameter is depth).
 */
function pixelRay(c: CameraConfig, pose: { yaw: number }, i: number, j: number): [number, number, number] {
  const tanX = Math.tan(c.hfov / 2);
  const x = ((2 * (j + 0.5)) / c.width - 1) * tanX; // right
  const y = (1 - (2 * (i + 0.5)) / c.height) * tanX * (c.height / c.width); // up
  const cy = Math.cos(pose.yaw);
  const sy = Math.sin(pose.yaw);
  const cp = Math.cos(c.pitch);
  const sp = Math.sin(c.pitch);
  const forward = [cp * cy, sp, -cp * sy];
  const up = [-sp * cy, cp, sp * sy];
  const right = [sy, 0, cy];
  return [0, 1, 2].map((k) => forward[k]! + x * right[k]! + y * up[k]!) as [number, number, number];
}

function render(spec: SceneSpec | RenderScene, config: Partial<CameraConfig>, pose: { x: number; z: number; yaw: number }) {
  const scene = spec instanceof RenderScene ? spec : RenderScene.fromSpec(spec);
  const camera = new Camera(config);
  const frame = allocateFrame(camera.config);
  camera.render(scene, pose, frame);
  return { camera, frame, scene };
}

const luminance = (rgb: Uint8Array, px: number): number => rgb[3 * px]! + rgb[3 * px + 1]! + rgb[3 * px + 2]!;

describe('Camera depth', () => {
  it('sees a wall at a known distance as the analytic depth at every pixel (level and pitched)', () => {
    const room = squareRoom(3);
    // A narrow vertical field of view keeps every ray on the wall (none reaches the floor in 3 m).
    const level = render(room, { width: 64, height: 8, hfov: Math.PI / 3 }, { x: 0, z: 0, yaw: 0 });
    for (const d of level.frame.depth!) expect(Math.abs(d - 3)).toBeLessThan(1e-4);
    // Facing −z from (0.5, −0.7): the wall z = −3 is 2.3 m ahead.
    const turned = render(room, { width: 48, height: 6, hfov: Math.PI / 3 }, { x: 0.5, z: -0.7, yaw: Math.PI / 2 });
    for (const d of turned.frame.depth!) expect(Math.abs(d - 2.3)).toBeLessThan(1e-4);
    // Pitched up 0.2 rad and yawed: depth along the tilted axis of each pixel's ray to the plane x = 3.
    const pose = { x: -0.4, z: 0.3, yaw: 0.15 };
    const pitched = render(room, { width: 32, height: 16, hfov: Math.PI / 4, pitch: 0.2 }, pose);
    const c = pitched.camera.config;
    for (let i = 0; i < c.height; i++) {
      for (let j = 0; j < c.width; j++) {
        const [dx] = pixelRay(c, pose, i, j);
        expect(Math.abs(pitched.frame.depth![i * c.width + j]! - (3 - pose.x) / dx)).toBeLessThan(1e-4);
      }
    }
  });

  it('matches analytic ray–sphere intersection in silhouette and depth', () => {
    const spec = parseSceneSpec({
      version: 1,
      categories: CATEGORIES,
      floor: { min: [-10, -10], max: [10, 10], material: { color: [0.5, 0.5, 0.5], category: 1 } },
      primitives: [{ shape: 'sphere', position: [3, 1.1, 0.4], radius: 0.6, material: { color: [1, 0, 0], category: 7, instance: 5 } }],
      lighting: { ambient: 0.3, direction: [0, 1, 0], intensity: 0.7 },
      start: { position: [0, 0], yaw: 0 },
    });
    for (const pitch of [0, 0.1]) {
      const pose = { x: 0, z: 0, yaw: 0.05 };
      const { camera, frame } = render(spec, { width: 48, height: 40, semantic: true, pitch }, pose);
      const c = camera.config;
      let inside = 0;
      for (let i = 0; i < c.height; i++) {
        for (let j = 0; j < c.width; j++) {
          const [dx, dy, dz] = pixelRay(c, pose, i, j);
          // |o + t d − centre|² = r² with o = (0, mountHeight, 0).
          const ox = -3;
          const oy = c.mountHeight - 1.1;
          const oz = -0.4;
          const a = dx * dx + dy * dy + dz * dz;
          const b = ox * dx + oy * dy + oz * dz;
          const disc = b * b - a * (ox * ox + oy * oy + oz * oz - 0.36);
          const px = i * c.width + j;
          if (disc >= 0) {
            inside++;
            expect(frame.semantic![px], `pixel ${i},${j}`).toBe(7);
            expect(frame.instance![px]).toBe(5);
            expect(Math.abs(frame.depth![px]! - (-b - Math.sqrt(disc)) / a)).toBeLessThan(1e-4);
          } else {
            expect(frame.semantic![px], `pixel ${i},${j}`).not.toBe(7);
          }
        }
      }
      expect(inside).toBeGreaterThan(50);
    }
  });

  it('clips depth to [near, far] and reports misses as far', () => {
    const { frame } = render(squareRoom(3), { width: 16, height: 16, near: 0.5, far: 2 }, { x: 0, z: 0, yaw: 0 });
    expect(Math.max(...frame.depth!)).toBe(2);
    const open = render(parseSceneSpec({ ...squareRoom(3), primitives: [] }), { width: 8, height: 8, far: 7 }, { x: 0, z: 0, yaw: 0 });
    // The top half looks at the sky, the bottom half at the floor.
    expect(open.frame.depth![0]).toBe(7);
    expect(open.frame.depth![63]).toBeLessThan(7);
  });

  it('adds seeded depth noise growing with distance', () => {
    const room = squareRoom(3);
    const scene = RenderScene.fromSpec(room);
    const camera = new Camera({ width: 32, height: 8, hfov: Math.PI / 3, depthNoise: 0.01 });
    const a = allocateFrame(camera.config);
    const b = allocateFrame(camera.config);
    camera.render(scene, { x: 0, z: 0, yaw: 0 }, a, new Rng(4));
    camera.render(scene, { x: 0, z: 0, yaw: 0 }, b, new Rng(4));
    expect(Array.from(a.depth!)).toEqual(Array.from(b.depth!));
    // std = 0.01 · 3² = 0.09 m at 3 m.
    const errors = Array.from(a.depth!, (d) => d - 3);
    const std = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
    expect(std).toBeGreaterThan(0.06);
    expect(std).toBeLessThan(0.12);
  });
});

describe('Camera traversal', () => {
  it('sees a dynamic body that rises above every static primitive', () => {
    const spec = parseSceneSpec({
      version: 1,
      categories: CATEGORIES,
      floor: { min: [-10, -10], max: [10, 10], material: { color: [0.5, 0.5, 0.5], category: 1 } },
      primitives: [{ shape: 'box', position: [2, 0.2, 3], size: [0.4, 0.4, 0.4], material: { color: [1, 1, 1], category: 4 } }],
      dynamic: [
        {
          primitive: { shape: 'box', position: [0, 1, 5], size: [1, 2, 1], material: { color: [1, 0, 0], category: 5 } },
          mass: 1,
          motion: { type: 'free' },
        },
      ],
      lighting: { ambient: 0.3, direction: [0, 1, 0], intensity: 0.7 },
      start: { position: [0, 0], yaw: 0 },
    });
    const scene = RenderScene.fromSpec(spec);
    // Lift the 2 m box to span 2..4 m, 6 m ahead: the top row (rising 0.35 rad) crosses x = 5.5 at 2.8 m high.
    scene.setDynamicPose(0, 6, 3, 0, 0);
    const { frame } = render(scene, { width: 9, height: 9, hfov: 0.8, semantic: true }, { x: 0, z: 0, yaw: 0 });
    expect(frame.semantic![4]).toBe(5);
    expect(frame.depth![4]).toBeCloseTo(5.5, 4);
  });

  it('renders the same frame through the per-column path (pitch 0) and the per-ray path (pitch ≈ 0)', () => {
    const spec = clutterScene(5, { dynamic: true, ceiling: true });
    const scene = RenderScene.fromSpec(spec);
    scene.setDynamicPose(0, -3.2, 0.3, 0.4, 0.7);
    const config = { width: 64, height: 48, rgb: true, depth: true, semantic: true };
    for (const pose of [
      { x: -4, z: 0, yaw: 0.3 },
      { x: 0.5, z: 1.5, yaw: 2.5 },
      { x: 4.5, z: -4, yaw: -2 },
    ]) {
      const a = render(scene, { ...config, pitch: 0 }, pose).frame;
      const b = render(scene, { ...config, pitch: 1e-12 }, pose).frame;
      let differ = 0;
      for (let px = 0; px < 64 * 48; px++) {
        expect(Math.abs(a.depth![px]! - b.depth![px]!)).toBeLessThan(1e-6);
        if (a.instance![px] !== b.instance![px] || a.semantic![px] !== b.semantic![px]) differ++;
        if (Math.abs(luminance(a.rgb!, px) - luminance(b.rgb!, px)) > 3) differ++;
      }
      expect(differ).toBe(0);
    }
  });

  it('permutes the image as expected when the robot turns by 90° in a symmetric room', () => {
    const pillars = [
      [1.5, 1.5],
      [-1.5, 1.5],
      [-1.5, -1.5],
      [1.5, -1.5],
    ].map(([x, z], k) => ({
      shape: 'cylinder' as const,
      position: [x!, 0.5, z!] as [number, number, number],
      radius: 0.3,
      height: 1,
      material: { color: [0.8, 0.2, 0.2] as [number, number, number], category: 4, instance: 10 + k },
    }));
    const base = squareRoom(3);
    const spec = parseSceneSpec({ ...base, primitives: [...base.primitives, ...pillars] });
    // Turning left by 90° shows, where a thing at (x, z) was, the thing at (z, −x): +x wall (1) → −z wall (4),
    // pillar (1.5, 1.5) (10) → (1.5, −1.5) (13), etc.
    const next = new Map([
      [0, 0],
      [1, 4],
      [4, 2],
      [2, 3],
      [3, 1],
      [10, 13],
      [11, 10],
      [12, 11],
      [13, 12],
    ]);
    const config = { width: 40, height: 30, depth: true, semantic: true };
    const a = render(spec, config, { x: 0, z: 0, yaw: 0.3 }).frame;
    const b = render(spec, config, { x: 0, z: 0, yaw: 0.3 + Math.PI / 2 }).frame;
    // Instances seen at yaw 0.3: walls and pillars.
    expect(new Set(a.instance!).size).toBeGreaterThan(2);
    for (let px = 0; px < 40 * 30; px++) {
      expect(Math.abs(a.depth![px]! - b.depth![px]!)).toBeLessThan(1e-5);
      expect(b.instance![px], `pixel ${px}`).toBe(next.get(a.instance![px]!));
    }
  });
});

describe('Camera colour', () => {
  const litBox = (direction: [number, number, number]) =>
    parseSceneSpec({
      version: 1,
      categories: CATEGORIES,
      floor: { min: [-10, -10], max: [10, 10], material: { color: [0.5, 0.5, 0.5], category: 1 } },
      primitives: [{ shape: 'box', position: [0, 1, 0], size: [1, 2, 1], material: { color: [0.8, 0.8, 0.8], category: 4 } }],
      lighting: { ambient: 0.2, direction, intensity: 0.8 },
      start: { position: [0, 0], yaw: 0 },
    });

  it('lights the face turned to the light brighter than the one turned away', () => {
    const spec = litBox([1, 0.3, 0]);
    const config = { width: 8, height: 8, hfov: 0.3, rgb: true, depth: false };
    // From +x looking back (−x) the camera sees the lit +x face; from −x it sees the unlit one.
    const lit = render(spec, config, { x: 3, z: 0, yaw: Math.PI }).frame.rgb!;
    const dark = render(spec, config, { x: -3, z: 0, yaw: 0 }).frame.rgb!;
    // Lambert: 0.8 · (0.2 + 0.8 · 0.958) vs 0.8 · 0.2 in linear light.
    expect(luminance(lit, 27)).toBeGreaterThan(luminance(dark, 27) + 200);
    // The unlit face shows ambient only: 0.8 · 0.2 = 0.16 linear → sRGB 1.055 · 0.16^(1/2.4) − 0.055 = 0.4369 → 111.
    expect(dark[27 * 3]).toBe(111);
  });

  it('paints a checker floor whose squares follow the world coordinates of the hit point', () => {
    const spec = parseSceneSpec({
      version: 1,
      categories: CATEGORIES,
      floor: {
        min: [-10, -10],
        max: [10, 10],
        material: { color: [1, 1, 1], pattern: { type: 'checker', scale: 0.5, color2: [0, 0, 0] }, category: 1 },
      },
      primitives: [],
      lighting: { ambient: 1, direction: [0, 1, 0], intensity: 0 },
      start: { position: [0, 0], yaw: 0 },
    });
    const pose = { x: 0.1, z: 0.2, yaw: 0.4 };
    const { camera, frame } = render(spec, { width: 32, height: 32, pitch: -0.9, rgb: true }, pose);
    const c = camera.config;
    let checked = 0;
    for (let i = 0; i < c.height; i++) {
      for (let j = 0; j < c.width; j++) {
        const [dx, dy, dz] = pixelRay(c, pose, i, j);
        if (dy >= 0) continue;
        const t = -c.mountHeight / dy;
        const u = (pose.x + t * dx) / 0.5;
        const v = (pose.z + t * dz) / 0.5;
        // Skip pixels within 2 cm of a square edge.
        if (Math.min(Math.abs(u - Math.round(u)), Math.abs(v - Math.round(v))) < 0.04) continue;
        const white = ((Math.floor(u) + Math.floor(v)) & 1) === 0;
        expect(frame.rgb![3 * (i * c.width + j)], `pixel ${i},${j}`).toBe(white ? 255 : 0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('draws stripes along the height of a wall, smooth noise, fog and seeded pixel noise', () => {
    const stripes = squareRoom(3);
    for (const w of stripes.primitives) w.material.pattern = { type: 'stripes', scale: 0.25, color2: [0, 0, 0] };
    stripes.lighting = { ambient: 1, direction: [0, 1, 0], intensity: 0, color: [1, 1, 1] };
    for (const w of stripes.primitives) w.material.color = [1, 1, 1];
    const config = { width: 8, height: 64, hfov: 0.3, rgb: true };
    const column = render(stripes, config, { x: 0, z: 0, yaw: 0 });
    const { frame, camera } = column;
    // Along the column the wall's stripe index floor(height / 0.25) decides black or white.
    let striped = 0;
    for (let i = 0; i < 64; i++) {
      const [dx, dy] = pixelRay(camera.config, { yaw: 0 }, i, 3);
      const height = camera.config.mountHeight + (3 / dx) * dy;
      // Skip the floor below the wall, the sky above it, and pixels on a stripe edge.
      if (height < 0 || height > 2.5 || Math.abs(height / 0.25 - Math.round(height / 0.25)) < 0.02) continue;
      expect(frame.rgb![3 * (i * 8 + 3)], `row ${i}`).toBe((Math.floor(height / 0.25) & 1) === 0 ? 255 : 0);
      striped++;
    }
    expect(striped).toBeGreaterThan(15);

    const noisy = squareRoom(3);
    for (const w of noisy.primitives) w.material.pattern = { type: 'noise', scale: 0.5, color2: [0, 0, 0] };
    const n = render(noisy, { width: 64, height: 8, hfov: Math.PI / 3, rgb: true }, { x: 0, z: 0, yaw: 0 }).frame.rgb!;
    const values = new Set<number>();
    let maxStep = 0;
    for (let px = 0; px < 64 * 8; px++) {
      values.add(n[3 * px]!);
      if (px % 64 > 0) maxStep = Math.max(maxStep, Math.abs(n[3 * px]! - n[3 * px - 3]!));
    }
    expect(values.size).toBeGreaterThan(20); // varied…
    expect(maxStep).toBeLessThan(40); // …but smooth from pixel to pixel

    const room = squareRoom(3);
    const clear = render(room, { width: 8, height: 8, hfov: 0.5, rgb: true }, { x: -2.5, z: 0, yaw: 0 }).frame.rgb!;
    const foggy = render(room, { width: 8, height: 8, hfov: 0.5, rgb: true, fog: true, fogDensity: 0.5 }, { x: -2.5, z: 0, yaw: 0 }).frame
      .rgb!;
    // Sky (0.55, 0.7, 0.9): fog pulls the grey wall's blue channel up towards it.
    expect(foggy[27 * 3 + 2]).toBeGreaterThan(clear[27 * 3 + 2]! + 20);

    const scene = RenderScene.fromSpec(room);
    const cam = new Camera({ width: 16, height: 16, rgb: true, depth: false, rgbNoise: 0.05 });
    const f1 = allocateFrame(cam.config);
    const f2 = allocateFrame(cam.config);
    cam.render(scene, { x: 0, z: 0, yaw: 0 }, f1, new Rng(9));
    cam.render(scene, { x: 0, z: 0, yaw: 0 }, f2, new Rng(9));
    expect(Array.from(f1.rgb!)).toEqual(Array.from(f2.rgb!));
    cam.render(scene, { x: 0, z: 0, yaw: 0 }, f2, new Rng(10));
    expect(Array.from(f1.rgb!)).not.toEqual(Array.from(f2.rgb!));
  });
});

describe('Camera configuration', () => {
  it('rejects bad settings with an error naming the field, and mismatched buffers', () => {
    expect(() => new Camera({ width: 0 })).toThrow(UsageError);
    expect(() => new Camera({ hfov: Math.PI })).toThrow(/camera\.hfov/);
    expect(() => new Camera({ pitch: 2 })).toThrow(/camera\.pitch/);
    expect(() => new Camera({ near: 5, far: 4 })).toThrow(/camera\.far/);
    expect(() => new Camera({ depth: false })).toThrow(/at least one output/);
    const camera = new Camera({ rgb: true });
    const frame = allocateFrame(new Camera().config);
    expect(() => camera.render(RenderScene.fromSpec(squareRoom(2)), { x: 0, z: 0, yaw: 0 }, frame)).toThrow(/out\.rgb/);
    expect(() => new Camera().render(RenderScene.fromSpec(squareRoom(2)), { x: NaN, z: 0, yaw: 0 }, frame)).toThrow(/pose must be finite/);
  });
});
