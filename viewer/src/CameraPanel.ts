/**
 * CameraPanel: the agent's own camera frames as the policy receives them — RGB, depth (near =
 * bright, far = dark, clipped to the frame's own maximum) and semantic (a fixed colour per category
 * id). Toggling a channel changes the subscription, so unwanted channels cost no bandwidth.
 *
 * When the server has a policy (its hello lists saliency methods), a "saliency" toggle and a method
 * menu ask it for maps of what the policy looks at; each map is blended over the frames of its own
 * step in the turbo colours (opacity 0.6 × the score, so unimportant pixels keep the camera's look).
 */
import { turboChannel } from '../../src/core/colormap.js';
import { FRAME_KINDS, type BinaryFrame, type Frame, type FrameKind, type SaliencyMethodName } from '../../src/stream/protocol.js';

/** Opacity of the heat map where the saliency is 1. */
const SALIENCY_ALPHA = 0.6;
/** Labels of the saliency methods in the menu. */
const METHOD_LABELS: Record<SaliencyMethodName, string> = {
  gradcam: 'Grad-CAM',
  ig: 'integrated gradients',
  perturbation: 'blur perturbation',
};

type SaliencyFrame = Extract<BinaryFrame, { kind: 'saliency' }>;

export class CameraPanel {
  private readonly canvases = new Map<FrameKind, HTMLCanvasElement>();
  private readonly toggles = new Map<FrameKind, HTMLInputElement>();
  private readonly lastFrames = new Map<FrameKind, Frame>();
  private readonly saliencyBox: HTMLInputElement;
  private readonly methodSelect: HTMLSelectElement;
  private enabled: FrameKind[] = [];
  private map: SaliencyFrame | null = null;
  /** Frames drawn (the e2e test reads it). */
  framesDrawn = 0;

  constructor(
    private readonly root: HTMLElement,
    togglesRoot: HTMLElement,
    private readonly canvasRoot: HTMLElement,
    private readonly onChange: (kinds: FrameKind[]) => void,
    private readonly onSaliency: (method: SaliencyMethodName | null) => void = () => undefined,
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
    const label = document.createElement('label');
    label.hidden = true;
    this.saliencyBox = document.createElement('input');
    this.saliencyBox.type = 'checkbox';
    this.saliencyBox.id = 'cam-saliency';
    this.saliencyBox.addEventListener('change', () => this.saliencyChanged());
    this.methodSelect = document.createElement('select');
    this.methodSelect.id = 'saliency-method';
    this.methodSelect.addEventListener('change', () => this.saliencyChanged());
    label.append(this.saliencyBox, ' saliency ', this.methodSelect);
    togglesRoot.append(label);
  }

  /**
   * Offer the saliency methods the server has (none: the toggle is hidden; `note` says why, e.g. the
   * recording lacks an observation the policy reads).
   */
  offerSaliency(methods: readonly SaliencyMethodName[], note?: string): void {
    const label = this.saliencyBox.parentElement as HTMLElement;
    label.hidden = methods.length === 0 && note === undefined;
    this.saliencyBox.disabled = methods.length === 0;
    label.title = note ?? 'what the policy looks at: blended over the camera frames';
    const current = this.methodSelect.value;
    this.methodSelect.replaceChildren(
      ...methods.map((m) => {
        const option = document.createElement('option');
        option.value = m;
        option.textContent = METHOD_LABELS[m];
        return option;
      }),
    );
    if (methods.includes(current as SaliencyMethodName)) this.methodSelect.value = current;
    if (methods.length === 0) this.saliencyBox.checked = false;
    this.saliencyChanged();
  }

  /** A saliency map: kept, and blended over the frames of its step. */
  drawSaliency(frame: SaliencyFrame): void {
    if (!this.saliencyBox.checked) return;
    this.map = frame;
    for (const kind of this.enabled) {
      const last = this.lastFrames.get(kind);
      if (last !== undefined) this.render(last);
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
    this.lastFrames.set(frame.kind, frame);
    this.render(frame);
    this.framesDrawn += 1;
  }

  private render(frame: Frame): void {
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
    const map = this.map;
    if (
      map !== null &&
      map.episode === frame.episode &&
      map.step === frame.step &&
      map.width === frame.width &&
      map.height === frame.height
    )
      blendSaliency(out, map.data);
    ctx.putImageData(img, 0, 0);
  }

  private saliencyChanged(): void {
    const on = this.saliencyBox.checked && !this.saliencyBox.disabled;
    this.methodSelect.disabled = !on;
    if (!on && this.map !== null) {
      this.map = null;
      for (const kind of this.enabled) {
        const last = this.lastFrames.get(kind);
        if (last !== undefined) this.render(last);
      }
    }
    this.onSaliency(on ? (this.methodSelect.value as SaliencyMethodName) : null);
  }

  private changed(): void {
    this.enabled = FRAME_KINDS.filter((k) => this.toggles.get(k)!.checked);
    for (const [kind, canvas] of this.canvases) canvas.hidden = !this.enabled.includes(kind);
    this.onChange(this.enabled);
  }
}

/** Blend a uint8 map (0..255) over RGBA pixels in the turbo colours, opacity SALIENCY_ALPHA × the score. */
function blendSaliency(rgba: Uint8ClampedArray, map: Uint8Array): void {
  for (let i = 0; i < map.length; i++) {
    const m = map[i]! / 255;
    if (m === 0) continue;
    const a = SALIENCY_ALPHA * m;
    for (let c = 0; c < 3; c++) rgba[4 * i + c] = (1 - a) * rgba[4 * i + c]! + a * turboChannel(m, c);
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
