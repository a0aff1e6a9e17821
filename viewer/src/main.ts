/**
 * The robonav viewer: connects to the server that served this page, and wires the protocol's
 * messages to the views (SceneView, Minimap, Hud, CameraPanel, Charts) and the user's input to
 * the server (PlaybackControls for replays, PlayControls for play mode).
 *
 * `window.robonav` exposes a little state (scene loaded, steps received, last pose) for the
 * browser end-to-end test and for debugging from the console.
 */
import './style.css';
import type { PoseXZ, ServerMessage } from '../../src/stream/protocol.js';
import { CameraPanel } from './CameraPanel.js';
import { Charts } from './Charts.js';
import { Connection } from './Connection.js';
import { Hud } from './Hud.js';
import { Minimap } from './Minimap.js';
import { PlaybackControls } from './PlaybackControls.js';
import { PlayControls } from './PlayControls.js';
import { SceneView } from './SceneView.js';

interface DebugState {
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
  /** Saliency maps received (the server sends them only while the toggle is on). */
  saliencyMaps: number;
  errors: string[];
}

declare global {
  interface Window {
    robonav: DebugState;
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const debug: DebugState = {
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
window.robonav = debug;

const view = new SceneView($<HTMLCanvasElement>('scene'));
const minimap = new Minimap($<HTMLCanvasElement>('minimap'));
const hud = new Hud($('hud'));
const charts = new Charts($('charts'), $<HTMLSelectElement>('chart-select'), $('chart'));
const status = $('status');

// A server reachable from the network prints its address with an access token (`/?token=…`). The
// WebSocket carries it in its URL; the address bar loses it (the page's cookie lets reloads in), so
// that it does not linger on screen, in bookmarks or in history.
const token = new URLSearchParams(location.search).get('token');
if (token !== null) history.replaceState(history.state, '', `${location.pathname}${location.hash}`);
const protocolUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
const connection = new Connection(protocolUrl, {
  message: onMessage,
  frame: (frame) => {
    if (frame.episode !== debug.episode) return;
    if (frame.kind === 'saliency') {
      debug.saliencyMaps += 1;
      camera.drawSaliency(frame);
      return;
    }
    camera.draw(frame);
    debug.cameraFrames = camera.framesDrawn;
  },
  status: (connected, detail) => {
    debug.connected = connected;
    status.textContent = detail;
    status.classList.toggle('bad', !connected);
  },
});
const camera = new CameraPanel(
  $('camera-panel'),
  $('camera-toggles'),
  $('camera-canvases'),
  (kinds) => connection.setFrames(kinds),
  (method) => connection.setSaliency(method),
);
const send = connection.send.bind(connection);
const playback = new PlaybackControls($('playback'), send);
const play = new PlayControls($('play-help'), send);

function onMessage(m: ServerMessage): void {
  switch (m.type) {
    case 'hello':
      debug.mode = m.mode;
      hud.setSource(m.mode, m.source, m.actions);
      status.textContent =
        m.mode === 'replay' && m.episodes === 0 ? `${m.source}: no recorded episodes, training curves only` : `${m.mode}: ${m.source}`;
      charts.reset();
      camera.offer(m.frameKinds);
      camera.offerSaliency(m.saliency ?? [], m.saliencyNote);
      playback.show(m.mode === 'replay');
      play.enable(m.mode === 'play');
      if (m.mode === 'play') $('scene').focus();
      break;
    case 'scene': {
      const trail = m.trail ?? [];
      view.load(m.spec, m.start, m.goals, trail, m.pose);
      minimap.load(m.spec, m.start, m.goals, m.shortestPath, trail, m.pose);
      const stepsSoFar = Math.max(0, trail.length / 2 - 1);
      hud.episode(m.episode, stepsSoFar, m.goalLabel ?? (m.goals.length > 0 ? 'point' : '–'));
      debug.scenes += 1;
      debug.episode = m.episode;
      debug.step = stepsSoFar;
      debug.start = m.start;
      debug.pose = m.pose ?? null;
      break;
    }
    case 'step':
      if (m.episode !== debug.episode) break;
      view.step(m.pose, m.dynamic);
      minimap.step(m.pose);
      hud.step(m);
      playback.at(m.step);
      debug.steps += 1;
      debug.step = m.step;
      debug.pose = m.pose;
      break;
    case 'episodeEnd':
      if (m.episode === debug.episode) hud.end(m);
      break;
    case 'batch':
      for (const inner of m.messages) onMessage(inner);
      break;
    case 'metrics':
      charts.add(m.points);
      break;
    case 'playbackState':
      playback.state(m);
      break;
    case 'error':
      debug.errors.push(`${m.code}: ${m.message}`);
      console.warn(`robonav server: ${m.code}: ${m.message}`);
      break;
  }
}

// Pages the server offers beside the viewer (a run's report.html): show their links.
void fetch('pages.json')
  .then((r) => (r.ok ? (r.json() as Promise<string[]>) : []))
  .then(
    (pages) => ($('report-link').hidden = !pages.includes('/report.html')),
    () => undefined,
  );

const orbitButton = $<HTMLButtonElement>('cam-orbit');
const followButton = $<HTMLButtonElement>('cam-follow');
orbitButton.addEventListener('click', () => {
  view.setCameraMode('orbit');
  orbitButton.classList.add('active');
  followButton.classList.remove('active');
});
followButton.addEventListener('click', () => {
  view.setCameraMode('follow');
  followButton.classList.add('active');
  orbitButton.classList.remove('active');
});

function animate(): void {
  view.frame();
  minimap.frame();
  debug.framesRendered = view.framesRendered;
  requestAnimationFrame(animate);
}

connection.open();
requestAnimationFrame(animate);
