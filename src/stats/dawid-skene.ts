/**
 * Label aggregation over a crowd: majority vote, and Dawid & Skene's (1979) EM model, which weighs every
 * annotator by an estimated confusion matrix (or, one-coin, by a single accuracy). Pure and deterministic:
 * no randomness, fixed iteration order. Everything is held in typed arrays so that 200,000 answers take a
 * fraction of a second.
 *
 * Conventions follow Toloka's crowd-kit, so that its outputs can serve as a reference: EM starts from the
 * majority-vote posteriors, class priors are the mean posterior, and a tie goes to the class of lowest index.
 * EM stops when no posterior moves by more than `tolerance`, or, as crowd-kit stops, when the evidence lower
 * bound per answer gains less than that: on small crowds the bound flattens long before the posteriors settle.
 * Choices of our own: confusion counts get a small pseudo-count (crowd-kit only clips zeros at 1e-10), so
 * that a single surprising answer from an otherwise perfect annotator cannot veto a whole item. As in
 * crowd-kit, one-coin accuracies are not shrunk, so an annotator with a single answer ends near 0 or 1: the
 * full model is the one the tools use.
 */

export interface Crowd {
  items: number;
  workers: number;
  classes: number;
  /** One entry per answer: the item, the worker and the class they chose. Every item needs an answer. */
  item: Int32Array;
  worker: Int32Array;
  label: Int32Array;
}

export interface Aggregate {
  /** items × classes, row-major. */
  posteriors: Float64Array;
  /** The most probable class of each item (lowest index on a tie). */
  labels: Int32Array;
  /** The posterior of that class. */
  confidence: Float64Array;
}

export interface DawidSkeneResult extends Aggregate {
  priors: Float64Array;
  /** workers × true class × answered class, row-major: P(answer | truth). */
  confusion: Float64Array;
  /** Σ_k prior_k · P(answer k | truth k): the share of answers expected right. */
  accuracy: Float64Array;
  iterations: number;
  converged: boolean;
}

export interface DawidSkeneOptions {
  /** One accuracy per worker, errors spread evenly over the other classes (for small data). */
  oneCoin?: boolean;
  /** Pseudo-count added to every cell of a worker's confusion counts (full model). */
  smoothing?: number;
  maxIterations?: number;
  /** EM has converged when no posterior changes by more than this, or the evidence bound per answer gains less. */
  tolerance?: number;
}

const DEFAULTS = { smoothing: 0.001, maxIterations: 100, tolerance: 1e-5 };

/** Votes per class, normalised per item. */
export function majorityVote(crowd: Crowd): Aggregate {
  const { items, classes } = crowd;
  const posteriors = new Float64Array(items * classes);
  for (let a = 0; a < crowd.item.length; a++) add(posteriors, (crowd.item[a] as number) * classes + (crowd.label[a] as number), 1);
  for (let i = 0; i < items; i++) normalise(posteriors, i * classes, classes);
  return { posteriors, ...decide(posteriors, items, classes) };
}

