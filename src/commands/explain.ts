/**
 * `robonav explain RUN [--env ID] [--env-options JSON] [--episodes N] [--split test] [--method ig|gradcam|perturbation]
 *  [--every K] [--ig-steps M] --out DIR [--seed S] [--json]`: what a trained policy looks at.
 *
 * Runs the run's policy with its most likely actions on the first N fixed episodes of a split (the
 * episodes `robonav eval` runs; episode i reset with seed S + i) and every K-th step writes, per
 * camera key, an overlay PNG `ep<i>-step<t>-<key>.png` (the frame, depth as grey, under a turbo
 * heat map of the saliency) into DIR. It prints the share of the action's drive that comes from each
 * observation key (integrated gradients, mean over episodes with a 95% bootstrap interval) and
 * writes it with the per-episode figures to DIR/summary.json; --json prints that object as the last line.
 *
 * Everything is checked before DIR is created: a run without a policy, a policy without a camera
 * input or for other observations than the env, an unknown method, or a DIR that is a file is one
 * line on standard error, exit code 2, nothing written.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { fixedEpisodes } from '../../envs/episodeFile.js';
import { type Split, SPLITS } from '../../envs/episodes.js';
import { make } from '../../envs/registry.js';
import { writeFileAtomicSync } from '../core/atomicWrite.js';
import { FileFormatError, UsageError } from '../core/errors.js';
import { explainEpisodes, imageKeys } from '../eval/explain.js';
import { SALIENCY_METHODS, type SaliencyMethod } from '../nn/saliency.js';
import { encodePng, saliencyOverlay } from '../render/png.js';
import { resolvePolicyDir } from '../runs/checkpoint.js';
import { hasRunFile, readRunFile } from '../runs/runFile.js';
import { checkEnvOptions, choiceOption, envOptionsOption, integerOption, printJsonLine } from './options.js';

interface ExplainFlags {
  env?: string;
  envOptions?: Record<string, unknown>;
  episodes: number;
  split: Split;
  method: SaliencyMethod;
  every: number;
  igSteps: number;
  out: string;
  seed: number;
  json?: boolean;
}

/** Overlay pictures are enlarged to at least this side (px), so a 64 px camera frame is readable. */
const MIN_PICTURE_SIDE = 256;
/** Most interpolation steps of integrated gradients `--ig-steps` accepts. */
const MAX_IG_STEPS = 1024;

