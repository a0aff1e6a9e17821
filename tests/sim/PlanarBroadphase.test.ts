import { Body, Sphere, Vec3, World } from 'cannon-es';
import { describe, expect, it } from 'vitest';
import { PlanarBroadphase } from '../../src/sim/PlanarBroadphase.js';

function disc(x: number, z: number, r: number, type: typeof Body.DYNAMIC | typeof Body.STATIC | typeof Body.KINEMATIC): Body {
  return new Body({ type, mass: type === Body.DYNAMIC ? 1 : 0, shape: new Sphere(r), position: new Vec3(x, 0, z) });
}

describe('PlanarBroadphase', () => {
  it('pairs each mover with the statics its bounds touch, and movers with each other', () => {
    const statics = [disc(0, 0, 0.5, Body.STATIC), disc(3, 0, 0.5, Body.STATIC), disc(10, 10, 0.5, Body.STATIC)];
    const bounds = statics.map((b) => [b.position.x - 0.5, b.position.z - 0.5, b.position.x + 0.5, b.position.z + 0.5] as const);
    const robot = disc(0.6, 0, 0.2, Body.DYNAMIC); // its square [0.4, 0.8] reaches static 0's [−0.5, 0.5]
    const ball = disc(0.6, 0.3, 0.2, Body.DYNAMIC); // 0.3 m from the robot (< 0.4), also over static 0
    const patrol = disc(3.4, 0, 0.2, Body.KINEMATIC); // overlaps static 1 and nothing that moves
    const broadphase = new PlanarBroadphase(statics, bounds, [robot, ball, patrol], Float64Array.from([0.2, 0.2, 0.2]));
    const p1: Body[] = [];
    const p2: Body[] = [];
    broadphase.collisionPairs(new World(), p1, p2);
    const names = new Map<Body, string>([
      [robot, 'robot'],
      [ball, 'ball'],
      [patrol, 'patrol'],
      ...statics.map((b, i) => [b, `static${i}`] as [Body, string]),
    ]);
    const pairs = (): string[] => p1.map((a, i) => `${names.get(a)}-${names.get(p2[i]!)}`);
    expect(pairs()).toEqual(['robot-static0', 'robot-ball', 'ball-static0']);
    // A kinematic body never pairs with a static one (neither can respond), and sleeping movers skip statics.
    ball.sleepState = Body.SLEEPING;
    p1.length = 0;
    p2.length = 0;
    broadphase.collisionPairs(new World(), p1, p2);
    expect(pairs()).toEqual(['robot-static0', 'robot-ball']);
  });
});
