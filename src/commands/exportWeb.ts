/**
 * `robonav export-web runs/NAME --out site/ [--env ID] [--env-options JSON] [--split test]
 * [--episodes N] [--seed S] [--quantize float32|float16|uint8|auto] [--json]`: write a static page in which the trained policy drives the
 * robot in the visitor's browser — env, physics, camera and policy all run there, with no robonav
 * server (`src/eval/exportWeb.ts`). The page runs the split's fixed episodes with the most likely
 * actions and shows each one's success, SPL and steps; open `site/index.html` or put the folder on
 * any static host. The weights go out quantised: by default the smallest of float32, float16 and
 * uint8 whose test SPL stays inside the float32 policy's interval (as `robonav quantize --dtype auto`).
 */
import type { Command } from 'commander';
import { type Split, SPLITS } from '../../envs/episodes.js';
import { exportWebPage } from '../eval/exportWeb.js';
import { QUANTIZE_CHOICES, type QuantizeChoice } from '../eval/quantize.js';
import { candidateLines, quantizationTable } from './quantizationTable.js';
import { choiceOption, envOptionsOption, integerOption, printJsonLine } from './options.js';

interface ExportWebFlags {
  out: string;
  env?: string;
  envOptions?: Record<string, unknown>;
  split: Split;
  episodes: number;
  seed: number;
  quantize?: QuantizeChoice;
  quantizeEpisodes: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('export-web')
    .description('Write a static page in which the trained policy runs its test episodes in the browser (no server needed).')
    .argument('<run>', 'a training run directory (runs/NAME), a checkpoint or a policy folder')
    .requiredOption('--out <dir>', 'the folder to write (created if missing)')
    .option('--env <id>', "registered env id (default: the run's env)")
    .option('--env-options <json>', "JSON object of env options (default: the run's own, from its run.json)", envOptionsOption)
    .option('--split <split>', `episode split: ${SPLITS.join(' | ')}`, choiceOption(SPLITS), 'test')
    .option('--episodes <n>', 'number of fixed episodes the page runs', integerOption(1), 20)
    .option('--seed <n>', 'episode i is reset with seed + i, as robonav eval --seed does', integerOption(0), 0)
    .option(
      '--quantize <dtype>',
      "weights as float32 | float16 | uint8 | auto: the smallest whose test SPL mean lies inside the float32 policy's 95% interval (default auto; a quantised policy goes out as it is)",
      choiceOption(QUANTIZE_CHOICES),
    )
    .option('--quantize-episodes <n>', 'auto: test episodes per weight type', integerOption(1), 100)
    .option('--json', 'print one JSON line: {"out","env","envOptions","episodes","files":[{"name","bytes"}],"bytes","quantization"}')
    .action(async (run: string, flags: ExportWebFlags) => {
      const result = await exportWebPage({
        target: run,
        out: flags.out,
        ...(flags.env !== undefined ? { env: flags.env } : {}),
        ...(flags.envOptions !== undefined ? { envOptions: flags.envOptions } : {}),
        split: flags.split,
        episodes: flags.episodes,
        seed: flags.seed,
        ...(flags.quantize !== undefined ? { quantize: flags.quantize } : {}),
        quantizeEpisodes: flags.quantizeEpisodes,
        onQuantizeEpisode: (dtype, i, total) => {
          if (!flags.json && ((i + 1) % 20 === 0 || i + 1 === total)) process.stderr.write(`\r${dtype}: ${i + 1}/${total} test episodes`);
          if (!flags.json && i + 1 === total) process.stderr.write('\n');
        },
      });
      const candidates = result.quantization.candidates ? candidateLines(result.quantization.candidates) : null;
      if (flags.json) {
        printJsonLine({ ...result, quantization: { dtype: result.quantization.dtype, candidates } });
        return;
      }
      const table = candidates
        ? quantizationTable(
            `${result.env} · test split · ${flags.quantizeEpisodes} episodes per weight type`,
            candidates,
            result.quantization.dtype,
          )
        : [];
      const lines = [
        ...table,
        `wrote ${result.out}: ${result.env}, ${result.episodes} ${flags.split} episodes, ${result.quantization.dtype} weights, ${formatBytes(result.bytes)}`,
      ];
      for (const f of result.files) lines.push(`  ${f.name.padEnd(14)}${formatBytes(f.bytes).padStart(10)}`);
      lines.push(`open ${result.out}/index.html in a browser, or serve the folder from any static host`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}
