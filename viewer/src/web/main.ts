/**
 * The exported static page (`robonav export-web`): the env and the trained policy run here, in the
 * browser, with no robonav server. `data.js` (a classic script beside this bundle) sets the page's
 * data (`src/eval/webData.ts`): env id and options, the fixed episodes, the policy and its model.
 *
 * The page runs the episodes one after another with the deterministic policy, through the same
 * `runEpisode` as `robonav eval`, so that episode i, reset with seed + i, gives what `robonav eval
 * --deterministic --seed S` gives on it. An `EpisodeStreamer` turns the env's episodes into the
 * viewer protocol's messages, which the viewer's own views (`ViewerUi`) draw: scene, HUD, map,
 * the agent's camera. A results table fills in as episodes end. "Drive" hands the robot to the
 * keyboard (as `robonav play`); handing it back restarts the interrupted episode from its start, so
 * the table always holds the policy's own results.
 *
 * The camera panel's saliency toggle works here too: while it is on, the page computes the policy's
 * saliency map (`src/nn/saliency.ts`) over each observation before the policy acts on it, with the
 * recurrent state the policy carries, and blends it over that step's camera frames.
 *
 * TensorFlow.js runs on WebGL, else on wasm, else on the CPU (`?backend=wasm|cpu` forces one); the
 * page says which.
 * `?speed=max` runs as fast as the browser can. `window.robonavExport` holds the page's state and
 * results for the e2e tests and the console. When WebGL is missing, the data is bad or the model
 * does not load, the page says so in words instead of leaving a blank canvas.
 */
import '../style.css';
import './web.css';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ModelPolicy } from '../../../agents/ModelPolicy.js';
import { make } from '../../../envs/registry.js';
import type { Env, Observation } from '../../../src/core/Env.js';
import { formatZodError } from '../../../src/core/errors.js';
import type { Policy } from '../../../src/core/Policy.js';
import { runEpisode } from '../../../src/eval/evaluate.js';
import { WEB_DATA_GLOBAL, type WebData, WebDataSchema } from '../../../src/eval/webData.js';
import { combinedMap, PolicySaliency, type SaliencyObservation } from '../../../src/nn/saliency.js';
import { type EpisodeSink, streamerFor } from '../../../src/stream/EpisodeStreamer.js';
import {
  type ClientMessageInput,
  type FrameKind,
  MAX_SALIENCY_SIDE,
  PROTOCOL_VERSION,
  SALIENCY_METHOD_NAMES,
  type SaliencyMethodName,
} from '../../../src/stream/protocol.js';
import { ViewerUi } from '../ViewerUi.js';
import { Pacer, PacerInterrupted } from './Pacer.js';
import { type PageResult, ResultsTable } from './ResultsTable.js';

/** What the page is doing, its TensorFlow.js backend, its results and its error, if any. */
interface PageState {
  status: 'loading' | 'running' | 'driving' | 'done' | 'error';
  backend: string | null;
  episodes: number;
  results: PageResult[];
  /** TensorFlow.js tensors alive after each finished episode (flat when nothing leaks). */
  tensors: number[];
  error: string | null;
}

