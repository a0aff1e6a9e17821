/**
 * robonav/distributed: training and evaluation across machines over Redis — the broker
 * connection, trajectory chunks, training actors and the learner's rollout source, and sharded
 * evaluation jobs that actors take.
 */

// The Redis broker: the checked --broker URL and a connection that reconnects with back-off.
export { Broker, BrokerError, parseBrokerUrl, type BrokerOptions, type BrokerUrl } from './Broker.js';

// Sharded evaluation: a command's episodes as jobs on a Redis stream, and the actor's side that takes them.
export {
  checkBrokerFlags,
  EVAL_GROUP,
  EVAL_JOBS_STREAM,
  EvalJobWorker,
  runOnBroker,
  runShardedSlice,
  type BrokerFlags,
  type EvalJobCounts,
  type EvalJobWorkerOptions,
  type ShardedRunOptions,
  type ShardedRunStats,
} from './evalJobs.js';

// Actor-learner training: what a run keeps in Redis, the actor's loop, and the learner's rollout source.
export {
  HEARTBEAT_TTL_SECONDS,
  LEARNER_GROUP,
  publishWeights,
  readWeights,
  RUN_NAME,
  RUN_SPEC_FORMAT,
  runKeys,
  RunSpecSchema,
  weightsStamp,
  type PublishedWeights,
  type RunSpec,
} from './trainingRun.js';
export { runTrainingActor, type TrainingActorOptions, type TrainingActorSummary } from './TrainingActor.js';
export { BrokerRollouts, type BrokerRolloutsOptions, type LearnerTotals } from './BrokerRollouts.js';
