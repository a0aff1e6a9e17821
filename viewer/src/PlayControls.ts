/**
 * PlayControls: play mode — a person drives the robot with the keyboard. Each key press is one
 * discrete action (held keys repeat at the keyboard's rate; the server's rate limit bounds it).
 * W/↑ MOVE_FORWARD, A/← TURN_LEFT, D/→ TURN_RIGHT, Space/S/↓ STOP, R a new episode.
 */
import type { ClientMessageInput } from '../../src/stream/protocol.js';

const KEYS: Record<string, number | 'reset'> = {
  w: 1,
  arrowup: 1,
  a: 2,
  arrowleft: 2,
  d: 3,
  arrowright: 3,
  ' ': 0,
  s: 0,
  arrowdown: 0,
  r: 'reset',
};

export class PlayControls {
  private enabled = false;

  constructor(
    private readonly help: HTMLElement,
    send: (message: ClientMessageInput) => void,
  ) {
    window.addEventListener('keydown', (e) => {
      if (!this.enabled || e.ctrlKey || e.metaKey || e.altKey) return;
      const action = KEYS[e.key.toLowerCase()];
      if (action === undefined) return;
      e.preventDefault();
      send({ type: 'control', action });
    });
  }

  enable(on: boolean): void {
    this.enabled = on;
    this.help.hidden = !on;
  }
}
