/** `ViewerCallback`: every update's curves reach a browser watching the `LiveViewer`. */
import { describe, expect, it } from 'vitest';
import { LiveViewer } from '../../src/server/LiveViewer.js';
import { ViewerCallback } from '../../src/server/ViewerCallback.js';
import { PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { FakeNavEnv } from './fixtures.js';
import { TestClient } from './TestClient.js';

describe('ViewerCallback', () => {
  it('publishes the chosen numeric curves of every update record and lets a viewer subscribe between updates', async () => {
    const viewer = await LiveViewer.start({ port: 0, source: 'runs/test' });
    let client: TestClient | null = null;
    try {
      viewer.observe(new FakeNavEnv());
      const callback = new ViewerCallback(viewer);
      client = await TestClient.open(`ws://127.0.0.1:${viewer.port}/ws`);
      await client.next('hello');
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION });
      // The subscription is still in flight: the callback's pump lets it land.
      await callback.onUpdate({ step: 64, update: 1, sps: 300, episodeReturn: null, success: 0.5, policyLoss: 0.1 });
      await callback.onUpdate({ step: 128, update: 2, sps: 310, episodeReturn: 1.5, success: 0.25, policyLoss: 0.2 });
      const watching = client;
      await watching.until(() => watching.of('metrics').flatMap((m) => m.points).length >= 2, 'two metric points');
      expect(client.of('metrics').flatMap((m) => m.points)).toEqual([
        { step: 64, values: { success: 0.5, sps: 300 } },
        { step: 128, values: { episodeReturn: 1.5, success: 0.25, sps: 310 } },
      ]);
    } finally {
      client?.close();
      await viewer.close();
    }
  });
});