export function register(program: Command): void {
  program
    .command('explain')
    .description(
      'Saliency of a trained policy over its camera on fixed episodes: overlay PNGs and the share of the image vs the other observations.',
    )
    .argument('<run>', 'a training run directory (runs/NAME), a checkpoint or a policy folder')
    .option('--env <id>', "registered env id (default: the run's env, from its run.json)")
    .option('--env-options <json>', "JSON object of env options (default: the run's own, from its run.json)", envOptionsOption)
    .option('--episodes <n>', 'number of episodes', integerOption(1), 3)
    .option('--split <split>', `episode split: ${SPLITS.join(' | ')}`, choiceOption(SPLITS), 'test')
    .option('--method <name>', `saliency of the pictures: ${SALIENCY_METHODS.join(' | ')}`, choiceOption(SALIENCY_METHODS), 'ig')
    .option('--every <k>', 'explain every K-th step of an episode', integerOption(1), 10)
    .option('--ig-steps <m>', `interpolation steps of integrated gradients (1..${MAX_IG_STEPS})`, igStepsOption, 32)
    .requiredOption('--out <dir>', 'directory for the overlay PNGs and summary.json (created if missing)')
    .option('--seed <n>', 'episode i is reset with seed + i', integerOption(0), 0)
    .option('--json', 'print one JSON line: the summary (method, episodes, attribution per observation key with ci95)')
    .action(async (run: string, flags: ExplainFlags) => {
      const outStat = statSync(flags.out, { throwIfNoEntry: false });
      if (outStat && !outStat.isDirectory()) throw new UsageError(`--out: ${flags.out} exists and is not a directory`);
      const trained = runSettings(run);
      const envId = flags.env ?? trained.env;
      if (!envId) throw new UsageError(`--env: ${run} has no run.json naming its env; pass --env`);
      const envOptions = flags.envOptions ?? trained.envOptions;
      if (flags.envOptions) checkEnvOptions(envId, envOptions);
      let policyDir: string;
      try {
        policyDir = await resolvePolicyDir(run);
      } catch (err) {
        if (err instanceof FileFormatError) throw new UsageError(`${run}: no saved policy (${err.message})`);
        throw err;
      }
      const env = make(envId, envOptions);
      let policy: TrainedPolicy | null = null;
      try {
        try {
          policy = await TrainedPolicy.load(policyDir, { stochastic: false, seed: flags.seed });
        } catch (err) {
          if (err instanceof FileFormatError) throw new UsageError(`${run}: ${err.message}`);
          throw err;
        }
        policy.checkEnv(env);
        const cameras = imageKeys(policy.observationSpace);
        if (cameras.length === 0) throw new UsageError(`${run}: the policy has no camera image input to explain`);
        const { episodes, label } = fixedEpisodes(envId, env, { split: flags.split, count: flags.episodes });

        mkdirSync(flags.out, { recursive: true });
        const files: string[] = [];
        const summary = await explainEpisodes(env, policy, episodes, {
          method: flags.method,
          every: flags.every,
          seed: flags.seed,
          igSteps: flags.igSteps,
          onStep: (s) => {
            for (const map of s.maps) {
              const frame = s.images.find((im) => im.key === map.key)!;
              const scale = Math.max(1, Math.ceil(MIN_PICTURE_SIDE / Math.max(frame.width, frame.height)));
              const picture = saliencyOverlay(frame, map.data, { scale });
              const file = join(flags.out, `ep${pad(s.episode, 3)}-step${pad(s.step, 4)}-${map.key}.png`);
              writeFileAtomicSync(file, encodePng(picture.width, picture.height, picture.rgb));
              files.push(file);
            }
            if (!flags.json) process.stderr.write(`\repisode ${s.episode + 1}/${episodes.length} step ${s.step}`);
          },
        });
        if (!flags.json) process.stderr.write('\n');
        const report = {
          run,
          env: envId,
          split: flags.split,
          episodesSource: label,
          igSteps: flags.igSteps,
          ...summary,
          pictures: files.length,
        };
        writeFileAtomicSync(join(flags.out, 'summary.json'), `${JSON.stringify(report, null, 1)}\n`);
        if (flags.json) {
          printJsonLine(report);
          return;
        }
        const lines = [
          `${envId} · ${label} · ${summary.episodes.length} episodes · ${summary.explainedSteps} steps explained (every ${flags.every}) · seed ${flags.seed}`,
          'share of the action drive (integrated gradients, black baseline; mean over episodes, 95% CI):',
          `${'observation'.padEnd(14)}${'mean'.padStart(8)}   95% CI`,
        ];
        for (const [key, { mean, ci95 }] of Object.entries(summary.attribution))
          lines.push(`${key.padEnd(14)}${mean.toFixed(3).padStart(8)}   [${ci95[0].toFixed(3)}, ${ci95[1].toFixed(3)}]`);
        lines.push(`wrote ${files.length} ${flags.method} overlay PNGs and summary.json to ${flags.out}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        policy?.dispose();
        env.close();
      }
    });
}

function igStepsOption(value: string): number {
  const n = integerOption(1)(value);
  if (n > MAX_IG_STEPS) throw new InvalidArgumentError(`expected an integer in [1, ${MAX_IG_STEPS}], got "${value}"`);
  return n;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The env id and options a run was trained with (its run.json), or nothing for a checkpoint or policy folder. */
function runSettings(run: string): { env?: string; envOptions: Record<string, unknown> } {
  if (!hasRunFile(run)) return { envOptions: {} };
  try {
    const file = readRunFile(run);
    return { env: file.env, envOptions: file.envOptions ?? {} };
  } catch (err) {
    if (err instanceof FileFormatError) throw new UsageError(`${run}: ${err.message}`);
    throw err;
  }
}
