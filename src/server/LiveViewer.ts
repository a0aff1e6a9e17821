/**
 * LiveViewer: the small API training code calls to be watched in the browser.
 *
 * ```ts
 * const viewer = await LiveViewer.start({ port: 8080, source: 'runs/ppo-1', task: 'PointNav-v0' });
 * const env0 = viewer.observe(make('PointNav-v0'));  // the env to show; others stay unwrapped
 * viewer.publishMetrics([{ step: 2048, values: { meanReturn: 1.2, successRate: 0.4 } }]);
 * await viewer.pump();                                 // between updates: let viewers connect
 * await viewer.close();
 * ```
 * or in one call: `const { env, viewer } = await attachViewer(make('PointNav-v0'), { port: 8080 })`.
 * Envs stepping in worker threads: create the WorkerVectorEnv with `wrapper: relayedEnv(0)` and step
 * `viewer.observeWorkers(venv)` instead of `venv`.
 *
 * While no browser is connected the observed env costs one pose copy per step.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Env } from '../core/Env.js';
import type { Space } from '../core/spaces.js';
import type { SaliencyPolicyInfo } from '../nn/saliency.js';
import { LiveSaliency } from './SaliencyMaps.js';
import { streamerFor, type EpisodeSource } from '../stream/EpisodeStreamer.js';
import { LiveSession } from './LiveSession.js';
import { PROTOCOL_VERSION, type MetricPoint } from '../stream/protocol.js';
import { RelayedEpisodes, type StreamingVectorEnv } from '../stream/RelayedEpisodes.js';
import { ViewerServer, type ViewerClient, type ViewerServerOptions } from './ViewerServer.js';

/** Where the viewer listens and what it shows: run name, env id in the HUD, camera frame rate. */
export interface LiveViewerOptions extends ViewerServerOptions {
  /** Run name shown in the viewer. @default 'training' */
  source?: string;
  /** Env id shown in the HUD. */
  task?: string;
  /** Camera frames per second at most. @default 15 */
  frameRate?: number;
  /** Saliency maps per second at most (each costs the trainer's thread tens of ms). @default 4 */
  saliencyRate?: number;
}

/**
 * The viewer server for a loop of your own: observe an env (or the env a worker relays), publish
 * training curves, and `pump()` between steps so browsers can connect.
 */
export class LiveViewer {
  private session: LiveSession | null = null;
  private pending: MetricPoint[] = [];
  private saliency: LiveSaliency | { problem: string } | null = null;

  private constructor(
    private readonly server: ViewerServer | null,
    private readonly options: LiveViewerOptions,
    private readonly forward: ForwardingSession,
  ) {}

  /** Start the HTTP + WebSocket server (the env comes later, with `observe`). */
  static async start(options: LiveViewerOptions = {}): Promise<LiveViewer> {
    const forward = new ForwardingSession();
    const server = await ViewerServer.start(forward, options);
    return new LiveViewer(server, options, forward);
  }

