/**
 * `robonav pretrain cnn|gan|rnn --data DIR --out DIR`: pretrain perception modules on a collected
 * dataset (see `robonav collect`). Each writes `DIR/pretrain.json` and an `encoder/` (plus `core/`
 * for rnn) that `robonav train --encoder DIR` / `--core DIR` start a policy from.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { initBackend } from '../nn/backend.js';
import { CNN_TASKS, DEFAULT_CNN_TRAIN, trainCnn, type CnnTask } from '../pretrain/cnn.js';
import { DEFAULT_GAN, DEFAULT_GAN_TRAIN, trainGan } from '../pretrain/gan.js';
import { DEFAULT_RNN_TRAIN, trainRnn } from '../pretrain/rnn.js';
import type { CoreKind } from '../nn/cores.js';
import type { CnnKind } from '../nn/encoders.js';
import { ShardReader } from '../pretrain/dataset/ShardReader.js';
import { choiceOption, integerOption, numberOption, printJsonLine } from './options.js';

interface CommonOptions {
  data: string;
  out: string;
  seed: number;
  json?: boolean;
}

/** Check the folders before anything runs: the data must exist, the output must not. */
function openFolders(options: CommonOptions): ShardReader {
  if (!existsSync(options.data)) throw new UsageError(`--data ${options.data}: no such dataset folder (make one with robonav collect)`);
  if (existsSync(options.out)) throw new UsageError(`--out ${options.out} already exists; choose a new folder`);
  return ShardReader.open(options.data);
}

function logger(json: boolean | undefined): (line: string) => void {
  // With --json, progress goes to stderr so that stdout's last line is the JSON figure.
  return (line) => (json ? process.stderr : process.stdout).write(`${line}\n`);
}

