import { describe, expect, it } from 'vitest';
import { SyncVectorEnv } from '../../envs/vector/SyncVectorEnv.js';
import { WorkerVectorEnv } from '../../envs/vector/WorkerVectorEnv.js';
import { relayedEnv } from '../../src/stream/relayWorker.js';
import { streamerFor, type EpisodeSink } from '../../src/stream/EpisodeStreamer.js';
import { RelayedEpisodes } from '../../src/stream/RelayedEpisodes.js';
import type { EpisodeEndMessage, FrameHeader, FrameKind, SceneMessage, StepMessage } from '../../src/stream/protocol.js';
import { make } from '../../envs/registry.js';

const ID = 'PointNav-Easy-v0';
/** A small RGB-D camera keeps the test fast; both channels are streamed. */
const OPTIONS = { sensors: ['rgb', 'depth', 'pointgoal'], cameraSize: 16 };

type Logged =
  | { type: 'scene' | 'resync'; message: SceneMessage }
  | { type: 'step'; message: StepMessage }
  | { type: 'episodeEnd'; message: EpisodeEndMessage }
  | { type: 'frame'; header: FrameHeader; data: number[] };

/** Logs everything in the order it arrives. */
class LoggingSink implements EpisodeSink {
  listening = true;
  kinds: FrameKind[] = ['rgb', 'depth'];
  readonly log: Logged[] = [];
  wantsEpisodes(): boolean {
    return this.listening;
  }
  wantsFrames(): readonly FrameKind[] {
    return this.kinds;
  }
  scene(message: SceneMessage): void {
    this.log.push({ type: 'scene', message });
  }
  step(message: StepMessage): void {
    this.log.push({ type: 'step', message });
  }
  episodeEnd(message: EpisodeEndMessage): void {
    this.log.push({ type: 'episodeEnd', message });
  }
  frame(header: FrameHeader, data: Uint8Array | Float32Array): void {
    this.log.push({ type: 'frame', header, data: Array.from(data) });
  }
  resync(message: SceneMessage): void {
    this.log.push({ type: 'resync', message });
  }
}

/** 60 env-0 actions: mostly forward and turning, STOP at steps 20 and 45, so three episodes begin. */
const ACTIONS = Array.from({ length: 60 }, (_, t) => (t === 19 || t === 44 ? 0 : 1 + (t % 3)));

/** Env 0 streamed in this thread: SyncVectorEnv with env 0 wrapped by a streamer. */
function inThread(sink: LoggingSink, numEnvs: number): { venv: SyncVectorEnv; streamer: ReturnType<typeof streamerFor> } {
  const env0 = make(ID, OPTIONS);
  const streamer = streamerFor(env0, { task: ID });
  streamer.addSink(sink);
  return { venv: new SyncVectorEnv((i) => (i === 0 ? streamer.wrap(env0) : make(ID, OPTIONS)), numEnvs), streamer };
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('RelayedEpisodes', () => {
  it("delivers env 0's episodes from its worker exactly as the in-thread streamer makes them for the same seed", async () => {
    const local = new LoggingSink();
    const { venv: sync } = inThread(local, 2);
    const workers = await WorkerVectorEnv.create(ID, { numEnvs: 2, numWorkers: 2, options: OPTIONS, wrapper: relayedEnv(0, { task: ID }) });
    const relayed = new LoggingSink();
    const relay = new RelayedEpisodes(workers);
    relay.addSink(relayed);
    const venv = relay.wrap(workers);
    try {
      expect(relay.frameKinds).toEqual(['rgb', 'depth']);
      expect(relay.actionNames).toEqual(['STOP', 'MOVE_FORWARD', 'TURN_LEFT', 'TURN_RIGHT']);
      await sync.reset({ seed: 7 });
      await venv.reset({ seed: 7 });
      for (const a of ACTIONS) {
        // Env 1 turns in place; only env 0 is streamed.
        await sync.step(Int32Array.of(a, 2));
        await venv.step(Int32Array.of(a, 2));
      }
      await until(() => relayed.log.length >= local.log.length, `${local.log.length} relayed messages`);
      // Scenes, steps (poses, rewards, returns, metrics), episode ends and frames, in the same order.
      expect(local.log.filter((m) => m.type === 'scene')).toHaveLength(3);
      expect(local.log.filter((m) => m.type === 'episodeEnd')).toHaveLength(2);
      expect(local.log.filter((m) => m.type === 'frame')).toHaveLength(2 * (ACTIONS.length + 3));
      expect(relayed.log).toEqual(local.log);
    } finally {
      await sync.close();
      await venv.close();
    }
  });

  it('posts nothing while no sink listens, and answers a late joiner with the scene and trail so far', async () => {
    const local = new LoggingSink();
    const { venv: sync, streamer } = inThread(local, 1);
    const workers = await WorkerVectorEnv.create(ID, { numEnvs: 1, options: OPTIONS, wrapper: relayedEnv(0, { task: ID }) });
    const relayed = new LoggingSink();
    relayed.listening = false;
    const relay = new RelayedEpisodes(workers);
    relay.addSink(relayed);
    const venv = relay.wrap(workers);
    try {
      await sync.reset({ seed: 3 });
      await venv.reset({ seed: 3 });
      for (const a of ACTIONS.slice(0, 8)) {
        await sync.step(Int32Array.of(a));
        await venv.step(Int32Array.of(a));
      }
      // A message would be on its way by now; none is.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(relayed.log).toEqual([]);

      // A viewer joins: no scene at hand here, so the worker is asked and answers before its next step.
      relayed.listening = true;
      relayed.kinds = [];
      expect(relay.currentScene()).toBeNull();
      const snapshot = streamer.currentScene()!;
      expect(snapshot.trail).toHaveLength(2 * 9);
      await sync.step(Int32Array.of(1));
      await venv.step(Int32Array.of(1));
      await until(() => relayed.log.length >= 2, 'the resync and the next step');
      expect(relayed.log).toEqual([
        { type: 'resync', message: snapshot },
        // No frames: the sink wants none.
        local.log.filter((m) => m.type === 'step').at(-1),
      ]);
      expect(relayed.log[1]).toMatchObject({ type: 'step', message: { step: 9 } });
    } finally {
      await sync.close();
      await venv.close();
    }
  });

  it('needs a vector env made with `stream`', async () => {
    const workers = await WorkerVectorEnv.create(ID, { numEnvs: 1, options: OPTIONS });
    try {
      expect(workers.wrapperChannel).toBeNull();
      expect(() => new RelayedEpisodes(workers)).toThrow(/streams no env/);
    } finally {
      await workers.close();
    }
  });
});
