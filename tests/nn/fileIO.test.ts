import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/core/errors.js';
import { initBackend } from '../../src/nn/backend.js';
import { fileIO, loadModel, MODEL_JSON, quantizeModel, saveModel, WEIGHTS_BIN } from '../../src/nn/fileIO.js';

let root: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  root = await mkdtemp(path.join(tmpdir(), 'robonav-fileio-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function smallModel(seed: number): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init(0) }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 4,
        activation: 'tanh',
        kernelInitializer: init(1),
        biasInitializer: tf.initializers.randomNormal({ seed: seed + 2 }),
      }),
    ],
  });
}

async function savedCopy(name: string): Promise<string> {
  const dir = path.join(root, name);
  const model = smallModel(10);
  await saveModel(model, dir);
  model.dispose();
  return dir;
}

describe('fileIO', () => {
  it('round-trips a model with bit-identical predictions, in the standard layers format', async () => {
    const model = smallModel(1);
    const x = tf.randomUniform([5, 8, 8, 2], 0, 1, 'float32', 3);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    const dir = path.join(root, 'roundtrip', 'nested');
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(after).toEqual(before);

    expect((await readdir(dir)).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_BIN]);
    // conv 3·3·2·3 + 3, then dense on the flattened 3×3×3 output: 27·4 + 4; float32 values.
    expect((await readFile(path.join(dir, WEIGHTS_BIN))).byteLength).toBe((54 + 3 + 108 + 4) * 4);
    tf.dispose([x]);
    model.dispose();
    loaded.dispose();
  });

  it('overwrites an earlier save in place', async () => {
    const dir = await savedCopy('overwrite');
    const model = smallModel(99);
    await model.save(fileIO(dir));
    const loaded = await loadModel(dir);
    expect(loaded.getWeights()[0].dataSync()).toEqual(model.getWeights()[0].dataSync());
    model.dispose();
    loaded.dispose();
  });

  it('a missing directory is an error naming model.json', async () => {
    const dir = path.join(root, 'does-not-exist');
    await expect(loadModel(dir)).rejects.toThrow(FileFormatError);
    await expect(loadModel(dir)).rejects.toThrow(`${path.join(dir, MODEL_JSON)}: no such file`);
  });

  it('a corrupt model.json is an error naming it', async () => {
    const dir = await savedCopy('corrupt-json');
    await writeFile(path.join(dir, MODEL_JSON), '{"modelTopology": {"class_name": ');
    await expect(loadModel(dir)).rejects.toThrow(`${path.join(dir, MODEL_JSON)}: not valid JSON`);
    await writeFile(path.join(dir, MODEL_JSON), '{"weightsManifest": []}');
    await expect(loadModel(dir)).rejects.toThrow(`${path.join(dir, MODEL_JSON)}: has no "modelTopology"`);
  });

  it('a truncated or missing weights.bin is an error naming it', async () => {
    const dir = await savedCopy('bad-weights');
    const weights = path.join(dir, WEIGHTS_BIN);
    await truncate(weights, 100);
    const err = await loadModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).path).toBe(weights);
    expect((err as Error).message).toMatch(/needs 676 bytes of weights, found 100/);
    await rm(weights);
    await expect(loadModel(dir)).rejects.toThrow(`${weights}: no such file`);
  });

  it('a topology that tfjs cannot build is an error naming model.json', async () => {
    const dir = await savedCopy('bad-topology');
    const file = path.join(dir, MODEL_JSON);
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.modelTopology.config.layers[0].class_name = 'NoSuchLayer';
    await writeFile(file, JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(`${file}: not a loadable layers model`);
  });

  it('refuses weight paths that leave the model folder, absolute or relative', async () => {
    const dir = await savedCopy('escape');
    const file = path.join(dir, MODEL_JSON);
    // A file of exactly the right size outside the folder: only the path check can refuse it.
    const outside = path.join(root, 'outside.bin');
    await writeFile(outside, await readFile(path.join(dir, WEIGHTS_BIN)));
    const json = JSON.parse(await readFile(file, 'utf8'));
    for (const leaving of ['../outside.bin', outside, 'sub/../../outside.bin']) {
      json.weightsManifest[0].paths = [leaving];
      await writeFile(file, JSON.stringify(json));
      await expect(loadModel(dir)).rejects.toThrow(`${file}: weight file "${leaving}" is outside the model folder`);
    }
  });

  it('checks the weight files against the manifest before reading them', async () => {
    const dir = await savedCopy('sizes');
    const file = path.join(dir, MODEL_JSON);
    const big = path.join(dir, 'big.bin');
    await writeFile(big, '');
    await truncate(big, 2 ** 30); // sparse: 1 GiB that costs nothing until read
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.weightsManifest[0].paths = ['big.bin'];
    await writeFile(file, JSON.stringify(json));
    const rss = process.memoryUsage().rss;
    await expect(loadModel(dir)).rejects.toThrow(`${big}: the weights manifest in ${file} needs 676 bytes of weights, found ${2 ** 30}`);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
    await rm(big);
  });

  it('a malformed weights manifest is an error naming the field', async () => {
    const dir = await savedCopy('manifest');
    const file = path.join(dir, MODEL_JSON);
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.weightsManifest[0].weights[1].shape = 'big';
    await writeFile(file, JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(`${file}: weightsManifest[0].weights[1].shape: Invalid input: expected array`);
    json.weightsManifest[0].weights[1].shape = [3];
    json.weightsManifest[0].weights[1].dtype = 'string';
    await writeFile(file, JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(`${file}: weightsManifest[0].weights[1].dtype: Invalid option`);
  });

  it('refuses a functional topology whose layer calls can never all be made, rather than hanging', async () => {
    const a = tf.input({ shape: [2], name: 'a' });
    const b = tf.input({ shape: [3], name: 'b' });
    const joined = tf.layers.concatenate({ name: 'joined' }).apply([a, b]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'out' }).apply(joined) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [a, b], outputs: out });
    const dir = path.join(root, 'calls');
    await saveModel(model, dir);
    model.dispose();
    const file = path.join(dir, MODEL_JSON);
    const valid = await readFile(file, 'utf8');
    const edited = async (edit: (layers: Array<{ name: string; config: { name: string }; inbound_nodes: unknown[][][] }>) => void) => {
      const json = JSON.parse(valid);
      edit(json.modelTopology.config.layers);
      await writeFile(file, JSON.stringify(json));
      return loadModel(dir);
    };
    const [, , joinedLayer, outLayer] = JSON.parse(valid).modelTopology.config.layers;
    expect([joinedLayer.name, outLayer.name]).toEqual(['joined', 'out']);
    // A node the layer never gets, a layer that is not there, a cycle, two layers of one name.
    await expect(
      edited((layers) => {
        layers[3]!.inbound_nodes[0]![0]![1] = 5;
      }),
    ).rejects.toThrow(`${file}: layer "out" is called on node 5 of "joined", which the model never makes`);
    await expect(
      edited((layers) => {
        layers[3]!.inbound_nodes[0]![0]![0] = 'missing';
      }),
    ).rejects.toThrow(`${file}: layer "out" is called on node 0 of "missing", which the model never makes`);
    await expect(
      edited((layers) => {
        layers[2]!.inbound_nodes[0]![1] = ['out', 0, 0, {}];
      }),
    ).rejects.toThrow(`${file}: layer "joined" is called on node 0 of "out", which the model never makes`);
    await expect(
      edited((layers) => {
        layers[3]!.name = 'joined';
        layers[3]!.config.name = 'joined';
      }),
    ).rejects.toThrow(`${file}: two layers are named "joined"`);
    (await edited(() => {})).dispose();
  });
});

