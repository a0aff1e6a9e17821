/**
 * A run's pretrained starting point (--encoder, --freeze-encoder, --core). The folders are checked
 * when the run is planned; their weights are read and copied into the new network when it is built
 * (the shape checks need the network); what was frozen and copied goes into run.json, so a resumed
 * run freezes the same encoder layers without needing the folders any more.
 */
import type { ActorCritic } from '../../nn/ActorCritic.js';
import { FileFormatError, UsageError } from '../../core/errors.js';
import {
  applyPretrainedCore,
  applyPretrainedEncoder,
  type PretrainedModule,
  readManifest,
  readPretrained,
} from '../../pretrain/pretrained.js';
import type { PretrainedStart } from '../../runs/runFile.js';
import type { CleanupStack } from './CleanupStack.js';

/** The pretrained weights of a fresh run, held in memory while its network is built. */
export interface PretrainedModules {
  encoder: PretrainedModule | null;
  core: PretrainedModule | null;
}

/** Check that `dir` is a `robonav pretrain` output (its manifest reads), reported as a bad `flag`. */
export function checkPretrainedFolder(flag: '--encoder' | '--core', dir: string): void {
  try {
    readManifest(dir);
  } catch (err) {
    throw asFlagError(flag, dir, err);
  }
}

/** Read the weights `start` names; each module's disposal goes on `cleanup`. */
export async function readPretrainedModules(start: PretrainedStart, cleanup: CleanupStack): Promise<PretrainedModules> {
  const read = async (flag: '--encoder' | '--core', dir: string | null, part: 'encoder' | 'core'): Promise<PretrainedModule | null> => {
    if (dir === null) return null;
    let module: PretrainedModule;
    try {
      module = await readPretrained(dir, part);
    } catch (err) {
      throw asFlagError(flag, dir, err);
    }
    cleanup.defer(() => module.dispose());
    return module;
  };
  return { encoder: await read('--encoder', start.encoder, 'encoder'), core: await read('--core', start.core, 'core') };
}

/**
 * Copy the modules into a new network (shape-checked: a mismatch is a UsageError naming the flag)
 * and return `start` with the encoder layers it froze and whether the core's input weights were copied.
 */
export function copyPretrained(network: ActorCritic, modules: PretrainedModules, start: PretrainedStart): PretrainedStart {
  const recorded = { ...start };
  if (modules.encoder) {
    const encoder = modules.encoder;
    const copied = asFlag('--encoder', encoder.dir, () =>
      applyPretrainedEncoder(encoder, network.encoder, { freeze: start.freezeEncoder }),
    );
    if (start.freezeEncoder) recorded.frozenLayers = copied.map((name) => network.encoder.layers.findIndex((l) => l.name === name));
  }
  if (modules.core) {
    const core = modules.core;
    const { inputWeights, reason } = asFlag('--core', core.dir, () => applyPretrainedCore(core, network));
    recorded.coreInputWeights = inputWeights;
    if (reason)
      process.stderr.write(
        `robonav train: --core ${core.dir}: copied the recurrent weights and biases; the input weights start fresh: ${reason}\n`,
      );
  }
  return recorded;
}

/** Freeze the encoder layers a run recorded (a resumed run: its checkpoint then restores every weight). */
export function freezeEncoderLayers(network: ActorCritic, frozenLayers: readonly number[]): void {
  for (const i of frozenLayers) network.encoder.layers[i]!.trainable = false;
}

function asFlag<T>(flag: string, dir: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw asFlagError(flag, dir, err);
  }
}

/**
 * A pretraining folder's problem as a bad flag (exit 2): a UsageError's message starts with the
 * folder, so the flag goes before it; a FileFormatError names a file inside the folder.
 */
function asFlagError(flag: string, dir: string, err: unknown): unknown {
  if (err instanceof UsageError) return new UsageError(`${flag} ${err.message}`);
  if (err instanceof FileFormatError) return new UsageError(`${flag} ${dir}: ${err.message}`);
  return err;
}
