/**
 * `robonav bench soak`: does a long training run, watched in the viewer, keep its memory flat?
 *
 * It starts `robonav train --view 0 --workers W` as a child process, connects a viewer client that
 * subscribes to the episodes, the camera frames and the curves and decodes everything it receives
 * (a real watcher, so the streaming path runs the whole time), samples the child's resident set
 * size from /proc every 10 s, and stops the run after the time (SIGINT, as Ctrl-C would; SIGKILL
 * if it has not stopped a minute later). The run's `metrics.jsonl` then gives the V8 heap in use
 * and the live tf.js tensors of every update.
 *
 * Each series is judged after a warm-up (the heap, the wasm memory and the scene caches grow at
 * first): its values at the warm-up's end and at the end, its minimum and maximum, and its
 * least-squares slope per hour. The run passes when the RSS stays within ±10 MB of its median after
 * the warm-up (the median, not one sample: any single sample sits somewhere on the garbage
 * collector's sawtooth) and its fitted drift over that time is under 10 MB (a slow leak can hide
 * inside the band), the tensor count does not change, and the watcher received episode steps. The
 * heap is reported but not judged: read at the end of an update it sits anywhere on the
 * collector's sawtooth, so only its slope says something.
 *
 * Linux only (/proc). A soak is a benchmark, not a unit test: the 30-minute run is the figure,
 * a couple of minutes only checks that the script works.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { writeFileAtomicSync } from '../../core/atomicWrite.js';
import { METRICS_FILE } from '../../runs/MetricsWriter.js';
import {
  type ClientMessageInput,
  decodeFrame,
  decodeServerMessage,
  type EpisodeEndMessage,
  PROTOCOL_VERSION,
  type SceneMessage,
  type StepMessage,
} from '../../stream/protocol.js';

export const SOAK_BENCH_VERSION = 1;

/** Seconds between two RSS samples. */
export const SOAK_SAMPLE_SECONDS = 10;

/** How far the RSS may stray from its median after the warm-up (MB). */
export const SOAK_TOLERANCE_MB = 10;

/**
 * Env steps per second no CPU training run reaches: the step budget is the time times this, so the
 * run is always stopped by the soak, never by its budget (the learning rate, annealed over the
 * budget, then stays near its initial value).
 */
const MAX_STEPS_PER_SECOND = 10_000;

/** How long the run may take to stop after SIGINT (finish its update, checkpoint) before SIGKILL (ms). */
const STOP_GRACE_MS = 60_000;

/** How long the run may take to start its viewer (ms). */
const START_TIMEOUT_MS = 120_000;

export interface SoakBenchConfig {
  /** How long the run trains (minutes). */
  minutes: number;
  /** Minutes before the figures must stay flat. @default defaultWarmupMinutes(minutes) */
  warmupMinutes: number;
  env: string;
  /** Env worker threads of the run. */
  workers: number;
  /** Directory for the run and the outputs; null: a temporary directory, removed at the end. */
  out: string | null;
}

export const DEFAULT_SOAK_BENCH = { minutes: 30, env: 'PointNav-Easy-v0', workers: 2 } as const;

/** The warm-up: 5 minutes, or a quarter of a shorter run. */
export function defaultWarmupMinutes(minutes: number): number {
  return Math.min(5, minutes / 4);
}

/** One RSS sample of the run, read from /proc (seconds since it started). */
export interface RssSample {
  seconds: number;
  rssMb: number;
}

/** What one update record of the run says about its memory (seconds since the run started). */
export interface UpdateSample {
  seconds: number;
  step: number;
  update: number;
  rssMb: number;
  heapUsedMb: number;
  numTensors: number;
}

