/**
 * Watch a loop of your own in the browser: a registered env stepped by a hand-written policy, with
 * the viewer attached: a complete program to copy.
 *
 *   npx tsx examples/watch-custom-loop.ts [--env PointNav-Easy-v0] [--port 8080] [--fps 10] [--steps N]
 *
 * Open the printed address to see the scene, the robot, its path and its camera. The policy turns
 * towards the goal the pointgoal sensor gives (distance m, bearing rad) and moves forward, calling
 * STOP when it is there. `--fps` paces the loop so a person can follow it (0: full speed); the
 * program runs until Ctrl-C, or closes itself after `--steps` steps (also `ROBONAV_EXAMPLE_STEPS`).
 */
import { parseArgs } from 'node:util';
import { attachViewer, make, type Observation } from 'robonav';
import { DiscreteAction } from 'robonav/sim';

const { values: args } = parseArgs({
  options: {
    env: { type: 'string', default: 'PointNav-Easy-v0' },
    port: { type: 'string', default: '8080' },
    fps: { type: 'string', default: '10' },
    steps: { type: 'string', default: process.env.ROBONAV_EXAMPLE_STEPS ?? 'Infinity' },
  },
});
const maxSteps = Number(args.steps);
const fps = Number(args.fps);

/** Half the 10° turn step (rad): a smaller heading error is not worth a turn. */
const HEADING_TOLERANCE = (5 * Math.PI) / 180;
/** Inside PointNav's 0.2 m success distance with a margin: that is geodesic, the sensor's distance straight-line. */
const STOP_DISTANCE = 0.15;

/** Head for the goal: STOP when there, turn when off course, otherwise move forward. */
function act(obs: Observation): number {
  const [distance, bearing] = (obs as Record<string, Float32Array>).pointgoal!;
  if (distance < STOP_DISTANCE) return DiscreteAction.STOP;
  if (bearing > HEADING_TOLERANCE) return DiscreteAction.TURN_LEFT;
  if (bearing < -HEADING_TOLERANCE) return DiscreteAction.TURN_RIGHT;
  return DiscreteAction.MOVE_FORWARD;
}

// Step the env that attachViewer returns in place of your own: it streams its episodes.
const { env, viewer } = await attachViewer(make(args.env), { port: Number(args.port), source: 'custom loop', task: args.env });
console.log(`viewer at ${viewer.url} (Ctrl-C to stop)`);
process.once('SIGINT', () => {
  viewer.close().then(() => process.exit(0));
});

let { obs } = env.reset({ seed: 0 });
let episodes = 0;
let successes = 0;
for (let t = 0; t < maxSteps; t++) {
  const step = env.step(act(obs));
  obs = step.obs;
  if (step.terminated || step.truncated) {
    episodes++;
    successes += step.info.success === 1 ? 1 : 0;
    obs = env.reset().obs;
  }
  // The loop never returns to the event loop by itself: pump() lets browsers connect and subscribe.
  await viewer.pump();
  if (fps > 0) await new Promise((resolve) => setTimeout(resolve, 1000 / fps));
}
console.log(`${maxSteps} steps, ${episodes} episodes, ${successes} successes`);
await viewer.close();
env.close();
