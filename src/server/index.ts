/**
 * robonav/server: the HTTP + WebSocket viewer server and its sessions, to serve replays or a
 * session of your own from code (`robonav view` and `robonav play` are built on these).
 */

// The server: static viewer files over HTTP, the protocol over WebSocket, one session behind it.
export { ViewerClient, ViewerServer, type ViewerServerOptions, type ViewerSession } from './ViewerServer.js';

// The sessions it can show: a live env, an env driven from the browser, recordings replayed.
export { LiveSession, type LiveSessionOptions } from './LiveSession.js';
export { PlaySession } from './PlaySession.js';
export { ReplaySession, type ReplaySessionOptions } from './ReplaySession.js';
// The training curves a ViewerCallback publishes.
export { VIEWER_CURVES } from './ViewerCallback.js';

// The viewer filmed frame by frame in headless chromium (what `robonav video --view follow|orbit` encodes).
export { CHROMIUM, CHROMIUM_INSTALL, chromiumInstalled, chromiumPath, launchChromium } from './capture/browser.js';
export { VIEWER_CAMERAS, viewerFrames, type ViewerCamera, type ViewerFramesOptions } from './capture/viewerFrames.js';

// Saliency maps for viewers that ask: a saved policy over a replay's episodes, the network in training over a live env.
export { LiveSaliency, ReplaySaliency, saliencyFrame, VIEWER_IG_STEPS } from './SaliencyMaps.js';
