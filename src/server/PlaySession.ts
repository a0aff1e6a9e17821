/**
 * PlaySession: a person drives the robot from the browser. Each `control` message is one env
 * step with the same physics, rewards and metrics agents get; every connected viewer watches the
 * same robot. After an episode ends, the next key press starts a new one (`reset` does it at any time).
 */
import type { Env, Observation } from '../core/Env.js';
import type { EpisodeStreamer } from '../stream/EpisodeStreamer.js';
import { LiveSession } from './LiveSession.js';
import type { ControlMessage } from '../stream/protocol.js';
import type { ViewerClient } from './ViewerServer.js';

/** A person drives the robot from the browser: each control message is one env step, watched by every viewer. */
export class PlaySession extends LiveSession {
  private done = false;

  /** `env` must be `streamer.wrap(inner)` so that its steps reach the viewers. */
  constructor(
    streamer: EpisodeStreamer,
    private readonly env: Env<Observation, number>,
    source: string,
    seed: number,
  ) {
    // A person presses a key a few times a second: send each step at once.
    super(streamer, { mode: 'play', source, batchInterval: 0 });
    env.reset({ seed });
  }

  onControl(_client: ViewerClient, message: ControlMessage): void {
    if (message.action === 'reset' || this.done) {
      this.done = false;
      this.env.reset();
      return;
    }
    const result = this.env.step(message.action);
    this.done = result.terminated || result.truncated;
  }

  override close(): void {
    super.close();
    this.env.close();
  }
}
