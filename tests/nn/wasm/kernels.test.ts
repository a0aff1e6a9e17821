/**
 * robonav's wasm kernels against the cpu backend's reference kernels: gradients of conv2d,
 * conv2dTranspose and depthwiseConv2d (input and filter) over a matrix of shapes, strides and
 * paddings (and both filter-gradient methods, chosen by batch and channels), space-to-depth
 * forward convs of one-channel images, leading-axes sums, the gather gradient
 * (UnsortedSegmentSum), matmuls with transposes, and Slice.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/nn/backend.js';
import { Rng } from '../../../src/core/Rng.js';

type Shape = number[];

beforeAll(async () => {
  expect((await initBackend({ backend: 'wasm' })).backend).toBe('wasm');
});

function randomArray(rng: Rng, shape: Shape): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-1, 1);
  return out;
}

/** Run `fn` on the given backend and return its outputs as plain arrays. */
async function on(backend: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  try {
    return tf.tidy(fn).map((t) => {
      const data = t.dataSync() as Float32Array;
      t.dispose();
      return data;
    });
  } finally {
    await tf.setBackend('wasm');
  }
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}

async function expectSameOnWasmAndCpu(fn: () => tf.Tensor[]): Promise<void> {
  const wasm = await on('wasm', fn);
  const cpu = await on('cpu', fn);
  for (let k = 0; k < cpu.length; k++) expect(relativeError(wasm[k], cpu[k])).toBeLessThan(1e-4);
}

type Stride = number | [number, number];
const STRIDES: Stride[] = [1, 2, 3, 4, [2, 3]];
const KERNELS: [number, number][] = [
  [3, 3],
  [2, 5],
  [4, 1],
];
const PADS = ['valid', 'same'] as const;

interface ConvCase {
  x: Shape;
  kernel: [number, number];
  stride: Stride;
  pad: 'valid' | 'same';
  outChannels: number;
}

const MATRIX: ConvCase[] = STRIDES.flatMap((stride) =>
  KERNELS.flatMap((kernel) => PADS.map((pad) => ({ x: [2, 13, 10, 3], kernel, stride, pad, outChannels: 5 }))),
);
// Batch ≥ 32 with ≥ 32 output channels takes the filter gradient's patch-matrix method.
const PATCH_MATRIX: ConvCase[] = STRIDES.flatMap((stride) =>
  PADS.map((pad) => ({ x: [32, 7, 6, 2], kernel: [3, 2] as [number, number], stride, pad, outChannels: 32 })),
);
// Batch 1, odd sizes.
const SINGLE: ConvCase[] = [1, 2, 3, 4].flatMap((stride) =>
  PADS.map((pad) => ({ x: [1, 7, 11, 2], kernel: [3, 4] as [number, number], stride, pad, outChannels: 3 })),
);
// Plus the reference network's first layer (8×8 stride 4), on 4 channels and on depth (one
// channel: the space-to-depth forward conv), and a decoder-like upsampling layer.
const CONV_CASES: ConvCase[] = [
  { x: [1, 64, 64, 4], kernel: [8, 8], stride: 4, pad: 'valid', outChannels: 16 },
  { x: [2, 64, 64, 1], kernel: [8, 8], stride: 4, pad: 'valid', outChannels: 16 },
  { x: [32, 8, 8, 4], kernel: [4, 4], stride: 2, pad: 'valid', outChannels: 32 },
  ...MATRIX,
  ...PATCH_MATRIX,
  ...SINGLE,
];
const TRANSPOSE_CASES: ConvCase[] = [{ x: [1, 8, 8, 16], kernel: [4, 4], stride: 2, pad: 'same', outChannels: 8 }, ...MATRIX];

const label = (c: ConvCase): string => `x ${c.x.join('×')}, kernel ${c.kernel.join('×')}, stride ${String(c.stride)}, ${c.pad}`;

describe('conv2d gradients on wasm equal cpu', () => {
  it.each(CONV_CASES.map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const rng = new Rng(1);
    const xData = randomArray(rng, c.x);
    const fShape = [...c.kernel, c.x[3], c.outChannels];
    const fData = randomArray(rng, fShape);
    const yShape = tf.conv2d(tf.zeros<tf.Rank>(c.x) as tf.Tensor4D, tf.zeros<tf.Rank>(fShape) as tf.Tensor4D, c.stride, c.pad).shape;
    const rData = randomArray(rng, yShape);
    await expectSameOnWasmAndCpu(() => {
      const r = tf.tensor(rData, yShape);
      const loss = (x: tf.Tensor, f: tf.Tensor): tf.Scalar =>
        tf
          .conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad)
          .mul(r)
          .sum();
      return tf.grads(loss)([tf.tensor(xData, c.x), tf.tensor(fData, fShape)]);
    });
  });
});

