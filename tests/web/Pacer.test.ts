/**
 * The exported page's clock: a person who takes the robot ends the policy's turn, even when they
 * hand it back before the policy's next step is due.
 */
import { describe, expect, it } from 'vitest';
import { Pacer, PacerInterrupted } from '../../viewer/src/web/Pacer.js';

describe('Pacer', () => {
  it('lets the policy step while it holds the robot', async () => {
    const pacer = new Pacer();
    pacer.setSpeed(1000);
    const turn = pacer.turn();
    for (let i = 0; i < 3; i++) await pacer.tick(turn);
    expect(() => pacer.check(turn)).not.toThrow();
  });

  it('ends the turn when the person takes over while a step waits, even if they hand back before it is due', async () => {
    const pacer = new Pacer();
    pacer.setSpeed(50);
    const turn = pacer.turn();
    const waiting = pacer.tick(turn);
    pacer.interrupt(true);
    pacer.interrupt(false);
    await expect(waiting).rejects.toBeInstanceOf(PacerInterrupted);
    expect(() => pacer.check(turn)).toThrow(PacerInterrupted);
  });

  it('ends the turn when the person took over while the policy was choosing its action', async () => {
    const pacer = new Pacer();
    pacer.setSpeed(Number.POSITIVE_INFINITY);
    const turn = pacer.turn();
    await pacer.tick(turn);
    pacer.interrupt(true);
    pacer.interrupt(false);
    expect(() => pacer.check(turn)).toThrow(PacerInterrupted);
  });

  it('starts a new turn once the robot is handed back; released() waits for it', async () => {
    const pacer = new Pacer();
    pacer.setSpeed(Number.POSITIVE_INFINITY);
    pacer.interrupt(true);
    await expect(pacer.tick(pacer.turn())).rejects.toBeInstanceOf(PacerInterrupted);
    let released = false;
    const waiting = pacer.released().then(() => {
      released = true;
    });
    await Promise.resolve();
    expect(released).toBe(false);
    pacer.interrupt(false);
    await waiting;
    const turn = pacer.turn();
    await pacer.tick(turn);
    expect(() => pacer.check(turn)).not.toThrow();
  });
});
