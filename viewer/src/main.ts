/**
 * The robonav viewer: connects to the server that served this page and hands the protocol's
 * messages and camera frames to the page's views (`ViewerUi`), and the person's input (playback,
 * play mode) back to the server. `window.robonav` holds the state the e2e tests read.
 */
import './style.css';
import { captureMode, installCapture } from './capture.js';
import { Charts } from './Charts.js';
import { Connection } from './Connection.js';
import { ViewerUi } from './ViewerUi.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

// A server reachable from the network prints its address with an access token (`/?token=…`). The
// WebSocket carries it in its URL; the address bar loses it (the page's cookie lets reloads in), so
// that it does not linger on screen, in bookmarks or in history.
const token = new URLSearchParams(location.search).get('token');
if (token !== null) history.replaceState(history.state, '', `${location.pathname}${location.hash}`);
const protocolUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

const charts = new Charts($('charts'), $<HTMLSelectElement>('chart-select'), $('chart'));
const ui: ViewerUi = new ViewerUi({
  send: (message) => connection.send(message),
  setFrames: (kinds) => connection.setFrames(kinds),
  setSaliency: (method) => connection.setSaliency(method),
  curves: charts,
});
const connection = new Connection(protocolUrl, {
  message: (m) => {
    ui.message(m);
    captured?.(m);
  },
  frame: (frame) => ui.frame(frame),
  status: (connected, detail) => ui.setStatus(connected, detail),
});
// `robonav video` films the page in capture mode (capture.ts): it draws only when told to.
const mode = captureMode(location.search);
const captured =
  mode === null
    ? null
    : installCapture(
        mode,
        ui.view,
        () => ui.drawOnce(),
        (message) => connection.send(message),
      );

// Pages the server offers beside the viewer (a run's report.html): show their links.
void fetch('pages.json')
  .then((r) => (r.ok ? (r.json() as Promise<string[]>) : []))
  .then(
    (pages) => ($('report-link').hidden = !pages.includes('/report.html')),
    () => undefined,
  );

connection.open();
if (captured === null) ui.start();