describe('conv2dTranspose gradients on wasm equal cpu', () => {
  it.each(TRANSPOSE_CASES.map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const rng = new Rng(2);
    const [sh, sw] = typeof c.stride === 'number' ? [c.stride, c.stride] : c.stride;
    const [b, h, w, cin] = c.x;
    const out: [number, number, number, number] =
      c.pad === 'same' ? [b, h * sh, w * sw, c.outChannels] : [b, (h - 1) * sh + c.kernel[0], (w - 1) * sw + c.kernel[1], c.outChannels];
    // conv2dTranspose's filter is [KH, KW, outChannels, inChannels].
    const fShape = [...c.kernel, c.outChannels, cin];
    const xData = randomArray(rng, c.x);
    const fData = randomArray(rng, fShape);
    const rData = randomArray(rng, out);
    await expectSameOnWasmAndCpu(() => {
      const r = tf.tensor(rData, out);
      const loss = (x: tf.Tensor, f: tf.Tensor): tf.Scalar =>
        tf
          .conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, out, c.stride, c.pad)
          .mul(r)
          .sum();
      return [
        tf.conv2dTranspose(
          tf.tensor<tf.Rank>(xData, c.x) as tf.Tensor4D,
          tf.tensor<tf.Rank>(fData, fShape) as tf.Tensor4D,
          out,
          c.stride,
          c.pad,
        ),
        ...tf.grads(loss)([tf.tensor(xData, c.x), tf.tensor(fData, fShape)]),
      ];
    });
  });
});

describe('conv2d gradients with explicit padding on wasm equal cpu', () => {
  // A top/left pad beyond the kernel leaves input rows that no output reads, on both sides.
  const pads: tf.backend_util.ExplicitPadding[] = [
    [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
    [
      [0, 0],
      [5, 0],
      [4, 1],
      [0, 0],
    ],
  ];
  const cases = pads.flatMap((pad) => [1, 2, 3].map((stride) => ({ pad, stride, xShape: [2, 8, 9, 3], fShape: [3, 2, 3, 4] })));
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_, { pad, stride, xShape, fShape }) => {
    const rng = new Rng(8);
    const xData = randomArray(rng, xShape);
    const fData = randomArray(rng, fShape);
    const yShape = tf.conv2d(tf.zeros<tf.Rank>(xShape) as tf.Tensor4D, tf.zeros<tf.Rank>(fShape) as tf.Tensor4D, stride, pad).shape;
    const rData = randomArray(rng, yShape);
    await expectSameOnWasmAndCpu(() => {
      const r = tf.tensor(rData, yShape);
      const loss = (x: tf.Tensor, f: tf.Tensor): tf.Scalar =>
        tf
          .conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad)
          .mul(r)
          .sum();
      return tf.grads(loss)([tf.tensor(xData, xShape), tf.tensor(fData, fShape)]);
    });
  });

  it('padding so wide that no window reads the image: zero gradients, as on cpu', async () => {
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [3, 0],
      [0, 0],
      [0, 0],
    ];
    const fn = (): tf.Tensor[] => {
      const loss = (x: tf.Tensor, f: tf.Tensor): tf.Scalar => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, pad).sum();
      return tf.grads(loss)([tf.ones([1, 1, 3, 2]), tf.ones([1, 1, 2, 2])]);
    };
    const wasm = await on('wasm', fn);
    const cpu = await on('cpu', fn);
    expect(wasm.map((g) => Array.from(g))).toEqual(cpu.map((g) => Array.from(g)));
    expect(Array.from(wasm[0]).every((v) => v === 0)).toBe(true);
  });
});

describe('depthwiseConv2d gradients on wasm equal cpu', () => {
  const cases: { stride: number; pad: 'valid' | 'same'; mult: number }[] = [
    { stride: 1, pad: 'valid', mult: 1 },
    { stride: 2, pad: 'same', mult: 2 },
    { stride: 3, pad: 'same', mult: 1 },
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_, c) => {
    const rng = new Rng(3);
    const xShape = [2, 9, 8, 3];
    const fShape = [3, 2, 3, c.mult];
    const xData = randomArray(rng, xShape);
    const fData = randomArray(rng, fShape);
    await expectSameOnWasmAndCpu(() => {
      const loss = (x: tf.Tensor, f: tf.Tensor): tf.Scalar =>
        tf
          .depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad)
          .square()
          .sum();
      return tf.grads(loss)([tf.tensor(xData, xShape), tf.tensor(fData, fShape)]);
    });
  });
});

