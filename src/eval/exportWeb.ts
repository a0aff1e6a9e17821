/**
 * `exportWebPage`: a trained policy as a self-contained static page (`robonav export-web`). The
 * folder it writes runs the env and the policy in the visitor's browser, with no robonav server:
 *
 *   index.html, web.js, web.css   the page (built by `npm run build` into dist/web/), and
 *   tfjs-wasm.js                  TensorFlow.js's wasm backend binary, for browsers without WebGL
 *   model.json, weights.bin       the policy's TensorFlow.js model, as `tf.loadLayersModel` reads it
 *   policy.json                   the policy's spaces, inputs and distribution
 *   episodes.json                 the fixed episodes, an episode file (`robonav eval --episodes-file`)
 *   data.js                       all of the above as one classic script (`src/eval/webData.ts`),
 *                                 so the page also works from file://, where browsers refuse fetch()
 *
 * The weights go out quantised (`quantize`, as `robonav quantize` writes them): by default the
 * smallest of float32, float16 and uint8 whose test SPL stays inside the float32 policy's interval.
 *
 * Every check (the policy, the env and its options, the policy's fit to the env, the output path)
 * runs before the first write, so a bad argument leaves nothing behind.
 */
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { FileFormatError, UsageError } from '../core/errors.js';
import { readJsonFile } from '../core/jsonFile.js';
import { spaceFromJSON, spacesEqual } from '../core/spaces.js';
import { MODEL_JSON } from '../nn/fileIO.js';
import { initBackend } from '../nn/backend.js';
import { POLICY_FILE, type PolicyInfo, PolicyInfoSchema } from '../../agents/common/policyInfo.js';
import { loadPolicyDir } from '../../agents/common/savedPolicy.js';
import { fixedEpisodes } from '../../envs/episodeFile.js';
import { EPISODE_FILE_VERSION, type EpisodeFile, type Split } from '../../envs/episodes.js';
import { envSpec, make } from '../../envs/registry.js';
import { resolvePolicyDir } from '../runs/checkpoint.js';
import { hasRunFile, readRunFile } from '../runs/runFile.js';
import { type CompressResult, compressPolicy, type QuantizeChoice } from './quantize.js';
import { WEB_DATA_GLOBAL, WEB_DATA_VERSION, type WebData } from './webData.js';

/** The page's own files, copied from the built page folder. */
export const WEB_PAGE_FILES = ['index.html', 'web.js', 'web.css', 'tfjs-wasm.js'] as const;
/** The episode file the page's folder holds. */
export const WEB_EPISODES_FILE = 'episodes.json';
/** The classic script that holds the page's data. */
export const WEB_DATA_FILE = 'data.js';

/** What to export and where (see `exportWebPage`). */
export interface ExportWebOptions {
  /** A run directory, a checkpoint or a policy folder. */
  target: string;
  /** The folder to write (created if missing; the files above are replaced). */
  out: string;
  /** Registered env id. @default the run's env (run.json, else the policy's record) */
  env?: string;
  /** Options of `make(env, options)`. @default the run's env options */
  envOptions?: Record<string, unknown>;
  /** The split whose fixed episodes the page runs. @default 'test' */
  split?: Split;
  /** How many of the split's episodes. @default 20 */
  episodes?: number;
  /** Episode i is reset with seed + i, as `robonav eval --seed` does. @default 0 */
  seed?: number;
  /**
   * How the page's weights are stored: float32, float16, uint8, or auto — the smallest whose test
   * SPL mean lies inside the float32 policy's 95% interval (`compressPolicy`). A policy folder that
   * is already quantised goes out as it is. @default 'auto'
   */
  quantize?: QuantizeChoice;
  /** Test episodes per weight type that 'auto' evaluates. @default 100 */
  quantizeEpisodes?: number;
  /** Called after each of 'auto''s evaluation episodes (progress output). */
  onQuantizeEpisode?: (dtype: string, index: number, total: number) => void;
  /** The built page. @default dist/web next to this module */
  pageDir?: string;
}

