/**
 * A small world of report inputs written to a temp directory: a two-seed run with training and
 * evaluation lines, a one-seed run without clock fields, a policies.json + replays.json from
 * `writeBenchOutputs`, and a `.rec` recording of one oracle episode.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OraclePolicy } from '../../../agents/oracle.js';
import type { NavEnv } from '../../../envs/NavEnv.js';
import { make } from '../../../envs/registry.js';
import { attachRecorder } from '../../../src/runs/Recording.js';
import { generateScene } from '../../../src/sim/generators/index.js';
import { writeBenchOutputs, type PoliciesBenchResult, type PolicyRow } from '../../../src/eval/bench/policiesBench.js';

export const T0 = 1_800_000_000;

function lines(records: object[]): string {
  return `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
}

/** runs/A: seeds 1 and 2 (training lines every 100 steps, eval lines every 200); runs/B: one seed, no clock. */
export function writeRuns(root: string): { a: string; b: string } {
  const a = join(root, 'runs', 'A');
  for (const [seed, offset] of [
    [1, 0],
    [2, 1],
  ] as const) {
    const dir = join(a, `seed-${seed}`);
    mkdirSync(dir, { recursive: true });
    const records: object[] = [];
    for (let k = 1; k <= 4; k++) {
      // 100 steps per update at 20 steps/s: 5 s per update.
      records.push({
        step: 100 * k,
        update: k,
        time: T0 + 5 * (k - 1),
        sps: 20,
        episodeReturn: k + offset,
        success: 0.9,
        policyLoss: -0.1,
      });
      if (k % 2 === 0)
        records.push({
          type: 'eval',
          step: 100 * k,
          split: 'val',
          episodes: 4,
          success: 0.25 * k - 0.5 * offset,
          spl: 0.2 * k,
          softSpl: 0.3,
          return: 2 * k,
        });
    }
    writeFileSync(join(dir, 'metrics.jsonl'), `${lines(records)}{"step": 5`); // a half-written last line is skipped
  }
  const b = join(root, 'runs', 'B');
  mkdirSync(b, { recursive: true });
  writeFileSync(
    join(b, 'metrics.jsonl'),
    lines([
      { step: 50, episodeReturn: -1 },
      { step: 150, episodeReturn: 0.5 },
    ]),
  );
  return { a, b };
}

function row(name: string, success: number): PolicyRow {
  const m = { success, spl: success * 0.9, softSpl: 0.5, return: 3 * success, collisions: 1, pathLength: 4, steps: 40 };
  const ci = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [v * 0.8, v * 1.1]])) as PolicyRow['ci'];
  return { name, ...m, ci };
}

/** policies.json, policies.md, policies.csv and replays.json of a two-policy, two-episode bench in `dir`. */
export function writeBench(dir: string): PoliciesBenchResult {
  const scene = generateScene('arena', { seed: 3 });
  const episode = {
    sceneSeed: 3,
    start: { position: [1, 1] as [number, number], yaw: 0 },
    goal: [3, 3] as [number, number],
    geodesicDistance: 2.9,
  };
  const result: PoliciesBenchResult = {
    env: 'PointNav-Easy-v0',
    split: 'test',
    episodes: 2,
    seed: 0,
    resamples: 100,
    policies: [row('random', 0), row('oracle', 1)],
    episodeList: [episode, { ...episode, sceneSeed: 4 }],
    perEpisode: [0, 1].map((s) =>
      [0, 1].map(() => ({ success: s, spl: s, softSpl: 0.5, return: s, collisions: 0, pathLength: 2, steps: 10, distanceToGoal: 1 - s })),
    ),
    replays: [
      {
        index: 0,
        sceneSeed: 3,
        scene,
        start: { x: 1, z: 1, yaw: 0 },
        goals: [[3, 3]],
        shortestPath: [
          [1, 1],
          [3, 3],
        ],
        paths: [
          { policy: 'random', points: [1, 1, 1.2, 1], success: 0, spl: 0, steps: 1 },
          { policy: 'oracle', points: [1, 1, 2, 2, 3, 3], success: 1, spl: 0.97, steps: 2 },
        ],
      },
    ],
  };
  writeBenchOutputs(dir, result);
  return result;
}

/** `dir/oracle.rec`: one oracle episode on PointNav-Easy (pointgoal only, no camera). */
export async function writeRecording(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const inner = make('PointNav-Easy-v0', { sensors: ['pointgoal'] }) as NavEnv;
  const { env, writer } = attachRecorder(inner, { source: 'test', task: 'PointNav-Easy-v0', maxEpisodes: 1 });
  const oracle = new OraclePolicy();
  let { obs } = env.reset({ seed: 1 });
  for (;;) {
    const step = env.step(await oracle.act(obs, inner));
    obs = step.obs;
    if (step.terminated || step.truncated) break;
  }
  const file = join(dir, 'oracle.rec');
  writer.save(file);
  env.close();
  return file;
}
