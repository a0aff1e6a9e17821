/**
 * Evaluate a saved policy on the fixed test episodes of its env, beside the random and oracle
 * baselines, with 95% bootstrap intervals: a complete program to copy.
 *
 *   npx tsx examples/evaluate-saved-policy.ts [RUN] [--episodes 50] [--split test] [--steps 30000]
 *
 * RUN is what `robonav train --out RUN` wrote (or a checkpoint or policy folder in it); the env and
 * its options come from the saved policy. Without RUN, the program first trains PPO briefly on
 * PointNav-Easy-v0 with the pointgoal sensor only and episodes that end on reaching the goal
 * (`--steps`, default 30000: about half a minute, success near 1) and evaluates that.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type EvaluationSummary,
  evaluate,
  fixedEpisodes,
  initBackend,
  make,
  OraclePolicy,
  type Policy,
  PPO,
  RandomPolicy,
  SPLITS,
  type Split,
  saveCheckpoint,
  TrainedPolicy,
  UsageError,
} from 'robonav';
import { resolvePolicyDir } from 'robonav/runs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    episodes: { type: 'string', default: '50' },
    split: { type: 'string', default: 'test' },
    steps: { type: 'string', default: '30000' },
  },
});
const split = args.split as Split;
if (!SPLITS.includes(split)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got ${args.split}`);

await initBackend();

/** A run directory to evaluate: the one given, or one trained here. */
async function runDirectory(): Promise<string> {
  if (positionals[0] !== undefined) return positionals[0];
  const env = 'PointNav-Easy-v0';
  const envOptions = { sensors: ['pointgoal'], endOnSuccess: true };
  const out = await mkdtemp(path.join(tmpdir(), 'robonav-example-'));
  const ppo = new PPO(() => make(env, envOptions), { numEnvs: 8, numSteps: 128, learningRate: 1e-3 });
  await ppo.learn(Number(args.steps));
  // The metadata goes into the saved policy, so whoever evaluates it can rebuild the env.
  await saveCheckpoint(out, ppo, { env, envOptions });
  await ppo.close();
  console.log(`no run given: trained PPO for ${ppo.globalStep} steps on ${env} (pointgoal only, ending on success) into ${out}`);
  return out;
}

const trained = await TrainedPolicy.load(await resolvePolicyDir(await runDirectory()));
const envId = trained.info.meta.env;
if (typeof envId !== 'string') throw new UsageError(`${trained.name}: the saved policy does not say which env it was trained on`);
const env = make(envId, (trained.info.meta.envOptions as Record<string, unknown> | undefined) ?? {});
trained.checkEnv(env);

// The split's fixed episodes: every evaluation of this env and split runs these same episodes.
const { episodes, label } = fixedEpisodes(envId, env, { split, count: Number(args.episodes) });
console.log(`${envId}, ${label}, ${episodes.length} episodes`);

const interval = (s: EvaluationSummary, key: 'success' | 'spl'): string =>
  `${s[key].toFixed(2)} [${s.ci95[key][0].toFixed(2)}, ${s.ci95[key][1].toFixed(2)}]`;
const policies: Policy[] = [new RandomPolicy(0), new OraclePolicy(), trained];
console.log(`${'policy'.padEnd(12)} ${'success'.padEnd(18)} SPL`);
for (const policy of policies) {
  const { summary } = await evaluate(env, policy, episodes);
  console.log(
    `${policy === trained ? 'trained' : policy.name}`.padEnd(12),
    interval(summary, 'success').padEnd(18),
    interval(summary, 'spl'),
  );
  policy.dispose?.();
}
env.close();
