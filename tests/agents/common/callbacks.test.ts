/**
 * Training callbacks run by `learn()`: the order they see a run in, and `StopOnSignal` (Ctrl-C
 * stops after the update, a second one aborts) driven by an emitter standing in for `process`.
 */
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PPO } from '../../../agents/ppo.js';
import { StopOnSignal, type TrainingCallback } from '../../../agents/common/callbacks.js';
import { initBackend } from '../../../src/nn/backend.js';
import { CueBandit } from '../fakeEnvs.js';

beforeAll(async () => {
  await initBackend();
});

/** 8 transitions per update on a one-step bandit. */
const tinyPpo = (): PPO => new PPO((i) => new CueBandit(2, i), { numEnvs: 2, numSteps: 4, numMinibatches: 1, updateEpochs: 1 });

describe('learn() callbacks', () => {
  it('see the start, every update in order and the end; a stop ends training after that update', async () => {
    const ppo = tinyPpo();
    const seen: string[] = [];
    const stopAt2: TrainingCallback = { onUpdate: (r) => (r.update === 2 ? 'stop' : undefined) };
    const log: TrainingCallback = {
      onTrainingStart: (a) => void seen.push(`start ${a.globalStep}/${a.totalSteps}`),
      onUpdate: (r) => void seen.push(`update ${r.update} at ${r.step}`),
      onTrainingEnd: (last) => void seen.push(`end ${last?.update}`),
    };
    const last = await ppo.learn(80, { callbacks: [stopAt2, log] });
    expect(seen).toEqual(['start 0/80', 'update 1 at 8', 'update 2 at 16', 'end 2']);
    expect(last).toMatchObject({ update: 2, step: 16 });
    await ppo.close();
  });
});

describe('StopOnSignal', () => {
  it('stops after the update in which Ctrl-C arrives, even from a loop that never yields otherwise', async () => {
    const source = new EventEmitter();
    const stop = new StopOnSignal({ source, notice: 'stopping' });
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const ppo = tinyPpo();
    // Fires from the event loop: only the callback's yield between updates lets it run.
    setTimeout(() => source.emit('SIGINT'), 0);
    let written: unknown[] = [];
    try {
      await ppo.learn(1_000_000, { callbacks: [stop] });
    } finally {
      written = write.mock.calls.map(([text]) => text);
      write.mockRestore();
    }
    expect(stop.stopped).toBe(true);
    expect(ppo.globalStep).toBeLessThan(1_000_000);
    expect(written).toEqual(['\nstopping\n']);
    expect(source.listenerCount('SIGINT')).toBe(0);
    await ppo.close();
  });

  it('aborts with exit code 130 at the second Ctrl-C', () => {
    const source = new EventEmitter();
    const abort = vi.fn();
    const stop = new StopOnSignal({ source, abort });
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stop.onTrainingStart();
    source.emit('SIGINT');
    expect(abort).not.toHaveBeenCalled();
    source.emit('SIGINT');
    write.mockRestore();
    expect(abort).toHaveBeenCalledWith(130);
    stop.dispose();
    expect(source.listenerCount('SIGINT')).toBe(0);
  });

  it('listens only while training runs, and dispose() removes the listener of a learn() that threw', async () => {
    const source = new EventEmitter();
    const stop = new StopOnSignal({ source });
    expect(source.listenerCount('SIGINT')).toBe(0);
    const ppo = tinyPpo();
    const failing: TrainingCallback = {
      onUpdate: () => {
        throw new Error('disk full');
      },
    };
    await expect(ppo.learn(80, { callbacks: [stop, failing] })).rejects.toThrow('disk full');
    expect(source.listenerCount('SIGINT')).toBe(1);
    stop.dispose();
    expect(source.listenerCount('SIGINT')).toBe(0);
    await ppo.close();
  });
});
