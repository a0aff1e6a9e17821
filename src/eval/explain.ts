/**
 * What a trained policy looks at on fixed episodes: the policy acts on each episode (most likely
 * actions, so the episodes are reproducible), and every `every`-th step its saliency map over each
 * camera image is computed (`src/nn/saliency.ts`) together with the per-key attribution of integrated
 * gradients: the share of the action's drive that comes from the image vs the point goal and other
 * vectors. Steps within an episode are correlated, so the interval of each share is a bootstrap over
 * episodes (the mean share of each episode's explained steps), as evaluations treat episodes.
 *
 * Episode i is reset with seed `seed + i`, the same episodes and seeds `robonav eval` uses.
 */
import type { Env, Observation } from '../core/Env.js';
import { Box, Dict, type Space } from '../core/spaces.js';
import type { EpisodeSpec } from '../../envs/episodes.js';
import type { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { PolicySaliency, type SaliencyMap, type SaliencyMethod, type SaliencyObservation, type SaliencyResult } from '../nn/saliency.js';
import { bootstrapMeanCI, mean } from './bootstrap.js';

/** How `explainEpisodes` explains: the map method, how often, and the integrated-gradient steps. */
export interface ExplainOptions {
  /** The method of the maps. @default 'ig' */
  method?: SaliencyMethod;
  /** Explain every K-th step of an episode (0, K, 2K, …). @default 10 */
  every?: number;
  /** Episode i is reset with seed + i. @default 0 */
  seed?: number;
  /** Interpolation steps of integrated gradients (maps and attribution). @default 32 */
  igSteps?: number;
  /** Called for every explained step, e.g. to write its overlay pictures. */
  onStep?: (step: ExplainedStep) => void;
}

/** One explained step: the camera images the policy saw, their maps, and each observation key's share. */
export interface ExplainedStep {
  /** Index of the episode in the list. */
  episode: number;
  /** Step within the episode (0 = the first observation). */
  step: number;
  /** The camera images, by observation key: RGB (uint8 HWC) or depth (metres, with the bound `far`). */
  images: Array<{ key: string; width: number; height: number; rgb?: Uint8Array; depth?: Float32Array; far?: number }>;
  /** One map per image key. */
  maps: SaliencyMap[];
  /** Integrated gradients' share of each observation key (sums to 1). */
  attribution: Record<string, number>;
}

/** One episode's outcome and its mean attribution over the explained steps. */
export interface ExplainedEpisode {
  episode: number;
  seed: number;
  steps: number;
  success: number;
  spl: number;
  /** Explained steps. */
  explained: number;
  /** Mean share of each observation key over the explained steps. */
  attribution: Record<string, number>;
}

/** The mean share of each observation key over episodes, with its 95% bootstrap interval. */
export interface ExplainSummary {
  method: SaliencyMethod;
  every: number;
  seed: number;
  episodes: ExplainedEpisode[];
  /** Steps explained over all episodes. */
  explainedSteps: number;
  /** Per observation key: the mean of the episodes' shares and its 95% interval. */
  attribution: Record<string, { mean: number; ci95: [number, number] }>;
}

/** The camera keys of a policy: rank-3 Box observations (RGB uint8, or depth / other float images). */
export function imageKeys(space: Space): string[] {
  const leaves: Array<[string, Space]> = space instanceof Dict ? Object.entries(space.spaces as Record<string, Space>) : [['obs', space]];
  return leaves.filter(([, s]) => s instanceof Box && s.shape.length === 3).map(([k]) => k);
}

/** Copy the camera images out of an observation (the env reuses its buffers). */
function cameraImages(space: Space, obs: Observation): ExplainedStep['images'] {
  const leaves: Array<[string, Space, unknown]> =
    space instanceof Dict
      ? Object.entries(space.spaces as Record<string, Space>).map(([k, s]) => [k, s, (obs as Record<string, unknown>)[k]])
      : [['obs', space, obs]];
  const out: ExplainedStep['images'] = [];
  for (const [key, s, value] of leaves) {
    if (!(s instanceof Box) || s.shape.length !== 3) continue;
    const [height, width, channels] = s.shape as [number, number, number];
    if (channels === 3 && value instanceof Uint8Array) out.push({ key, width, height, rgb: value.slice() });
    else {
      // Any other image shows its first channel as grey, scaled by the Box's upper bound.
      const src = value as Float32Array | Uint8Array;
      const depth = new Float32Array(width * height);
      for (let i = 0; i < depth.length; i++) depth[i] = src[i * channels]!;
      const far = s.high.reduce((a, b) => Math.max(a, b), 0);
      out.push({ key, width, height, depth, far: Number.isFinite(far) && far > 0 ? far : 1 });
    }
  }
  return out;
}

/**
 * Run `policy` on every episode and explain every `every`-th step. The policy must act
 * deterministically (most likely actions) for the episodes to be reproducible.
 */
export async function explainEpisodes(
  env: Env,
  policy: TrainedPolicy,
  episodes: readonly EpisodeSpec[],
  options: ExplainOptions = {},
): Promise<ExplainSummary> {
  const method = options.method ?? 'ig';
  const every = options.every ?? 10;
  const seed = options.seed ?? 0;
  const igSteps = options.igSteps ?? 32;
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`explainEpisodes: every must be a positive integer, got ${every}`);
  const saliency = new PolicySaliency(policy.model, policy.info);
  const keys = saliency.observationInputs.map((s) => s.key);
  const results: ExplainedEpisode[] = [];
  let explainedSteps = 0;
  for (const [i, episode] of episodes.entries()) {
    let { obs } = env.reset({ seed: seed + i, options: { episode } });
    policy.reset(seed + i);
    const shares: Array<Record<string, number>> = [];
    for (let t = 0; ; t++) {
      if (t % every === 0) {
        const state = policy.recurrentState;
        // A policy with a camera observes a Box or a Dict of them, never a Discrete number.
        const input = obs as SaliencyObservation;
        const ig = saliency.integratedGradients(input, state, { steps: igSteps });
        const result: SaliencyResult = method === 'ig' ? ig : saliency.compute(method, input, state);
        shares.push(ig.attribution!);
        explainedSteps++;
        options.onStep?.({
          episode: i,
          step: t,
          images: cameraImages(policy.observationSpace, obs),
          maps: result.maps,
          attribution: ig.attribution!,
        });
      }
      const step = env.step(policy.act(obs));
      obs = step.obs;
      if (step.terminated || step.truncated) {
        const metric = (key: string): number => (typeof step.info[key] === 'number' ? (step.info[key] as number) : Number.NaN);
        results.push({
          episode: i,
          seed: seed + i,
          steps: t + 1,
          success: metric('success'),
          spl: metric('spl'),
          explained: shares.length,
          attribution: Object.fromEntries(keys.map((k) => [k, mean(shares.map((s) => s[k]!))])),
        });
        break;
      }
    }
  }
  const columns = keys.map((k) => Float64Array.from(results, (r) => r.attribution[k]!));
  const intervals = results.length > 0 ? bootstrapMeanCI(columns) : [];
  const attribution: ExplainSummary['attribution'] = {};
  keys.forEach((k, j) => {
    attribution[k] = { mean: mean(columns[j]!), ci95: intervals[j]! };
  });
  return { method, every, seed, episodes: results, explainedSteps, attribution };
}
