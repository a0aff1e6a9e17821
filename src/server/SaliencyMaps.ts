/**
 * Saliency maps for the viewer server: what a policy looks at in the agent's camera, computed only
 * for the clients that asked (`saliency` control message) and sent as binary frames of kind
 * 'saliency' after the step's camera frames.
 *
 * - `ReplaySaliency`: a saved policy over a recording's episodes. The observation of each step is
 *   rebuilt from the recorded frames and poses (`src/runs/recordedObservation.ts`); a recurrent
 *   policy is stepped through the episode's observations up to the step, so its map uses the state
 *   it would carry there.
 * - `LiveSaliency`: the network in training over env 0's streamed frames and poses, with the current
 *   weights. A recurrent network is not offered: the state of env 0 lives in the rollout, not here.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainedPolicy } from '../../agents/TrainedPolicy.js';
import { Box, Dict, type Space } from '../core/spaces.js';
import { combinedMap, PolicySaliency, SALIENCY_METHODS, type SaliencyPolicyInfo, type SaliencyResult } from '../nn/saliency.js';
import {
  observationFromParts,
  observationProblem,
  recordedObservation,
  recordedObservationProblem,
  type ObservationParts,
} from '../runs/recordedObservation.js';
import type { RecordedEpisode } from '../runs/Recording.js';
import { encodeFrame, FRAME_KINDS, MAX_SALIENCY_SIDE, type FrameKind, type SaliencyMethodName } from '../stream/protocol.js';

/** Interpolation steps of integrated gradients for viewer maps: fewer than `robonav explain`'s 32, since every shown step gets a map. */
export const VIEWER_IG_STEPS = 16;
/** Maps kept per replay (a seek back or a second viewer at the same step reuses them). */
const CACHE_SIZE = 256;

/**
 * One saliency frame of a result: the maps of the policy's camera inputs of the first one's size
 * combined by maximum, as uint8 (0..255 for [0, 1]); null without a map or for a map too large.
 */
export function saliencyFrame(result: SaliencyResult, episode: number, step: number): Uint8Array | null {
  const map = combinedMap(result.maps);
  if (map === null || Math.max(map.width, map.height) > MAX_SALIENCY_SIDE) return null;
  const data = Uint8Array.from(map.data, (v) => Math.round(255 * v));
  return encodeFrame({ kind: 'saliency', dtype: 'uint8', channels: 1, width: map.width, height: map.height, episode, step }, data);
}

/** The camera channels (frame kinds) among a policy's observation keys. */
export function cameraKinds(space: Space): FrameKind[] {
  if (!(space instanceof Dict)) return [];
  return FRAME_KINDS.filter((k) => {
    const sub = (space.spaces as Record<string, Space>)[k];
    return sub instanceof Box && sub.shape.length === 3;
  });
}

/** A saved policy's saliency maps over the episodes of a replay. */
export class ReplaySaliency {
  readonly methods: SaliencyMethodName[] = [...SALIENCY_METHODS];
  private readonly saliency: PolicySaliency;
  private readonly cache = new Map<string, Uint8Array | null>();
  /** Where the policy's recurrent state stands: before the observation of `next` in episode `index`. */
  private cursor: { index: number; next: number } | null = null;

  private constructor(
    private readonly policy: TrainedPolicy,
    private readonly episodes: readonly RecordedEpisode[],
  ) {
    this.saliency = new PolicySaliency(policy.model, policy.info);
  }

  /**
   * Maps of `policy` over `episodes`, or a sentence saying why there can be none (the policy has no
   * camera, or the recording lacks something the policy reads).
   */
  static create(policy: TrainedPolicy, episodes: readonly RecordedEpisode[]): ReplaySaliency | { problem: string } {
    if (cameraKinds(policy.observationSpace).length === 0) return { problem: `the policy ${policy.name} has no camera input` };
    for (const episode of episodes) {
      const problem = recordedObservationProblem(policy.observationSpace, episode);
      if (problem !== null) return { problem: `episode ${episode.index}: ${problem}` };
    }
    return new ReplaySaliency(policy, episodes);
  }

  /** The encoded saliency frame of playlist episode `index` at `step` (0 = the reset view), or null. */
  frame(index: number, step: number, method: SaliencyMethodName): Uint8Array | null {
    const key = `${index}:${step}:${method}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const episode = this.episodes[index]!;
    const state = this.stateAt(index, step);
    const obs = recordedObservation(this.policy.observationSpace, episode, step);
    const result = this.saliency.compute(method, obs as Record<string, Uint8Array | Float32Array>, state, { steps: VIEWER_IG_STEPS });
    const bytes = saliencyFrame(result, index, step);
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, bytes);
    return bytes;
  }

  /** The recurrent state before the observation of `step`: the policy stepped through the episode's earlier observations. */
  private stateAt(index: number, step: number): readonly tf.Tensor[] {
    if (this.policy.info.core === null) return [];
    if (this.cursor === null || this.cursor.index !== index || this.cursor.next > step) {
      this.policy.reset();
      this.cursor = { index, next: 0 };
    }
    const episode = this.episodes[index]!;
    for (; this.cursor.next < step; this.cursor.next++)
      this.policy.act(recordedObservation(this.policy.observationSpace, episode, this.cursor.next));
    return this.policy.recurrentState;
  }
}

/** The network in training's saliency maps over env 0's streamed frames and poses, with its current weights. */
export class LiveSaliency {
  readonly methods: SaliencyMethodName[] = [...SALIENCY_METHODS];
  /** The camera channels the maps need streamed. */
  readonly kinds: FrameKind[];
  private readonly saliency: PolicySaliency;

  private constructor(
    private readonly observationSpace: Space,
    model: tf.LayersModel,
    info: SaliencyPolicyInfo,
  ) {
    this.saliency = new PolicySaliency(model, info);
    this.kinds = cameraKinds(observationSpace);
  }

  /**
   * Maps of the network (`model`: its layers model, which shares the training weights), or a
   * sentence saying why there can be none.
   */
  static create(observationSpace: Space, model: tf.LayersModel, info: SaliencyPolicyInfo): LiveSaliency | { problem: string } {
    if (info.core !== null)
      return {
        problem: 'a recurrent policy is explained on replays (robonav view FILE.rec --policy RUN), where its state is carried along',
      };
    if (cameraKinds(observationSpace).length === 0) return { problem: 'the policy has no camera input' };
    return new LiveSaliency(observationSpace, model, info);
  }

  /** The encoded saliency frame of the observation `parts` describe, or null when it cannot be rebuilt. */
  frame(parts: ObservationParts, method: SaliencyMethodName, episode: number, step: number): Uint8Array | null {
    if (observationProblem(this.observationSpace, parts) !== null) return null;
    const obs = observationFromParts(this.observationSpace, parts);
    return saliencyFrame(
      this.saliency.compute(method, obs as Record<string, Uint8Array | Float32Array>, [], { steps: VIEWER_IG_STEPS }),
      episode,
      step,
    );
  }
}
