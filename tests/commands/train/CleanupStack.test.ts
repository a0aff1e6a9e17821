import { describe, expect, it } from 'vitest';
import { CleanupStack } from '../../../src/commands/train/CleanupStack.js';

describe('CleanupStack', () => {
  it('runs every step once, the last registered first, awaiting async ones', async () => {
    const order: string[] = [];
    const cleanup = new CleanupStack();
    cleanup.defer(() => order.push('viewer'));
    cleanup.defer(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push('envs');
    });
    cleanup.defer(() => order.push('agent'));
    await cleanup.dispose();
    await cleanup.dispose();
    expect(order).toEqual(['agent', 'envs', 'viewer']);
  });

  it('keeps going past a failed step and throws its error; several failures become one AggregateError', async () => {
    const order: string[] = [];
    const one = new CleanupStack();
    one.defer(() => order.push('first'));
    one.defer(() => {
      throw new Error('cannot close');
    });
    await expect(one.dispose()).rejects.toThrow('cannot close');
    expect(order).toEqual(['first']);

    const two = new CleanupStack();
    two.defer(() => Promise.reject(new Error('a')));
    two.defer(() => Promise.reject(new Error('b')));
    const err = await two.dispose().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: Error) => e.message)).toEqual(['b', 'a']);
  });

  it('run() releases everything built so far when the body throws, and rethrows the body error', async () => {
    const released: string[] = [];
    const failure = new Error('the agent does not fit the envs');
    const result = CleanupStack.run(async (cleanup) => {
      cleanup.defer(() => released.push('viewer'));
      cleanup.defer(() => {
        released.push('envs');
        throw new Error('a consequence');
      });
      throw failure;
    });
    await expect(result).rejects.toBe(failure);
    expect(released).toEqual(['envs', 'viewer']);
  });

  it('run() returns the body result after releasing everything', async () => {
    const released: string[] = [];
    const value = await CleanupStack.run(async (cleanup) => {
      cleanup.defer(() => released.push('envs'));
      return 42;
    });
    expect(value).toBe(42);
    expect(released).toEqual(['envs']);
  });
});
