/**
 * robonav/nn: the network the agents train, its parts, and TensorFlow.js layers models on disk — for
 * an algorithm of your own, an inspection of a trained network, or another backend choice.
 */

// The actor-critic network an agent builds from the spaces, and what its forward pass returns.
export { ActorCritic, type ForwardResult } from './ActorCritic.js';

// Its parts: observation encoders, the recurrent core, the action distributions and heads.
export { encodeBox, type CnnKind, type EncoderOptions } from './encoders.js';
export { RecurrentCore, type CoreKind } from './cores.js';
export { Categorical, DiagGaussian, type ActionDistribution } from './distributions.js';
export { distributionFor, policyHead, valueHead } from './heads.js';

// The backends `initBackend` can choose from, by name.
export { BACKEND_NAMES } from './backend.js';

// Layers models as a folder of files (model.json + weights.bin), read and written without tfjs-node.
export { fileIO, loadModel, MODEL_JSON, quantizeModel, saveModel, WEIGHTS_BIN } from './fileIO.js';

// Weights stored as float16 or uint8 in tfjs's own quantised-weights format, which every tfjs loader dequantises.
export {
  FLOAT16_MAX,
  QUANTIZATION_DTYPES,
  quantizeFloat16,
  quantizeUint8,
  quantizeWeightData,
  type QuantizationDtype,
  type Uint8Quantized,
  type WeightData,
} from './quantize.js';
