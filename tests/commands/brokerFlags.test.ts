/** Bad flags of `robonav eval / bench policies --broker` and `robonav actor`: exit 2, one line, before anything runs (no Redis needed). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const env = { ROBONAV_BACKEND: 'wasm' };

describe('broker flags', () => {
  it('bad broker flags exit 2 with one line, before anything runs', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['eval', '--policy', 'random', '--broker', 'http://127.0.0.1:6379'],
        /^robonav: --broker "http:\/\/127\.0\.0\.1:6379": unsupported scheme/,
      ],
      [['eval', '--policy', 'random', '--broker', 'redis://:pw@host/x'], /^robonav: --broker "redis:\/\/:\*\*\*@host\/x": the path/],
      [['eval', '--policy', 'random', '--broker-timeout', '5'], /^robonav: --broker-timeout needs --broker$/],
      [['eval', '--policy', 'random', '--job-episodes', '5'], /^robonav: --job-episodes needs --broker$/],
      [
        ['eval', '--policy', 'random', '--broker', 'redis://127.0.0.1:1/0', '--record', '1'],
        /^robonav: --record cannot be used with --broker/,
      ],
      [['eval', '--policy', 'random', '--broker', 'redis://127.0.0.1:1/0', '--broker-timeout', '0'], /--broker-timeout.*expected a number/],
      [['eval', '--policy', 'random', '--broker', 'redis://127.0.0.1:1/0', '--job-episodes', '0'], /--job-episodes.*expected an integer/],
      [['bench', 'policies', '--policies', 'random', '--broker', 'ftp://h'], /^robonav: --broker "ftp:\/\/h": unsupported scheme/],
      [['actor', '--broker', 'redis://127.0.0.1:1/0'], /^robonav: robonav actor: say which jobs to take: --eval/],
      [['actor', '--eval', '--broker', 'localhost'], /^robonav: --broker "localhost": /],
      [['actor', '--eval'], /required option '--broker <url>'/],
      [['actor', '--eval', '--broker', 'redis://127.0.0.1:1/0', '--reclaim-after', 'soon'], /--reclaim-after.*expected a number/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(args, env)));
    runs.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    });
  }, 60_000);
});