/** One series after the warm-up; null figures when no sample came after it. */
export interface SeriesSummary {
  /** Samples after the warm-up's end. */
  samples: number;
  /** The first sample at or after the warm-up's end, and the last sample. */
  atWarmup: number | null;
  atEnd: number | null;
  min: number | null;
  max: number | null;
  /** The median of the samples after the warm-up: the level the run's memory settled at. */
  median: number | null;
  /** Least-squares slope over the samples after the warm-up (units per hour; null with fewer than 2). */
  slopePerHour: number | null;
  /** The slope times the time the samples after the warm-up span: how far the fitted line moved. */
  drift: number | null;
}

/** What the watcher received. */
export interface WatcherCounts {
  /** Text messages (a batch counts once). */
  messages: number;
  scenes: number;
  steps: number;
  episodeEnds: number;
  /** Curve points, over all metrics messages. */
  metricPoints: number;
  frames: number;
  frameBytes: number;
  /** `error` messages from the server, messages it could not decode and socket errors: the first 20, in order. */
  errors: string[];
}

export interface SoakBenchResult {
  version: number;
  createdAt: string;
  env: string;
  workers: number;
  minutes: number;
  warmupMinutes: number;
  /** The training run's command line. */
  command: string;
  /** The run's tf.js backend, as it reported it. */
  backend: string | null;
  /** How the run was stopped: SIGINT, or SIGKILL when it had not stopped STOP_GRACE_MS later. */
  stoppedBy: 'SIGINT' | 'SIGKILL';
  /** The run's exit code (null when killed). */
  exitCode: number | null;
  /** Env steps and updates of the run's last update record. */
  steps: number;
  updates: number;
  watcher: WatcherCounts;
  /** RSS from /proc (MB), heap in use (MB) and live tensors from the update records. */
  rss: SeriesSummary;
  heapUsed: SeriesSummary;
  numTensors: SeriesSummary;
  pass: boolean;
  /** Why it failed (empty when it passed). */
  reasons: string[];
}

/** The result and the samples it was computed from (the CSV files). */
export interface SoakBenchRun {
  result: SoakBenchResult;
  rssSamples: RssSample[];
  updateSamples: UpdateSample[];
}

// ───────────────────────────── the figures (pure) ─────────────────────────────

/** Least-squares slope of y over x; null with fewer than 2 distinct x. */
export function leastSquaresSlope(points: ReadonlyArray<readonly [number, number]>): number | null {
  if (points.length < 2) return null;
  const meanX = points.reduce((s, [x]) => s + x, 0) / points.length;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  }
  return sxx === 0 ? null : sxy / sxx;
}

/** A series (seconds, value) after `warmupSeconds`: values at the warm-up's end and at the end, range, slope per hour. */
export function summarizeSeries(points: ReadonlyArray<readonly [number, number]>, warmupSeconds: number): SeriesSummary {
  const after = points.filter(([seconds]) => seconds >= warmupSeconds);
  if (after.length === 0)
    return { samples: 0, atWarmup: null, atEnd: null, min: null, max: null, median: null, slopePerHour: null, drift: null };
  const values = after.map(([, value]) => value);
  // Sorted once for the range and the median (no spread into Math.min: a day-long soak has 10^5 updates).
  const sorted = Float64Array.from(values).sort();
  const slopePerHour = leastSquaresSlope(after.map(([seconds, value]) => [seconds / 3600, value]));
  const mid = sorted.length >> 1;
  return {
    samples: after.length,
    atWarmup: values[0]!,
    atEnd: values.at(-1)!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    median: sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    slopePerHour,
    drift: slopePerHour === null ? null : (slopePerHour * (after[after.length - 1]![0] - after[0]![0])) / 3600,
  };
}

