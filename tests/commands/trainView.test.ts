import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { ROOT } from '../helpers/cli.js';
import { TestClient } from '../server/TestClient.js';

describe('robonav train --view', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'robonav-train-view-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('streams env 0 from a worker thread (--workers 1) with the training curves, and stops cleanly on Ctrl-C', async () => {
    const cfg = path.join(tmp, 'small.json');
    writeFileSync(cfg, JSON.stringify({ numSteps: 16, numMinibatches: 1, updateEpochs: 1, network: { cnn: 'small' } }));
    const out = path.join(tmp, 'run');
    // A budget far beyond the test: the run is stopped with SIGINT once the viewer has seen enough.
    const args = [
      'train',
      '--env',
      'PointNav-Easy-v0',
      '--env-options',
      '{"cameraSize":16}',
      '--num-envs',
      '2',
      '--workers',
      '1',
      '--steps',
      '1000000',
      '--eval-every',
      '0',
      '--config',
      cfg,
      '--out',
      out,
      '--view',
      '0',
    ];
    const child = spawn(process.execPath, ['dist/src/cli.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, ROBONAV_BACKEND: 'wasm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let client: TestClient | null = null;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no viewer address; stderr: ${stderr}`)), 20_000);
        child.stderr.on('data', () => {
          const m = /watch at (http:\/\/\S+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        void exited.then((code) => reject(new Error(`train exited with ${code}: ${stderr}`)));
      });
      const { host } = new URL(url);
      client = await TestClient.open(`ws://${host}/ws`);
      await client.next('hello');
      client.send({ type: 'subscribe', version: PROTOCOL_VERSION, frames: ['depth'] });
      // A viewer that came before the envs existed gets a second hello once they do.
      await client.until(() => client!.of('hello').at(-1)!.frameKinds.length > 0, 'the hello of the running session');
      expect(client.of('hello').at(-1)).toMatchObject({
        mode: 'live',
        source: out,
        frameKinds: ['depth'],
        streams: ['episodes', 'frames', 'metrics'],
      });
      const scene = await client.next('scene');
      expect(scene.task).toBe('PointNav-Easy-v0');
      await client.until(
        () => client!.of('step').length >= 40 && client!.of('metrics').length > 0 && client!.frames.length > 0,
        'steps, curves and a frame',
        20_000,
      );
      // Steps follow the scene they belong to, in order.
      const steps = client.of('step').filter((s) => s.episode === scene.episode);
      expect(steps.length).toBeGreaterThan(0);
      expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => steps[0]!.step + i));
      expect(client.of('metrics')[0]!.points[0]!.values).toHaveProperty('sps');
      expect(client.frames[0]).toMatchObject({ kind: 'depth', width: 16, height: 16 });
    } finally {
      client?.close();
      child.kill('SIGINT');
    }
    // Ctrl-C: the run finishes its update, checkpoints and exits normally.
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/stopping after this update/);
  });
});
