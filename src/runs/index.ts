/**
 * robonav/runs: the files of a run directory beyond checkpoints and the metrics writer — `.rec`
 * episode recordings, the metrics log read back, and where a run keeps its policy.
 */

// `.rec` recordings: the writer `attachRecorder` returns, and reading a file back episode by episode.
export { RECORDING_VERSION, RecordedEpisode, Recording, RecordingWriter, type RecordingHeader } from './Recording.js';

// A policy's observations rebuilt from a recording's frames and poses (replays with saliency maps), or from a live stream's.
export {
  observationFromParts,
  observationProblem,
  recordedObservation,
  recordedObservationProblem,
  type ObservationParts,
} from './recordedObservation.js';

// The metrics log read back, whole or as it grows.
export { METRICS_FILE } from './MetricsWriter.js';
export { MetricsLogTail, parseMetricsLine } from './MetricsLog.js';

// Checkpoint locations: the latest checkpoint of a run and the policy folder a run, checkpoint or folder path names.
export { CHECKPOINT_VERSION, latestCheckpoint, POINTER_FILE, resolvePolicyDir } from './checkpoint.js';
// run.json: its schema (what a run was trained with), and where it sits.
export { hasRunFile, PretrainedStartSchema, RUN_FILE, RUN_FILE_VERSION, RunFileSchema, runFilePath } from './runFile.js';
