import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { ActorCritic } from '../../src/nn/ActorCritic.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Save to memory and load back, as a browser's `tf.loadLayersModel` would. */
async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}

const dictSpace = new Dict({
  depth: new Box(0, 10, [8, 8, 1]),
  pointgoal: new Box([0, -Math.PI], [Infinity, Math.PI], [2]),
});

describe('ActorCritic', () => {
  it('builds CNN + MLP encoders for a Dict observation, with a categorical head', () => {
    const ac = new ActorCritic(dictSpace, new Discrete(4), {}, new Rng(1));
    expect(ac.inputs.map(([k]) => k)).toEqual(['depth', 'pointgoal']);
    tf.tidy(() => {
      const obs = { depth: new Float32Array(3 * 64).fill(2), pointgoal: new Float32Array([1, 0.5, 2, -1, 3, 0]) };
      const out = ac.step(ac.obsTensors(obs, 0, 3));
      expect(out.params.shape).toEqual([3, 4]);
      expect(out.value.shape).toEqual([3]);
      // Policy-head gain 0.01: the first policy is close to uniform.
      for (const v of out.params.dataSync()) expect(Math.abs(v)).toBeLessThan(0.2);
    });
    ac.dispose();
  });

  it('has a state-independent log-std for Box actions', () => {
    const ac = new ActorCritic(new Box(-1, 1, [3]), new Box(-1, 1, [2]), { logStdInit: -0.5 }, new Rng(1));
    expect(ac.dist.kind).toBe('gaussian');
    expect(Array.from(ac.logStd!.dataSync())).toEqual([-0.5, -0.5]);
    expect(ac.variables()).toContain(ac.logStd);
    ac.dispose();
  });

  it("policyBias sets only the policy head's initial bias: a prior over actions", () => {
    const plain = new ActorCritic(dictSpace, new Discrete(4), {}, new Rng(3));
    const biased = new ActorCritic(dictSpace, new Discrete(4), { policyBias: [-3, 0, 0, 0] }, new Rng(3));
    const a = plain.getWeights();
    const b = biased.getWeights();
    const differing = a.map((_, i) => i).filter((i) => a[i]!.some((v, j) => v !== b[i]![j]));
    expect(differing).toHaveLength(1);
    expect(Array.from(b[differing[0]!]!)).toEqual([-3, 0, 0, 0]);
    tf.tidy(() => {
      const obs = { depth: new Float32Array(64).fill(2), pointgoal: new Float32Array([3, 0.5]) };
      const probs = tf.softmax(biased.step(biased.obsTensors(obs, 0, 1)).params).dataSync();
      expect(probs[0]).toBeLessThan(0.03);
      expect(probs[1]).toBeGreaterThan(0.3);
    });
    plain.dispose();
    biased.dispose();
  });

  it('rejects a policyBias that is not one value per action logit', () => {
    const build = () => new ActorCritic(dictSpace, new Discrete(4), { policyBias: [-3, 0] }, new Rng(3));
    const tensors = tf.memory().numTensors;
    expect(build).toThrow(UsageError);
    expect(build).toThrow('network.policyBias: expected 4 values (one per action logit), got 2');
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('is the same network for the same seed', () => {
    const a = new ActorCritic(dictSpace, new Discrete(4), {}, new Rng(9));
    const b = new ActorCritic(dictSpace, new Discrete(4), {}, new Rng(9));
    expect(a.getWeights()).toEqual(b.getWeights());
    a.dispose();
    b.dispose();
  });

  it('saves as one layers model over raw observations that predicts like the training graph', async () => {
    const ac = new ActorCritic(dictSpace, new Discrete(4), { core: 'lstm', coreSize: 8 }, new Rng(2));
    const loaded = await roundTrip(ac.toLayersModel());
    tf.tidy(() => {
      const obs = { depth: Float32Array.from({ length: 2 * 64 }, (_, i) => (i % 10) + 0.5), pointgoal: new Float32Array([1, 0.5, 2, -1]) };
      const state = ac.zeroState(2).map((s) => tf.add(s, 0.1) as tf.Tensor2D);
      const train = ac.step(ac.obsTensors(obs, 0, 2), state);
      const [params, value, h, c] = loaded.predict([...ac.obsTensors(obs, 0, 2), ...state]) as tf.Tensor[];
      expect(Array.from(params!.dataSync())).toEqual(Array.from(train.params.dataSync()));
      expect(Array.from(value!.dataSync())).toEqual(Array.from(train.value.dataSync()));
      expect(Array.from(h!.dataSync())).toEqual(Array.from(train.state[0]!.dataSync()));
      expect(Array.from(c!.dataSync())).toEqual(Array.from(train.state[1]!.dataSync()));
    });
    loaded.dispose();
    ac.dispose();
  });

  it('a saved GRU policy predicts like the training graph, whose fused recurrence rounds differently', async () => {
    const ac = new ActorCritic(dictSpace, new Discrete(4), { core: 'gru', coreSize: 8 }, new Rng(3));
    const loaded = await roundTrip(ac.toLayersModel());
    tf.tidy(() => {
      const obs = { depth: Float32Array.from({ length: 2 * 64 }, (_, i) => (i % 7) + 0.25), pointgoal: new Float32Array([1, 0.5, 2, -1]) };
      const state = ac.zeroState(2).map((s) => tf.add(s, 0.3) as tf.Tensor2D);
      const train = ac.step(ac.obsTensors(obs, 0, 2), state, tf.tensor1d([0, 1]));
      // Env 1 starts an episode: the saved model is fed its zeroed state.
      const fedState = tf.mul(state[0]!, tf.tensor2d([[1], [0]]));
      const [params, value, h] = loaded.predict([...ac.obsTensors(obs, 0, 2), fedState]) as tf.Tensor[];
      const close = (a: tf.Tensor, b: tf.Tensor): void => {
        const expected = b.dataSync();
        a.dataSync().forEach((v, i) => {
          expect(v).toBeCloseTo(expected[i]!, 5);
        });
      };
      close(params!, train.params);
      close(value!, train.value);
      close(h!, train.state[0]!);
    });
    loaded.dispose();
    ac.dispose();
  });

  it('setWeights(getWeights()) of one network makes another predict identically', () => {
    const a = new ActorCritic(new Box(0, 255, [36, 36, 1], 'uint8'), new Discrete(3), {}, new Rng(1));
    const b = new ActorCritic(new Box(0, 255, [36, 36, 1], 'uint8'), new Discrete(3), {}, new Rng(2));
    b.setWeights(a.getWeights());
    tf.tidy(() => {
      const frame = Uint8Array.from({ length: 36 * 36 }, (_, i) => i % 256);
      expect(a.step(a.obsTensors(frame, 0, 1)).params.dataSync()).toEqual(b.step(b.obsTensors(frame, 0, 1)).params.dataSync());
    });
    expect(() => b.setWeights(a.getWeights().slice(1))).toThrow(/needs/);
    a.dispose();
    b.dispose();
  });
});
