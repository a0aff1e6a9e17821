/**
 * Inline SVG for the report, generated as text so the page needs no script and no network:
 * line charts with spread bands, and top-down replays (paths over the occupancy map).
 */
import { PNG } from 'pngjs';
import { OccupancyGrid } from '../../sim/OccupancyGrid.js';
import { DEFAULT_ROBOT } from '../../sim/PhysicsWorld.js';
import type { ReplayView } from './runs.js';

/** Series colours (Okabe–Ito, readable by colour-blind people), cycled. */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442'] as const;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** About `count` round tick values inside [lo, hi]: steps of 1, 2 or 5 × 10^k, whichever lands nearest. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / magnitude;
  // Thresholds at the geometric means of neighbouring steps (√2, √10, √50), as d3 does.
  const step = magnitude * (ratio >= Math.sqrt(50) ? 10 : ratio >= Math.sqrt(10) ? 5 : ratio >= Math.SQRT2 ? 2 : 1);
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** 1234567 → "1.23M", 2500 → "2.5k", 0.25 → "0.25". */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  const trim = (x: number): string => String(Number(x.toPrecision(3)));
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

export interface ChartSeries {
  label: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Spread drawn as a translucent band from lo to hi at the same x. */
  band?: { lo: ArrayLike<number>; hi: ArrayLike<number> };
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  /** Pixels. @default 460 */
  width?: number;
  /** Pixels. @default 260 */
  height?: number;
}

const f1 = (v: number): string => v.toFixed(1);