/** What `exportWebPage` wrote. */
export interface ExportWebResult {
  out: string;
  env: string;
  envOptions: Record<string, unknown>;
  episodes: number;
  /** Each file written with its size (bytes). */
  files: Array<{ name: string; bytes: number }>;
  /** All of them together (bytes). */
  bytes: number;
  /** The weights' storage, and the candidates 'auto' compared (null otherwise). */
  quantization: Pick<CompressResult, 'dtype' | 'candidates'>;
}

/** Where `npm run build` puts the page: dist/src/eval/exportWeb.js → dist/web/. */
export function defaultWebPageDir(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

/**
 * Write the policy's model files (model.json and the weight files its manifest names) from a
 * policy folder into `outDir`; returns their names. The one place the page's model is written.
 */
export async function writePolicyModel(policyDir: string, outDir: string): Promise<string[]> {
  const names = [MODEL_JSON, ...manifestPaths(JSON.parse(await readFile(path.join(policyDir, MODEL_JSON), 'utf8')))];
  for (const name of names) await writeFileAtomic(path.join(outDir, name), await readFile(path.join(policyDir, name)));
  return names;
}

/**
 * Export a trained policy as a static page (see the file header).
 * @throws UsageError naming the argument when the target has no policy, the env id or options are
 *   bad, the policy was trained on other observations or actions, or `out` is a file.
 */
export async function exportWebPage(options: ExportWebOptions): Promise<ExportWebResult> {
  const split = options.split ?? 'test';
  const count = options.episodes ?? 20;
  const seed = options.seed ?? 0;
  const pageDir = options.pageDir ?? defaultWebPageDir();
  const quantize = options.quantize ?? 'auto';

  const outStat = await stat(options.out).catch(() => null);
  if (outStat !== null && !outStat.isDirectory()) throw new UsageError(`--out ${options.out} is a file, not a folder`);

  let policyDir: string;
  let info: PolicyInfo;
  try {
    policyDir = await resolvePolicyDir(options.target);
    await initBackend();
    const loaded = await loadPolicyDir(policyDir);
    loaded.model.dispose();
    info = loaded.info;
  } catch (err) {
    if (err instanceof FileFormatError) throw new UsageError(`${options.target} has no policy to export: ${err.message}`);
    throw err;
  }
  if (info.quantization !== undefined && options.quantize !== undefined && options.quantize !== info.quantization) {
    throw new UsageError(
      `--quantize ${options.quantize}: ${options.target} is already quantised (${info.quantization}); export its float32 original`,
    );
  }

  const run = runEnv(options.target);
  const recorded = typeof info.meta.env === 'string' ? info.meta.env : undefined;
  const envId = options.env ?? run?.env ?? recorded;
  if (envId === undefined) throw new UsageError(`--env is needed: ${options.target} does not say which env its policy was trained on`);
  try {
    envSpec(envId);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`--env ${envId}: ${err.message}`);
    throw err;
  }
  const envOptions = options.envOptions ?? run?.envOptions ?? {};
  let env: ReturnType<typeof make>;
  try {
    env = make(envId, envOptions);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`--env-options ${JSON.stringify(envOptions)}: ${err.message}`);
    throw err;
  }
  let episodeFile: EpisodeFile;
  try {
    const observationSpace = spaceFromJSON(info.observationSpace);
    const actionSpace = spaceFromJSON(info.actionSpace);
    if (!spacesEqual(env.observationSpace, observationSpace) || !spacesEqual(env.actionSpace, actionSpace)) {
      throw new UsageError(
        `the policy of ${options.target} was trained on ${observationSpace.toString()} → ${actionSpace.toString()}, ${envId} with --env-options ${JSON.stringify(envOptions)} has ${env.observationSpace.toString()} → ${env.actionSpace.toString()}`,
      );
    }
    const { episodes } = fixedEpisodes(envId, env, { split, count });
    episodeFile = { version: EPISODE_FILE_VERSION, env: envId, split, seed: 0, episodes };
  } finally {
    env.close();
  }

  for (const name of WEB_PAGE_FILES) {
    if (!(await stat(path.join(pageDir, name)).catch(() => null))) {
      throw new Error(`the page is not built (${path.join(pageDir, name)} is missing): run npm run build`);
    }
  }

  // ---- every check passed: quantise in a temporary folder, then write ----------------------------
  const staging = await mkdtemp(path.join(tmpdir(), 'robonav-export-'));
  let quantization: ExportWebResult['quantization'] = { dtype: info.quantization ?? 'float32', candidates: null };
  let modelFiles: string[];
  try {
    let modelDir = policyDir;
    if (info.quantization === undefined) {
      const quantized = await compressPolicy(policyDir, staging, {
        dtype: quantize,
        env: envId,
        envOptions,
        episodes: options.quantizeEpisodes ?? 100,
        ...(options.onQuantizeEpisode ? { onEpisode: options.onQuantizeEpisode } : {}),
      });
      quantization = { dtype: quantized.dtype, candidates: quantized.candidates };
      modelDir = staging;
      info = readJsonFile(path.join(staging, POLICY_FILE), PolicyInfoSchema);
    }
    await mkdir(options.out, { recursive: true });
    for (const name of WEB_PAGE_FILES) await writeFileAtomic(path.join(options.out, name), await readFile(path.join(pageDir, name)));
    modelFiles = await writePolicyModel(modelDir, options.out);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await writeFileAtomic(path.join(options.out, POLICY_FILE), JSON.stringify(info, null, 1));
  await writeFileAtomic(path.join(options.out, WEB_EPISODES_FILE), `${JSON.stringify(episodeFile, null, 1)}\n`);

  const modelJSON = JSON.parse(await readFile(path.join(options.out, MODEL_JSON), 'utf8')) as WebData['model']['json'];
  const weights = Buffer.concat(await Promise.all(manifestPaths(modelJSON).map((name) => readFile(path.join(options.out, name)))));
  const data: WebData = {
    version: WEB_DATA_VERSION,
    source: path.basename(path.resolve(options.target)),
    env: envId,
    envOptions,
    split,
    seed,
    episodes: episodeFile.episodes,
    policy: info,
    model: { json: modelJSON, weights: weights.toString('base64') },
  };
  await writeFileAtomic(path.join(options.out, WEB_DATA_FILE), `window.${WEB_DATA_GLOBAL} = ${JSON.stringify(data)};\n`);

  const names = [...WEB_PAGE_FILES, ...modelFiles, POLICY_FILE, WEB_EPISODES_FILE, WEB_DATA_FILE];
  const files = await Promise.all(names.map(async (name) => ({ name, bytes: (await stat(path.join(options.out, name))).size })));
  return {
    out: options.out,
    env: envId,
    envOptions,
    episodes: episodeFile.episodes.length,
    files,
    bytes: files.reduce((a, f) => a + f.bytes, 0),
    quantization,
  };
}

/** The env and env options of a run directory's run.json, or null for a checkpoint or policy folder. */
function runEnv(target: string): { env: string; envOptions?: Record<string, unknown> } | null {
  if (!hasRunFile(target)) return null;
  try {
    return readRunFile(target);
  } catch (err) {
    if (err instanceof FileFormatError) throw new UsageError(`${target}: ${err.message}`);
    throw err;
  }
}

/** The weight files a model.json's manifest names, in order. */
function manifestPaths(modelJSON: { weightsManifest?: unknown }): string[] {
  const groups = Array.isArray(modelJSON.weightsManifest) ? (modelJSON.weightsManifest as Array<{ paths?: unknown }>) : [];
  return groups.flatMap((g) => (Array.isArray(g.paths) ? g.paths.map(String) : []));
}