/** Why a soak fails: RSS out of ±tolerance of its median after the warm-up, tensors that changed, a watcher that saw no steps. */
export function soakVerdict(
  rss: SeriesSummary,
  numTensors: SeriesSummary,
  watcher: Pick<WatcherCounts, 'steps'>,
  toleranceMb = SOAK_TOLERANCE_MB,
): string[] {
  const reasons: string[] = [];
  if (rss.samples < 2 || rss.median === null || rss.min === null || rss.max === null) {
    reasons.push(`fewer than 2 RSS samples after the warm-up (${rss.samples})`);
  } else if (rss.max - rss.median > toleranceMb || rss.median - rss.min > toleranceMb) {
    reasons.push(
      `RSS left ±${toleranceMb} MB of its median ${rss.median.toFixed(1)} MB after the warm-up (${rss.min.toFixed(1)}–${rss.max.toFixed(1)} MB)`,
    );
  }
  if (rss.drift !== null && Math.abs(rss.drift) > toleranceMb) {
    reasons.push(
      `RSS drifted ${rss.drift > 0 ? '+' : ''}${rss.drift.toFixed(1)} MB after the warm-up (fitted line), more than ${toleranceMb} MB`,
    );
  }
  if (numTensors.samples === 0) reasons.push('no update record after the warm-up');
  else if (numTensors.min !== numTensors.max)
    reasons.push(`the tf.js tensor count changed after the warm-up (${numTensors.min}–${numTensors.max})`);
  if (watcher.steps === 0) reasons.push('the viewer client received no episode steps');
  return reasons;
}

/** The VmRSS line of /proc/PID/status, in MB; null when absent (a process that just ended). */
export function parseVmRssMb(status: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) / 1024 : null;
}

/** The update records of a metrics.jsonl (evaluation lines and records without memory figures are skipped). */
export function updateSamples(jsonl: string, startUnixSeconds: number): UpdateSample[] {
  const samples: UpdateSample[] = [];
  for (const line of jsonl.split('\n')) {
    if (line.trim() === '') continue;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // The last line of a run killed mid-write.
      continue;
    }
    const { time, step, update, rss, heapUsed, numTensors } = r;
    if (r.type !== undefined || ![time, step, update, rss, heapUsed, numTensors].every((v) => typeof v === 'number')) continue;
    samples.push({
      seconds: (time as number) - startUnixSeconds,
      step: step as number,
      update: update as number,
      rssMb: rss as number,
      heapUsedMb: heapUsed as number,
      numTensors: numTensors as number,
    });
  }
  return samples;
}

// ───────────────────────────── the run ─────────────────────────────

/** The `robonav train` arguments of a soak, its run written to `runDir`. */
export function soakTrainArgs(config: Pick<SoakBenchConfig, 'minutes' | 'env' | 'workers'>, runDir: string): string[] {
  const steps = Math.ceil(config.minutes * 60 * MAX_STEPS_PER_SECOND);
  return [
    'train',
    '--env',
    config.env,
    '--workers',
    String(config.workers),
    '--steps',
    String(steps),
    // Evaluations build an env of their own and jump the RSS while they run: not what a soak measures.
    '--eval-every',
    '0',
    '--test-episodes',
    '0',
    '--out',
    runDir,
    '--view',
    '0',
  ];
}

/**
 * Train for `config.minutes` with a watcher connected, sampling the run's memory; `cli` is the
 * `robonav` script to run, `log` receives progress lines.
 */
export async function runSoakBench(config: SoakBenchConfig, cli: string, log: (line: string) => void = () => {}): Promise<SoakBenchRun> {
  const dir = config.out ?? mkdtempSync(join(tmpdir(), 'robonav-soak-'));
  try {
    return await soak(config, cli, join(dir, 'run'), log);
  } finally {
    if (config.out === null) rmSync(dir, { recursive: true, force: true });
  }
}

