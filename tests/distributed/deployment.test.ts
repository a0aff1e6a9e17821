/**
 * The deployment files: docker-compose.yml is valid YAML that runs a password-protected Redis, one
 * learner and N actors from the official images, and every `robonav` command line in it and in
 * docs/distributed.md names a real command and real flags of it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/commands/index.js';
import { Box, Dict } from '../../src/core/spaces.js';
import { chunkBytes } from '../../src/distributed/chunk.js';
import { ROOT } from '../helpers/cli.js';

interface Service {
  image: string;
  command: string[];
  ports?: unknown[];
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const docs = readFileSync(path.join(ROOT, 'docs/distributed.md'), 'utf8');

/** The value after `flag` in a command line. */
const flagValue = (command: string[], flag: string): string | undefined => command[command.indexOf(flag) + 1];

/** Every `robonav …` command line of the docs (shell blocks and inline code), as tokens from the command on, comments dropped. */
function docCommandLines(): string[][] {
  const lines: string[] = [];
  for (const block of docs.matchAll(/```sh\n([\s\S]*?)```/g)) lines.push(...block[1]!.split('\n'));
  for (const span of docs.matchAll(/`([^`\n]+)`/g)) lines.push(span[1]!);
  return (
    lines
      .map((line) => line.replace(/\s#.*$/, ''))
      // A command, not a log line quoted in the text (`robonav actor: lost Redis at …`).
      .filter((line) => /(?:^|\s)robonav\s+[a-z][a-z-]*(?:\s|$)/.test(line))
      .map((line) =>
        line
          .slice(line.search(/(?:^|\s)robonav\s/))
          .trim()
          .split(/\s+/)
          .slice(1),
      )
  );
}

describe('docker-compose.yml', () => {
  it('runs Redis 7 with a required password and no published port', () => {
    const redis = compose.services.redis!;
    expect(redis.image).toBe('redis:7');
    expect(redis.command[0]).toBe('redis-server');
    // Compose refuses to start when REDIS_PASSWORD is unset (${VAR:?message}).
    expect(flagValue(redis.command, '--requirepass')).toMatch(/^\$\{REDIS_PASSWORD:\?[^}]+\}$/);
    expect(redis.ports).toBeUndefined();
  });

  it('runs one learner and scalable actors from node:20 with npx robonav, against that Redis', () => {
    const { learner, actor } = compose.services;
    for (const service of [learner!, actor!]) {
      expect(service.image).toBe('node:20');
      expect(service.command.slice(0, 2)).toEqual(['npx', 'robonav']);
      // Compose fills in the password (required) and the host (the redis service unless BROKER_HOST says otherwise).
      expect(flagValue(service.command, '--broker')).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@\$\{BROKER_HOST:-redis\}:6379\/0$/);
      expect(service.depends_on?.install?.condition).toBe('service_completed_successfully');
    }
    expect(learner!.command[2]).toBe('train');
    expect(learner!.depends_on?.redis).toBeDefined();
    expect(existsSync(path.join(ROOT, flagValue(learner!.command, '--config')!))).toBe(true);
    expect(flagValue(learner!.command, '--env')).toBe('PointNav-v0');
    expect(actor!.command[2]).toBe('actor');
    // The actors join the run the learner writes.
    expect(flagValue(actor!.command, '--run')).toBe(path.basename(flagValue(learner!.command, '--out')!));
    expect(compose.services.install!.command.slice(0, 2)).toEqual(['npm', 'install']);
  });
});

describe('docs/distributed.md', () => {
  it('gives the bytes per chunk that chunkBytes computes (T = 128, headers of 267 and 282 bytes)', () => {
    const depth = new Box(0, 10, [64, 64, 1]);
    const pointgoal = new Box([0, -Math.PI], [20, Math.PI], [2]);
    const depthOnly = chunkBytes(new Dict({ depth, pointgoal }), 128, { actionSize: 1, headerBytes: 267 });
    const rgbd = chunkBytes(new Dict({ rgb: new Box(0, 255, [64, 64, 3], 'uint8'), depth, pointgoal }), 128, {
      actionSize: 1,
      headerBytes: 282,
    });
    expect(docs).toContain(`| ${depthOnly.toLocaleString('en-US')} | ${Math.round(depthOnly / 128).toLocaleString('en-US')} `);
    expect(docs).toContain(`| ${rgbd.toLocaleString('en-US')} | ${Math.round(rgbd / 128).toLocaleString('en-US')} `);
  });

  it('links the measurements to results.md', () => {
    expect(docs).toMatch(/## Measurements\n\nSee \[results\.md#distributed\]\(results\.md#distributed\)/);
    expect(readFileSync(path.join(ROOT, 'docs', 'results.md'), 'utf8')).toContain('\n## Distributed\n');
  });

  it('names only real commands and flags, here and in docker-compose.yml', async () => {
    const program = new Command('robonav');
    for (const entry of COMMANDS) (await entry.load()).register(program);
    const lines = [...docCommandLines(), ...[compose.services.learner!, compose.services.actor!].map((s) => s.command.slice(2))];
    expect(lines.length).toBeGreaterThan(8);
    for (const tokens of lines) {
      let command = program.commands.find((c) => c.name() === tokens[0]);
      expect(command, tokens.join(' ')).toBeDefined();
      const sub = command!.commands.find((c) => c.name() === tokens[1]);
      if (sub) command = sub;
      const flags = new Set(command!.options.map((o) => o.long));
      for (const token of tokens.map((t) => t.replace(/^\[|\]$/g, '')).filter((t) => t.startsWith('--'))) {
        expect(flags, `${tokens.join(' ')}: ${token}`).toContain(token);
      }
    }
  }, 60_000);
});
