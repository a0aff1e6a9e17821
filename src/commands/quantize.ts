/**
 * `robonav quantize RUN|POLICY_DIR --out DIR [--dtype float16|uint8|float32|auto] [--env ID]
 * [--env-options JSON] [--split test] [--episodes N] [--seed S] [--deterministic] [--json]`:
 * write a copy of a saved policy with its float32 weights stored as float16 (half the bytes) or
 * uint8 (a quarter), in TensorFlow.js's own quantised-weights format, which `robonav eval`, every
 * loader and the browser read as they read the original.
 *
 * `--dtype auto` (the default) evaluates the float32, float16 and uint8 weights on the same fixed
 * episodes with the same seed, prints a table (weights' bytes, success and SPL with 95%
 * intervals) and keeps the smallest whose SPL mean lies inside the float32 policy's interval.
 * The env is the one the policy was trained on (its run.json, else its policy.json) unless --env
 * and --env-options say otherwise. With --json the last line is one JSON object:
 * `{"out","dtype","weightBytes","candidates"}` (candidates: null unless auto).
 */
import type { Command } from 'commander';
import { type Split, SPLITS } from '../../envs/episodes.js';
import type { PolicyInfo } from '../../agents/common/policyInfo.js';
import { checkQuantizeTarget } from '../../agents/common/savedPolicy.js';
import { actionChoice } from '../eval/policies.js';
import { compressPolicy, QUANTIZE_CHOICES, type QuantizeChoice } from '../eval/quantize.js';
import { FileFormatError, UsageError } from '../core/errors.js';
import { resolvePolicyDir } from '../runs/checkpoint.js';
import { hasRunFile, readRunFile } from '../runs/runFile.js';
import { candidateLines, quantizationTable } from './quantizationTable.js';
import { checkEnvOptions, choiceOption, envOptionsOption, integerOption, printJsonLine } from './options.js';

interface QuantizeFlags {
  out: string;
  dtype: QuantizeChoice;
  env?: string;
  envOptions?: Record<string, unknown>;
  split: Split;
  episodes: number;
  seed: number;
  deterministic?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('quantize')
    .description(
      "Write a copy of a saved policy with float16 or uint8 weights (TensorFlow.js's quantised format; eval, every loader and the browser read it); auto keeps the smallest that holds the policy's test SPL.",
    )
    .argument('<policy>', 'a training run directory (runs/NAME), a checkpoint or a policy folder')
    .requiredOption('--out <dir>', 'the policy folder to write (created; files in it are replaced)')
    .option(
      '--dtype <dtype>',
      "weights as float16 | uint8 | float32 (a plain copy) | auto: the smallest whose SPL mean lies inside the float32 policy's 95% interval",
      choiceOption(QUANTIZE_CHOICES),
      'auto',
    )
    .option('--env <id>', 'auto: the env to evaluate in (default: the one the policy was trained on)')
    .option('--env-options <json>', "auto: JSON object of env options (default: the policy's training options)", envOptionsOption)
    .option('--split <split>', `auto: episode split: ${SPLITS.join(' | ')}`, choiceOption(SPLITS), 'test')
    .option('--episodes <n>', 'auto: number of fixed episodes per weight type', integerOption(1), 200)
    .option('--seed <n>', 'auto: seed of the policy and of the env noise (episode i is reset with seed + i)', integerOption(0), 0)
    .option('--deterministic', 'auto: take the most likely action instead of sampling one (seeded by --seed)')
    .option('--json', 'print one JSON line: {"out","dtype","weightBytes","candidates"} (candidates: null unless auto)')
    .action(async (target: string, flags: QuantizeFlags) => {
      const srcDir = await policyDir(target);
      const info = await checkQuantizeTarget(srcDir, flags.out);
      // Only auto runs the policy, so only auto needs its env.
      const auto = flags.dtype === 'auto' ? trainedEnv(target, info, flags) : null;
      if (auto) checkEnvOptions(auto.env, auto.envOptions);
      const result = await compressPolicy(srcDir, flags.out, {
        dtype: flags.dtype,
        ...auto,
        split: flags.split,
        episodes: flags.episodes,
        seed: flags.seed,
        deterministic: flags.deterministic === true,
        onEpisode: (dtype, i, total) => {
          if (!flags.json && ((i + 1) % 20 === 0 || i + 1 === total)) process.stderr.write(`\r${dtype}: ${i + 1}/${total} episodes`);
          if (!flags.json && i + 1 === total) process.stderr.write('\n');
        },
      });
      const candidates = result.candidates ? candidateLines(result.candidates) : null;
      if (flags.json) {
        printJsonLine({ out: result.dir, dtype: result.dtype, weightBytes: result.weightBytes, candidates });
        return;
      }
      const lines: string[] = [];
      if (candidates && auto) {
        const caption = `${auto.env} · ${flags.split} split · ${flags.episodes} episodes · ${actionChoice(flags.deterministic === true)} actions · seed ${flags.seed}`;
        lines.push(...quantizationTable(caption, candidates, result.dtype));
      }
      lines.push(`wrote ${result.dir}: ${result.dtype} weights, ${result.weightBytes.toLocaleString('en-US')} bytes`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** The policy folder the argument names; anything else is a bad argument (exit 2). */
async function policyDir(target: string): Promise<string> {
  try {
    return await resolvePolicyDir(target);
  } catch (err) {
    if (err instanceof FileFormatError) throw new UsageError(`policy ${err.message}`);
    throw err;
  }
}

/** The env `auto` evaluates in: the flags', else the run's (run.json), else the one the policy's own record names. */
function trainedEnv(target: string, info: PolicyInfo, flags: QuantizeFlags): { env: string; envOptions: Record<string, unknown> } {
  const run = hasRunFile(target) ? readRunFile(target) : null;
  const recorded = typeof info.meta.env === 'string' ? info.meta.env : undefined;
  const env = flags.env ?? run?.env ?? recorded;
  if (env === undefined) throw new UsageError(`policy ${target} does not record its env; pass --env`);
  const trainedOptions = run?.envOptions ?? (isRecord(info.meta.envOptions) ? info.meta.envOptions : {});
  return { env, envOptions: flags.envOptions ?? (env === (run?.env ?? recorded) ? trainedOptions : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