describe('other kernels on wasm equal cpu', () => {
  it("forward convs with pad 'same' and a stride larger than the kernel", async () => {
    const rng = new Rng(7);
    const xData = randomArray(rng, [2, 8, 9, 2]);
    const fData = randomArray(rng, [1, 3, 2, 2]);
    await expectSameOnWasmAndCpu(() => {
      const x = tf.tensor4d(xData, [2, 8, 9, 2]);
      const f = tf.tensor4d(fData, [1, 3, 2, 2]);
      const bias = tf.tensor1d([0.5, -0.25, 0.1, 0.2]);
      return [
        tf.conv2d(x, f, [2, 4], 'same'),
        tf.fused.conv2d({ x, filter: f, strides: [2, 4], pad: 'same', bias: bias.slice(0, 2), activation: 'relu' }),
        tf.depthwiseConv2d(x, f, [2, 4], 'same'),
        tf.fused.depthwiseConv2d({ x, filter: f, strides: [2, 4], pad: 'same', bias, activation: 'relu' }),
      ];
    });
  });

  it('one-channel strided convs (space-to-depth), plain and fused, and the shapes it leaves alone', async () => {
    const rng = new Rng(9);
    const xData = randomArray(rng, [3, 12, 18, 1]);
    const fData = randomArray(rng, [4, 6, 1, 5]);
    await expectSameOnWasmAndCpu(() => {
      const x = tf.tensor4d(xData, [3, 12, 18, 1]);
      const f = tf.tensor4d(fData, [4, 6, 1, 5]);
      const bias = tf.tensor1d([0.5, -0.25, 0.1, 0.2, -1]);
      return [
        tf.conv2d(x, f, [2, 3], 'valid'),
        tf.conv2d(x, f, [4, 3], 'valid'),
        tf.conv2d(x, f.slice([0, 0, 0, 0], [3, 6, 1, 5]), [2, 3], 'valid'), // kernel 3 not divisible by stride 2
        tf.conv2d(x.slice([0, 0, 0, 0], [3, 11, 18, 1]), f, [2, 3], 'valid'), // height 11 not divisible by 2
        tf.conv2d(x, f, [2, 3], 'same'),
        tf.fused.conv2d({ x, filter: f, strides: [2, 3], pad: 'valid', bias, activation: 'relu' }),
      ];
    });
  });

  it('sums over leading axes, with and without keepDims, and the sums it leaves to the stock kernel', async () => {
    const data = randomArray(new Rng(10), [5, 3, 7, 6]);
    await expectSameOnWasmAndCpu(() => {
      const x = tf.tensor4d(data, [5, 3, 7, 6]);
      return [
        x.sum(0),
        x.sum([0, 1]),
        x.sum([1, 0, 2]),
        x.sum([0, 1, 2], true),
        x.sum([-4, -3]),
        x.sum(1),
        x.sum([0, 2]),
        x.sum(),
        x.reshape([630]).sum(0),
      ];
    });
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    expect(ints.sum(0).arraySync()).toEqual([9, 12]);
    ints.dispose();
  });

  it('gather gradient (UnsortedSegmentSum), with repeated indices', async () => {
    const table = randomArray(new Rng(4), [6, 5]);
    await expectSameOnWasmAndCpu(() => {
      const indices = tf.tensor1d([0, 3, 3, 5, 0, 0], 'int32');
      const r = tf.tensor2d(
        Array.from({ length: 30 }, (_, i) => i - 7),
        [6, 5],
      );
      return [tf.grad((t: tf.Tensor) => tf.gather(t, indices).mul(r).sum())(tf.tensor(table, [6, 5]))];
    });
  });

  it('matMul with every combination of transposes, batched and not', async () => {
    const rng = new Rng(5);
    const a = randomArray(rng, [3, 7, 4]);
    const b = randomArray(rng, [3, 4, 6]);
    await expectSameOnWasmAndCpu(() => {
      const out: tf.Tensor[] = [];
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const x = tf.tensor(a, [3, 7, 4]);
          const y = tf.tensor(b, [3, 4, 6]);
          out.push(tf.matMul(ta ? x.transpose([0, 2, 1]) : x, tb ? y.transpose([0, 2, 1]) : y, ta, tb));
          out.push(
            tf.matMul(
              ta ? x.reshape([21, 4]).transpose() : x.reshape([21, 4]),
              tb ? y.reshape([12, 6]).slice([0, 0], [4, 6]).transpose() : y.reshape([12, 6]).slice([0, 0], [4, 6]),
              ta,
              tb,
            ),
          );
        }
      }
      return out;
    });
  });

  it('slice: contiguous, strided, rank 1 to 5, int32 and bool', async () => {
    const data = randomArray(new Rng(6), [3, 4, 5, 2, 3]);
    const cases: [Shape, Shape, Shape][] = [
      [[360], [7], [100]],
      [
        [12, 30],
        [2, 0],
        [5, 30],
      ],
      [
        [12, 30],
        [1, 3],
        [4, 10],
      ],
      [
        [3, 4, 5, 6],
        [1, 1, 0, 0],
        [2, 2, 5, 6],
      ],
      [
        [3, 4, 5, 6],
        [0, 1, 2, 3],
        [3, 3, 3, 3],
      ],
      [
        [3, 4, 5, 2, 3],
        [1, 0, 1, 0, 1],
        [2, 4, 3, 2, 2],
      ],
    ];
    for (const [shape, begin, size] of cases) {
      const wasm = await on('wasm', () => [tf.tensor(data, shape).slice(begin, size)]);
      const cpu = await on('cpu', () => [tf.tensor(data, shape).slice(begin, size)]);
      expect(Array.from(wasm[0])).toEqual(Array.from(cpu[0]));
    }
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    expect(ints.slice([0, 1], [2, 2]).arraySync()).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect(ints.greater(3).slice([1, 0], [1, 2]).arraySync()).toEqual([[1, 1]]);
    ints.dispose();
  });
});
