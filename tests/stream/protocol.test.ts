import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodeServerMessage,
  encodeFrame,
  encodeServerMessage,
  FRAME_HEADER_BYTES,
  parseClientMessage,
  MAX_SALIENCY_SIDE,
  PROTOCOL_VERSION,
  SALIENCY_METHOD_NAMES,
  type ServerMessage,
} from '../../src/stream/protocol.js';
import { SALIENCY_METHODS } from '../../src/nn/saliency.js';

describe('parseClientMessage', () => {
  it('accepts every client message type and fills defaults', () => {
    const sub = parseClientMessage(JSON.stringify({ type: 'subscribe', version: PROTOCOL_VERSION }));
    expect(sub).toEqual({ ok: true, message: { type: 'subscribe', version: PROTOCOL_VERSION, frames: [], metrics: true } });
    expect(parseClientMessage('{"type":"subscribe","version":1,"frames":["rgb","depth"],"metrics":false}').ok).toBe(true);
    expect(parseClientMessage('{"type":"control","action":1}')).toEqual({ ok: true, message: { type: 'control', action: 1 } });
    expect(parseClientMessage('{"type":"control","action":"reset"}').ok).toBe(true);
    for (const m of [
      { type: 'playback', command: 'pause' },
      { type: 'playback', command: 'resume' },
      { type: 'playback', command: 'step' },
      { type: 'playback', command: 'speed', speed: 4 },
      { type: 'playback', command: 'seek', episode: 2, step: 10 },
    ]) {
      expect(parseClientMessage(JSON.stringify(m))).toEqual({ ok: true, message: m });
    }
  });

  it('rejects malformed JSON and non-objects with bad-json', () => {
    for (const text of ['', '{', 'null', '42', '"subscribe"', '[{"type":"subscribe"}]', '{"type":"subscribe",}']) {
      const r = parseClientMessage(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.code).toBe('bad-json');
    }
  });

  it('rejects unknown types and wrong fields with bad-message naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'hello' }, 'type'],
      [{ type: 'shutdown' }, 'type'],
      [{ version: 1 }, 'type'],
      [{ type: 'subscribe' }, 'version'],
      [{ type: 'subscribe', version: '1' }, 'version'],
      [{ type: 'subscribe', version: 1, frames: ['x-ray'] }, 'frames[0]'],
      [{ type: 'subscribe', version: 1, admin: true }, '(root)'],
      [{ type: 'control', action: 4 }, 'action'],
      [{ type: 'control', action: 1.5 }, 'action'],
      [{ type: 'control', action: 'jump' }, 'action'],
      [{ type: 'playback', command: 'rewind' }, 'command'],
      [{ type: 'playback', command: 'speed', speed: 1000 }, 'speed'],
      [{ type: 'playback', command: 'speed', speed: 0 }, 'speed'],
      [{ type: 'playback', command: 'seek', episode: -1, step: 0 }, 'episode'],
      [{ type: 'playback', command: 'pause', extra: 1 }, '(root)'],
      [{ type: '__proto__' }, 'type'],
    ];
    for (const [message, where] of cases) {
      const r = parseClientMessage(JSON.stringify(message));
      expect(r.ok, JSON.stringify(message)).toBe(false);
      if (!r.ok) {
        expect(r.code).toBe('bad-message');
        expect(r.error.startsWith(`${where}:`), `${JSON.stringify(message)} → ${r.error}`).toBe(true);
      }
    }
  });
});

describe('server messages', () => {
  it('round-trip through encode/decode', () => {
    const step: ServerMessage = {
      type: 'step',
      episode: 3,
      step: 7,
      pose: { x: 1.5, z: -2.25, yaw: 0.5 },
      dynamic: [1, 0.25, 2, 0],
      action: 2,
      reward: -0.01,
      return: 0.42,
      collided: true,
      metrics: { distanceToGoal: 3.5, collisions: 1 },
    };
    expect(decodeServerMessage(encodeServerMessage(step))).toEqual(step);
    const err: ServerMessage = { type: 'error', code: 'rate-limit', message: 'slow down' };
    expect(decodeServerMessage(encodeServerMessage(err))).toEqual(err);
    expect(() => decodeServerMessage('{"type":"nope"}')).toThrow(/unknown server message/);
  });
});

