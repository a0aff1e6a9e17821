/**
 * `robonav render --env <id> --seed <n> [--size <px>] --out <dir>`: pictures of an env's first
 * observation for people. Resets the env with the seed, renders the robot's camera at the
 * requested size with the env's own camera settings (mount height, field of view, pitch,
 * near/far) and writes four PNGs:
 *
 *   rgb.png       colour camera
 *   depth.png     depth, turbo colour map from near (blue) to far (dark red)
 *   semantic.png  category ids through a fixed palette (void = black)
 *   map.png       top-down map: robot (blue, with heading), goals (green), geodesic shortest path (orange)
 *
 * Everything is rendered before the first file is written; bad flags exit 2 and write nothing.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { make } from '../../envs/registry.js';
import { NavEnv } from '../../envs/NavEnv.js';
import { UsageError } from '../core/errors.js';
import { allocateFrame, Camera } from '../render/Camera.js';
import { depthToRgb, encodePng, semanticToRgb } from '../render/png.js';
import { RenderScene } from '../render/RenderScene.js';
import { drawDisc, drawPath, drawRobot, renderTopDown } from '../render/topDown.js';
import { integerOption, printJsonLine } from './options.js';
import { writeFileAtomicSync } from '../core/atomicWrite.js';

interface RenderOptions {
  env: string;
  seed: number;
  size: number;
  out: string;
  json?: boolean;
}

/** Largest image side (pixels) `--size` accepts. */
const MAX_SIZE = 2048;

function sizeOption(value: string): number {
  const n = integerOption(8)(value);
  if (n > MAX_SIZE) return integerOption(MAX_SIZE + 1)(value);
  return n;
}

export function register(program: Command): void {
  program
    .command('render')
    .description("Write PNGs of an env's first frame: rgb, depth, semantic and a top-down map with the shortest path.")
    .requiredOption('--env <id>', 'env id, e.g. PointNav-v0 (see `robonav envs`)')
    .option('--seed <n>', 'reset seed (scene and episode)', integerOption(0), 0)
    .option('--size <px>', `camera image side and map long side, 8..${MAX_SIZE} pixels`, sizeOption, 256)
    .requiredOption('--out <dir>', 'directory for the PNGs (created if missing)')
    .option('--json', 'print one JSON line: {"env", "seed", "size", "files"}')
    .action((o: RenderOptions) => {
      const files = renderEnvPictures(o);
      if (o.json) printJsonLine({ env: o.env, seed: o.seed, size: o.size, files });
      else process.stdout.write(`wrote ${files.join(', ')}\n`);
    });
}

/** Render the four pictures of `env` after reset(seed) and write them into `out`; returns the paths. */
export function renderEnvPictures(o: { env: string; seed: number; size: number; out: string }): string[] {
  const outStat = statSync(o.out, { throwIfNoEntry: false });
  if (outStat && !outStat.isDirectory()) throw new UsageError(`--out: ${o.out} exists and is not a directory`);
  const env = make(o.env);
  try {
    if (!(env instanceof NavEnv)) throw new UsageError(`--env: ${o.env} is not a robonav navigation env; it has no scene to render`);
    env.reset({ seed: o.seed });
    const spec = env.scene;
    const scene = RenderScene.fromSpec(spec);
    const poses = env.world.dynamicPoses;
    for (let i = 0; i < spec.dynamic.length; i++)
      scene.setDynamicPose(i, poses[4 * i]!, poses[4 * i + 1]!, poses[4 * i + 2]!, poses[4 * i + 3]!);
    const camera = new Camera({ ...env.config.camera, width: o.size, height: o.size, rgb: true, depth: true, semantic: true });
    const frame = allocateFrame(camera.config);
    const pose = env.world.pose;
    camera.render(scene, pose, frame);

    const map = renderTopDown(scene, spec.floor.min, spec.floor.max, o.size);
    const path = env.geodesic ? env.geodesic.shortestPath(pose.x, pose.z) : [];
    drawPath(map, path, [255, 150, 0], Math.max(2, Math.round(o.size / 128)));
    for (const [gx, gz] of env.goalPointsOf(env.episode)) drawDisc(map, gx, gz, 0.2, [40, 200, 60]);
    drawRobot(map, pose, env.robot.radius, [40, 90, 255]);

    const images: Array<[string, Buffer]> = [
      ['rgb.png', encodePng(o.size, o.size, frame.rgb!)],
      ['depth.png', encodePng(o.size, o.size, depthToRgb(frame.depth!, camera.config.near, camera.config.far))],
      ['semantic.png', encodePng(o.size, o.size, semanticToRgb(frame.semantic!))],
      ['map.png', encodePng(map.width, map.height, map.rgb)],
    ];
    mkdirSync(o.out, { recursive: true });
    return images.map(([name, bytes]) => {
      const path = join(o.out, name);
      writeFileAtomicSync(path, bytes);
      return path;
    });
  } finally {
    env.close();
  }
}
