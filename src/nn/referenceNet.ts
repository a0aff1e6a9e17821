/**
 * The reference network of the learner benchmark (`robonav bench learner`), the Atari "Nature"
 * CNN shape at 64×64: the same layers are timed in PyTorch by `src/eval/bench/reference_pytorch.py`,
 * so the two figures compare like with like.
 *
 *   input 64×64×4 (NHWC) → conv 16 filters 8×8 stride 4, ReLU → conv 32 4×4 stride 2, ReLU
 *   → conv 32 3×3 stride 1, ReLU → flatten (4·4·32 = 512) → dense 256, ReLU → dense 4
 */
import * as tf from '@tensorflow/tfjs';

/** Input shape of one sample: height, width, channels (NHWC without the batch). */
export const REFERENCE_INPUT_SHAPE = [64, 64, 4] as const;
/** Width of the network's output. */
export const REFERENCE_OUTPUT_SIZE = 4;

/** Build the (uncompiled) reference network; `seed` makes the initial weights reproducible. */
export function buildReferenceNet(seed = 0): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 16 + k });
  return tf.sequential({
    name: 'reference_net',
    layers: [
      tf.layers.conv2d({
        inputShape: [...REFERENCE_INPUT_SHAPE],
        filters: 16,
        kernelSize: 8,
        strides: 4,
        activation: 'relu',
        kernelInitializer: init(0),
      }),
      tf.layers.conv2d({ filters: 32, kernelSize: 4, strides: 2, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 1, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ units: REFERENCE_OUTPUT_SIZE, kernelInitializer: init(4) }),
    ],
  });
}