async function soak(config: SoakBenchConfig, cli: string, runDir: string, log: (line: string) => void): Promise<SoakBenchRun> {
  const args = soakTrainArgs(config, runDir);
  log(`bench soak: robonav ${args.join(' ')}`);
  const run = startRun(cli, args);
  const rss = sampleRss(run);
  let watcher: Watcher;
  try {
    watcher = watch(`ws://${new URL(await viewerUrl(run)).host}/ws`);
    const ended = await untilOrExit(config.minutes * 60_000 - run.elapsedSeconds() * 1000, run.exited, () =>
      log(
        `bench soak: ${(run.elapsedSeconds() / 60).toFixed(1)}/${config.minutes} min, RSS ${rss.samples.at(-1)?.rssMb.toFixed(1) ?? '?'} MB, watcher ${watcher.counts.steps} steps, ${watcher.counts.frames} frames`,
      ),
    );
    if (ended) throw new Error(`bench soak: the run ended before the time (${describeExit(ended)}): ${run.stderr.lastLine()}`);
  } catch (err) {
    rss.stop();
    run.child.kill('SIGKILL');
    await run.exited;
    throw err;
  }
  // The samples cover the training only, not the final update and checkpoint of the stop.
  rss.stop();
  run.child.kill('SIGINT');
  let stoppedBy: SoakBenchResult['stoppedBy'] = 'SIGINT';
  let exit = await untilOrExit(STOP_GRACE_MS, run.exited);
  if (exit === null) {
    stoppedBy = 'SIGKILL';
    run.child.kill('SIGKILL');
    exit = await run.exited;
  }
  watcher.close();

  const metricsFile = join(runDir, METRICS_FILE);
  const updates = existsSync(metricsFile) ? updateSamples(readFileSync(metricsFile, 'utf8'), run.startUnixSeconds) : [];
  const warmupSeconds = config.warmupMinutes * 60;
  const series = (points: Array<[number, number]>): SeriesSummary => summarizeSeries(points, warmupSeconds);
  const rssSummary = series(rss.samples.map((s) => [s.seconds, s.rssMb]));
  const tensorSummary = series(updates.map((u) => [u.seconds, u.numTensors]));
  const reasons = soakVerdict(rssSummary, tensorSummary, watcher.counts);
  if (stoppedBy === 'SIGINT' && exit.code !== 0) reasons.push(`the run exited with ${describeExit(exit)}: ${run.stderr.lastLine()}`);
  const last = updates.at(-1);
  return {
    result: {
      version: SOAK_BENCH_VERSION,
      createdAt: new Date(run.startUnixSeconds * 1000).toISOString(),
      env: config.env,
      workers: config.workers,
      minutes: config.minutes,
      warmupMinutes: config.warmupMinutes,
      command: `robonav ${args.join(' ')}`,
      backend: /backend (\S+) →/.exec(run.stderr.text)?.[1] ?? null,
      stoppedBy,
      exitCode: exit.code,
      steps: last?.step ?? 0,
      updates: last?.update ?? 0,
      watcher: watcher.counts,
      rss: rssSummary,
      heapUsed: series(updates.map((u) => [u.seconds, u.heapUsedMb])),
      numTensors: tensorSummary,
      pass: reasons.length === 0,
      reasons,
    },
    rssSamples: rss.samples,
    updateSamples: updates,
  };
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** The training run: its process, its end, its standard error, and when it started. */
interface Run {
  child: ChildProcess;
  exited: Promise<Exit>;
  stderr: StderrTail;
  startUnixSeconds: number;
  elapsedSeconds(): number;
}

function startRun(cli: string, args: string[]): Run {
  const startUnixSeconds = Date.now() / 1000;
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = new StderrTail();
  child.stderr!.on('data', (d: Buffer) => stderr.add(d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, stderr, startUnixSeconds, elapsedSeconds: () => Date.now() / 1000 - startUnixSeconds };
}

/** Samples the run's RSS now and every SOAK_SAMPLE_SECONDS until stopped. */
function sampleRss(run: Run): { samples: RssSample[]; stop(): void } {
  const samples: RssSample[] = [];
  const sample = (): void => {
    const rssMb = readRssMb(run.child.pid!);
    if (rssMb !== null) samples.push({ seconds: run.elapsedSeconds(), rssMb });
  };
  sample();
  const timer = setInterval(sample, SOAK_SAMPLE_SECONDS * 1000);
  return { samples, stop: () => clearInterval(timer) };
}

function readRssMb(pid: number): number | null {
  try {
    return parseVmRssMb(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    // The run has just ended.
    return null;
  }
}

function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** The exit, when the run ends within `ms`; else null. `progress` is called every minute meanwhile. */
async function untilOrExit(ms: number, exited: Promise<Exit>, progress?: () => void): Promise<Exit | null> {
  let timer: NodeJS.Timeout | undefined;
  const ticker = progress ? setInterval(progress, 60_000) : undefined;
  const result = await Promise.race([exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, ms))))]);
  clearTimeout(timer);
  clearInterval(ticker);
  return result;
}

