/**
 * `robonav view [runs/NAME | file.rec] [--port 8080] [--host 127.0.0.1] [--token T] [--load-limit 256]`: serve the browser viewer.
 *
 * - a `.rec` file: replay its episodes (pause, step, speed, seek in the browser);
 * - a run directory: its recordings (every `.rec` under it, oldest first; the newest 100 that fit in
 *   --load-limit MiB) and its training curves from `metrics.jsonl`, followed while the run is still
 *   writing it;
 * - nothing: the most recently changed run under `runs/`.
 * With `--policy RUN` (a run, checkpoint or policy folder) the viewer offers that policy's saliency
 * maps over the agent's camera (computed only while a viewer has them on), from the observations
 * rebuilt from the recorded frames and poses; when the recording lacks something the policy reads
 * it says so and replays without maps.
 * Runs until interrupted (Ctrl-C).
 */
import { readdirSync, type Stats, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { FileFormatError, UsageError } from '../core/errors.js';
import { resolvePolicyDir } from '../runs/checkpoint.js';
import { MetricsLogTail } from '../runs/MetricsLog.js';
import { Recording, type RecordedEpisode } from '../runs/Recording.js';
import { checkedToken } from '../server/access.js';
import { ReplaySession } from '../server/ReplaySession.js';
import { ReplaySaliency } from '../server/SaliencyMaps.js';
import { ViewerServer } from '../server/ViewerServer.js';
import { integerOption, numberOption } from './options.js';

/** Recordings loaded from one run at most (the newest), so a huge run cannot exhaust memory. */
const MAX_RECORDINGS = 100;
/** Recordings are read whole into memory: this many MiB of them at most, unless --load-limit says otherwise. */
const DEFAULT_LOAD_LIMIT_MIB = 256;

export function register(program: Command): void {
  program
    .command('view')
    .description('Watch recorded episodes and training curves in the browser (three.js viewer).')
    .argument('[source]', 'a replay file (.rec) or a run directory (default: the newest run under runs/)')
    .option('--port <n>', 'HTTP + WebSocket port (0 = any free port)', integerOption(0), 8080)
    .option(
      '--host <address>',
      'interface to listen on; anything but loopback exposes the viewer to the network, behind an access token',
      '127.0.0.1',
    )
    .option('--token <token>', TOKEN_HELP)
    .option(
      '--load-limit <MiB>',
      "recordings read into memory at most (size on disk); a run's newest are taken",
      numberOption(0.001),
      DEFAULT_LOAD_LIMIT_MIB,
    )
    .option('--policy <run>', "offer this policy's saliency maps over the agent's camera (a run, checkpoint or policy folder)")
    .action(async (given: string | undefined, opts: { port: number; host: string; token?: string; loadLimit: number; policy?: string }) => {
      if (opts.port > 65535) throw new UsageError(`--port: expected an integer in [0, 65535], got ${opts.port}`);
      if (opts.token !== undefined) checkedToken(opts.token);
      const source = given ?? newestRun('runs');
      const limits = { maxBytes: opts.loadLimit * 1024 * 1024, warn: (line: string) => process.stderr.write(`${line}\n`) };
      const loaded = loadSource(source, limits);
      const policy = opts.policy !== undefined ? await loadViewPolicy(opts.policy) : null;
      let saliency: Pick<ConstructorParameters<typeof ReplaySession>[0], 'saliency' | 'saliencyNote'> = {};
      if (policy !== null) {
        const made = ReplaySaliency.create(policy, loaded.episodes);
        if (made instanceof ReplaySaliency) saliency = { saliency: made };
        else {
          process.stderr.write(`robonav view: no saliency maps: ${made.problem}\n`);
          saliency = { saliencyNote: made.problem };
        }
      }
      const session = new ReplaySession({ ...loaded, ...saliency });
      let server: ViewerServer;
      try {
        server = await ViewerServer.start(session, { port: opts.port, host: opts.host, token: opts.token, pages: reportPage(source) });
      } catch (err) {
        session.close();
        throw err;
      }
      warnIfExposed(server);
      process.stdout.write(`robonav view: ${source} (${session.episodeCount} episodes) at ${server.url}\n`);
      await untilInterrupted();
      await server.close();
      policy?.dispose();
    });
}

/** The saved policy of `--policy`; a path without one is a UsageError naming the flag. */
async function loadViewPolicy(target: string): Promise<TrainedPolicy> {
  try {
    return await TrainedPolicy.load(await resolvePolicyDir(target));
  } catch (err) {
    if (err instanceof FileFormatError) throw new UsageError(`--policy ${target}: ${err.message}`);
    throw err;
  }
}

/** A run's `robonav report` page (runs/NAME/report.html or runs/NAME/report/report.html), served at /report.html. */
function reportPage(source: string): Record<string, string> {
  // A single .rec file has no run around it to report on (and no paths under it to look at).
  if (!statSync(source).isDirectory()) return {};
  const file = [join(source, 'report.html'), join(source, 'report', 'report.html')].find(
    (f) => statSync(f, { throwIfNoEntry: false })?.isFile() === true,
  );
  return file ? { '/report.html': file } : {};
}

/** What `loadSource` may load, and where it says what it left out. */
export interface LoadLimits {
  /** Bytes of recordings (their size on disk) loaded at most. */
  maxBytes: number;
  /** Says which recordings of a run were left out, in one line. */
  warn: (line: string) => void;
}

/**
 * The episodes (and the run's metrics log) to replay. Recordings are read whole, so a run's are
 * taken newest first while they fit in `maxBytes` and `MAX_RECORDINGS`; a single file larger than
 * `maxBytes` is refused.
 */
export function loadSource(source: string, limits: LoadLimits): ConstructorParameters<typeof ReplaySession>[0] {
  let stat: Stats;
  try {
    stat = statSync(source);
  } catch {
    throw new UsageError(`${source}: no such file or run directory`);
  }
  if (stat.isFile()) {
    if (!source.endsWith('.rec')) throw new UsageError(`${source}: expected a .rec replay file or a run directory`);
    if (stat.size > limits.maxBytes)
      throw new UsageError(`${source}: ${mib(stat.size)} MiB, more than the ${mib(limits.maxBytes)} MiB --load-limit`);
    const recording = Recording.read(source);
    return { source, episodes: recording.episodes, actions: recording.header.actions };
  }
  const found = findRecordings(source, [])
    .map((path) => {
      const { mtimeMs, size } = statSync(path);
      return { path, mtimeMs, size };
    })
    .sort((a, b) => b.mtimeMs - a.mtimeMs || b.path.localeCompare(a.path));
  const chosen: typeof found = [];
  let bytes = 0;
  for (const file of found) {
    if (chosen.length === MAX_RECORDINGS || bytes + file.size > limits.maxBytes) break;
    chosen.push(file);
    bytes += file.size;
  }
  const metricsPath = join(source, 'metrics.jsonl');
  const hasMetrics = statSync(metricsPath, { throwIfNoEntry: false })?.isFile() === true;
  if (chosen.length === 0 && !hasMetrics) {
    if (found.length > 0)
      throw new UsageError(`${source}: its newest recording is larger than the ${mib(limits.maxBytes)} MiB --load-limit`);
    throw new UsageError(`${source}: no recordings (*.rec) and no metrics.jsonl to show`);
  }
  if (chosen.length < found.length)
    limits.warn(
      `robonav view: loading the newest ${chosen.length} of ${found.length} recordings (${mib(bytes)} MiB): ` +
        `at most ${MAX_RECORDINGS} files and ${mib(limits.maxBytes)} MiB (--load-limit)`,
    );
  const episodes: RecordedEpisode[] = [];
  let actions: string[] = [];
  // The playlist runs oldest first.
  for (const { path } of chosen.reverse()) {
    const recording = Recording.read(path);
    for (const episode of recording.episodes) episodes.push(episode);
    if (recording.header.actions.length > 0) actions = recording.header.actions;
  }
  return {
    source: basename(source),
    episodes,
    actions,
    ...(hasMetrics ? { metrics: new MetricsLogTail(metricsPath) } : {}),
  };
}

/** Bytes in MiB, for messages (one decimal; small limits keep three significant digits). */
function mib(bytes: number): string {
  const m = bytes / (1024 * 1024);
  return m >= 10 ? m.toFixed(1) : m.toPrecision(3);
}

/** The most recently modified directory under `dir`. */
function newestRun(dir: string): string {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    entries = [];
  }
  if (entries.length === 0) throw new UsageError(`no runs under ${dir}/: give a run directory or a .rec file`);
  return entries.map((path) => ({ path, mtime: statSync(path).mtimeMs })).sort((a, b) => b.mtime - a.mtime)[0]!.path;
}

/** `--token`'s help, shared by the commands that serve the viewer. */
export const TOKEN_HELP =
  'access token every request must carry (at least 32 characters of A-Z a-z 0-9 . _ ~ -); default: a random one when --host is not loopback, none on loopback';

/** Say so on standard error when the viewer is reachable from other machines. */
export function warnIfExposed(server: ViewerServer): void {
  if (server.exposed)
    process.stderr.write(
      `robonav: warning: listening on ${server.host}: the viewer is reachable from the network, for whoever has its token ` +
        '(in the address below; plain HTTP, so anyone watching the network can read it)\n',
    );
}

/** Every `.rec` file under `dir`, added to `out` (one array for the whole tree: no spreading of long lists). */
function findRecordings(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) findRecordings(path, out);
    else if (entry.isFile() && entry.name.endsWith('.rec')) out.push(path);
  }
  return out;
}

/** Resolve on SIGINT or SIGTERM (the server keeps the process alive until then). */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