describe('quantizeModel', () => {
  // conv 3·3·2·3 + 3, dense 27·4 + 4: 169 float32 weights, 676 bytes.
  const VALUES = 169;

  it.each([
    ['float16', 2, 2 ** -11],
    ['uint8', 1, 0],
  ] as const)(
    '%s: weights stored in %i bytes each, loaded by the normal loader, predictions close to float32',
    async (dtype, bytes, relative) => {
      const src = await savedCopy(`q-src-${dtype}`);
      const out = path.join(root, `q-${dtype}`);
      expect(await quantizeModel(src, out, dtype)).toBe(VALUES * bytes);
      expect((await stat(path.join(out, WEIGHTS_BIN))).size).toBe(VALUES * bytes);
      const json = JSON.parse(await readFile(path.join(out, MODEL_JSON), 'utf8'));
      for (const spec of json.weightsManifest[0].weights) {
        expect(spec.dtype).toBe('float32');
        expect(spec.quantization.dtype).toBe(dtype);
      }
      const [original, quantized] = [await loadModel(src), await loadModel(out)];
      // Each weight within its bound: float16 relative (normal range), uint8 half of its tensor's scale.
      const specs = json.weightsManifest[0].weights as Array<{ quantization: { scale?: number } }>;
      const [a, b] = [original.getWeights(), quantized.getWeights()];
      a.forEach((w, i) => {
        const [x, y] = [w.dataSync(), b[i]!.dataSync()];
        const bound = (v: number) =>
          dtype === 'uint8' ? specs[i]!.quantization.scale! / 2 + 1e-7 : Math.max(Math.abs(v) * relative, 2 ** -25);
        for (let j = 0; j < x.length; j++) expect(Math.abs(y[j]! - x[j]!)).toBeLessThanOrEqual(bound(x[j]!));
      });
      const x = tf.randomUniform([16, 8, 8, 2], 0, 1, 'float32', 5);
      const [p, q] = [(original.predict(x) as tf.Tensor).dataSync(), (quantized.predict(x) as tf.Tensor).dataSync()];
      for (let i = 0; i < p.length; i++) expect(Math.abs(q[i]! - p[i]!)).toBeLessThan(dtype === 'uint8' ? 0.05 : 2e-3);
      tf.dispose(x);
      original.dispose();
      quantized.dispose();
    },
  );

  it('a quantised copy loads over HTTP with tf.loadLayersModel(url), as a browser page loads it, with the weights it has from disk', async () => {
    const src = await savedCopy('q-http-src');
    const out = path.join(root, 'q-http');
    await quantizeModel(src, out, 'uint8');
    const server = createServer((req, res) => {
      readFile(path.join(out, path.basename(req.url ?? '')))
        .then((bytes) => res.end(bytes))
        .catch(() => {
          res.statusCode = 404;
          res.end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const [overHttp, fromDisk] = [await tf.loadLayersModel(`http://127.0.0.1:${port}/${MODEL_JSON}`), await loadModel(out)];
      const [a, b] = [overHttp.getWeights(), fromDisk.getWeights()];
      expect(a.map((w) => Array.from(w.dataSync()))).toEqual(b.map((w) => Array.from(w.dataSync())));
      overHttp.dispose();
      fromDisk.dispose();
    } finally {
      server.close();
    }
  });

  it("'float32' copies the weights byte for byte; a quantised source is refused", async () => {
    const src = await savedCopy('q-copy-src');
    const out = path.join(root, 'q-copy');
    expect(await quantizeModel(src, out, 'float32')).toBe(VALUES * 4);
    expect(await readFile(path.join(out, WEIGHTS_BIN))).toEqual(await readFile(path.join(src, WEIGHTS_BIN)));
    const once = path.join(root, 'q-once');
    await quantizeModel(src, once, 'uint8');
    const err = await quantizeModel(once, path.join(root, 'q-twice'), 'float16').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).path).toBe(path.join(once, WEIGHTS_BIN));
    expect((err as Error).message).toMatch(/weight "conv2d\w*\/kernel" is already quantised \(uint8\)$/);
    await expect(readdir(path.join(root, 'q-twice'))).rejects.toThrow('ENOENT');
  });

  it('a malformed quantization field is an error naming model.json and the field', async () => {
    const src = await savedCopy('q-bad-src');
    const dir = path.join(root, 'q-bad');
    await quantizeModel(src, dir, 'uint8');
    const file = path.join(dir, MODEL_JSON);
    const valid = await readFile(file, 'utf8');
    const withWeight = async (edit: (spec: Record<string, unknown>) => void, text?: (json: string) => string) => {
      const json = JSON.parse(valid);
      edit(json.weightsManifest[0].weights[0]);
      await writeFile(file, (text ?? ((t) => t))(JSON.stringify(json)));
      return loadModel(dir);
    };
    const field = `${file}: weightsManifest[0].weights[0].quantization`;
    await expect(withWeight((w) => (w.quantization = { dtype: 'int4', scale: 1, min: 0 }))).rejects.toThrow(
      `${field}.dtype: Invalid discriminator value. Expected 'float16' | 'uint8'`,
    );
    await expect(withWeight((w) => (w.quantization = { dtype: 'uint16', scale: 1, min: 0 }))).rejects.toThrow(
      `${field}.dtype: Invalid discriminator`,
    );
    // NaN is written to JSON as null; an overflowing literal parses as Infinity.
    await expect(withWeight((w) => ((w.quantization as Record<string, unknown>).scale = Number.NaN))).rejects.toThrow(
      `${field}.scale: Invalid input`,
    );
    await expect(
      withWeight(
        (w) => ((w.quantization as Record<string, unknown>).min = 12345),
        (t) => t.replace('"min":12345', '"min":1e999'),
      ),
    ).rejects.toThrow(`${field}.min: Invalid input`);
    await expect(withWeight((w) => ((w.quantization as Record<string, unknown>).scale = -0.1))).rejects.toThrow(
      `${field}.scale: Too small`,
    );
    await expect(withWeight((w) => delete (w.quantization as Record<string, unknown>).min)).rejects.toThrow(`${field}.min: Invalid input`);
    await expect(withWeight((w) => (w.dtype = 'int32'))).rejects.toThrow(`${field}: only float32 weights can be quantised`);
    // float16 where the bytes are uint8: the manifest now needs twice the first weight's bytes.
    await expect(withWeight((w) => (w.quantization = { dtype: 'float16' }))).rejects.toThrow(
      `${path.join(dir, WEIGHTS_BIN)}: the weights manifest in ${file} needs ${169 + 54} bytes of weights, found 169`,
    );
    await writeFile(file, valid);
    await truncate(path.join(dir, WEIGHTS_BIN), 168);
    await expect(loadModel(dir)).rejects.toThrow(`needs 169 bytes of weights, found 168`);
  });
});
