import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/core/Env.js';
import { UsageError } from '../../src/core/errors.js';
import { Box, Discrete } from '../../src/core/spaces.js';
import { streamerFor, type EpisodeSink } from '../../src/stream/EpisodeStreamer.js';
import type { EpisodeEndMessage, FrameHeader, FrameKind, SceneMessage, StepMessage } from '../../src/stream/protocol.js';
import { FakeNavEnv, scriptedActions } from '../server/fixtures.js';

/** Records everything it is given. */
class CollectingSink implements EpisodeSink {
  listening = true;
  kinds: FrameKind[] = [];
  scenes: SceneMessage[] = [];
  steps: StepMessage[] = [];
  ends: EpisodeEndMessage[] = [];
  frames: Array<{ header: FrameHeader; first: number }> = [];
  wantsEpisodes(): boolean {
    return this.listening;
  }
  wantsFrames(): readonly FrameKind[] {
    return this.kinds;
  }
  scene(m: SceneMessage): void {
    this.scenes.push(m);
  }
  step(m: StepMessage): void {
    this.steps.push(m);
  }
  frame(header: FrameHeader, data: Uint8Array | Float32Array): void {
    this.frames.push({ header, first: data[0]! });
  }
  episodeEnd(m: EpisodeEndMessage): void {
    this.ends.push(m);
  }
}

describe('EpisodeStreamer', () => {
  it('turns an episode into scene, steps with running return and metrics, and episodeEnd', () => {
    const inner = new FakeNavEnv();
    const streamer = streamerFor(inner, { task: 'Fake-v0' });
    const sink = new CollectingSink();
    sink.kinds = ['rgb', 'depth'];
    streamer.addSink(sink);
    const env = streamer.wrap(inner);
    // The wrapper is the env itself for everything but reset/step (privileged users like the oracle need that).
    expect(env).toBeInstanceOf(FakeNavEnv);
    expect(env.scene).toBe(inner.scene);
    expect(env.world).toBe(inner.world);
    expect(env.geodesic.distance(1, 1)).toBeCloseTo(Math.hypot(4, 4), 12);
    env.reset();
    let total = 0;
    for (const a of scriptedActions()) total += env.step(a).reward;

    expect(streamer.frameKinds).toEqual(['rgb', 'depth']);
    expect(sink.scenes).toHaveLength(1);
    expect(sink.scenes[0]).toMatchObject({
      type: 'scene',
      episode: 0,
      task: 'Fake-v0',
      start: { x: 1, z: 1, yaw: 0 },
      goals: [[5, 5]],
      shortestPath: [
        [1, 1],
        [5, 5],
      ],
    });
    expect(sink.scenes[0]!.goalLabel).toBeUndefined();
    expect(sink.scenes[0]!.spec).toBe(inner.scene);
    expect(sink.steps).toHaveLength(26);
    const last = sink.steps.at(-1)!;
    expect(last).toMatchObject({ episode: 0, step: 26, action: 0 });
    expect(last.return).toBeCloseTo(total, 12);
    expect(last.pose).toEqual(inner.world.pose);
    expect(last.pose).not.toBe(inner.world.pose); // a copy, not the env's live object
    expect(last.dynamic).toEqual(Array.from(inner.world.dynamicPoses));
    // 20 forward moves of 0.25 m, none clamped by the floor's edge.
    expect(last.metrics.pathLength).toBeCloseTo(5, 9);
    expect(last.metrics.distanceToGoal).toBeCloseTo(inner.geodesic.distance(last.pose.x, last.pose.z), 12);
    expect(sink.ends).toEqual([
      {
        type: 'episodeEnd',
        episode: 0,
        steps: 26,
        return: last.return,
        terminated: true,
        truncated: false,
        metrics: { ...last.metrics, steps: 26 },
      },
    ]);
    // Frames: the reset view and one per step, for each wanted channel, tagged with the step.
    expect(sink.frames).toHaveLength(2 * 27);
    expect(sink.frames.filter((f) => f.header.kind === 'rgb').map((f) => f.header.step)).toEqual([...Array(27).keys()]);
    expect(sink.frames.find((f) => f.header.kind === 'rgb' && f.header.step === 5)!.first).toBe(5);
    expect(sink.frames[1]!.header).toMatchObject({ kind: 'depth', dtype: 'float32', width: 8, height: 8, channels: 1 });
  });

  it('builds nothing while no sink listens, and gives a late joiner the trail so far', () => {
    const inner = new FakeNavEnv();
    const streamer = streamerFor(inner);
    const sink = new CollectingSink();
    sink.listening = false;
    streamer.addSink(sink);
    const env = streamer.wrap(inner);
    env.reset();
    for (const a of [3, 1, 1, 1]) env.step(a);
    expect(sink.scenes.length + sink.steps.length + sink.frames.length).toBe(0);

    const scene = streamer.currentScene()!;
    expect(scene.episode).toBe(0);
    // Start plus one position per step.
    expect(scene.trail).toHaveLength(2 * 5);
    expect(scene.trail!.slice(-2)).toEqual([Math.fround(inner.world.pose.x), Math.fround(inner.world.pose.z)]);
    expect(scene.pose).toEqual(inner.world.pose);

    sink.listening = true;
    env.step(1);
    expect(sink.steps.map((s) => s.step)).toEqual([5]);
    // The next episode starts afresh.
    env.reset();
    expect(sink.scenes.at(-1)).toMatchObject({ episode: 1 });
    expect(streamer.currentScene()!.trail).toEqual([1, 1]);
  });

  it("takes the goals from the env's episode: a goal point, or the instances of a goal category", () => {
    const inner = new FakeNavEnv();
    const streamer = streamerFor(inner);
    const scenes: SceneMessage[] = [];
    streamer.addSink({
      wantsEpisodes: () => true,
      wantsFrames: () => [],
      scene: (m) => scenes.push(m),
      step: () => {},
      frame: () => {},
      episodeEnd: () => {},
    });
    const env = streamer.wrap(inner);
    const withEpisode = inner as FakeNavEnv & { episode: { goal?: [number, number]; category?: string } };
    withEpisode.episode = { goal: [2, 3] };
    env.reset();
    expect(scenes[0]!.goals).toEqual([[2, 3]]);
    // Category "chair" (id 4 in the test scene) is not among the scene's goals: no goal positions.
    withEpisode.episode = { category: 'chair' };
    env.reset();
    expect(scenes[1]).toMatchObject({ goals: [], goalLabel: 'chair' });
  });

  it('refuses an env without a scene', () => {
    const plain = { observationSpace: new Box(0, 1, [1]), actionSpace: new Discrete(2) } as unknown as Env;
    expect(() => streamerFor(plain, { task: 'CartPole-v1' })).toThrow(UsageError);
    expect(() => streamerFor(plain, { task: 'CartPole-v1' })).toThrow(/CartPole-v1 cannot be viewed/);
  });
});
