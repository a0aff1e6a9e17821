import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyInfo } from '../../agents/common/policyInfo.js';
import { PPO } from '../../agents/ppo.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { SyncVectorEnv } from '../../envs/vector/SyncVectorEnv.js';
import { ActorCritic } from '../../src/nn/ActorCritic.js';
import { initBackend } from '../../src/nn/backend.js';
import { loadModel, saveModel } from '../../src/nn/fileIO.js';
import { combinedMap, PolicySaliency, SALIENCY_METHODS, type SaliencyPolicyInfo } from '../../src/nn/saliency.js';
import { NoiseImageCue, PatchCue } from '../agents/fakeEnvs.js';

/** Spearman rank correlation (average ranks for ties). */
function spearman(a: Float32Array, b: Float32Array): number {
  const ranks = (v: Float32Array): Float64Array => {
    const order = Array.from(v.keys()).sort((i, j) => v[i]! - v[j]!);
    const r = new Float64Array(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && v[order[j + 1]!] === v[order[i]!]) j++;
      for (let k = i; k <= j; k++) r[order[k]!] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (a.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

/** Share of a PatchCue map's mass on the cue patch (16 of 144 pixels: 0.11 if spread evenly). */
function patchMass(map: Float32Array): number {
  const n = PatchCue.SIZE;
  let inside = 0;
  let total = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      total += map[y * n + x]!;
      if (y < PatchCue.PATCH && x < PatchCue.PATCH) inside += map[y * n + x]!;
    }
  }
  return total > 0 ? inside / total : 0;
}

/** PatchCue observations with the patch lit (a black patch is the baseline of integrated gradients, so it gets no attribution there). */
function litObservations(count: number): Array<{ image: Uint8Array; bias: Float32Array }> {
  const env = new PatchCue(1000);
  const out: Array<{ image: Uint8Array; bias: Float32Array }> = [];
  for (let seed = 0; out.length < count; seed++) {
    const { obs } = env.reset({ seed });
    const o = obs as { image: Uint8Array; bias: Float32Array };
    if (o.image[0] === 255) out.push({ image: o.image.slice(), bias: o.bias.slice() });
  }
  return out;
}

let patch: PPO;
let noise: PPO;
let root: string;

beforeAll(async () => {
  await initBackend();
  root = await mkdtemp(path.join(tmpdir(), 'robonav-saliency-'));
  const config = { numSteps: 16, learningRate: 1e-3, numMinibatches: 2, updateEpochs: 2, seed: 3, network: { fusionHidden: [32] } };
  patch = new PPO(new SyncVectorEnv((i) => new PatchCue(i), 4), config);
  const patchLast = await patch.learn(2048);
  noise = new PPO(new SyncVectorEnv((i) => new NoiseImageCue(i), 4), config);
  const noiseLast = await noise.learn(2048);
  // Both policies solve their task, so their saliency is that of a policy that works.
  expect(patchLast!.episodeReturn).toBeGreaterThan(0.9);
  expect(noiseLast!.episodeReturn).toBeGreaterThan(0.9);
}, 300_000);

afterAll(async () => {
  await patch?.close();
  await noise?.close();
  await rm(root, { recursive: true, force: true });
});

/** The same architecture as `agent`'s network with freshly initialised weights. */
function reinitialised(agent: PPO, seed: number): ActorCritic {
  const net = agent.network;
  return new ActorCritic(net.observationSpace, net.actionSpace, net.config, new Rng(seed));
}

describe('PolicySaliency', () => {
  it('gives one H×W map in [0, 1] per image key, deterministically, for every method', () => {
    const saliency = new PolicySaliency(patch.network.toLayersModel(), policyInfo(patch));
    expect(saliency.imageKeys).toEqual(['image']);
    const [obs] = litObservations(1);
    for (const method of SALIENCY_METHODS) {
      const a = saliency.compute(method, obs!);
      const b = saliency.compute(method, obs!);
      expect(a.method).toBe(method);
      expect(a.maps).toHaveLength(1);
      const map = a.maps[0]!;
      expect([map.key, map.height, map.width, map.data.length]).toEqual(['image', 12, 12, 144]);
      expect(Math.min(...map.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...map.data)).toBeLessThanOrEqual(1);
      expect(Math.max(...map.data)).toBe(1);
      expect(b.maps[0]!.data).toEqual(map.data);
      expect(typeof a.action).toBe('number');
    }
    // The paper's channel-mean Grad-CAM weights: a map in [0, 1] too (all zero where ReLU(Σ_k α_k A_k) is).
    const mean = saliency.gradCam(obs!, [], { camWeights: 'mean' }).maps[0]!.data;
    expect(mean.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('keeps tf.memory().numTensors flat over repeated calls of every method', () => {
    const saliency = new PolicySaliency(patch.network.toLayersModel(), policyInfo(patch));
    const [obs] = litObservations(1);
    for (const method of SALIENCY_METHODS) saliency.compute(method, obs!);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) for (const method of SALIENCY_METHODS) saliency.compute(method, obs!, [], { steps: 8 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('looks at the cue patch once trained, and not once the weights are re-initialised (Adebayo et al. 2018)', () => {
    const info = policyInfo(patch);
    const trained = new PolicySaliency(patch.network.toLayersModel(), info);
    const randomNets = [reinitialised(patch, 101), reinitialised(patch, 202)];
    const random = randomNets.map((net) => new PolicySaliency(net.toLayersModel(), info));
    const observations = litObservations(6);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const stats = Object.fromEntries(
      SALIENCY_METHODS.map((method) => {
        const masses: number[] = [];
        const randomMasses: number[] = [];
        const correlations: number[] = [];
        for (const obs of observations) {
          const map = trained.compute(method, obs).maps[0]!.data;
          masses.push(patchMass(map));
          for (const r of random) {
            const other = r.compute(method, obs).maps[0]!.data;
            randomMasses.push(patchMass(other));
            correlations.push(spearman(map, other));
          }
        }
        return [method, { mass: mean(masses), randomMass: mean(randomMasses), correlation: mean(correlations) }];
      }),
    );
    for (const method of SALIENCY_METHODS) {
      // Structured: the patch (11 % of the pixels) holds most of the trained map's mass, far more than a random network's.
      expect(stats[method]!.mass, method).toBeGreaterThan(0.5);
      expect(stats[method]!.mass - stats[method]!.randomMass, method).toBeGreaterThan(0.2);
    }
    // Randomised weights give a different map. Integrated gradients multiply by the input, so part of
    // the map follows the image itself whatever the weights (Adebayo et al. saw the same for gradient ⊙ input).
    expect(stats.ig!.correlation).toBeLessThan(0.75);
    expect(stats.perturbation!.correlation).toBeLessThan(0.5);
    expect(stats.gradcam!.correlation).toBeLessThan(0.6);
    for (const net of randomNets) net.dispose();
  });

  it('gives near-zero image attribution to a policy trained where the image is noise, and most of it where the image is the cue', () => {
    const imageShare = (agent: PPO, model: tf.LayersModel, makeEnv: (seed: number) => PatchCue | NoiseImageCue): number => {
      const saliency = new PolicySaliency(model, policyInfo(agent));
      const env = makeEnv(500);
      let total = 0;
      for (let seed = 0; seed < 20; seed++) {
        const { attribution } = saliency.integratedGradients(env.reset({ seed }).obs as Record<string, Uint8Array>);
        const sum = Object.values(attribution!).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 6);
        total += attribution!.image!;
      }
      return total / 20;
    };
    const ignoring = imageShare(noise, noise.network.toLayersModel(), (s) => new NoiseImageCue(s));
    expect(ignoring).toBeLessThan(0.15);
    // The same architecture before training does use the image: the measure can tell the two apart.
    const fresh = reinitialised(noise, 7);
    expect(imageShare(noise, fresh.toLayersModel(), (s) => new NoiseImageCue(s))).toBeGreaterThan(0.3);
    fresh.dispose();
    expect(imageShare(patch, patch.network.toLayersModel(), (s) => new PatchCue(s))).toBeGreaterThan(0.9);
  });

  it('gives the same maps for the saved and reloaded model as for the one in memory', async () => {
    const dir = path.join(root, 'policy');
    await saveModel(patch.network.toLayersModel(), dir);
    const loaded = await loadModel(dir);
    const info = policyInfo(patch);
    const a = new PolicySaliency(patch.network.toLayersModel(), info);
    const b = new PolicySaliency(loaded, info);
    const [obs] = litObservations(1);
    for (const method of SALIENCY_METHODS) {
      const x = a.compute(method, obs!).maps[0]!.data;
      const y = b.compute(method, obs!).maps[0]!.data;
      for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(x[i]!, 5);
    }
    loaded.dispose();
  });

  it('explains a recurrent policy at a step, from the state carried into it, with Box actions', () => {
    const space = new Dict({ depth: new Box(0, 10, [10, 8, 1]), pointgoal: new Box(-20, 20, [2]) });
    const net = new ActorCritic(space, new Box(-1, 1, [2]), { core: 'gru', coreSize: 8, fusionHidden: [16] }, new Rng(4));
    const info: SaliencyPolicyInfo = { inputs: ['depth', 'pointgoal', 'state_h'], distribution: 'gaussian', core: { numStates: 1 } };
    const saliency = new PolicySaliency(net.toLayersModel(), info);
    const rng = new Rng(5);
    const obs = { depth: Float32Array.from({ length: 80 }, () => rng.uniform(0, 10)), pointgoal: Float32Array.of(3, -1) };
    const zero = [tf.zeros([1, 8])];
    const other = [tf.randomNormal([1, 8], 0, 1, 'float32', 9)];
    expect(() => saliency.integratedGradients(obs)).toThrow(/state/);
    const before = tf.memory().numTensors;
    for (const method of SALIENCY_METHODS) {
      const result = saliency.compute(method, obs, zero);
      expect(result.maps[0]!.data.length).toBe(80);
      expect(Array.isArray(result.action)).toBe(true);
    }
    const fromZero = saliency.integratedGradients(obs, zero);
    const fromOther = saliency.integratedGradients(obs, other);
    expect(Object.keys(fromZero.attribution!)).toEqual(['depth', 'pointgoal']);
    expect(fromOther.maps[0]!.data).not.toEqual(fromZero.maps[0]!.data);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...zero, ...other]);
    net.dispose();
  });

  it('refuses a bad method, option or observation with a RangeError naming it', () => {
    const saliency = new PolicySaliency(patch.network.toLayersModel(), policyInfo(patch));
    const [obs] = litObservations(1);
    expect(() => saliency.compute('lime' as never, obs!)).toThrow(/unknown method lime/);
    expect(() => saliency.integratedGradients(obs!, [], { steps: 0 })).toThrow(/steps/);
    expect(() => saliency.perturbation(obs!, [], { stride: 99 })).toThrow(/stride/);
    expect(() => saliency.gradCam(obs!, [], { action: 5 })).toThrow(/action/);
    expect(() => saliency.gradCam(obs!, [], { camWeights: 'max' as never })).toThrow(/camWeights/);
    expect(() => saliency.gradCam({ image: new Uint8Array(3), bias: new Float32Array(1) })).toThrow(/"image"/);
    const discrete = new ActorCritic(new Box(0, 1, [4]), new Discrete(2), {}, new Rng(1));
    expect(
      () => new PolicySaliency(discrete.toLayersModel(), { inputs: [null, 'state_h'], distribution: 'categorical', core: null }),
    ).toThrow(/inputs/);
    discrete.dispose();
  });

  it('combines the maps of several cameras by maximum, skipping a map of another size', () => {
    const map = (key: string, values: number[], width = 2) => ({
      key,
      width,
      height: values.length / width,
      data: Float32Array.from(values),
    });
    expect(combinedMap([])).toBeNull();
    const one = map('depth', [0, 0.5, 1, 0.25]);
    expect(combinedMap([one])).toEqual(one);
    const both = combinedMap([one, map('rgb', [1, 0, 0.5, 0.5]), map('semantic', [1, 1, 1, 1, 1, 1], 3)])!;
    expect(both.key).toBe('depth+rgb');
    expect(Array.from(both.data)).toEqual([1, 0.5, 1, 0.5]);
    expect(Array.from(one.data)).toEqual([0, 0.5, 1, 0.25]);
  });

  it('imports nothing but TensorFlow.js, so the exported web page runs it in a browser', () => {
    const source = readFileSync(new URL('../../src/nn/saliency.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)';/gm)].map((m) => m[1]);
    expect(imports).toEqual(['@tensorflow/tfjs']);
  });
});
