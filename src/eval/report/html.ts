/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no script, no network) with
 * learning curves across seeds, the final figures of each run, the policy benchmark tables and
 * top-down replays.
 */
import { EVAL_METRIC_LABELS, EVAL_METRICS } from '../evaluate.js';
import { caption, formatFigure, formatInterval } from '../bench/policiesBench.js';
import { CURVE_METRICS, runCurve, type CurveAxis, type RunCurve } from './curves.js';
import type { BenchTable, ReplayView, RunLogs } from './runs.js';
import { escapeXml, lineChart, PALETTE, replayMap, type ChartSeries } from './svg.js';

export interface ReportInput {
  title: string;
  /** ISO time the report was made. */
  createdAt: string;
  runs: RunLogs[];
  tables: BenchTable[];
  replays: ReplayView[];
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1000px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .note { color: #666; font-size: 12.5px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { background: #fff; border: 1px solid #e4e4e4; border-radius: 4px; }
.chart .plot { fill: #fcfcfc; stroke: #ccc; } .chart .grid { stroke: #eee; }
.chart .tick, .chart .legend { font-size: 10.5px; fill: #444; } .chart .axis-label { font-size: 11px; fill: #444; }
.chart .chart-title { font-size: 12.5px; font-weight: 600; fill: #222; } .chart .chart-empty { font-size: 12px; fill: #999; }
table { border-collapse: collapse; margin: 6px 0 4px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f5f5f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; } .ci { display: block; color: #777; font-size: 11px; }
.replays { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; } figcaption { font-size: 12px; color: #444; max-width: 360px; }
.swatch { display: inline-block; width: 12px; height: 3px; vertical-align: middle; margin-right: 4px; }
.replay { border: 1px solid #ccc; }
`;

/** Colour of a label, stable across the page's sections (first come, first served). */
function colorRegistry(): (label: string) => string {
  const colors = new Map<string, string>();
  return (label) => {
    let c = colors.get(label);
    if (c === undefined) {
      c = PALETTE[colors.size % PALETTE.length]!;
      colors.set(label, c);
    }
    return c;
  };
}

const AXIS_LABELS: Record<CurveAxis, string> = { steps: 'env steps', seconds: 'wall-clock (s)' };

function curvesSection(runs: readonly RunLogs[], colorOf: (label: string) => string): string {
  if (runs.length === 0) return '<h2>Learning curves</h2><p class="note">No runs given.</p>';
  const out: string[] = ['<h2>Learning curves</h2>'];
  const spread = runs.some((r) => r.seeds.length > 1);
  out.push(
    `<p class="note">${spread ? 'Lines: mean over seeds; bands: min–max across seeds, over the steps every seed reached.' : 'One seed per run.'} Wall-clock counts from the start of each run.</p>`,
  );
  for (const metric of CURVE_METRICS) {
    const charts: string[] = [];
    const keys = new Set<string>();
    for (const axis of ['steps', 'seconds'] as const) {
      const curves = runs.map((run) => runCurve(run, metric.id, axis)).filter((c): c is RunCurve => c !== null);
      for (const c of curves) keys.add(c.key);
      const series: ChartSeries[] = curves.map((c) => {
        const seeds = c.seeds.length;
        return {
          label: `${c.run}${seeds > 1 ? ` (${seeds} seeds)` : ''}`,
          color: colorOf(c.run),
          x: c.grid,
          y: c.mean,
          ...(seeds > 1 ? { band: { lo: c.min, hi: c.max } } : {}),
        };
      });
      charts.push(lineChart(series, { title: `${metric.title} vs ${AXIS_LABELS[axis]}`, xLabel: AXIS_LABELS[axis] }));
    }
    out.push(`<h3>${escapeXml(metric.title)}</h3>`);
    out.push(
      keys.size > 0
        ? `<p class="note">from metrics.jsonl key ${[...keys].map((k) => `<code>${escapeXml(k)}</code>`).join(', ')}</p>`
        : `<p class="note">not logged by these runs (looked for ${metric.keys.map((k) => `<code>${escapeXml(k)}</code>`).join(', ')})</p>`,
    );
    out.push(`<div class="charts">${charts.join('')}</div>`);
  }
  out.push(finalTable(runs));
  return out.join('\n');
}

/** The last logged value of each curve metric, as mean and [min, max] over seeds. */
function finalTable(runs: readonly RunLogs[]): string {
  const rows = runs.map((run) => {
    const cells = CURVE_METRICS.map((metric) => {
      const c = runCurve(run, metric.id, 'steps');
      if (c === null) return '<td class="num">–</td>';
      const finals = c.seeds.map((s) => s.y[s.y.length - 1]!);
      const mean = finals.reduce((a, b) => a + b, 0) / finals.length;
      return `<td class="num">${finals.length > 1 ? formatInterval(mean, [Math.min(...finals), Math.max(...finals)]) : formatFigure(mean)}</td>`;
    });
    const steps = run.seeds.map((s) => s.points[s.points.length - 1]?.step ?? 0);
    return `<tr><td>${escapeXml(run.name)}</td><td class="num">${run.seeds.length}</td><td class="num">${Math.max(...steps).toLocaleString('en-US')}</td>${cells.join('')}</tr>`;
  });
  return [
    '<h3>Final values</h3>',
    '<p class="note">Last logged point of each seed: mean [min, max] over seeds.</p>',
    `<table><thead><tr><th>run</th><th>seeds</th><th>steps</th>${CURVE_METRICS.map((m) => `<th>${escapeXml(m.title)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
  ].join('\n');
}

/** The mean, with its interval below it in small grey figures. */
function ciCell(value: number, [lo, hi]: [number, number]): string {
  return `${formatFigure(value)}<span class="ci">[${formatFigure(lo, value)}, ${formatFigure(hi, value)}]</span>`;
}

function tablesSection(tables: readonly BenchTable[]): string {
  const out: string[] = ['<h2>Policies</h2>'];
  if (tables.length === 0) {
    out.push(
      '<p class="note">No policies.json found in the run directories or the output directory (write one with <code>robonav bench policies … --out DIR</code>).</p>',
    );
    return out.join('\n');
  }
  for (const t of tables) {
    out.push(`<p class="note">${escapeXml(`${caption(t)} · ${t.source}`)}</p>`);
    const head = `<tr><th>policy</th>${EVAL_METRICS.map((k) => `<th>${escapeXml(EVAL_METRIC_LABELS[k])}</th>`).join('')}</tr>`;
    const rows = t.policies.map(
      (p) => `<tr><td>${escapeXml(p.name)}</td>${EVAL_METRICS.map((k) => `<td class="num">${ciCell(p[k], p.ci[k])}</td>`).join('')}</tr>`,
    );
    out.push(`<div class="scroll"><table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`);
  }
  return out.join('\n');
}

function replaysSection(replays: readonly ReplayView[], colorOf: (label: string) => string): string {
  const out: string[] = ['<h2>Episode replays</h2>'];
  if (replays.length === 0) {
    out.push('<p class="note">No replays.json or .rec recordings found.</p>');
    return out.join('\n');
  }
  out.push(
    '<p class="note">Top-down, +x right and +z down; dark: obstacles; grey: too close for the robot’s centre; dashed: geodesic shortest path; ring: start; green: goal; a dot ends each path.</p>',
  );
  const figures = replays.map((view) => {
    const legend = view.paths
      .map((p) => {
        const outcome =
          p.success === null ? '' : ` — ${p.success ? 'success' : 'failure'}${p.spl === null ? '' : `, SPL ${p.spl.toFixed(2)}`}`;
        return `<br><span class="swatch" style="background:${colorOf(p.label)}"></span>${escapeXml(p.label)}${escapeXml(outcome)}`;
      })
      .join('');
    return `<figure>${replayMap(view, colorOf)}<figcaption>${escapeXml(view.title)}${legend}</figcaption></figure>`;
  });
  out.push(`<div class="replays">${figures.join('')}</div>`);
  return out.join('\n');
}

/** The whole page. */
export function renderReport(input: ReportInput): string {
  const colorOf = colorRegistry();
  const runList = input.runs.map((r) => `${escapeXml(r.name)} (${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'})`).join(', ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeXml(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeXml(input.title)}</h1>
<p class="meta">Made by robonav report on ${escapeXml(input.createdAt)}${runList ? ` · runs: ${runList}` : ''}</p>
${curvesSection(input.runs, colorOf)}
${tablesSection(input.tables)}
${replaysSection(input.replays, colorOf)}
</body>
</html>
`;
}
