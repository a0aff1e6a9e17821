/**
 * `robonav eval --policy oracle|random|runs/NAME --env PointNav-v0 [--env-options JSON] --split test --episodes 200 [--seed S] [--deterministic] [--json]`:
 * run a policy on the fixed episodes of a split (or of a file from `robonav episodes`) and print
 * the means and 95% confidence intervals of success, SPL, soft-SPL, return, collisions, path
 * length and steps. With --json the last line is one JSON object of those means plus `ci95`.
 *
 * A trained policy samples its actions (seeded by --seed), as Habitat evaluates and as it acted
 * in training; --deterministic takes the most likely action instead. The output says which
 * (`"actions": "sampled" | "most likely"`).
 *
 * The episodes of a split are the dataset `robonav episodes --split S --count N --seed 0` would
 * write, so every evaluation of a split runs the same episodes; --seed seeds the policy and the
 * env's noise, not the episode choice.
 *
 * `--per-episode` adds each episode's seed, success, SPL, soft-SPL, return, collisions, path length
 * and steps: a table after the summary, or `perEpisode` in the JSON line (what the page of
 * `robonav export-web` is checked against).
 *
 * `--record N` also writes the first N episodes to a replay file for `robonav view` (default path:
 * `<policy dir>/recordings/` for a run, else `recordings/`, named after env, split and seed);
 * `--record-frames depth,rgb` stores those camera channels in it too (for the viewer's camera panel
 * and `robonav view FILE.rec --policy RUN`'s saliency maps).
 *
 * `--broker redis://HOST:6379/0` runs the episodes as jobs for actors (`robonav actor --broker …
 * --eval`, on any machines) instead of here, and prints what the local command prints: episode i's
 * actions depend only on (--seed, i), whoever runs it (`src/distributed/evalJobs.ts`). Not with
 * --record (the env runs elsewhere).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { fixedEpisodes } from '../../envs/episodeFile.js';
import { type Split, SPLITS } from '../../envs/episodes.js';
import { make } from '../../envs/registry.js';
import { FileFormatError, UsageError } from '../core/errors.js';
import { Dict, type Space } from '../core/spaces.js';
import { attachRecorder } from '../runs/Recording.js';
import { FRAME_KINDS, type FrameKind } from '../stream/protocol.js';
import { hasRunFile, readRunFile } from '../runs/runFile.js';
import { actionChoice, loadPolicy } from '../eval/policies.js';
import { checkBrokerFlags, runOnBroker } from '../distributed/evalJobs.js';
import { EVAL_METRICS, type EpisodeResult, evaluate, summarize } from '../eval/evaluate.js';
import { addBrokerOptions, checkEnvOptions, choiceOption, envOptionsOption, integerOption, listOption, printJsonLine } from './options.js';

interface EvalFlags {
  policy: string;
  env: string;
  envOptions?: Record<string, unknown>;
  split: Split;
  episodes?: number;
  episodesFile?: string;
  sensors?: string[];
  seed: number;
  deterministic?: boolean;
  perEpisode?: boolean;
  json?: boolean;
  record?: number;
  recordOut?: string;
  recordFrames?: FrameKind[];
  broker?: string;
  brokerTimeout?: number;
  jobEpisodes?: number;
}

/** Every channel `--record-frames` names must be one the env observes (frames come from its observations). */
function checkRecordFrames(flags: EvalFlags, space: Space): void {
  if (!flags.recordFrames) return;
  const keys = space instanceof Dict ? Object.keys(space.spaces) : [];
  const missing = flags.recordFrames.filter((k) => !keys.includes(k));
  if (missing.length > 0)
    throw new UsageError(
      `--record-frames: ${flags.env} observes no ${missing.join(', ')} (its observations: ${keys.join(', ') || 'one unnamed Box'})`,
    );
}

/** `--record-frames depth,rgb`: camera channels, each named once. */
function framesOption(value: string): FrameKind[] {
  const kinds = listOption(value);
  for (const k of kinds)
    if (!(FRAME_KINDS as readonly string[]).includes(k))
      throw new InvalidArgumentError(`expected camera channels among ${FRAME_KINDS.join(', ')}, got "${k}"`);
  return [...new Set(kinds)] as FrameKind[];
}

