/**
 * A tiny, structured dataset for the pretraining tests, written with the real `ShardWriter`:
 * a robot in front of a wall. 16×16 frames; the wall fills the rows above a horizon that rises as
 * the robot approaches it (so depth and categories are predictable from the colours); each
 * episode (one scene seed) has its own wall colour. Actions: 0 stop, 1 forward 0.25 m, 2/3 turn
 * ±0.2 rad — the pose integrates them, so odometry follows the action.
 */
import { Rng } from '../../src/core/Rng.js';
import { Discrete } from '../../src/core/spaces.js';
import { ShardWriter } from '../../src/pretrain/dataset/ShardWriter.js';
import { FrameFlag, type EpisodeEntry } from '../../src/pretrain/dataset/format.js';

export const SIDE = 16;

export function writeTinyDataset(dir: string, options: { episodes?: number; length?: number; seed?: number } = {}): void {
  const episodes = options.episodes ?? 10;
  const length = options.length ?? 12;
  const rng = new Rng(options.seed ?? 0);
  const pixels = SIDE * SIDE;
  const writer = new ShardWriter(dir, {
    fields: [
      { name: 'rgb', dtype: 'uint8', shape: [SIDE, SIDE, 3] },
      { name: 'depth', dtype: 'float32', shape: [SIDE, SIDE, 1] },
      { name: 'semantic', dtype: 'uint8', shape: [SIDE, SIDE, 1] },
      { name: 'pose', dtype: 'float32', shape: [3] },
      { name: 'action', dtype: 'int32', shape: [1] },
      { name: 'episode', dtype: 'uint32', shape: [1] },
      { name: 'flags', dtype: 'uint8', shape: [1] },
    ],
    framesPerShard: 50,
  });
  const rgb = new Uint8Array(pixels * 3);
  const depth = new Float32Array(pixels);
  const semantic = new Uint8Array(pixels);
  const entries: EpisodeEntry[] = [];
  for (let e = 0; e < episodes; e++) {
    const colour = [80 + rng.int(170), 80 + rng.int(170), 80 + rng.int(170)];
    let x = 0;
    let z = 0;
    let yaw = rng.uniform(-0.3, 0.3);
    for (let t = 0; t <= length; t++) {
      const distance = 4 - x; // m to the wall
      const horizon = Math.max(2, Math.min(14, Math.round(8 + 8 / distance)));
      for (let row = 0; row < SIDE; row++) {
        for (let col = 0; col < SIDE; col++) {
          const i = row * SIDE + col;
          const wall = row < horizon;
          depth[i] = wall ? distance : Math.min(10, 12 / Math.max(row - 7.5, 1)); // floor: nearer lower down
          semantic[i] = wall ? 2 : 1;
          for (let c = 0; c < 3; c++) rgb[i * 3 + c] = wall ? colour[c]! : 100;
        }
      }
      const last = t === length;
      const action = last ? -1 : rng.int(4);
      writer.append({
        rgb,
        depth,
        semantic,
        pose: [x, z, yaw],
        action,
        episode: e,
        flags: (t === 0 ? FrameFlag.FIRST : 0) | (last ? FrameFlag.LAST : 0),
      });
      if (action === 1) {
        x += 0.25 * Math.cos(yaw);
        z -= 0.25 * Math.sin(yaw);
      } else if (action === 2) yaw += 0.2;
      else if (action === 3) yaw -= 0.2;
    }
    entries.push({ id: e, seed: 1000 + e, frames: length + 1, complete: true, return: 0, metrics: {} });
  }
  writer.finish({
    episodes: entries,
    meta: {
      actionSpace: new Discrete(4).toJSON(),
      bounds: { rgb: [0, 255], depth: [0, 10], semantic: [0, 255] },
    },
  });
}
