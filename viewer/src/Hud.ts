/**
 * Hud: the episode's numbers as text — mode, episode, step, action, reward, return, success, SPL,
 * distance to goal, collisions. Each value has a stable element id (`hud-step`, …) for tests.
 */
import type { EpisodeEndMessage, StepMessage } from '../../src/stream/protocol.js';

const FIELDS = [
  ['mode', 'Mode'],
  ['source', 'Source'],
  ['episode', 'Episode'],
  ['goal', 'Goal'],
  ['step', 'Step'],
  ['action', 'Action'],
  ['reward', 'Reward'],
  ['return', 'Return'],
  ['success', 'Success'],
  ['spl', 'SPL'],
  ['distance', 'Distance to goal (m)'],
  ['collisions', 'Collisions'],
] as const;

type Field = (typeof FIELDS)[number][0];

export class Hud {
  private readonly cells = new Map<Field, HTMLElement>();
  private actions: string[] = [];

  constructor(root: HTMLElement) {
    const list = document.createElement('dl');
    list.className = 'hud';
    for (const [key, label] of FIELDS) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.id = `hud-${key}`;
      dd.textContent = '–';
      list.append(dt, dd);
      this.cells.set(key, dd);
    }
    root.replaceChildren(list);
  }

  setSource(mode: string, source: string, actions: string[]): void {
    this.actions = actions;
    this.set('mode', mode);
    this.set('source', source);
  }

  /** A new episode: clear the per-step fields. */
  episode(index: number, step: number, goal: string): void {
    this.set('episode', String(index));
    this.set('goal', goal);
    this.set('step', String(step));
    for (const key of ['action', 'reward', 'return', 'success', 'spl', 'distance', 'collisions'] as const) this.set(key, '–');
  }

  step(message: StepMessage): void {
    this.set('episode', String(message.episode));
    this.set('step', String(message.step));
    const a = message.action;
    this.set('action', typeof a === 'number' ? (this.actions[a] ?? String(a)) : a.map((v) => v.toFixed(2)).join(', '));
    this.set('reward', message.reward.toFixed(3));
    this.set('return', message.return.toFixed(3));
    this.metrics(message.metrics);
  }

  end(message: EpisodeEndMessage): void {
    this.set('return', message.return.toFixed(3));
    this.metrics(message.metrics);
    this.set('step', `${message.steps} (${message.terminated ? 'done' : 'time limit'})`);
  }

  private metrics(m: Record<string, number>): void {
    if (m.success !== undefined) this.set('success', m.success >= 1 ? 'yes' : 'no');
    if (m.spl !== undefined) this.set('spl', m.spl.toFixed(3));
    if (m.distanceToGoal !== undefined) this.set('distance', m.distanceToGoal.toFixed(2));
    if (m.collisions !== undefined) this.set('collisions', String(m.collisions));
  }

  private set(key: Field, text: string): void {
    this.cells.get(key)!.textContent = text;
  }
}