  /** The viewer's address, e.g. http://127.0.0.1:8080/ */
  get url(): string {
    return this.server?.url ?? '';
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /**
   * Watch this env: returns an Env that forwards to it and streams its episodes. One env at a
   * time; observing another replaces the first (its wrapper keeps working, unwatched).
   * Throws UsageError for an env without a scene (only navigation envs can be drawn).
   */
  observe<E extends Env>(env: E): E {
    const streamer = streamerFor(env, this.options.task !== undefined ? { task: this.options.task } : {});
    this.attach(streamer);
    return streamer.wrap(env);
  }

  /**
   * Watch the env a WorkerVectorEnv relays from its worker (created with `wrapper: relayedEnv(env)`):
   * returns the vector env to step in its place, which tells the worker what the viewers want.
   * Throws UsageError for a vector env made without that wrapper.
   */
  observeWorkers<V extends StreamingVectorEnv>(venv: V): V {
    const relay = new RelayedEpisodes(venv);
    this.attach(relay);
    return relay.wrap(venv);
  }

  /**
   * Lower-level: stream from an EpisodeStreamer you drive yourself with `onReset`/`onStep`, or
   * from another EpisodeSource.
   */
  attach(streamer: EpisodeSource): void {
    this.session?.close();
    this.session = new LiveSession(streamer, {
      mode: 'live',
      source: this.options.source ?? 'training',
      ...(this.options.frameRate !== undefined ? { frameRate: this.options.frameRate } : {}),
      ...(this.options.saliencyRate !== undefined ? { saliencyRate: this.options.saliencyRate } : {}),
    });
    if (this.saliency !== null) this.session.setSaliency(this.saliency);
    this.forward.setTarget(this.session);
    if (this.pending.length > 0) this.session.publishMetrics(this.pending.splice(0));
  }

  /**
   * Let the server's sockets work: a training loop that only awaits promises never returns to
   * the event loop, so viewers could not connect or subscribe (once subscribed, steps still go out:
   * sockets are written synchronously). Call it between updates: it yields once, and while a viewer
   * is connecting waits up to `waitMs` for its subscription.
   */
  async pump(waitMs = 50): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const server = this.server;
    if (server === null) return;
    const deadline = performance.now() + waitMs;
    while (server.pendingCount > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /**
   * Offer saliency maps of a policy over the observed env's camera: `model` is the policy's layers
   * model (for a network in training, `network.toLayersModel()`, which shares its weights, so maps
   * follow the training). Call before `observe` so the first viewers are offered them.
   */
  explainWith(observationSpace: Space, model: tf.LayersModel, info: SaliencyPolicyInfo): void {
    this.saliency = LiveSaliency.create(observationSpace, model, info);
    if (this.session === null) return;
    this.session.setSaliency(this.saliency);
    // Viewers already connected get the new hello (with the methods) and the current state.
    this.forward.setTarget(this.session);
  }

  /** Training curves: `step` = env steps so far, `values` = scalars (mean return, success, losses…). */
  publishMetrics(points: MetricPoint[]): void {
    const finite = points.map((p) => ({ step: p.step, values: finiteValues(p.values) }));
    // concat, not push(...finite): a long array spread into push() overflows the stack.
    if (this.session === null) this.pending = this.pending.concat(finite);
    else this.session.publishMetrics(finite);
  }

  async close(): Promise<void> {
    await this.server?.close();
  }
}

/**
 * Start a viewer and observe `env` in one call: step the returned env in place of yours, and call
 * `viewer.pump()` between steps or updates so that browsers can connect.
 *
 * @example
 * ```ts
 * const { env, viewer } = await attachViewer(make('PointNav-v0'), { port: 0, source: 'my-loop' });
 * console.log(`watch at ${viewer.url}`);
 * let { obs } = env.reset({ seed: 0 });
 * for (let t = 0; t < 1000; t++) {
 *   const step = env.step(policy(obs));
 *   obs = step.terminated || step.truncated ? env.reset().obs : step.obs;
 *   await viewer.pump();
 * }
 * await viewer.close();
 * ```
 */
export async function attachViewer<E extends Env>(env: E, options: LiveViewerOptions = {}): Promise<{ env: E; viewer: LiveViewer }> {
  const viewer = await LiveViewer.start(options);
  try {
    return { env: viewer.observe(env), viewer };
  } catch (err) {
    await viewer.close();
    throw err;
  }
}

function finiteValues(values: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/** Lets the server start before the env exists: forwards to the LiveSession once there is one. */
class ForwardingSession {
  private target: LiveSession | null = null;
  private readonly clients = new Set<ViewerClient>();

  /**
   * Switch to a new session. Viewers that connected before it existed (the server starts before
   * the envs, which may take a while in worker threads) got a hello without camera channels or
   * actions: they get the session's hello, then its current state.
   */
  setTarget(session: LiveSession): void {
    this.target = session;
    for (const client of this.clients) {
      client.send({ type: 'hello', version: PROTOCOL_VERSION, ...session.hello() }, false);
      session.onSubscribe(client, true);
    }
  }

  hello(): ReturnType<LiveSession['hello']> {
    return this.target?.hello() ?? { mode: 'live', source: 'training', streams: ['episodes', 'metrics'], frameKinds: [], actions: [] };
  }
  onSubscribe(client: ViewerClient, first: boolean): void {
    this.clients.add(client);
    this.target?.onSubscribe(client, first);
  }
  onResync(client: ViewerClient): void {
    this.target?.onResync(client);
  }
  onClose(client: ViewerClient): void {
    this.clients.delete(client);
    this.target?.onClose(client);
  }
  onSaliency(): void {
    this.target?.onSaliency();
  }
  close(): void {
    this.target?.close();
  }
}
