/**
 * Charts: training curves (uPlot) when the server streams a run's metrics. One curve at a time,
 * chosen from every numeric field the log carries; x = environment steps.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricPoint } from '../../src/stream/protocol.js';

/** Curves shown first when present, in this order. */
const PREFERRED = ['episodeReturn', 'meanReturn', 'return', 'success', 'successRate', 'spl', 'sps'];

export class Charts {
  private readonly steps: number[] = [];
  private readonly series = new Map<string, Array<number | null>>();
  private plot: uPlot | null = null;
  private current = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly select: HTMLSelectElement,
    private readonly host: HTMLElement,
  ) {
    select.addEventListener('change', () => this.show(select.value));
  }

  /** Forget everything (a new connection sends the whole history again). */
  reset(): void {
    this.steps.length = 0;
    this.series.clear();
    this.select.replaceChildren();
    this.current = '';
    this.plot?.destroy();
    this.plot = null;
    this.root.hidden = true;
  }

  add(points: MetricPoint[]): void {
    for (const p of points) {
      const row = this.steps.length;
      this.steps.push(p.step);
      for (const [key, value] of Object.entries(p.values)) {
        let column = this.series.get(key);
        if (column === undefined) {
          column = new Array<number | null>(row).fill(null);
          this.series.set(key, column);
          const option = document.createElement('option');
          option.value = option.textContent = key;
          this.select.append(option);
        }
        column.push(value);
      }
      for (const column of this.series.values()) if (column.length === row) column.push(null);
    }
    if (this.series.size === 0) return;
    this.root.hidden = false;
    if (this.current === '') {
      const first = PREFERRED.find((k) => this.series.has(k)) ?? [...this.series.keys()][0]!;
      this.select.value = first;
      this.show(first);
    } else {
      this.plot?.setData([this.steps, this.series.get(this.current)!]);
    }
  }

  private show(key: string): void {
    this.current = key;
    this.plot?.destroy();
    const data: uPlot.AlignedData = [this.steps, this.series.get(key) ?? []];
    this.plot = new uPlot(
      {
        width: 280,
        height: 160,
        legend: { show: false },
        scales: { x: { time: false } },
        axes: [
          { stroke: '#aaa', grid: { stroke: '#333' } },
          { stroke: '#aaa', grid: { stroke: '#333' }, size: 44 },
        ],
        series: [{ label: 'env steps' }, { label: key, stroke: '#ffb020', width: 1.5, spanGaps: true }],
      },
      data,
      this.host,
    );
  }
}
