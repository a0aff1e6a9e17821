/**
 * The live viewer as a training callback: after every update it publishes the training curves to
 * a `LiveViewer` and pumps it, since a training loop never returns to the event loop on its own
 * and browsers could not connect or subscribe otherwise.
 *
 *   const viewer = await LiveViewer.start({ port: 8080, source: 'runs/ppo-1' });
 *   await ppo.learn(1e6, { callbacks: [new ViewerCallback(viewer)] });
 */
import type { TrainingCallback, UpdateRecord } from '../../agents/common/callbacks.js';
import type { LiveViewer } from './LiveViewer.js';

/** The curves the viewer draws by default. */
export const VIEWER_CURVES: readonly string[] = ['episodeReturn', 'success', 'episodeLength', 'sps'];

/** Publishes each update's training curves to a `LiveViewer` and lets its clients connect between updates. */
export class ViewerCallback implements TrainingCallback {
  /** `curves`: the keys of each update record to publish (numbers only; nulls are skipped). */
  constructor(
    private readonly viewer: Pick<LiveViewer, 'publishMetrics' | 'pump'>,
    private readonly curves: readonly string[] = VIEWER_CURVES,
  ) {}

  async onUpdate(record: UpdateRecord): Promise<void> {
    const values: Record<string, number> = {};
    for (const key of this.curves) {
      const value = record[key];
      if (typeof value === 'number') values[key] = value;
    }
    this.viewer.publishMetrics([{ step: record.step, values }]);
    await this.viewer.pump();
  }
}
