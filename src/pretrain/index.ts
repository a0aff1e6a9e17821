/**
 * robonav/pretrain: perception pretraining — datasets of recorded frames, the CNN / GAN / RNN
 * pretrainers, the Fréchet distance, and starting a policy from pretrained modules.
 */

// Frame datasets: collect them from an env, write and read their shards.
export { collect, FRAME_KEYS, RandomMovePolicy, type CollectOptions } from './dataset/collect.js';
export { ShardWriter, type ShardWriterOptions } from './dataset/ShardWriter.js';
export {
  fieldTensor,
  ShardReader,
  splitEpisodesBySeed,
  type BatchOptions,
  type FrameBatch,
  type WindowOptions,
} from './dataset/ShardReader.js';
export { FrameFlag, type DatasetIndex, type EpisodeEntry, type FieldSpec } from './dataset/format.js';

// The pretrainers: a CNN encoder (autoencoder, depth or semantics from RGB), a DCGAN, a recurrent core on odometry.
export { CNN_TASKS, CnnPretrainer, trainCnn, type CnnRunResult, type CnnTask } from './cnn.js';
export { Dcgan, DEFAULT_GAN, trainGan, type GanConfig, type GanRunResult } from './gan.js';
export { odometry, RnnPretrainer, trainRnn, type RnnRunResult } from './rnn.js';

// The Fréchet distance between image sets, over a fixed random encoder, and its linear algebra.
export { fitGaussian, FrechetEncoder, frechetDistance, sqrtPsd, symmetricEigen, type Gaussian } from './frechet.js';

// Pretrained modules into a policy network: read them, load them into an encoder or core, check they fit.
export {
  applyPretrainedCore,
  applyPretrainedEncoder,
  coreInputMismatch,
  loadPretrainedCore,
  loadPretrainedEncoder,
  readManifest,
  readPretrained,
  type CoreTransfer,
  type PretrainedModule,
  type PretrainManifest,
} from './pretrained.js';
