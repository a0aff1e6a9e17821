import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../src/render/png.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'robonav-render-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync('node', ['dist/src/cli.js', 'render', ...args], { cwd: root, encoding: 'utf8' });

describe('robonav render', () => {
  it('writes rgb, depth, semantic and map PNGs of the first frame', () => {
    const out = join(tmp, 'pics');
    const r = cli('--env', 'PointNav-v0', '--seed', '3', '--size', '48', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ env: 'PointNav-v0', seed: 3, size: 48 });
    for (const name of ['rgb', 'depth', 'semantic', 'map']) {
      const png = decodePng(readFileSync(join(out, `${name}.png`)));
      expect(Math.max(png.width, png.height)).toBe(48);
      expect(summary.files).toContain(join(out, `${name}.png`));
    }
    // The map shows the scene: many distinct colours (floor pattern, walls, objects, overlays).
    const map = decodePng(readFileSync(join(out, 'map.png')));
    const colours = new Set<number>();
    for (let i = 0; i < map.rgb.length; i += 3) colours.add((map.rgb[i]! << 16) | (map.rgb[i + 1]! << 8) | map.rgb[i + 2]!);
    expect(colours.size).toBeGreaterThan(20);
  });

  it('exits 2 on bad flags and writes nothing', () => {
    const out = join(tmp, 'never');
    for (const args of [
      ['--env', 'Nope-v0', '--out', out],
      ['--env', 'PointNav-v0', '--size', '4', '--out', out],
      ['--env', 'PointNav-v0', '--seed', '-1', '--out', out],
      ['--env', 'PointNav-v0'],
    ]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
    expect(cli('--env', 'Nope-v0', '--out', out).stderr).toMatch(/unknown env "Nope-v0"/);
  });
});