/** The run's standard error, its last 64 kB: a run writes a few lines (no progress bar off a terminal). */
class StderrTail {
  text = '';

  add(chunk: string): void {
    this.text = (this.text + chunk).slice(-65_536);
  }

  lastLine(): string {
    return this.text.trim().split('\n').at(-1) ?? '';
  }
}

/** The viewer address the run prints on standard error (`watch at http://…`). */
function viewerUrl(run: Run): Promise<string> {
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /watch at (http:\/\/\S+)/.exec(run.stderr.text);
      if (m) {
        clearInterval(poll);
        resolve(m[1]!);
      } else if (run.elapsedSeconds() * 1000 > START_TIMEOUT_MS) {
        clearInterval(poll);
        reject(new Error(`bench soak: the run printed no viewer address within ${START_TIMEOUT_MS / 1000} s: ${run.stderr.lastLine()}`));
      }
    }, 100);
    void run.exited.then(() => {
      clearInterval(poll);
      reject(new Error(`bench soak: the run ended before its viewer started: ${run.stderr.lastLine()}`));
    });
  });
}

interface Watcher {
  readonly counts: WatcherCounts;
  close(): void;
}

/** Errors the watcher keeps: the first ones explain, a flood of the same would only fill the JSON. */
const MAX_WATCHER_ERRORS = 20;

/**
 * A viewer client as the browser is one: it subscribes to the episodes, the curves and every camera
 * channel the server offers (again when a later hello offers others: the first one comes before
 * the envs exist), and decodes every message and frame it receives.
 */
function watch(url: string): Watcher {
  const counts: WatcherCounts = { messages: 0, scenes: 0, steps: 0, episodeEnds: 0, metricPoints: 0, frames: 0, frameBytes: 0, errors: [] };
  const ws = new WebSocket(url);
  let frameKinds: string | null = null;
  const noteError = (text: string): void => {
    if (counts.errors.length < MAX_WATCHER_ERRORS) counts.errors.push(text);
  };
  const countEpisodeMessage = (m: SceneMessage | StepMessage | EpisodeEndMessage): void => {
    if (m.type === 'scene') counts.scenes += 1;
    else if (m.type === 'step') counts.steps += 1;
    else counts.episodeEnds += 1;
  };
  const receive = (data: Buffer, isBinary: boolean): void => {
    if (isBinary) {
      counts.frames += 1;
      counts.frameBytes += decodeFrame(data).data.byteLength;
      return;
    }
    const message = decodeServerMessage(data.toString('utf8'));
    counts.messages += 1;
    switch (message.type) {
      case 'hello':
        if (message.frameKinds.join() !== frameKinds) {
          frameKinds = message.frameKinds.join();
          const subscribe: ClientMessageInput = { type: 'subscribe', version: PROTOCOL_VERSION, frames: message.frameKinds, metrics: true };
          ws.send(JSON.stringify(subscribe));
        }
        break;
      case 'batch':
        for (const m of message.messages) countEpisodeMessage(m);
        break;
      case 'scene':
      case 'step':
      case 'episodeEnd':
        countEpisodeMessage(message);
        break;
      case 'metrics':
        counts.metricPoints += message.points.length;
        break;
      case 'error':
        noteError(`${message.code}: ${message.message}`);
        break;
    }
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    try {
      receive(data, isBinary);
    } catch (err) {
      // A message the viewer could not read is a finding of the soak, not the end of it.
      noteError((err as Error).message);
    }
  });
  ws.on('error', (err) => noteError(err.message));
  return { counts, close: () => ws.close() };
}

