/**
 * `robonav play --env ObjectNav-v0 [--seed 0] [--port 8080] [--host 127.0.0.1] [--token T]`: drive the robot
 * yourself from the browser keyboard (W/↑ forward, A/← left, D/→ right, Space/S stop, R new
 * episode), with the physics, rewards and metrics agents get. Runs until interrupted (Ctrl-C).
 */
import type { Command } from 'commander';
import { make } from '../../envs/registry.js';
import type { Env, Observation } from '../core/Env.js';
import { UsageError } from '../core/errors.js';
import { streamerFor } from '../stream/EpisodeStreamer.js';
import { checkedToken } from '../server/access.js';
import { PlaySession } from '../server/PlaySession.js';
import { ViewerServer } from '../server/ViewerServer.js';
import { integerOption } from './options.js';
import { TOKEN_HELP, untilInterrupted, warnIfExposed } from './view.js';

export function register(program: Command): void {
  program
    .command('play')
    .description('Drive the robot yourself from the browser keyboard (same physics and metrics as agents).')
    .option('--env <id>', 'environment id (robonav envs lists them)', 'ObjectNav-v0')
    .option('--seed <n>', 'seed of the first episode', integerOption(0), 0)
    .option('--port <n>', 'HTTP + WebSocket port (0 = any free port)', integerOption(0), 8080)
    .option(
      '--host <address>',
      'interface to listen on; anything but loopback exposes the viewer to the network, behind an access token',
      '127.0.0.1',
    )
    .option('--token <token>', TOKEN_HELP)
    .action(async (opts: { env: string; seed: number; port: number; host: string; token?: string }) => {
      if (opts.port > 65535) throw new UsageError(`--port: expected an integer in [0, 65535], got ${opts.port}`);
      if (opts.token !== undefined) checkedToken(opts.token);
      const inner = make(opts.env);
      if (inner.actionSpace.type !== 'discrete') {
        inner.close();
        throw new UsageError(`--env ${opts.env}: play mode needs discrete actions`);
      }
      const streamer = streamerFor(inner, { task: opts.env });
      const session = new PlaySession(streamer, streamer.wrap(inner) as Env<Observation, number>, opts.env, opts.seed);
      let server: ViewerServer;
      try {
        server = await ViewerServer.start(session, { port: opts.port, host: opts.host, token: opts.token });
      } catch (err) {
        session.close();
        throw err;
      }
      warnIfExposed(server);
      process.stdout.write(`robonav play: ${opts.env} at ${server.url} (W/A/D or arrows to move, Space to stop, R for a new episode)\n`);
      await untilInterrupted();
      await server.close();
    });
}