declare global {
  interface Window {
    robonavExport: PageState;
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const state: PageState = { status: 'loading', backend: null, episodes: 0, results: [], tensors: [], error: null };
window.robonavExport = state;

/** Show a readable message over the page and stop. */
function fail(title: string, detail: string): void {
  state.status = 'error';
  state.error = `${title}: ${detail}`;
  const box = $('page-error');
  box.querySelector('h1')!.textContent = title;
  box.querySelector('p')!.textContent = detail;
  box.hidden = false;
  $('status').textContent = title;
  $('status').classList.add('bad');
}

function readData(): WebData | string {
  const raw = (window as unknown as Record<string, unknown>)[WEB_DATA_GLOBAL];
  if (raw === undefined) return 'data.js is missing or did not run: it must sit next to index.html, as robonav export-web writes it.';
  const parsed = WebDataSchema.safeParse(raw);
  return parsed.success ? parsed.data : `data.js: ${formatZodError(parsed.error)}`;
}

function webglAvailable(): boolean {
  const canvas = document.createElement('canvas');
  return (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) !== null;
}

/**
 * The wasm backend reads its binary from the data: URL `tfjs-wasm.js` sets (a page on file://
 * cannot fetch a .wasm file). Only the SIMD build ships: a browser without wasm SIMD fails to
 * start it and the page goes on to the CPU; threads need a cross-origin-isolated page, which
 * neither file:// nor a plain static host gives, so they are off.
 */
function prepareWasm(): void {
  const simd = (window as unknown as Record<string, unknown>).ROBONAV_WASM_SIMD;
  if (typeof simd !== 'string') throw new Error('tfjs-wasm.js is missing');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths({ 'tfjs-backend-wasm.wasm': simd, 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm-threaded-simd.wasm': simd });
}

/** WebGL, else wasm, else the CPU; a `?backend=` the browser cannot start is an error, not a fallback. */
async function chooseBackend(forced: string | null): Promise<string> {
  for (const name of forced === null ? ['webgl', 'wasm', 'cpu'] : [forced]) {
    try {
      if (name === 'wasm') prepareWasm();
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // The next backend in the list.
    }
  }
  throw new Error(forced === null ? 'neither WebGL, wasm nor the CPU backend started' : `backend "${forced}" did not start`);
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * The policy's model from the page's data. The size of the weights is checked against the
 * manifest first, so that a damaged file is named instead of failing deep inside TensorFlow.js.
 */
async function loadModel(data: WebData): Promise<tf.LayersModel> {
  const json = data.model.json as unknown as tf.io.ModelJSON;
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const binary = atob(data.model.weights);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const expected = specs.reduce((sum, spec) => {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    return sum + spec.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[dtype] ?? Number.NaN);
  }, 0);
  if (bytes.length !== expected) throw new Error(`the weights hold ${bytes.length} bytes, the model's manifest needs ${expected}`);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: bytes.buffer }));
}

async function main(): Promise<void> {
  const data = readData();
  if (typeof data === 'string') return fail('This page has no usable data', data);
  if (!webglAvailable()) {
    return fail(
      'WebGL is not available',
      'This page draws the scene with WebGL, which this browser lacks or has turned off. Turn on hardware acceleration, or open the page in another browser.',
    );
  }

  let wanted: FrameKind[] = [];
  let saliencyMethod: SaliencyMethodName | null = null;
  let control: (message: ClientMessageInput) => void = () => undefined;
  let ui: ViewerUi;
  try {
    ui = new ViewerUi({
      send: (m) => control(m),
      setFrames: (kinds) => (wanted = kinds),
      setSaliency: (method) => (saliencyMethod = method),
    });
  } catch (err) {
    return fail('WebGL is not available', `three.js could not make a WebGL context (${(err as Error).message}).`);
  }
  ui.start();
  ui.setStatus(true, 'loading the policy…');

  const params = new URLSearchParams(location.search);
  try {
    state.backend = await chooseBackend(params.get('backend'));
  } catch (err) {
    return fail('TensorFlow.js could not start', (err as Error).message);
  }
  $('backend').textContent = state.backend;

  let model: tf.LayersModel;
  try {
    model = await loadModel(data);
  } catch (err) {
    return fail('The policy could not be loaded', (err as Error).message);
  }

  let env: Env;
  let policy: ModelPolicy;
  try {
    env = make(data.env, data.envOptions);
    policy = ModelPolicy.fromModel(data.source, model, data.policy, { stochastic: false });
    policy.checkEnv(env);
  } catch (err) {
    return fail('The policy does not fit the env', (err as Error).message);
  }
  run(data, ui, env, policy, params, {
    frames: () => wanted,
    saliency: () => saliencyMethod,
    setControl: (handler) => (control = handler),
  });
}

/** How `run` reaches the views' input: the camera channels and saliency method wanted, and where key presses go. */
interface Wiring {
  frames(): FrameKind[];
  saliency(): SaliencyMethodName | null;
  setControl(handler: (message: ClientMessageInput) => void): void;
}

/** Integrated-gradient steps per map: as the viewer server computes them, fast enough to keep up with an episode. */
const PAGE_IG_STEPS = 16;

/**
 * Show the policy's saliency map over the observation it is about to act on, as a saliency frame of
 * the step on screen (`shown`); nothing for a policy without a camera or a map too large to send.
 */
function showSaliency(
  ui: ViewerUi,
  saliency: PolicySaliency,
  method: SaliencyMethodName,
  obs: Observation,
  policy: ModelPolicy,
  shown: { episode: number; step: number },
): void {
  const result = saliency.compute(method, obs as SaliencyObservation, policy.recurrentState, { steps: PAGE_IG_STEPS });
  const map = combinedMap(result.maps);
  if (map === null || Math.max(map.width, map.height) > MAX_SALIENCY_SIDE) return;
  ui.frame({
    kind: 'saliency',
    dtype: 'uint8',
    channels: 1,
    width: map.width,
    height: map.height,
    episode: shown.episode,
    step: shown.step,
    data: Uint8Array.from(map.data, (v) => Math.round(255 * v)),
  });
}

function run(data: WebData, ui: ViewerUi, rawEnv: Env, policy: ModelPolicy, params: URLSearchParams, wiring: Wiring): void {
  const streamer = streamerFor(rawEnv, { task: data.env });
  const saliency = new PolicySaliency(policy.model, data.policy);
  let episodeOver = true;
  // The episode and step on screen: a saliency map belongs to the step whose observation it explains.
  const shown = { episode: 0, step: 0 };
  const sink: EpisodeSink = {
    wantsEpisodes: () => true,
    wantsFrames: () => wiring.frames(),
    scene: (m) => {
      episodeOver = false;
      shown.episode = m.episode;
      shown.step = 0;
      ui.message(m);
    },
    step: (m) => {
      shown.episode = m.episode;
      shown.step = m.step;
      ui.message(m);
    },
    frame: (header, pixels) => ui.frame({ ...header, data: pixels }),
    episodeEnd: (m) => {
      episodeOver = true;
      ui.message(m);
    },
  };
  streamer.addSink(sink);
  const env = streamer.wrap(rawEnv);
  ui.message({
    type: 'hello',
    version: PROTOCOL_VERSION,
    mode: 'live',
    source: `${data.source} · ${data.env}`,
    streams: ['episodes', 'frames'],
    frameKinds: streamer.frameKinds,
    actions: streamer.actionNames,
    saliency: saliency.imageKeys.length > 0 ? [...SALIENCY_METHOD_NAMES] : [],
  });

  const table = new ResultsTable($('results'), $('summary'), data.episodes.length);
  state.episodes = data.episodes.length;
  const pacer = new Pacer();
  const speed = $<HTMLSelectElement>('speed');
  const requested = params.get('speed');
  if (requested !== null && [...speed.options].some((o) => o.value === requested)) speed.value = requested;
  const applySpeed = (): void => pacer.setSpeed(speed.value === 'max' ? Number.POSITIVE_INFINITY : Number(speed.value));
  speed.addEventListener('change', applySpeed);
  applySpeed();

  // The policy as `runEpisode` sees it: every action waits for the pacer, which also hands the
  // robot over to the keyboard by interrupting the episode. An action the policy was still working
  // out when the person took over is dropped with the episode.
  let turn = pacer.turn();
  const paced: Policy = {
    name: policy.name,
    reset: (seed) => policy.reset(seed),
    act: async (obs) => {
      // The map first, so that it stays on screen with its step's frame while the pacer waits.
      const method = wiring.saliency();
      if (method !== null) showSaliency(ui, saliency, method, obs, policy, shown);
      await pacer.tick(turn);
      const action = await policy.act(obs);
      pacer.check(turn);
      return action;
    },
  };

  let current = 0;
  const resetCurrent = (): void => {
    const i = Math.min(current, data.episodes.length - 1);
    env.reset({ seed: data.seed + i, options: { episode: data.episodes[i]! } });
  };
  wiring.setControl((message) => {
    if (!pacer.interrupted || message.type !== 'control') return;
    if (message.action === 'reset' || episodeOver) resetCurrent();
    if (message.action !== 'reset') env.step(message.action);
  });

  const drive = $<HTMLButtonElement>('drive');
  drive.addEventListener('click', () => {
    const driving = !pacer.interrupted;
    pacer.interrupt(driving);
    drive.classList.toggle('active', driving);
    drive.textContent = driving ? 'Hand back to the agent' : 'Drive (keyboard)';
    ui.play.enable(driving);
    state.status = driving ? 'driving' : current < data.episodes.length ? 'running' : 'done';
    if (driving) {
      ui.setStatus(true, 'you drive; hand back to let the agent restart the episode');
      $('scene').focus();
    }
  });

  const loop = async (): Promise<void> => {
    while (current < data.episodes.length) {
      await pacer.released();
      turn = pacer.turn();
      state.status = 'running';
      ui.setStatus(true, `episode ${current + 1} of ${data.episodes.length}`);
      const seed = data.seed + current;
      try {
        const r = await runEpisode(env, paced, data.episodes[current]!, seed);
        const result: PageResult = {
          episode: current,
          seed,
          success: r.success,
          spl: r.spl,
          steps: r.steps,
          pathLength: r.pathLength,
          distanceToGoal: r.distanceToGoal,
        };
        state.results.push(result);
        state.tensors.push(tf.memory().numTensors);
        table.add(result);
        current += 1;
      } catch (err) {
        if (!(err instanceof PacerInterrupted)) throw err;
      }
    }
    if (!pacer.interrupted) state.status = 'done';
    ui.setStatus(true, `done: ${data.episodes.length} episodes`);
  };
  loop().catch((err: unknown) => fail('The episodes stopped', err instanceof Error ? err.message : String(err)));
}

main().catch((err: unknown) => fail('The page failed', err instanceof Error ? err.message : String(err)));
