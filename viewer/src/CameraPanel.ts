/**
 * CameraPanel: the agent's own camera frames as the policy receives them — RGB, depth (near =
 * bright, far = dark, clipped to the frame's own maximum) and semantic (a fixed colour per category
 * id). Toggling a channel changes the subscription, so unwanted channels cost no bandwidth.
 */
import { FRAME_KINDS, type Frame, type FrameKind } from '../../src/stream/protocol.js';

export class CameraPanel {
  private readonly canvases = new Map<FrameKind, HTMLCanvasElement>();
  private readonly toggles = new Map<FrameKind, HTMLInputElement>();
  private enabled: FrameKind[] = [];
  /** Frames drawn (the e2e test reads it). */
  framesDrawn = 0;

  constructor(
    private readonly root: HTMLElement,
    togglesRoot: HTMLElement,
    private readonly canvasRoot: HTMLElement,
    private readonly onChange: (kinds: FrameKind[]) => void,
  ) {
    for (const kind of FRAME_KINDS) {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.id = `cam-${kind}`;
      box.addEventListener('change', () => this.changed());
      label.append(box, ` ${kind}`);
      togglesRoot.append(label);
      this.toggles.set(kind, box);
    }
  }

  /** Offer the channels the server has; RGB (else the first one) starts on. Hidden when there are none. */
  offer(available: readonly FrameKind[]): void {
    this.root.hidden = available.length === 0;
    for (const [kind, box] of this.toggles) {
      box.disabled = !available.includes(kind);
      if (box.disabled) box.checked = false;
      (box.parentElement as HTMLElement).hidden = box.disabled;
    }
    if (available.length > 0 && !available.some((k) => this.toggles.get(k)!.checked)) {
      this.toggles.get(available.includes('rgb') ? 'rgb' : available[0]!)!.checked = true;
    }
    this.changed();
  }

  draw(frame: Frame): void {
    if (!this.enabled.includes(frame.kind)) return;
    let canvas = this.canvases.get(frame.kind);
    if (canvas === undefined) {
      canvas = document.createElement('canvas');
      canvas.title = frame.kind;
      this.canvases.set(frame.kind, canvas);
      this.canvasRoot.append(canvas);
    }
    if (canvas.width !== frame.width || canvas.height !== frame.height) {
      canvas.width = frame.width;
      canvas.height = frame.height;
    }
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(frame.width, frame.height);
    const out = img.data;
    const n = frame.width * frame.height;
    const d = frame.data;
    if (frame.kind === 'rgb' && frame.channels >= 3) {
      for (let i = 0; i < n; i++) {
        out[4 * i] = d[frame.channels * i]!;
        out[4 * i + 1] = d[frame.channels * i + 1]!;
        out[4 * i + 2] = d[frame.channels * i + 2]!;
        out[4 * i + 3] = 255;
      }
    } else if (frame.kind === 'depth') {
      let max = 1e-6;
      for (let i = 0; i < n; i++) max = Math.max(max, d[i * frame.channels]!);
      for (let i = 0; i < n; i++) {
        const v = 255 * (1 - d[i * frame.channels]! / max);
        out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
        out[4 * i + 3] = 255;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const id = d[i * frame.channels]!;
        // Golden-angle hues: neighbouring ids get distinct colours; 0 (void) is black.
        const [r, g, b] = id === 0 ? [0, 0, 0] : hsl(((id * 137.508) % 360) / 360, 0.65, 0.55);
        out[4 * i] = r;
        out[4 * i + 1] = g;
        out[4 * i + 2] = b;
        out[4 * i + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    this.framesDrawn += 1;
  }

  private changed(): void {
    this.enabled = FRAME_KINDS.filter((k) => this.toggles.get(k)!.checked);
    for (const [kind, canvas] of this.canvases) canvas.hidden = !this.enabled.includes(kind);
    this.onChange(this.enabled);
  }
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number): number => {
    const k = (n + h * 12) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}
