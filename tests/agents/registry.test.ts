import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { AGENTS, parseAgentConfig, type AgentName } from '../../agents/registry.js';

const CONFIG_DIR = path.join(import.meta.dirname, '..', '..', 'configs');

describe('training configs', () => {
  // configs/<agent>-<name>.json are the configs of the documented training commands (docs/training.md).
  it.each(readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.json')))(
    'configs/%s is a valid config of the agent it is named after',
    (file) => {
      const agent = file.split('-')[0] as AgentName;
      expect(AGENTS).toContain(agent);
      const json = JSON.parse(readFileSync(path.join(CONFIG_DIR, file), 'utf8'));
      expect(parseAgentConfig(agent, json, file)).toEqual(json);
    },
  );

  it('an unknown key is a UsageError naming the key and the accepted ones', () => {
    expect(() => parseAgentConfig('ppo', { numEnv: 8 }, 'cfg.json')).toThrow(UsageError);
    expect(() => parseAgentConfig('ppo', { numEnv: 8 }, 'cfg.json')).toThrow(/cfg\.json.*"numEnv".*ppo accepts .*numEnvs/);
  });

  it('a bad value is a UsageError naming the nested key', () => {
    expect(() => parseAgentConfig('a2c', { network: { core: 'rnn' } }, 'cfg.json')).toThrow(/cfg\.json: network\.core: /);
    expect(() => parseAgentConfig('reinforce', { numSteps: 0 }, 'cfg.json')).toThrow(/cfg\.json: numSteps: /);
  });
});

describe('the augment list of a config', () => {
  it('accepts the documented steps, with or without their optional fields', () => {
    const augment = [{ kind: 'shift', pad: 4 }, { kind: 'colorJitter', strength: 0.2, keys: ['rgb'] }, { kind: 'shift' }];
    for (const agent of AGENTS) expect(parseAgentConfig(agent, { augment }, 'cfg.json')).toEqual({ augment });
  });

  it('rejects an unknown kind, an unknown field or a bad value with a UsageError naming the field', () => {
    expect(() => parseAgentConfig('ppo', { augment: [{ kind: 'cutout' }] }, 'cfg.json')).toThrow(UsageError);
    expect(() => parseAgentConfig('ppo', { augment: [{ kind: 'cutout' }] }, 'cfg.json')).toThrow(
      /cfg\.json: augment\[0\]\.kind: .*shift.*colorJitter/,
    );
    expect(() => parseAgentConfig('a2c', { augment: [{ kind: 'shift', size: 2 }] }, 'cfg.json')).toThrow(/augment\[0\]: .*"size"/);
    expect(() => parseAgentConfig('reinforce', { augment: [{ kind: 'shift', pad: 1.5 }] }, 'cfg.json')).toThrow(/augment\[0\]\.pad: /);
    expect(() => parseAgentConfig('ppo', { augment: [{ kind: 'shift' }, { kind: 'colorJitter', strength: 1 }] }, 'cfg.json')).toThrow(
      /augment\[1\]\.strength: /,
    );
    expect(() => parseAgentConfig('ppo', { augment: [{ kind: 'colorJitter', keys: ['depth'] }] }, 'cfg.json')).toThrow(
      /augment\[0\]\.keys\[0\]: depth and semantic frames are not colour images/,
    );
    expect(() => parseAgentConfig('ppo', { augment: { kind: 'shift' } }, 'cfg.json')).toThrow(/cfg\.json: augment: /);
  });
});
