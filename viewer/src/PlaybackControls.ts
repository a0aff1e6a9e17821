/**
 * PlaybackControls: pause/resume, single step, speed, episode and seek slider for replays.
 * Sends `playback` messages; shows the state the server reports (`playbackState`) and the steps
 * as they arrive. Keys: P pause/resume, "." one step.
 */
import type { ClientMessageInput, PlaybackStateMessage } from '../../src/stream/protocol.js';

const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16, 64];

export class PlaybackControls {
  private readonly toggle: HTMLButtonElement;
  private readonly speed: HTMLSelectElement;
  private readonly episode: HTMLSelectElement;
  private readonly seek: HTMLInputElement;
  private readonly position: HTMLElement;
  private paused = false;
  private seeking = false;
  private steps = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly send: (message: ClientMessageInput) => void,
  ) {
    this.toggle = root.querySelector('#pb-toggle')!;
    this.speed = root.querySelector('#pb-speed')!;
    this.episode = root.querySelector('#pb-episode')!;
    this.seek = root.querySelector('#pb-seek')!;
    this.position = root.querySelector('#pb-pos')!;
    for (const s of SPEEDS) {
      const option = document.createElement('option');
      option.value = String(s);
      option.textContent = `${s}×`;
      this.speed.append(option);
    }
    this.speed.value = '1';
    this.toggle.addEventListener('click', () => this.send({ type: 'playback', command: this.paused ? 'resume' : 'pause' }));
    root.querySelector('#pb-step')!.addEventListener('click', () => this.send({ type: 'playback', command: 'step' }));
    this.speed.addEventListener('change', () => this.send({ type: 'playback', command: 'speed', speed: Number(this.speed.value) }));
    this.episode.addEventListener('change', () =>
      this.send({ type: 'playback', command: 'seek', episode: Number(this.episode.value), step: 0 }),
    );
    this.seek.addEventListener('input', () => (this.seeking = true));
    this.seek.addEventListener('change', () => {
      this.seeking = false;
      this.send({ type: 'playback', command: 'seek', episode: Number(this.episode.value), step: Number(this.seek.value) });
    });
    window.addEventListener('keydown', (e) => {
      if (this.root.hidden || e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      if (e.key === 'p' || e.key === 'P') this.toggle.click();
      else if (e.key === '.') this.send({ type: 'playback', command: 'step' });
    });
  }

  show(visible: boolean): void {
    this.root.hidden = !visible;
  }

  state(s: PlaybackStateMessage): void {
    this.paused = s.paused;
    this.toggle.textContent = s.paused ? 'Play' : 'Pause';
    this.speed.value = String(s.speed);
    if (this.episode.options.length !== s.episodes) {
      // One option per episode, gathered in a fragment: spreading them into replaceChildren() would
      // pass every one as an argument and overflow the stack for a long playlist.
      const options = document.createDocumentFragment();
      for (let i = 0; i < s.episodes; i++) {
        const option = document.createElement('option');
        option.value = option.textContent = String(i);
        options.append(option);
      }
      this.episode.replaceChildren(options);
    }
    this.episode.value = String(s.episode);
    this.steps = s.steps;
    this.seek.max = String(s.steps);
    this.at(s.step);
  }

  /** A step arrived: move the slider (unless the user is dragging it). */
  at(step: number): void {
    if (!this.seeking) this.seek.value = String(step);
    this.position.textContent = `${step} / ${this.steps}`;
  }
}
