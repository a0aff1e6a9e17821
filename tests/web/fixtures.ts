/**
 * A small saved policy for the export tests: PPO's network at its seeded initialisation on
 * PointNav-Easy-v0 with a 16×16 depth camera and 60-step episodes, its policy logits re-centred
 * and scaled. At initialisation the logits are tiny (gain 0.01) and dominated by what every
 * observation has in common, so the most likely action is the same everywhere. Re-centred on
 * their mean over a few observations and scaled to a unit spread, they follow what the robot sees
 * and where the goal is, so the robot's paths differ from episode to episode — what comparing the
 * page with `robonav eval` needs.
 */
import * as tf from '@tensorflow/tfjs';
import { savePolicy } from '../../agents/common/savedPolicy.js';
import { PPO } from '../../agents/ppo.js';
import { make } from '../../envs/registry.js';
import { boxLeaves } from '../../src/core/batch.js';
import type { Observation } from '../../src/core/Env.js';
import { initBackend } from '../../src/nn/backend.js';

export const TINY_ENV = 'PointNav-Easy-v0';
export const TINY_ENV_OPTIONS = { cameraSize: 16, maxEpisodeSteps: 60 };
/** Observations (episode starts) the logits are centred on. */
const SAMPLES = 48;

/** Write the policy folder (model.json, weights.bin, policy.json) into `dir`. */
export async function saveTinyPolicy(dir: string): Promise<void> {
  await initBackend();
  const ppo = new PPO(() => make(TINY_ENV, TINY_ENV_OPTIONS), { numEnvs: 1, numSteps: 8, seed: 3 });
  const model = ppo.network.toLayersModel();
  const env = make(TINY_ENV, TINY_ENV_OPTIONS);
  const leaves = boxLeaves(env.observationSpace);
  // Start observations of training-split episodes: other scenes than the test episodes.
  const observations: Observation[] = Array.from({ length: SAMPLES }, (_, i) => env.reset({ seed: 100 + i }).obs);
  env.close();
  // Centred on each action's mean logit and scaled to a unit spread.
  const logits = ppo.network.head.getLayer('policy_logits');
  const [kernel, bias] = logits.getWeights();
  const updated = tf.tidy(() => {
    const inputs = leaves.map(([key, box]) =>
      tf.stack(observations.map((o) => tf.tensor((o as Record<string, Float32Array>)[key!]!, box.shape as number[], 'float32'))),
    );
    const { mean, variance } = tf.moments((model.predict(inputs) as tf.Tensor[])[0]!, 0);
    const scale = tf.scalar(1).div(variance.sqrt().mean());
    return [kernel!.mul(scale), bias!.sub(mean).mul(scale)];
  });
  logits.setWeights(updated);
  tf.dispose(updated);
  await savePolicy(dir, ppo, { env: TINY_ENV });
  await ppo.close();
}
