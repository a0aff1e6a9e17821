/**
 * robonav/eval: evaluation's parts and the benchmarks and report built on it — one episode at a time,
 * summaries, bootstrap intervals, the policies benchmark and the HTML report.
 */

// Evaluation one episode at a time, its summary, and the figures it reports.
export { EVAL_METRIC_LABELS, EVAL_METRICS, runEpisode, summarize, type EvalMetric } from './evaluate.js';
// Whether an evaluation samples actions or takes the most likely one; the record an evaluation callback writes.
export { actionChoice } from './policies.js';
export type { EvalRecord } from './EvalCallback.js';

// Compressed policies (compressPolicy is in the main entry): the float32, float16 and uint8 weights compared on fixed episodes.
export {
  compareQuantizations,
  QUANTIZE_CHOICES,
  WEIGHT_DTYPES,
  type CompressOptions,
  type CompressResult,
  type QuantizationCandidate,
  type QuantizeChoice,
} from './quantize.js';

// What a policy looks at on fixed episodes (`robonav explain`): saliency maps every K steps and each observation's share.
export {
  explainEpisodes,
  imageKeys,
  type ExplainedEpisode,
  type ExplainedStep,
  type ExplainOptions,
  type ExplainSummary,
} from './explain.js';

// Percentile-bootstrap confidence intervals of means.
export { bootstrapMeanCI, DEFAULT_BOOTSTRAP, type BootstrapConfig } from './bootstrap.js';

// The policies benchmark: every policy on the same fixed episodes, as tables.
export {
  DEFAULT_POLICIES_BENCH,
  formatMarkdown,
  runPoliciesBench,
  writeBenchOutputs,
  type PoliciesBenchConfig,
  type PoliciesBenchResult,
  type PolicyRow,
} from './bench/policiesBench.js';

// The HTML report of runs: curves, the benchmark table and replay maps in one file.
export { DEFAULT_REPORT, writeReport, type ReportConfig } from './report/report.js';

// Videos of episodes: a policy's fixed episodes recorded in memory, and the agent's view of them as frames with a HUD.
export { recordEpisodes, type RecordEpisodesOptions } from './video/recordEpisodes.js';
export { agentCameraOf, agentViewFrames, resultLines, stepLines, type AgentViewOptions, type VideoFrame } from './video/agentView.js';

// The exported static page's parts: where its model files are written, and the format of its data.js.
export { defaultWebPageDir, writePolicyModel } from './exportWeb.js';
export { WEB_DATA_GLOBAL, WEB_DATA_VERSION, WebDataSchema, type WebData } from './webData.js';
