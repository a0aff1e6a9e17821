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
