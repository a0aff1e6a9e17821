/**
 * `setUp`: a planned run built on a clean-up stack. Built, it has written run.json and releases
 * every tensor when the stack is disposed; failing half-way (a pretrained folder without weights),
 * it releases what it built and writes nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanupStack } from '../../../src/commands/train/CleanupStack.js';
import { resolveRun, type TrainFlags } from '../../../src/commands/train/resolveRun.js';
import { setUp } from '../../../src/commands/train/setup.js';
import { UsageError } from '../../../src/core/errors.js';
import { initBackend } from '../../../src/nn/backend.js';
import { PRETRAIN_VERSION, writeManifest } from '../../../src/pretrain/pretrained.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-setup-'));
/** A small run on PointNav-Easy with the pointgoal sensor only (no camera). */
const flags = (out: string): TrainFlags => ({
  env: 'PointNav-Easy-v0',
  envOptions: { sensors: ['pointgoal'] },
  numEnvs: 2,
  out: path.join(root, out),
});

beforeAll(async () => {
  await initBackend();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('setUp', () => {
  it('builds the agent and the evaluation env, writes run.json, and the stack releases every tensor', async () => {
    const plan = await resolveRun(flags('built'));
    const before = tf.memory().numTensors;
    await CleanupStack.run(async (cleanup) => {
      const built = await setUp(plan, cleanup);
      expect(built.agent.envs.numEnvs).toBe(2);
      expect(built.evalEnv).not.toBeNull();
      expect(built.viewer).toBeNull();
      expect(tf.memory().numTensors).toBeGreaterThan(before);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.parse(readFileSync(path.join(plan.out, 'run.json'), 'utf8'))).toEqual(plan.run);
  });

  it('fails on a pretrained folder without weights after building envs: releases them and writes nothing', async () => {
    const encoder = path.join(root, 'manifest-only');
    writeManifest(encoder, { version: PRETRAIN_VERSION, kind: 'cnn', field: 'depth', inputShape: [64, 64, 1] });
    const plan = await resolveRun({ ...flags('never'), encoder });
    const before = tf.memory().numTensors;
    const built = CleanupStack.run((cleanup) => setUp(plan, cleanup));
    await expect(built).rejects.toThrow(UsageError);
    await expect(built).rejects.toThrow(new RegExp(`^--encoder ${encoder}: `));
    expect(tf.memory().numTensors).toBe(before);
    expect(existsSync(plan.out)).toBe(false);
  });
});
