/**
 * run.json: what `robonav train` writes reads back unchanged, the version-1 files existing runs
 * hold still load, and a missing, corrupt or malformed file is a FileFormatError naming the file
 * and the field.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/core/errors.js';
import { hasRunFile, readRunFile, type RunFile, writeRunFile } from '../../src/runs/runFile.js';

const root = mkdtempSync(path.join(tmpdir(), 'robonav-runfile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh directory holding `text` as run.json. */
function runDir(name: string, text: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'run.json'), text);
  return dir;
}

const run: RunFile = {
  version: 1,
  env: 'PointNav-Easy-v0',
  envOptions: { cameraSize: 32 },
  agent: 'ppo',
  config: { seed: 3, numSteps: 16, network: { cnn: 'small' } },
  steps: 64,
  pretrained: { encoder: 'pretrain/cnn', freezeEncoder: true, frozenLayers: [0, 2], core: null },
};

describe('run.json', () => {
  it('reads back what it wrote, atomically and in the version-1 layout', () => {
    const dir = path.join(root, 'written');
    mkdirSync(dir);
    expect(hasRunFile(dir)).toBe(false);
    writeRunFile(dir, run);
    expect(hasRunFile(dir)).toBe(true);
    expect(readRunFile(dir)).toEqual(run);
    expect(Object.keys(JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')))).toEqual([
      'version',
      'env',
      'envOptions',
      'agent',
      'config',
      'steps',
      'pretrained',
    ]);
  });

  it('loads a run file without envOptions or pretrained start (runs written without those flags)', () => {
    const dir = runDir('plain', JSON.stringify({ version: 1, env: 'TMaze-v0', agent: 'a2c', config: { seed: 1 }, steps: 100 }));
    expect(readRunFile(dir)).toEqual({ version: 1, env: 'TMaze-v0', agent: 'a2c', config: { seed: 1 }, steps: 100 });
  });

  it.each([
    ['missing', null, /run\.json: missing \(not a run directory\)/],
    ['not JSON', '{"version": 1,', /run\.json: not valid JSON/],
    ['another version', JSON.stringify({ ...run, version: 2 }), /run\.json: version: /],
    ['an unknown agent', JSON.stringify({ ...run, agent: 'dqn' }), /run\.json: agent: /],
    ['a config key the agent does not have', JSON.stringify({ ...run, config: { gamma: 0.9, foo: 1 } }), /run\.json: config: .*"foo"/],
    ['a bad config value', JSON.stringify({ ...run, config: { gamma: 2 } }), /run\.json: config\.gamma: /],
    ['a bad step budget', JSON.stringify({ ...run, steps: -1 }), /run\.json: steps: /],
    ['a malformed pretrained start', JSON.stringify({ ...run, pretrained: { encoder: 3 } }), /run\.json: pretrained\.encoder: /],
  ])('rejects a run file that is %s with a FileFormatError naming the file and the field', (name, text, message) => {
    const dir = text === null ? path.join(root, 'nothing-here') : runDir(name.replaceAll(' ', '-'), text);
    const read = (): RunFile => readRunFile(dir);
    expect(read).toThrow(FileFormatError);
    expect(read).toThrow(message);
    expect(read).toThrow(path.join(dir, 'run.json'));
  });
});
