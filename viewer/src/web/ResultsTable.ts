/**
 * ResultsTable: the exported page's episodes as they end — one row each (episode, seed, success,
 * SPL, steps) and a summary line (episodes done, success rate, mean SPL, mean steps).
 */

/** One episode's result on the page, as `robonav eval --per-episode` reports it. */
export interface PageResult {
  /** Index in the page's episode list (0-based). */
  episode: number;
  /** The reset seed: the export's seed + episode. */
  seed: number;
  success: number;
  spl: number;
  steps: number;
  /** Distance walked (m). */
  pathLength: number;
  /** Geodesic distance left to the goal at the end (m). */
  distanceToGoal: number;
}

export class ResultsTable {
  private readonly rows: PageResult[] = [];

  constructor(
    private readonly body: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly total: number,
  ) {
    this.summary.textContent = `0 of ${total} episodes`;
  }

  add(result: PageResult): void {
    this.rows.push(result);
    const tr = document.createElement('tr');
    for (const text of [
      String(result.episode + 1),
      String(result.seed),
      result.success >= 1 ? 'yes' : 'no',
      result.spl.toFixed(3),
      String(result.steps),
    ]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    tr.className = result.success >= 1 ? 'ok' : 'fail';
    this.body.append(tr);
    tr.scrollIntoView({ block: 'nearest' });
    const n = this.rows.length;
    const mean = (key: 'success' | 'spl' | 'steps'): number => this.rows.reduce((a, r) => a + r[key], 0) / n;
    this.summary.textContent = `${n} of ${this.total} episodes · success ${(100 * mean('success')).toFixed(0)}% · SPL ${mean('spl').toFixed(3)} · mean steps ${mean('steps').toFixed(1)}`;
  }
}
