/**
 * robonav/distributed: training and evaluation across machines over Redis — the broker
 * connection, and sharded evaluation jobs that actors take.
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