export function register(program: Command): void {
  const pretrain = program
    .command('pretrain')
    .description('Pretrain perception modules (CNN encoder, GAN, RNN core) on a collected dataset.');

  pretrain
    .command('gan')
    .description('Train a DCGAN on 64×64 RGB frames; report the Fréchet distance (fixed random-conv features) at each evaluation.')
    .requiredOption('--data <dir>', 'dataset folder written by robonav collect')
    .requiredOption('--out <dir>', 'output folder (must not exist)')
    .option('--steps <n>', 'generator/discriminator updates', integerOption(1), 2000)
    .option('--batch-size <n>', 'real frames per update', integerOption(2), DEFAULT_GAN_TRAIN.batchSize)
    .option('--eval-every <n>', 'updates between Fréchet evaluations and sample grids', integerOption(1), DEFAULT_GAN_TRAIN.evalEvery)
    .option('--eval-samples <n>', 'frames per Fréchet evaluation', integerOption(2), DEFAULT_GAN_TRAIN.evalSamples)
    .option('--width <n>', 'generator channels at 4×4 (halved per upsampling)', integerOption(8), DEFAULT_GAN.generatorWidth)
    .option('--lr <x>', 'Adam learning rate of both nets', numberOption(1e-7, 1), DEFAULT_GAN.learningRate)
    .option(
      '--discriminator <kind>',
      "dcgan (stronger) | encoder (the agents' encoder shapes: its trunk can initialise a policy)",
      choiceOption(['dcgan', 'encoder'] as const),
      DEFAULT_GAN.discriminator,
    )
    .option('--seed <n>', 'seed of nets, noise and batch order', integerOption(0), 0)
    .option('--json', 'print the figures as one JSON line at the end')
    .action(
      async (
        o: CommonOptions & {
          steps: number;
          batchSize: number;
          evalEvery: number;
          evalSamples: number;
          width: number;
          lr: number;
          discriminator: 'dcgan' | 'encoder';
        },
      ) => {
        const reader = openFolders(o);
        await initBackend();
        const result = await trainGan(
          reader,
          o.out,
          { steps: o.steps, batchSize: o.batchSize, evalEvery: o.evalEvery, evalSamples: o.evalSamples, seed: o.seed, log: logger(o.json) },
          { generatorWidth: o.width, learningRate: o.lr, discriminator: o.discriminator },
        );
        if (o.json) printJsonLine({ out: o.out, ...result });
      },
    );

  pretrain
    .command('cnn')
    .description("Pretrain the agents' image encoder with a decoder head: autoencoder, depth from RGB, or semantic segmentation.")
    .requiredOption('--task <task>', `${CNN_TASKS.join(' | ')}`, choiceOption(CNN_TASKS))
    .requiredOption('--data <dir>', 'dataset folder written by robonav collect')
    .requiredOption('--out <dir>', 'output folder (must not exist)')
    .option('--val <dir>', 'validation dataset (default: hold out ~10% of the scenes of --data)')
    .option(
      '--input <field>',
      'encoder input: rgb or depth (depth/semantic tasks read rgb)',
      choiceOption(['rgb', 'depth'] as const),
      'rgb',
    )
    .option(
      '--cnn <kind>',
      'encoder architecture, as for robonav train',
      choiceOption(['auto', 'nature', 'impala', 'small'] as const),
      DEFAULT_CNN_TRAIN.cnn,
    )
    .option('--steps <n>', 'gradient updates', integerOption(1), DEFAULT_CNN_TRAIN.steps)
    .option('--batch-size <n>', 'frames per update', integerOption(1), DEFAULT_CNN_TRAIN.batchSize)
    .option('--lr <x>', 'Adam learning rate', numberOption(1e-7, 1), DEFAULT_CNN_TRAIN.learningRate)
    .option('--eval-every <n>', 'updates between validation passes', integerOption(1), DEFAULT_CNN_TRAIN.evalEvery)
    .option(
      '--val-frames <n>',
      'validation frames per pass (the first ones, in recorded order)',
      integerOption(1),
      DEFAULT_CNN_TRAIN.valFrames,
    )
    .option('--seed <n>', 'seed of weights and batch order', integerOption(0), 0)
    .option('--json', 'print the final validation metrics as one JSON line at the end')
    .action(
      async (
        o: CommonOptions & {
          task: CnnTask;
          val?: string;
          input: 'rgb' | 'depth';
          cnn: 'auto' | 'nature' | 'impala' | 'small';
          steps: number;
          batchSize: number;
          lr: number;
          evalEvery: number;
          valFrames: number;
        },
      ) => {
        const reader = openFolders(o);
        if (o.val !== undefined && !existsSync(o.val)) throw new UsageError(`--val ${o.val}: no such dataset folder`);
        const val = o.val === undefined ? null : ShardReader.open(o.val);
        await initBackend();
        const result = await trainCnn(reader, val, o.out, {
          task: o.task,
          input: o.task === 'autoencoder' ? o.input : 'rgb',
          cnn: o.cnn,
          steps: o.steps,
          batchSize: o.batchSize,
          learningRate: o.lr,
          evalEvery: o.evalEvery,
          valFrames: o.valFrames,
          seed: o.seed,
          log: logger(o.json),
        });
        if (o.json) printJsonLine({ out: o.out, ...result });
      },
    );

  pretrain
    .command('rnn')
    .description(
      'Pretrain a GRU/LSTM core as a sequence model: next-step latent and odometry (Δx, Δy, Δθ) from encoder features and actions.',
    )
    .requiredOption('--data <dir>', 'dataset folder written by robonav collect')
    .requiredOption('--out <dir>', 'output folder (must not exist)')
    .option('--val <dir>', 'validation dataset (default: hold out ~10% of the scenes of --data)')
    .option('--encoder <dir>', 'a pretrained encoder (robonav pretrain cnn|gan output); default: a fixed seeded encoder')
    .option('--core <kind>', 'gru | lstm, as network.core of the policy', choiceOption(['gru', 'lstm'] as const), DEFAULT_RNN_TRAIN.core)
    .option(
      '--core-size <n>',
      'hidden units of the core, as network.coreSize of the policy that will use it',
      integerOption(1),
      DEFAULT_RNN_TRAIN.coreSize,
    )
    .option('--input <field>', 'frames the encoder reads', choiceOption(['rgb', 'depth'] as const), DEFAULT_RNN_TRAIN.input)
    .option(
      '--cnn <kind>',
      'architecture of the fixed seeded encoder (without --encoder), as network.cnn of the policy that will use the core',
      choiceOption(['auto', 'nature', 'impala', 'small'] as const),
      DEFAULT_RNN_TRAIN.cnn,
    )
    .option('--seq-len <n>', 'transitions per training window', integerOption(1), DEFAULT_RNN_TRAIN.seqLen)
    .option('--steps <n>', 'gradient updates', integerOption(1), DEFAULT_RNN_TRAIN.steps)
    .option('--batch-size <n>', 'windows per update', integerOption(1), DEFAULT_RNN_TRAIN.batchSize)
    .option('--lr <x>', 'Adam learning rate', numberOption(1e-7, 1), DEFAULT_RNN_TRAIN.learningRate)
    .option('--eval-every <n>', 'updates between validation passes', integerOption(1), DEFAULT_RNN_TRAIN.evalEvery)
    .option('--val-windows <n>', 'validation windows per pass', integerOption(1), DEFAULT_RNN_TRAIN.valWindows)
    .option('--seed <n>', 'seed of weights and batch order', integerOption(0), 0)
    .option('--json', 'print the final validation metrics as one JSON line at the end')
    .action(
      async (
        o: CommonOptions & {
          val?: string;
          encoder?: string;
          core: CoreKind;
          coreSize: number;
          input: 'rgb' | 'depth';
          cnn: CnnKind;
          seqLen: number;
          steps: number;
          batchSize: number;
          lr: number;
          evalEvery: number;
          valWindows: number;
        },
      ) => {
        const reader = openFolders(o);
        if (o.val !== undefined && !existsSync(o.val)) throw new UsageError(`--val ${o.val}: no such dataset folder`);
        if (o.encoder !== undefined && !existsSync(o.encoder)) throw new UsageError(`--encoder ${o.encoder}: no such folder`);
        const val = o.val === undefined ? null : ShardReader.open(o.val);
        await initBackend();
        const result = await trainRnn(reader, val, o.out, {
          encoder: o.encoder ?? null,
          core: o.core,
          coreSize: o.coreSize,
          input: o.input,
          cnn: o.cnn,
          seqLen: o.seqLen,
          steps: o.steps,
          batchSize: o.batchSize,
          learningRate: o.lr,
          evalEvery: o.evalEvery,
          valWindows: o.valWindows,
          seed: o.seed,
          log: logger(o.json),
        });
        if (o.json) printJsonLine({ out: o.out, ...result });
      },
    );
}
