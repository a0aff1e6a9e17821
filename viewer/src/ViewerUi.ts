/**
 * ViewerUi: the viewer's page wired to the protocol — the views (SceneView, Minimap, Hud,
 * CameraPanel, optional training curves) fed by server messages and camera frames, and the
 * person's input (PlaybackControls for replays, PlayControls for play mode) sent back through
 * `send`. The viewer (`main.ts`) feeds it from its WebSocket; the exported static page
 * (`web/main.ts`) feeds it from an env and a policy running in the page. Both pages hold the
 * same element ids (`index.html`, `web/index.html`).
 *
 * `window.robonav` exposes a little state (scene loaded, steps received, last pose) for the
 * browser end-to-end tests and for debugging from the console.
 */
import type {
  BinaryFrame,
  ClientMessageInput,
  FrameKind,
  MetricPoint,
  PoseXZ,
  SaliencyMethodName,
  ServerMessage,
} from '../../src/stream/protocol.js';
import { CameraPanel } from './CameraPanel.js';
import { Hud } from './Hud.js';
import { Minimap } from './Minimap.js';
import { PlaybackControls } from './PlaybackControls.js';
import { PlayControls } from './PlayControls.js';
import { SceneView } from './SceneView.js';

/** What the page tells the tests and the console. */
export interface DebugState {
  connected: boolean;
  mode: string;
  scenes: number;
  steps: number;
  episode: number;
  step: number;
  /** The robot's pose at the start of the current episode. */
  start: PoseXZ | null;
  pose: PoseXZ | null;
  framesRendered: number;
  cameraFrames: number;
  /** Saliency maps received (sent only while the toggle is on). */
  saliencyMaps: number;
  errors: string[];
}

declare global {
  interface Window {
    robonav: DebugState;
  }
}

/** Training curves, when the page shows them (the viewer does, the exported page does not). */
export interface CurvesView {
  reset(): void;
  add(points: MetricPoint[]): void;
}

/** Where the page's input goes. */
export interface ViewerUiOptions {
  /** Send a client message (control, playback) to the source of the episodes. */
  send(message: ClientMessageInput): void;
  /** The person changed the camera channels to show. */
  setFrames(kinds: FrameKind[]): void;
  /** The person turned the saliency overlay on (with a method) or off; pages without maps leave it out. */
  setSaliency?(method: SaliencyMethodName | null): void;
  curves?: CurvesView;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** The views of the page and their wiring to protocol messages (see the file header). */
export class ViewerUi {
  readonly debug: DebugState = {
    connected: false,
    mode: '',
    scenes: 0,
    steps: 0,
    episode: -1,
    step: 0,
    start: null,
    pose: null,
    framesRendered: 0,
    cameraFrames: 0,
    saliencyMaps: 0,
    errors: [],
  };
  readonly view: SceneView;
  readonly camera: CameraPanel;
  readonly play: PlayControls;
  private readonly minimap: Minimap;
  private readonly hud: Hud;
  private readonly playback: PlaybackControls;
  private readonly status = $('status');
  private readonly curves: CurvesView | undefined;

  /** @throws Error when the page cannot make a WebGL context (three.js needs one). */
  constructor(options: ViewerUiOptions) {
    window.robonav = this.debug;
    this.curves = options.curves;
    this.view = new SceneView($<HTMLCanvasElement>('scene'));
    this.minimap = new Minimap($<HTMLCanvasElement>('minimap'));
    this.hud = new Hud($('hud'));
    this.camera = new CameraPanel(
      $('camera-panel'),
      $('camera-toggles'),
      $('camera-canvases'),
      (kinds) => options.setFrames(kinds),
      (method) => options.setSaliency?.(method),
    );
    this.playback = new PlaybackControls($('playback'), options.send);
    this.play = new PlayControls($('play-help'), options.send);
    this.wireCameraButtons();
  }

  /** Show the state of the source (connected or not) in the status line. */
  setStatus(connected: boolean, detail: string): void {
    this.debug.connected = connected;
    this.status.textContent = detail;
    this.status.classList.toggle('bad', !connected);
  }

  /** One camera frame or saliency map of the current episode. */
  frame(frame: BinaryFrame): void {
    if (frame.episode !== this.debug.episode) return;
    if (frame.kind === 'saliency') {
      this.debug.saliencyMaps += 1;
      this.camera.drawSaliency(frame);
      return;
    }
    this.camera.draw(frame);
    this.debug.cameraFrames = this.camera.framesDrawn;
  }

  /** One message of the protocol, as the server sends it. */
  message(m: ServerMessage): void {
    const debug = this.debug;
    switch (m.type) {
      case 'hello':
        debug.mode = m.mode;
        this.hud.setSource(m.mode, m.source, m.actions);
        this.status.textContent =
          m.mode === 'replay' && m.episodes === 0 ? `${m.source}: no recorded episodes, training curves only` : `${m.mode}: ${m.source}`;
        this.curves?.reset();
        this.camera.offer(m.frameKinds);
        this.camera.offerSaliency(m.saliency ?? [], m.saliencyNote);
        this.playback.show(m.mode === 'replay');
        this.play.enable(m.mode === 'play');
        if (m.mode === 'play') $('scene').focus();
        break;
      case 'scene': {
        const trail = m.trail ?? [];
        this.view.load(m.spec, m.start, m.goals, trail, m.pose);
        this.minimap.load(m.spec, m.start, m.goals, m.shortestPath, trail, m.pose);
        const stepsSoFar = Math.max(0, trail.length / 2 - 1);
        this.hud.episode(m.episode, stepsSoFar, m.goalLabel ?? (m.goals.length > 0 ? 'point' : '–'));
        debug.scenes += 1;
        debug.episode = m.episode;
        debug.step = stepsSoFar;
        debug.start = m.start;
        debug.pose = m.pose ?? null;
        break;
      }
      case 'step':
        if (m.episode !== debug.episode) break;
        this.view.step(m.pose, m.dynamic);
        this.minimap.step(m.pose);
        this.hud.step(m);
        this.playback.at(m.step);
        debug.steps += 1;
        debug.step = m.step;
        debug.pose = m.pose;
        break;
      case 'episodeEnd':
        if (m.episode === debug.episode) this.hud.end(m);
        break;
      case 'batch':
        for (const inner of m.messages) this.message(inner);
        break;
      case 'metrics':
        this.curves?.add(m.points);
        break;
      case 'playbackState':
        this.playback.state(m);
        break;
      case 'error':
        debug.errors.push(`${m.code}: ${m.message}`);
        console.warn(`robonav: ${m.code}: ${m.message}`);
        break;
    }
  }

  /** Draw the scene and the map once (capture mode draws on demand instead of every display frame). */
  drawOnce(): void {
    this.view.frame();
    this.minimap.frame();
    this.debug.framesRendered = this.view.framesRendered;
  }

  /** Start drawing: the scene and the map, once per animation frame. */
  start(): void {
    const animate = (): void => {
      this.drawOnce();
      requestAnimationFrame(animate);
    };
    requestAnimationFrame(animate);
  }

  private wireCameraButtons(): void {
    const orbitButton = $<HTMLButtonElement>('cam-orbit');
    const followButton = $<HTMLButtonElement>('cam-follow');
    orbitButton.addEventListener('click', () => {
      this.view.setCameraMode('orbit');
      orbitButton.classList.add('active');
      followButton.classList.remove('active');
    });
    followButton.addEventListener('click', () => {
      this.view.setCameraMode('follow');
      followButton.classList.add('active');
      orbitButton.classList.remove('active');
    });
  }
}