describe('binary frames', () => {
  it('round-trip uint8 RGB and float32 depth', () => {
    const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i * 7);
    const bytes = encodeFrame({ kind: 'rgb', dtype: 'uint8', width: 4, height: 3, channels: 3, episode: 5, step: 9 }, rgb);
    expect(bytes.byteLength).toBe(FRAME_HEADER_BYTES + rgb.byteLength);
    const f = decodeFrame(bytes);
    expect(f).toMatchObject({ kind: 'rgb', dtype: 'uint8', width: 4, height: 3, channels: 3, episode: 5, step: 9 });
    expect(Array.from(f.data)).toEqual(Array.from(rgb));

    const depth = Float32Array.from({ length: 6 }, (_, i) => i * 0.5 + 0.125);
    // A subarray view: encoding must read its own window of the buffer, not the whole buffer.
    const view = new Float32Array(12).fill(99);
    view.set(depth, 3);
    const g = decodeFrame(
      encodeFrame({ kind: 'depth', dtype: 'float32', width: 3, height: 2, channels: 1, episode: 0, step: 0 }, view.subarray(3, 9)),
    );
    expect(g.data).toBeInstanceOf(Float32Array);
    expect(Array.from(g.data)).toEqual(Array.from(depth));
    // Node's ws hands over Buffers, often slices of a larger pool at odd offsets.
    const encoded = encodeFrame({ kind: 'depth', dtype: 'float32', width: 3, height: 2, channels: 1, episode: 0, step: 0 }, depth);
    const pooled = Buffer.alloc(encoded.byteLength + 5);
    pooled.set(encoded, 5);
    expect(Array.from(decodeFrame(pooled.subarray(5)).data)).toEqual(Array.from(depth));
  });

  it('refuses inconsistent frames on both ends', () => {
    const header = { kind: 'semantic', dtype: 'uint8', width: 2, height: 2, channels: 1, episode: 0, step: 0 } as const;
    expect(() => encodeFrame(header, new Uint8Array(3))).toThrow(/3 values for 2x2x1/);
    expect(() => encodeFrame(header, new Float32Array(4))).toThrow(/dtype uint8/);
    const good = encodeFrame(header, new Uint8Array(4));
    expect(() => decodeFrame(good.subarray(0, 10))).toThrow(/shorter than the header/);
    expect(() => decodeFrame(good.subarray(0, good.byteLength - 1))).toThrow(/payload/);
    const corrupt = (offset: number, value: number): Uint8Array => {
      const b = good.slice();
      b[offset] = value;
      return b;
    };
    expect(() => decodeFrame(corrupt(0, 0))).toThrow(/bad magic/);
    expect(() => decodeFrame(corrupt(4, 9))).toThrow(/format version 9/);
    expect(() => decodeFrame(corrupt(5, 7))).toThrow(/unknown kind 7/);
    expect(() => decodeFrame(corrupt(6, 5))).toThrow(/unknown dtype 5/);
    expect(() => decodeFrame(corrupt(8, 3))).toThrow(/payload/);
  });

  it('carries saliency maps as uint8 single-channel frames of bounded size, and refuses any other', () => {
    const map = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
    const header = { kind: 'saliency', dtype: 'uint8', width: 3, height: 2, channels: 1, episode: 2, step: 7 } as const;
    const f = decodeFrame(encodeFrame(header, map));
    expect(f).toMatchObject(header);
    expect(Array.from(f.data)).toEqual(Array.from(map));
    expect(() => encodeFrame({ ...header, dtype: 'float32' }, new Float32Array(6))).toThrow(/saliency/);
    expect(() => encodeFrame({ ...header, channels: 3 }, new Uint8Array(18))).toThrow(/saliency/);
    const side = MAX_SALIENCY_SIDE + 1;
    expect(() => encodeFrame({ ...header, width: side, height: 1 }, new Uint8Array(side))).toThrow(/saliency/);
    // A peer's forged header: a depth-like float payload or three channels under the saliency kind.
    const depth = encodeFrame(
      { kind: 'depth', dtype: 'float32', width: 3, height: 2, channels: 1, episode: 0, step: 0 },
      new Float32Array(6),
    );
    depth[5] = 3;
    expect(() => decodeFrame(depth)).toThrow(/a saliency map is uint8, 1 channel/);
    const rgb = encodeFrame({ kind: 'rgb', dtype: 'uint8', width: 2, height: 1, channels: 3, episode: 0, step: 0 }, new Uint8Array(6));
    rgb[5] = 3;
    expect(() => decodeFrame(rgb)).toThrow(/a saliency map is uint8, 1 channel/);
    const wide = new Uint8Array(FRAME_HEADER_BYTES + side);
    wide.set(
      encodeFrame({ kind: 'rgb', dtype: 'uint8', width: 1, height: 1, channels: 1, episode: 0, step: 0 }, new Uint8Array(1)).subarray(
        0,
        24,
      ),
    );
    const view = new DataView(wide.buffer);
    view.setUint8(5, 3);
    view.setUint16(8, side, true);
    view.setUint32(20, side, true);
    expect(() => decodeFrame(wide)).toThrow(/at most 1024 px/);
  });
});

describe('saliency requests', () => {
  it('validates the saliency message and names the same methods as the saliency module', () => {
    expect([...SALIENCY_METHOD_NAMES]).toEqual([...SALIENCY_METHODS]);
    expect(parseClientMessage('{"type":"saliency","enabled":true}')).toEqual({
      ok: true,
      message: { type: 'saliency', enabled: true, method: 'gradcam' },
    });
    expect(parseClientMessage('{"type":"saliency","enabled":false,"method":"perturbation"}').ok).toBe(true);
    for (const bad of [
      '{"type":"saliency"}',
      '{"type":"saliency","enabled":1}',
      '{"type":"saliency","enabled":true,"method":"lime"}',
      '{"type":"saliency","enabled":true,"extra":1}',
      '{"type":"saliency","enabled":true,"method":["ig"]}',
    ]) {
      const r = parseClientMessage(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.code).toBe('bad-message');
    }
  });
});
