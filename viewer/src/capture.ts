/**
 * Capture mode (`?capture=follow` or `?capture=orbit`): the page `robonav video` films, frame by
 * frame. The replay's timer is paused and the page draws only when told, so every frame is the
 * same whatever the machine's speed: `window.robonavCapture` moves the replay one step at a time
 * through the server's playback commands and resolves once the step is on screen, and `render(n)`
 * draws n animation frames (the follow camera's smoothing and the orbit camera's turn advance per
 * frame, not per second). The controls, the status line and the side panel's extras are hidden;
 * the HUD lies over the 3D view.
 */
import type { ClientMessageInput, ServerMessage } from '../../src/stream/protocol.js';
import type { CameraMode, SceneView } from './SceneView.js';

/** What `robonav video` calls in the page. */
export interface CaptureApi {
  /** Resolves once the viewer has its first scene. */
  ready(): Promise<void>;
  /** Pause the replay and show episode `episode` at its reset view. */
  start(episode: number): Promise<void>;
  /** Show step `step` of the current episode. */
  step(step: number): Promise<void>;
  /** Show the end of the current episode (the HUD's success and SPL). */
  end(): Promise<void>;
  /** Draw `frames` animation frames. */
  render(frames: number): void;
}

declare global {
  interface Window {
    robonavCapture?: CaptureApi;
  }
}

/** Orbit camera turn per drawn frame: three.js autoRotateSpeed (2 = a turn per 1800 frames). */
const ORBIT_SPEED = 2;

const CAPTURE_CSS = `
#scene { width: 100% !important; }
.status, .view-buttons, .playback, .play-help, .camera-panel, .minimap-box, .charts { display: none !important; }
.panel { top: 6px; left: 6px; right: auto; width: auto; height: auto; overflow: visible; padding: 4px 8px;
  background: #000a; border: 0; border-radius: 6px; font-size: max(8px, 2.8vmin); }
.hud { grid-template-columns: auto auto; }
.hud dt:has(+ #hud-mode), #hud-mode, .hud dt:has(+ #hud-source), #hud-source, .hud dt:has(+ #hud-goal), #hud-goal,
.hud dt:has(+ #hud-distance), #hud-distance, .hud dt:has(+ #hud-collisions), #hud-collisions { display: none; }
`;

/** The camera mode a capture address asks for (`?capture=follow|orbit`), or null when it is not one. */
export function captureMode(search: string): CameraMode | null {
  const mode = new URLSearchParams(search).get('capture');
  return mode === 'follow' || mode === 'orbit' ? mode : null;
}

/**
 * Put the page in capture mode and expose `window.robonavCapture`. Returns the hook main.ts calls
 * after handling each server message.
 * @param draw draws one animation frame (the 3D view and whatever else is on screen)
 */
export function installCapture(
  mode: CameraMode,
  view: SceneView,
  draw: () => void,
  send: (message: ClientMessageInput) => void,
): (message: ServerMessage) => void {
  const style = document.createElement('style');
  style.textContent = CAPTURE_CSS;
  document.head.append(style);
  view.setCameraMode(mode);
  if (mode === 'orbit') view.setAutoRotate(ORBIT_SPEED);

  let episode = -1;
  let waiting: { until: (m: ServerMessage) => boolean; resolve: () => void } | null = null;
  let scenes = 0;
  let onFirstScene: (() => void) | null = null;

  /** Send `message` and resolve once a message matching `until` has been handled. */
  const request = (message: ClientMessageInput, until: (m: ServerMessage) => boolean): Promise<void> =>
    new Promise((resolve) => {
      waiting = { until, resolve };
      send(message);
    });

  window.robonavCapture = {
    ready: () => (scenes > 0 ? Promise.resolve() : new Promise((resolve) => (onFirstScene = resolve))),
    start: async (e) => {
      send({ type: 'playback', command: 'pause' });
      await request({ type: 'playback', command: 'seek', episode: e, step: 0 }, (m) => m.type === 'scene' && m.episode === e);
      episode = e;
    },
    step: (s) => request({ type: 'playback', command: 'step' }, (m) => m.type === 'step' && m.episode === episode && m.step === s),
    end: () => request({ type: 'playback', command: 'step' }, (m) => m.type === 'episodeEnd' && m.episode === episode),
    render: (frames) => {
      for (let i = 0; i < frames; i++) draw();
    },
  };

  return (message) => {
    if (message.type === 'scene') {
      scenes += 1;
      onFirstScene?.();
      onFirstScene = null;
    }
    if (waiting?.until(message)) {
      const { resolve } = waiting;
      waiting = null;
      resolve();
    }
  };
}