export function register(program: Command): void {
  const command = program
    .command('eval')
    .description(
      'Run a policy on fixed episodes and report success, SPL, soft-SPL, return, collisions, path length and steps (means, 95% CI).',
    )
    .requiredOption('--policy <name>', 'policy: random | oracle | a training run directory (runs/NAME)')
    .option('--env <id>', 'registered env id (robonav envs lists them)', 'PointNav-v0')
    .option(
      '--env-options <json>',
      "JSON object of env options (default: the run's own, from its run.json, for runs/NAME)",
      envOptionsOption,
    )
    .option('--split <split>', `episode split: ${SPLITS.join(' | ')}`, choiceOption(SPLITS), 'test')
    .option('--episodes <n>', 'number of episodes (default 200, or all of --episodes-file)', integerOption(1))
    .option('--episodes-file <path>', 'replay the episodes of a file written by robonav episodes')
    .option('--sensors <list>', 'override the env sensors, e.g. pointgoal (skips the camera for baselines)', listOption)
    .option('--seed <n>', 'seed of the policy and of the env noise (episode i is reset with seed + i)', integerOption(0), 0)
    .option(
      '--deterministic',
      'a trained policy takes the most likely action instead of sampling one (sampling is seeded by --seed, as Habitat evaluates)',
    )
    .option('--per-episode', "also report each episode's seed and figures (a table, or perEpisode in the JSON line)")
    .option(
      '--json',
      'print one JSON line: {"actions" (trained policies),"episodes","success","spl","softSpl","return","collisions","pathLength","steps","ci95"[,"perEpisode"]}',
    )
    .option('--record <n>', 'also write the first N episodes to a replay file (.rec) for robonav view', integerOption(1))
    .option('--record-out <path>', 'where --record writes (default: recordings/<env>-<split>-seed<S>.rec, under the run for runs/NAME)')
    .option(
      '--record-frames <list>',
      `camera channels --record also stores (${FRAME_KINDS.join(', ')}), for the viewer's camera panel and saliency maps`,
      framesOption,
    );
  addBrokerOptions(command).action(async (flags: EvalFlags) => {
    checkBrokerFlags(flags);
    if (flags.broker !== undefined && flags.record !== undefined)
      throw new UsageError('--record cannot be used with --broker (the episodes run on the actors)');
    // A run is evaluated with the env options it was trained with unless --env-options says otherwise.
    const envOptions = {
      ...(flags.envOptions ?? trainedEnvOptions(flags.policy)),
      ...(flags.sensors ? { sensors: flags.sensors } : {}),
    };
    if (flags.envOptions) checkEnvOptions(flags.env, envOptions);
    const env = make(flags.env, envOptions);
    try {
      checkRecordFrames(flags, env.observationSpace);
      const policy = await loadPolicy(flags.policy, { env, seed: flags.seed, stochastic: flags.deterministic !== true });
      // How actions are chosen matters only to a trained policy: random and oracle have one way each.
      const actions = policy instanceof TrainedPolicy ? actionChoice(flags.deterministic === true) : null;
      const { episodes, label: source } = fixedEpisodes(flags.env, env, {
        split: flags.split,
        count: flags.episodes ?? (flags.episodesFile ? Number.POSITIVE_INFINITY : 200),
        ...(flags.episodesFile ? { file: flags.episodesFile } : {}),
      });
      const recorder = flags.record
        ? attachRecorder(env, {
            source: `${flags.policy} · ${flags.env} · ${source}`,
            task: flags.env,
            maxEpisodes: flags.record,
            frames: flags.recordFrames ?? [],
          })
        : null;
      const progress = (i: number): void => {
        if (!flags.json && ((i + 1) % 20 === 0 || i + 1 === episodes.length))
          process.stderr.write(`\r${i + 1}/${episodes.length} episodes`);
      };
      let results: EpisodeResult[];
      if (flags.broker !== undefined) {
        policy.dispose?.();
        let done = 0;
        const task = {
          env: flags.env,
          envOptions,
          policies: [flags.policy],
          seed: flags.seed,
          first: 0,
          episodes,
          replays: 0,
          stochastic: flags.deterministic !== true,
        };
        results = (await runOnBroker({ ...flags, broker: flags.broker }, task, 'robonav eval', () => progress(done++))).results[0]!;
      } else {
        results = (await evaluate(recorder?.env ?? env, policy, episodes, { seed: flags.seed, onEpisode: (_, i) => progress(i) })).results;
        policy.dispose?.();
      }
      const summary = summarize(results);
      if (!flags.json) process.stderr.write('\n');
      if (recorder) {
        const out = flags.recordOut ?? defaultRecordingPath(flags);
        mkdirSync(dirname(out), { recursive: true });
        recorder.writer.save(out);
        process.stderr.write(`recorded ${recorder.writer.episodeCount} episodes to ${out} (robonav view ${out})\n`);
      }
      const perEpisode = flags.perEpisode ? results.map((r, i) => ({ episode: i, seed: flags.seed + i, ...r })) : null;
      if (flags.json) {
        printJsonLine({ ...(actions ? { actions } : {}), ...summary, ...(perEpisode ? { perEpisode } : {}) });
        return;
      }
      const lines = [
        `${flags.env} · ${source} · ${summary.episodes} episodes · policy ${flags.policy}${actions ? ` · ${actions} actions` : ''} · seed ${flags.seed}`,
        `${'metric'.padEnd(12)}${'mean'.padStart(10)}   95% CI`,
      ];
      for (const key of EVAL_METRICS) {
        const [lo, hi] = summary.ci95[key];
        lines.push(`${key.padEnd(12)}${format(summary[key]).padStart(10)}   [${format(lo)}, ${format(hi)}]`);
      }
      if (perEpisode) {
        lines.push('', ['episode', 'seed', ...EVAL_METRICS].map((h) => h.padStart(12)).join(''));
        for (const row of perEpisode) {
          const cells = [row.episode, row.seed, ...EVAL_METRICS.map((key) => row[key])];
          lines.push(cells.map((v) => (Number.isInteger(v) ? String(v) : format(v)).padStart(12)).join(''));
        }
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      env.close();
    }
  });
}

/**
 * The env options a run directory was trained with (its run.json), so its policy sees the
 * observations it learned on; `{}` for anything else (a built-in policy, a checkpoint or policy
 * folder). A run.json it cannot use is a bad --policy (exit 2).
 */
function trainedEnvOptions(policy: string): Record<string, unknown> {
  if (!hasRunFile(policy)) return {};
  try {
    return readRunFile(policy).envOptions ?? {};
  } catch (err) {
    if (err instanceof FileFormatError) throw new UsageError(`--policy ${policy}: ${err.message}`);
    throw err;
  }
}

function defaultRecordingPath(flags: EvalFlags): string {
  const name = `${flags.env}-${flags.episodesFile ? 'file' : flags.split}-seed${flags.seed}.rec`;
  const isRun = statSync(flags.policy, { throwIfNoEntry: false })?.isDirectory() === true;
  return join(isRun ? join(flags.policy, 'recordings') : 'recordings', name);
}

function format(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3);
}
