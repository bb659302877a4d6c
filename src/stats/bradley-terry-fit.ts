/**
 * The fit behind the Bradley–Terry ranking (bradley-terry.ts): the maximum of the log-posterior in
 * (θ1…θm, γ) by Newton's method, from totals per ordered pair of models. The posterior is concave (the
 * prior's virtual ties make it strictly so), so Newton's steps with halving converge from anywhere, in a
 * few steps from zero and in one or two from a nearby fit.
 */

const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-9;

/**
 * Newton's method on the log-posterior in (θ1…θm, γ), from ordered-pair totals. The Hessian is dense but
 * (m+1)², so each step costs O(m²) to build and O(m³) to solve, whatever the number of judgements.
 */
export class Solver {
  private readonly size: number;
  private readonly gradient: Float64Array;
  private readonly hessian: Float64Array;
  private readonly step: Float64Array;
  private readonly trial: Float64Array;

  constructor(
    private readonly m: number,
    private readonly prior: number,
  ) {
    this.size = m + 1;
    this.gradient = new Float64Array(this.size);
    this.hessian = new Float64Array(this.size * this.size);
    this.step = new Float64Array(this.size);
    this.trial = new Float64Array(this.size);
  }

  /** Improves `x` in place; true when the steps fell below the tolerance. */
  fit(n: Float64Array, w: Float64Array, x: Float64Array): boolean {
    let value = this.objective(n, w, x);
    for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      this.derivatives(n, w, x);
      if (!choleskySolve(this.hessian, this.gradient, this.step, this.size)) return false;
      let largest = 0;
      for (let i = 0; i < this.size; i++) largest = Math.max(largest, Math.abs(this.step[i] as number));
      // Halve the step until the posterior does not fall; a concave objective needs this only far from the top.
      let scale = 1;
      let next = value;
      for (let halving = 0; halving < 30; halving++) {
        for (let i = 0; i < this.size; i++) this.trial[i] = (x[i] as number) + scale * (this.step[i] as number);
        next = this.objective(n, w, this.trial);
        if (next >= value - 1e-12 * Math.abs(value)) break;
        scale /= 2;
      }
      x.set(this.trial);
      value = next;
      if (largest * scale < TOLERANCE) return true;
    }
    return false;
  }

  private objective(n: Float64Array, w: Float64Array, x: Float64Array): number {
    const m = this.m;
    const side = x[m] as number;
    let sum = 0;
    for (let i = 0; i < m; i++) {
      const row = i * m;
      const xi = x[i] as number;
      for (let j = 0; j < m; j++) {
        const games = n[row + j] as number;
        if (games === 0) continue;
        const d = xi - (x[j] as number) + side;
        const won = w[row + j] as number;
        sum += won * logSigmoid(d) + (games - won) * logSigmoid(-d);
      }
      sum += (this.prior / 2) * (logSigmoid(xi) + logSigmoid(-xi));
    }
    return sum + (this.prior / 2) * (logSigmoid(side) + logSigmoid(-side));
  }

  /** The gradient, and the negated Hessian (positive definite thanks to the prior), at x. */
  private derivatives(n: Float64Array, w: Float64Array, x: Float64Array): void {
    const m = this.m;
    const size = this.size;
    const g = this.gradient;
    const h = this.hessian;
    g.fill(0);
    h.fill(0);
    const side = x[m] as number;
    const add = (r: number, c: number, v: number) => {
      h[r * size + c] = (h[r * size + c] as number) + v;
    };
    for (let i = 0; i < m; i++) {
      const row = i * m;
      for (let j = 0; j < m; j++) {
        const games = n[row + j] as number;
        if (games === 0) continue;
        const p = sigmoid((x[i] as number) - (x[j] as number) + side);
        const residual = (w[row + j] as number) - games * p;
        const curvature = games * p * (1 - p);
        g[i] = (g[i] as number) + residual;
        g[j] = (g[j] as number) - residual;
        g[m] = (g[m] as number) + residual;
        add(i, i, curvature);
        add(j, j, curvature);
        add(m, m, curvature);
        add(i, j, -curvature);
        add(j, i, -curvature);
        add(i, m, curvature);
        add(m, i, curvature);
        add(j, m, -curvature);
        add(m, j, -curvature);
      }
    }
    for (let i = 0; i <= m; i++) {
      const p = sigmoid(x[i] as number);
      g[i] = (g[i] as number) + this.prior * (0.5 - p);
      add(i, i, this.prior * p * (1 - p));
    }
  }
}

/** Solves A·out = b for a symmetric positive-definite A (overwritten by its Cholesky factor). */
function choleskySolve(a: Float64Array, b: Float64Array, out: Float64Array, size: number): boolean {
  for (let j = 0; j < size; j++) {
    let diagonal = a[j * size + j] as number;
    for (let k = 0; k < j; k++) diagonal -= (a[j * size + k] as number) ** 2;
    if (!(diagonal > 0)) return false;
    const root = Math.sqrt(diagonal);
    a[j * size + j] = root;
    for (let i = j + 1; i < size; i++) {
      let sum = a[i * size + j] as number;
      for (let k = 0; k < j; k++) sum -= (a[i * size + k] as number) * (a[j * size + k] as number);
      a[i * size + j] = sum / root;
    }
  }
  for (let i = 0; i < size; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= (a[i * size + k] as number) * (out[k] as number);
    out[i] = sum / (a[i * size + i] as number);
  }
  for (let i = size - 1; i >= 0; i--) {
    let sum = out[i] as number;
    for (let k = i + 1; k < size; k++) sum -= (a[k * size + i] as number) * (out[k] as number);
    out[i] = sum / (a[i * size + i] as number);
  }
  return true;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** log σ(x), without overflow for large |x|. */
function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}