export function dawidSkene(crowd: Crowd, options: DawidSkeneOptions = {}): DawidSkeneResult {
  const { smoothing, maxIterations, tolerance } = { ...DEFAULTS, ...options };
  const { items, workers, classes } = crowd;
  const answers = crowd.item.length;
  let posteriors: Float64Array = majorityVote(crowd).posteriors;
  let next: Float64Array = new Float64Array(items * classes);
  const priors = new Float64Array(classes);
  const confusion = new Float64Array(workers * classes * classes);
  const logConfusion = new Float64Array(workers * classes * classes);
  const logPriors = new Float64Array(classes);
  // Classes nobody chose keep a prior of zero from the majority-vote start; the one-coin model spreads errors
  // over the classes in use only, as if the others did not exist.
  const chosen = new Uint8Array(classes);
  for (let a = 0; a < answers; a++) chosen[crowd.label[a] as number] = 1;
  // Each answer's offsets, worked out once: its item's row of posteriors, its cell of the worker's confusion
  // (the answered class's column; add k·classes for truth k).
  const rows = new Int32Array(answers);
  const cells = new Int32Array(answers);
  for (let a = 0; a < answers; a++) {
    rows[a] = (crowd.item[a] as number) * classes;
    cells[a] = (crowd.worker[a] as number) * classes * classes + (crowd.label[a] as number);
  }
  const used = chosen.reduce((sum, flag) => sum + flag, 0);

  const maximise = (): void => {
    priors.fill(0);
    for (let i = 0; i < items; i++) for (let k = 0; k < classes; k++) add(priors, k, posteriors[i * classes + k] as number);
    for (let k = 0; k < classes; k++) priors[k] = (priors[k] as number) / items;
    if (options.oneCoin) oneCoinConfusion(crowd, posteriors, confusion, smoothing, used);
    else fullConfusion(rows, cells, classes, posteriors, confusion, smoothing);
    for (let c = 0; c < confusion.length; c++) logConfusion[c] = Math.log(confusion[c] as number);
    for (let k = 0; k < classes; k++) logPriors[k] = Math.log(priors[k] as number);
  };

  // The evidence lower bound per answer, crowd-kit's convergence measure (priors counted once per answer, as it does).
  const bound = (): number => {
    let sum = 0;
    for (let a = 0; a < answers; a++) {
      const row = rows[a] as number;
      const base = cells[a] as number;
      for (let k = 0; k < classes; k++) {
        const p = posteriors[row + k] as number;
        if (p > 0) sum += p * ((logConfusion[base + k * classes] as number) + (logPriors[k] as number));
      }
    }
    for (let c = 0; c < posteriors.length; c++) {
      const p = posteriors[c] as number;
      if (p > 0) sum -= p * Math.log(p);
    }
    return sum / answers;
  };

  maximise();
  let iterations = 0;
  let converged = false;
  let evidence = Number.NEGATIVE_INFINITY;
  while (iterations < maxIterations) {
    iterations++;
    // E-step in logs, since a product of many probabilities underflows.
    for (let c = 0; c < next.length; c++) next[c] = logPriors[c % classes] as number;
    for (let a = 0; a < answers; a++) {
      const row = rows[a] as number;
      const base = cells[a] as number;
      for (let k = 0; k < classes; k++) add(next, row + k, logConfusion[base + k * classes] as number);
    }
    let change = 0;
    for (let i = 0; i < items; i++) {
      const row = i * classes;
      let top = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < classes; k++) {
        const value = next[row + k] as number;
        if (value > top) top = value;
      }
      for (let k = 0; k < classes; k++) next[row + k] = Math.exp((next[row + k] as number) - top);
      normalise(next, row, classes);
      for (let k = 0; k < classes; k++) {
        const moved = Math.abs((next[row + k] as number) - (posteriors[row + k] as number));
        if (moved > change) change = moved;
      }
    }
    [posteriors, next] = [next, posteriors];
    maximise();
    if (change < tolerance) {
      converged = true;
      break;
    }
    const previous = evidence;
    evidence = bound();
    if (evidence - previous < tolerance) {
      converged = true;
      break;
    }
  }

  const accuracy = new Float64Array(workers);
  for (let w = 0; w < workers; w++) {
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += (priors[k] as number) * (confusion[w * classes * classes + k * classes + k] as number);
    accuracy[w] = sum;
  }
  return { posteriors, ...decide(posteriors, items, classes), priors, confusion, accuracy, iterations, converged };
}

/**
 * Expected counts of each (truth, answer) per worker, smoothed and normalised per truth over the answers the
 * worker ever gave (as crowd-kit does): a worker who only ever says "yes" says it whatever the truth, and
 * carries no evidence either way.
 */
function fullConfusion(rows: Int32Array, cells: Int32Array, classes: number, posteriors: Float64Array, confusion: Float64Array, smoothing: number): void {
  confusion.fill(0);
  for (let a = 0; a < cells.length; a++) {
    const base = cells[a] as number;
    for (let k = 0; k < classes; k++) confusion[base + k * classes] = smoothing;
  }
  for (let a = 0; a < cells.length; a++) {
    const row = rows[a] as number;
    const base = cells[a] as number;
    for (let k = 0; k < classes; k++) add(confusion, base + k * classes, posteriors[row + k] as number);
  }
  for (let r = 0; r < confusion.length; r += classes) normalise(confusion, r, classes);
}

/** One accuracy per worker: the mean posterior of the classes they chose, smoothed toward one half. */
function oneCoinConfusion(crowd: Crowd, posteriors: Float64Array, confusion: Float64Array, smoothing: number, used: number): void {
  const { workers, classes } = crowd;
  const right = new Float64Array(workers);
  const total = new Float64Array(workers);
  for (let a = 0; a < crowd.item.length; a++) {
    const w = crowd.worker[a] as number;
    add(right, w, posteriors[(crowd.item[a] as number) * classes + (crowd.label[a] as number)] as number);
    add(total, w, 1);
  }
  for (let w = 0; w < workers; w++) {
    const skill = ((right[w] as number) + smoothing) / ((total[w] as number) + 2 * smoothing);
    const wrong = used > 1 ? (1 - skill) / (used - 1) : 0;
    for (let k = 0; k < classes; k++) {
      for (let l = 0; l < classes; l++) confusion[w * classes * classes + k * classes + l] = k === l ? skill : wrong;
    }
  }
}

function add(values: Float64Array, index: number, value: number): void {
  values[index] = (values[index] as number) + value;
}

function normalise(values: Float64Array, start: number, length: number): void {
  let sum = 0;
  for (let k = 0; k < length; k++) sum += values[start + k] as number;
  if (sum > 0) for (let k = 0; k < length; k++) values[start + k] = (values[start + k] as number) / sum;
}

function decide(posteriors: Float64Array, items: number, classes: number): { labels: Int32Array; confidence: Float64Array } {
  const labels = new Int32Array(items);
  const confidence = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if ((posteriors[i * classes + k] as number) > (posteriors[i * classes + best] as number)) best = k;
    labels[i] = best;
    confidence[i] = posteriors[i * classes + best] as number;
  }
  return { labels, confidence };
}