// ───────────────────────────── output ─────────────────────────────

/** The terminal summary: the run, the watcher, a table of the series, the verdict. */
export function formatSoak(r: SoakBenchResult): string {
  const f = (v: number | null, digits = 1): string => (v === null ? '–' : v.toFixed(digits));
  const slope = (v: number | null, digits = 1): string => (v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);
  const row = (name: string, s: SeriesSummary, digits = 1): string =>
    `| ${name} | ${f(s.atWarmup, digits)} | ${f(s.atEnd, digits)} | ${f(s.median, digits)} | ${f(s.min, digits)}–${f(s.max, digits)} | ${slope(s.slopePerHour, digits)} | ${s.samples} |`;
  const w = r.watcher;
  return [
    `bench soak: ${r.env}, ${r.workers} worker${r.workers === 1 ? '' : 's'}, backend ${r.backend ?? '?'}, ${r.minutes} min (warm-up ${r.warmupMinutes} min), ${r.steps.toLocaleString('en-US')} steps in ${r.updates} updates; stopped by ${r.stoppedBy} (exit ${r.exitCode ?? 'none'})`,
    `watcher: ${w.messages.toLocaleString('en-US')} messages (${w.scenes} scenes, ${w.steps.toLocaleString('en-US')} steps, ${w.episodeEnds} episode ends, ${w.metricPoints} curve points), ${w.frames.toLocaleString('en-US')} frames (${(w.frameBytes / 2 ** 20).toFixed(1)} MB)${w.errors.length > 0 ? `, errors: ${w.errors.join('; ')}` : ''}`,
    '',
    '| figure | at warm-up end | at end | median after warm-up | min–max after warm-up | slope after warm-up, per hour | samples after warm-up |',
    '|---|---:|---:|---:|---:|---:|---:|',
    row('RSS (MB, /proc every 10 s)', r.rss),
    row('heap used (MB, per update)', r.heapUsed),
    row('tf.js tensors (per update)', r.numTensors, 0),
    '',
    r.pass
      ? `PASS: RSS within ±${SOAK_TOLERANCE_MB} MB of its median after the warm-up and drifting less than ${SOAK_TOLERANCE_MB} MB, tensors constant`
      : `FAIL: ${r.reasons.join('; ')}`,
    '',
  ].join('\n');
}

/** Write soak.json, soak-rss.csv and soak-updates.csv into `dir` atomically; returns their paths. */
export function writeSoakOutputs(dir: string, run: SoakBenchRun): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['soak.json', `${JSON.stringify(run.result, null, 1)}\n`],
    ['soak-rss.csv', csv(['seconds', 'rss_mb'], run.rssSamples, (s) => [s.seconds.toFixed(1), s.rssMb.toFixed(1)])],
    [
      'soak-updates.csv',
      csv(['seconds', 'step', 'update', 'rss_mb', 'heap_used_mb', 'num_tensors'], run.updateSamples, (u) => [
        u.seconds.toFixed(1),
        String(u.step),
        String(u.update),
        String(u.rssMb),
        String(u.heapUsedMb),
        String(u.numTensors),
      ]),
    ],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileAtomicSync(path, text);
    return path;
  });
}

function csv<T>(header: string[], rows: T[], cells: (row: T) => string[]): string {
  return `${[header.join(','), ...rows.map((r) => cells(r).join(','))].join('\n')}\n`;
}
