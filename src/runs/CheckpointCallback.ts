/**
 * Checkpoints as a training callback (SB3's `CheckpointCallback`): `saveCheckpoint` every N
 * updates and once more when training ends, so a run stopped by its budget or by Ctrl-C can
 * always be resumed from its last update.
 *
 *   await ppo.learn(1e6, { callbacks: [new CheckpointCallback(ppo, 'runs/ppo-1', { every: 10 })] });
 */
import type { TrainingCallback, UpdateRecord } from '../../agents/common/callbacks.js';
import type { OnPolicyAgent } from '../../agents/common/OnPolicyAgent.js';
import { type RunMeta, saveCheckpoint } from './checkpoint.js';

/** Where and how often `CheckpointCallback` saves. */
export interface CheckpointCallbackOptions {
  /** Save every N updates; 0 saves only at the end. @default 10 */
  every?: number;
  /** Recorded with every checkpoint and its policy (env id and options, so eval and resume can rebuild the env). @default {} */
  meta?: RunMeta;
}

/** Saves a checkpoint of the agent into a run directory every N updates and once more at the end of `learn()`. */
export class CheckpointCallback implements TrainingCallback {
  /** The directory of the last checkpoint written, or null before the first. */
  lastCheckpoint: string | null = null;
  private savedUpdate = -1;
  private readonly every: number;

  constructor(
    private readonly agent: OnPolicyAgent,
    private readonly runDir: string,
    private readonly options: CheckpointCallbackOptions = {},
  ) {
    this.every = options.every ?? 10;
    if (!Number.isInteger(this.every) || this.every < 0)
      throw new RangeError(`CheckpointCallback: every must be an integer >= 0, got ${this.every}`);
  }

  async onUpdate(record: UpdateRecord): Promise<void> {
    if (this.every > 0 && record.update % this.every === 0) await this.save();
  }

  async onTrainingEnd(): Promise<void> {
    if (this.savedUpdate !== this.agent.update) await this.save();
  }

  private async save(): Promise<void> {
    this.lastCheckpoint = await saveCheckpoint(this.runDir, this.agent, this.options.meta ?? {});
    this.savedUpdate = this.agent.update;
  }
}
