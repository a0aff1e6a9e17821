/** Small statistics over typed arrays used by the agents' updates. */

/** In place: (x − mean) / (std + 1e-8), std with Bessel's correction like `torch.Tensor.std()`. */
export function normalize(x: Float32Array, mask?: Float32Array): void {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < x.length; i++)
    if (!mask || mask[i]) {
      sum += x[i]!;
      n++;
    }
  if (n === 0) return;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < x.length; i++) if (!mask || mask[i]) sq += (x[i]! - mean) ** 2;
  const std = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) / (std + 1e-8);
}

/** 1 − Var[y − ŷ] / Var[y]: 1 is a perfect value function, 0 no better than a constant (NaN when Var[y] = 0). */
export function explainedVariance(predicted: Float32Array, target: Float32Array): number {
  const n = target.length;
  let my = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    my += target[i]!;
    md += target[i]! - predicted[i]!;
  }
  my /= n;
  md /= n;
  let vy = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vy += (target[i]! - my) ** 2;
    vd += (target[i]! - predicted[i]! - md) ** 2;
  }
  return vy === 0 ? NaN : 1 - vd / vy;
}

/** [start, end) ranges splitting `n` items into `parts` chunks whose sizes differ by at most one. */
export function splitEven(n: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let k = 0; k < parts; k++) out.push([Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts)]);
  return out;
}