/** A line chart with axes, ticks, bands and a legend, as one <svg> element. */
export function lineChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 460;
  const height = options.height ?? 260;
  const m = { left: 52, right: 12, top: 26, bottom: 40 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const extend = (xs: ArrayLike<number>, ys: ArrayLike<number>): void => {
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(xs[i]!) || !Number.isFinite(ys[i]!)) continue;
      x0 = Math.min(x0, xs[i]!);
      x1 = Math.max(x1, xs[i]!);
      y0 = Math.min(y0, ys[i]!);
      y1 = Math.max(y1, ys[i]!);
    }
  };
  for (const s of series) {
    extend(s.x, s.y);
    if (s.band) {
      extend(s.x, s.band.lo);
      extend(s.x, s.band.hi);
    }
  }
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
  );
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" class="chart-title">${escapeXml(options.title)}</text>`);
  if (!Number.isFinite(x0)) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="chart-empty">no data</text></svg>`);
    return parts.join('');
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (v: number): number => m.left + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number): number => m.top + ph - ((v - y0) / (y1 - y0)) * ph;
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" class="plot"/>`);
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<line x1="${f1(sx(t))}" x2="${f1(sx(t))}" y1="${m.top}" y2="${m.top + ph}" class="grid"/>`);
    parts.push(`<text x="${f1(sx(t))}" y="${m.top + ph + 14}" text-anchor="middle" class="tick">${formatTick(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f1(sy(t))}" y2="${f1(sy(t))}" class="grid"/>`);
    parts.push(`<text x="${m.left - 5}" y="${f1(sy(t) + 3.5)}" text-anchor="end" class="tick">${formatTick(t)}</text>`);
  }
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 6}" text-anchor="middle" class="axis-label">${escapeXml(options.xLabel)}</text>`);
  for (const s of series) {
    const pts: string[] = [];
    const lo: string[] = [];
    const hi: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.x[i]!) || !Number.isFinite(s.y[i]!)) continue;
      pts.push(`${f1(sx(s.x[i]!))},${f1(sy(s.y[i]!))}`);
      if (s.band) {
        lo.push(`${f1(sx(s.x[i]!))},${f1(sy(s.band.lo[i]!))}`);
        hi.push(`${f1(sx(s.x[i]!))},${f1(sy(s.band.hi[i]!))}`);
      }
    }
    if (s.band && lo.length > 1)
      parts.push(`<polygon points="${[...hi, ...lo.reverse()].join(' ')}" fill="${s.color}" fill-opacity="0.18" stroke="none"/>`);
    if (pts.length === 1) parts.push(`<circle cx="${pts[0]!.split(',')[0]}" cy="${pts[0]!.split(',')[1]}" r="3" fill="${s.color}"/>`);
    else parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`);
  }
  series.forEach((s, k) => {
    const y = m.top + 10 + k * 14;
    parts.push(`<line x1="${m.left + 8}" x2="${m.left + 24}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="3"/>`);
    parts.push(`<text x="${m.left + 28}" y="${y + 3.5}" class="legend">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The scene's map as a PNG data URI, one pixel per 5 cm cell: obstacles dark (cells whose centre is
 * within half a cell of one: the footprints themselves), the band the robot's centre cannot enter
 * (within `robotRadius` of an obstacle or the floor's edge) light grey, free floor near white.
 */
function occupancyPng(view: ReplayView, robotRadius: number): { uri: string; grid: OccupancyGrid } {
  const grid = OccupancyGrid.fromScene(view.scene, { inflate: 0.025 });
  const reach = OccupancyGrid.fromScene(view.scene, { inflate: robotRadius });
  const png = new PNG({ width: grid.cols, height: grid.rows });
  for (let i = 0; i < grid.free.length; i++) {
    const [r, g, b] = !grid.free[i] ? [92, 92, 96] : !reach.free[i] ? [214, 214, 210] : [248, 248, 243];
    png.data[4 * i] = r;
    png.data[4 * i + 1] = g;
    png.data[4 * i + 2] = b;
    png.data[4 * i + 3] = 255;
  }
  return { uri: `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`, grid };
}

/**
 * A top-down replay: the occupancy map (row 0 at the top, so +z points down), the geodesic shortest
 * path dashed, the start as a ring, goals as green discs and each path as a coloured line with a dot
 * where it ended. Coordinates are metres in the viewBox.
 */
export function replayMap(view: ReplayView, colorOf: (label: string) => string, sizePx = 360): string {
  const { uri, grid } = occupancyPng(view, DEFAULT_ROBOT.radius);
  const w = grid.cols * grid.cellSize;
  const h = grid.rows * grid.cellSize;
  const scale = sizePx / Math.max(w, h);
  const [minX, minZ] = [grid.originX, grid.originZ];
  const r = (v: number): string => v.toFixed(3);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="replay" width="${Math.round(w * scale)}" height="${Math.round(h * scale)}" viewBox="${r(minX)} ${r(minZ)} ${r(w)} ${r(h)}" role="img" aria-label="${escapeXml(view.title)}">`,
  );
  parts.push(
    `<image href="${uri}" x="${r(minX)}" y="${r(minZ)}" width="${r(w)}" height="${r(h)}" preserveAspectRatio="none" style="image-rendering:pixelated"/>`,
  );
  const line = (pts: string, attrs: string): string =>
    `<polyline points="${pts}" fill="none" vector-effect="non-scaling-stroke" ${attrs}/>`;
  if (view.shortestPath.length > 1)
    parts.push(
      line(view.shortestPath.map(([x, z]) => `${r(x)},${r(z)}`).join(' '), 'stroke="#555" stroke-width="1.5" stroke-dasharray="4 3"'),
    );
  for (const [x, z] of view.goals)
    parts.push(`<circle cx="${r(x)}" cy="${r(z)}" r="0.18" fill="#2ca02c" stroke="#fff" stroke-width="0.04"/>`);
  for (const p of view.paths) {
    const pts: string[] = [];
    for (let i = 0; i + 1 < p.points.length; i += 2) pts.push(`${r(p.points[i]!)},${r(p.points[i + 1]!)}`);
    if (pts.length === 0) continue;
    const color = colorOf(p.label);
    if (pts.length > 1) parts.push(line(pts.join(' '), `stroke="${color}" stroke-width="2" stroke-opacity="0.85" stroke-linejoin="round"`));
    const [ex, ez] = pts[pts.length - 1]!.split(',');
    parts.push(`<circle cx="${ex}" cy="${ez}" r="0.09" fill="${color}"/>`);
  }
  const first = view.paths.find((p) => p.points.length >= 2);
  if (first)
    parts.push(`<circle cx="${r(first.points[0]!)}" cy="${r(first.points[1]!)}" r="0.14" fill="none" stroke="#000" stroke-width="0.05"/>`);
  parts.push('</svg>');
  return parts.join('');
}
