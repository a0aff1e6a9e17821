/**
 * Stack the last k observations along the last axis, so a feed-forward policy sees motion
 * (Mnih et al. 2015 stack 4 frames). An image [H, W, C] becomes [H, W, C·k] (channels of the
 * oldest frame first), a vector [d] becomes [d·k]. On reset the stack is filled with the first
 * observation (Gymnasium's FrameStackObservation pads with the reset observation the same way).
 *
 * Observation Space: each stacked Box keeps its bounds and dtype, tiled k times along the last axis.
 * With a Dict, `keys` chooses the entries to stack (default: all); the others pass unchanged.
 * The returned arrays are owned by the wrapper and overwritten on the next reset/step.
 */
import type { Action, Env, Observation, ResetArgs, ResetResult, StepResult } from '../../src/core/Env.js';
import { Box, Dict, type Space } from '../../src/core/spaces.js';
import { Wrapper } from './Wrapper.js';

interface Stacked {
  key: string | null;
  /** Values per step along the last axis (C for images, d for vectors). */
  inner: number;
  /** Positions along the other axes (H·W for images, 1 for vectors). */
  outer: number;
  out: Float32Array | Uint8Array;
}

/** Stacks the last k observations on the last axis (images: channels; vectors: values), oldest first. */
export class FrameStack extends Wrapper {
  override readonly observationSpace: Space;
  private readonly stacked: Stacked[] = [];

  constructor(
    env: Env,
    readonly k: number,
    keys?: readonly string[],
  ) {
    super(env);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`FrameStack: k must be a positive integer, got ${k}`);
    const space = env.observationSpace;
    if (space instanceof Box) {
      this.observationSpace = this.stackBox(null, space);
    } else if (space instanceof Dict) {
      const subs = space.spaces as Record<string, Space>;
      for (const key of keys ?? []) if (!(key in subs)) throw new RangeError(`FrameStack: no key "${key}" in ${space.toString()}`);
      const out: Record<string, Space> = {};
      for (const [key, sub] of Object.entries(subs)) {
        const chosen = keys === undefined || keys.includes(key);
        if (chosen && !(sub instanceof Box))
          throw new TypeError(`FrameStack: "${key}" is ${sub.toString()}, only Box observations can be stacked`);
        out[key] = chosen ? this.stackBox(key, sub as Box) : sub;
      }
      this.observationSpace = new Dict(out);
    } else {
      throw new TypeError(`FrameStack: expected a Box or Dict observation space, got ${space.toString()}`);
    }
  }

  private stackBox(key: string | null, box: Box): Box {
    const inner = box.shape[box.shape.length - 1]!;
    const outer = box.size / inner;
    const shape = [...box.shape.slice(0, -1), inner * this.k];
    const tile = (a: Float32Array): Float32Array => {
      const t = new Float32Array(box.size * this.k);
      for (let o = 0; o < outer; o++)
        for (let f = 0; f < this.k; f++) t.set(a.subarray(o * inner, (o + 1) * inner), (o * this.k + f) * inner);
      return t;
    };
    this.stacked.push({
      key,
      inner,
      outer,
      out: box.dtype === 'uint8' ? new Uint8Array(box.size * this.k) : new Float32Array(box.size * this.k),
    });
    return new Box(tile(box.low), tile(box.high), shape, box.dtype);
  }

  override reset(args?: ResetArgs): ResetResult {
    const { obs, info } = this.env.reset(args);
    for (const s of this.stacked) for (let f = 0; f < this.k; f++) this.push(s, part(obs, s.key));
    return { obs: this.output(obs), info };
  }

  override step(action: Action): StepResult {
    const result = this.env.step(action);
    for (const s of this.stacked) this.push(s, part(result.obs, s.key));
    return { ...result, obs: this.output(result.obs) };
  }

  /** Shift every position's k·inner block left by one frame and write the newest frame last. */
  private push(s: Stacked, frame: Float32Array | Uint8Array): void {
    const { inner, outer, out } = s;
    const block = inner * this.k;
    for (let o = 0; o < outer; o++) {
      const base = o * block;
      out.copyWithin(base, base + inner, base + block);
      out.set(frame.subarray(o * inner, (o + 1) * inner), base + block - inner);
    }
  }

  private output(obs: Observation): Observation {
    if (this.stacked.length === 1 && this.stacked[0]!.key === null) return this.stacked[0]!.out;
    const out: Record<string, Observation> = { ...(obs as Record<string, Observation>) };
    for (const s of this.stacked) out[s.key!] = s.out;
    return out as Observation;
  }
}

function part(obs: Observation, key: string | null): Float32Array | Uint8Array {
  return (key === null ? obs : (obs as Record<string, Observation>)[key]) as Float32Array | Uint8Array;
}
