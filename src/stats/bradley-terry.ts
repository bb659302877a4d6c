/**
 * Ranking models from pairwise judgements ("which of these two outputs is better?") with the Bradley–Terry
 * model: model i beats model j with probability σ(θi − θj), where σ is the logistic function. Pure and
 * deterministic given the seed: no I/O, everything in typed arrays, so that 100,000 judgements and a
 * thousand bootstrap fits take well under two seconds.
 *
 * Choices, each for a reason:
 * - Ties count half a win each way, as in chess: the likelihood takes a tie as half a win and half a loss.
 * - Every model plays one virtual tie against an average model (θ = 0), a weak prior: a model that never
 *   loses still gets a finite score, and a model with a handful of judgements is pulled a little towards
 *   the middle instead of to ±∞. It weighs as much as one real judgement.
 * - The side shown first gets a parameter of its own, γ: P(first wins) = σ(θfirst − θsecond + γ). Annotators
 *   favour a side, and where sides are not perfectly balanced (a half-answered batch) this keeps that
 *   preference out of the scores. γ has the same weak prior.
 * - The fit is Newton's method on the log-posterior, which is concave, with step halving: it converges in a
 *   few steps from zero and in one or two from the previous fit, which is what makes the bootstrap cheap.
 * - Intervals are percentile bootstrap intervals resampling prompts, not judgements: judgements of one
 *   prompt share its difficulty and its outputs, so they are not independent, and resampling them alone
 *   would give intervals that are too narrow.
 * - Annotators who always chose the same side (at least `minSameSide` answers, every one of them first, or
 *   every one second) are left out of the fit by default: their answers say nothing about the outputs.
 *   They still count towards the measured position bias, which describes the crowd as it answered.
 */
import { SeededRandom } from '../util/seeded-random.js';
import { Solver } from './bradley-terry-fit.js';

/** What an annotator answered: the output shown first, the one shown second, or neither. */
export const FIRST = 0;
export const SECOND = 1;
export const TIE = 2;

export interface Judgements {
  models: number;
  prompts: number;
  annotators: number;
  /** One entry per judgement: the models shown first and second, the outcome, the prompt and the annotator. */
  first: Int32Array;
  second: Int32Array;
  outcome: Uint8Array;
  prompt: Int32Array;
  annotator: Int32Array;
}

export interface RankingOptions {
  /** Seeds the bootstrap; the same seed and judgements give the same ranking. Default 1. */
  seed?: number;
  /** Bootstrap resamples for the intervals; 0 leaves them out. Default 1000. */
  resamples?: number;
  /** Coverage of the intervals. Default 0.95. */
  level?: number;
  /** Virtual ties per model (and for the side effect) against the average. Default 1. */
  prior?: number;
  /** Leave annotators who always chose the same side out of the fit. Default true. */
  excludeSameSide?: boolean;
  /** Answers an annotator needs before "always the same side" means anything. Default 5. */
  minSameSide?: number;
}

export interface Ranking {
  models: number;
  /**
   * Log-strengths centred on the mean of the models that were judged: on neutral sides, i beats j with
   * probability σ(score_i − score_j). NaN for a model without judgements.
   */
  score: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** 1 is best; the interval is the range of ranks over the bootstrap at the same level. 0 when unjudged. */
  rank: Int32Array;
  rankLower: Int32Array;
  rankUpper: Int32Array;
  /** Over the judgements fitted. */
  wins: Int32Array;
  losses: Int32Array;
  ties: Int32Array;
  judgements: Int32Array;
  /** models × models: judgements between i and j (symmetric), and i's share of them, ties half (NaN: none). */
  games: Int32Array;
  winRate: Float64Array;
  /** The fitted advantage of being shown first, on the score scale. */
  sideEffect: number;
  /** Over every judgement: decisive ones, how many chose the output shown first, that share and its interval. */
  position: { decisive: number; first: number; share: number; lower: number; upper: number };
  /** Per annotator, over every judgement. */
  annotators: SidesTaken;
  /** Judgements fitted, and those left out as the same-side annotators'. */
  used: number;
  excluded: number;
  resamples: number;
  converged: boolean;
}

/** Per annotator: answers, how many chose each side or a tie, and whether every answer took the same side. */
export interface SidesTaken {
  answers: Int32Array;
  first: Int32Array;
  second: Int32Array;
  ties: Int32Array;
  sameSide: Uint8Array;
}

const DEFAULTS = { seed: 1, resamples: 1000, level: 0.95, prior: 1, excludeSameSide: true, minSameSide: 5 };

export function rankModels(data: Judgements, options: RankingOptions = {}): Ranking {
  const settings = { ...DEFAULTS, ...options };
  const { models: m, prompts, annotators } = data;
  const count = data.first.length;
  for (const column of [data.second, data.outcome, data.prompt, data.annotator]) {
    if (column.length !== count) throw new RangeError('every judgement needs a first and second model, an outcome, a prompt and an annotator');
  }

  const perAnnotator = sidesTaken(data, settings.minSameSide);
  const fitted = (k: number) => !settings.excludeSameSide || perAnnotator.sameSide[data.annotator[k] as number] === 0;

  // Each prompt's contribution, as a list of (ordered pair, judgements, points to the first) and its side
  // counts, so that a resample adds up prompts rather than judgements.
  const clusters = groupByPrompt(data, prompts, m, fitted);
  const wins = new Int32Array(m);
  const losses = new Int32Array(m);
  const ties = new Int32Array(m);
  const judged = new Int32Array(m);
  const games = new Int32Array(m * m);
  const points = new Float64Array(m * m);
  let used = 0;
  for (let k = 0; k < count; k++) {
    if (!fitted(k)) continue;
    used++;
    const a = data.first[k] as number;
    const b = data.second[k] as number;
    const outcome = data.outcome[k] as number;
    judged[a] = (judged[a] as number) + 1;
    judged[b] = (judged[b] as number) + 1;
    games[a * m + b] = (games[a * m + b] as number) + 1;
    games[b * m + a] = (games[b * m + a] as number) + 1;
    const forA = outcome === FIRST ? 1 : outcome === TIE ? 0.5 : 0;
    points[a * m + b] = (points[a * m + b] as number) + forA;
    points[b * m + a] = (points[b * m + a] as number) + 1 - forA;
    if (outcome === TIE) {
      ties[a] = (ties[a] as number) + 1;
      ties[b] = (ties[b] as number) + 1;
    } else {
      const winner = outcome === FIRST ? a : b;
      const loser = outcome === FIRST ? b : a;
      wins[winner] = (wins[winner] as number) + 1;
      losses[loser] = (losses[loser] as number) + 1;
    }
  }
  const winRate = new Float64Array(m * m);
  for (let c = 0; c < m * m; c++) winRate[c] = (games[c] as number) > 0 ? (points[c] as number) / (games[c] as number) : Number.NaN;

  const solver = new Solver(m, settings.prior);
  const totals = clusters.total();
  const x = new Float64Array(m + 1);
  const converged = solver.fit(totals.n, totals.w, x);
  const score = centred(x, judged);
  const rank = ranks(score, judged);
  const position = { decisive: totals.decisive, first: totals.firstChosen, share: totals.decisive ? totals.firstChosen / totals.decisive : Number.NaN, lower: Number.NaN, upper: Number.NaN };

  const lower = new Float64Array(m).fill(Number.NaN);
  const upper = new Float64Array(m).fill(Number.NaN);
  const rankLower = new Int32Array(m);
  const rankUpper = new Int32Array(m);
  const resamples = clusters.size > 0 && used > 0 ? Math.max(0, Math.floor(settings.resamples)) : 0;
  if (resamples > 0) {
    const random = new SeededRandom(settings.seed);
    const scores = new Float64Array(resamples * m);
    const rankDraws = new Int32Array(resamples * m);
    const shares = new Float64Array(resamples);
    const replicate = new Float64Array(m + 1);
    for (let r = 0; r < resamples; r++) {
      const drawn = clusters.resample(random);
      replicate.set(x);
      solver.fit(drawn.n, drawn.w, replicate);
      const s = centred(replicate, judged);
      scores.set(s, r * m);
      rankDraws.set(ranks(s, judged), r * m);
      shares[r] = drawn.decisive ? drawn.firstChosen / drawn.decisive : Number.NaN;
    }
    const tail = (1 - settings.level) / 2;
    const column = new Float64Array(resamples);
    for (let i = 0; i < m; i++) {
      if ((judged[i] as number) === 0) continue;
      for (let r = 0; r < resamples; r++) column[r] = scores[r * m + i] as number;
      column.sort();
      lower[i] = quantile(column, tail);
      upper[i] = quantile(column, 1 - tail);
      for (let r = 0; r < resamples; r++) column[r] = rankDraws[r * m + i] as number;
      column.sort();
      rankLower[i] = Math.round(quantile(column, tail));
      rankUpper[i] = Math.round(quantile(column, 1 - tail));
    }
    const finite = shares.filter((share) => !Number.isNaN(share)).sort();
    if (finite.length) {
      position.lower = quantile(finite, tail);
      position.upper = quantile(finite, 1 - tail);
    }
  }
  return {
    models: m,
    score,
    lower,
    upper,
    rank,
    rankLower,
    rankUpper,
    wins,
    losses,
    ties,
    judgements: judged,
    games,
    winRate,
    sideEffect: x[m] as number,
    position,
    annotators: perAnnotator,
    used,
    excluded: count - used,
    resamples,
    converged,
  };
}

/** Same side: at least `minSameSide` answers, every one of them first, or every one second. */
export function sidesTaken(data: Judgements, minSameSide = DEFAULTS.minSameSide): SidesTaken {
  const { annotators } = data;
  const taken: SidesTaken = {
    answers: new Int32Array(annotators),
    first: new Int32Array(annotators),
    second: new Int32Array(annotators),
    ties: new Int32Array(annotators),
    sameSide: new Uint8Array(annotators),
  };
  for (let k = 0; k < data.annotator.length; k++) {
    const who = data.annotator[k] as number;
    const outcome = data.outcome[k] as number;
    taken.answers[who] = (taken.answers[who] as number) + 1;
    const tally = outcome === FIRST ? taken.first : outcome === SECOND ? taken.second : taken.ties;
    tally[who] = (tally[who] as number) + 1;
  }
  for (let a = 0; a < annotators; a++) {
    const answers = taken.answers[a] as number;
    const oneSide = answers === taken.first[a] || answers === taken.second[a];
    taken.sameSide[a] = answers >= minSameSide && oneSide ? 1 : 0;
  }
  return taken;
}

/** Scores less the mean of the judged models' scores; NaN for the others. */
function centred(x: Float64Array, judged: Int32Array): Float64Array {
  const m = judged.length;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < m; i++) {
    if ((judged[i] as number) > 0) {
      sum += x[i] as number;
      n++;
    }
  }
  const mean = n ? sum / n : 0;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) out[i] = (judged[i] as number) > 0 ? (x[i] as number) - mean : Number.NaN;
  return out;
}

/** 1 for the highest score among judged models (ties share the better rank); 0 for unjudged ones. */
function ranks(score: Float64Array, judged: Int32Array): Int32Array {
  const m = score.length;
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    if ((judged[i] as number) === 0) continue;
    let better = 0;
    for (let j = 0; j < m; j++) if ((judged[j] as number) > 0 && (score[j] as number) > (score[i] as number)) better++;
    out[i] = better + 1;
  }
  return out;
}

/** Linear interpolation between order statistics of a sorted sample. */
function quantile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const at = p * (n - 1);
  const below = Math.floor(at);
  const above = Math.min(n - 1, below + 1);
  return (sorted[below] as number) + (at - below) * ((sorted[above] as number) - (sorted[below] as number));
}

interface Totals {
  /** models × models, ordered (first, second): judgements, and points to the first (ties half). */
  n: Float64Array;
  w: Float64Array;
  decisive: number;
  firstChosen: number;
}

/** The judgements grouped by prompt, in compressed rows: one entry per ordered pair of models a prompt has. */
function groupByPrompt(data: Judgements, prompts: number, m: number, fitted: (k: number) => boolean) {
  const count = data.first.length;
  const order = new Int32Array(count);
  const starts = new Int32Array(prompts + 1);
  for (let k = 0; k < count; k++) starts[(data.prompt[k] as number) + 1] = (starts[(data.prompt[k] as number) + 1] as number) + 1;
  for (let p = 0; p < prompts; p++) starts[p + 1] = (starts[p + 1] as number) + (starts[p] as number);
  const fill = starts.slice(0, prompts);
  for (let k = 0; k < count; k++) {
    const p = data.prompt[k] as number;
    order[fill[p] as number] = k;
    fill[p] = (fill[p] as number) + 1;
  }
  // Prompts with no judgement are not drawn: a resample is of the prompts that were judged.
  const judgedPrompts: number[] = [];
  const entryStart: number[] = [0];
  const pair: number[] = [];
  const n: number[] = [];
  const w: number[] = [];
  const decisive: number[] = [];
  const firstChosen: number[] = [];
  const slot = new Int32Array(m * m).fill(-1);
  for (let p = 0; p < prompts; p++) {
    const from = starts[p] as number;
    const to = starts[p + 1] as number;
    if (from === to) continue;
    judgedPrompts.push(p);
    let sides = 0;
    let firsts = 0;
    const opened: number[] = [];
    for (let o = from; o < to; o++) {
      const k = order[o] as number;
      const outcome = data.outcome[k] as number;
      if (outcome !== TIE) {
        sides++;
        if (outcome === FIRST) firsts++;
      }
      if (!fitted(k)) continue;
      const cell = (data.first[k] as number) * m + (data.second[k] as number);
      let at = slot[cell] as number;
      if (at < 0) {
        at = pair.length;
        slot[cell] = at;
        opened.push(cell);
        pair.push(cell);
        n.push(0);
        w.push(0);
      }
      n[at] = (n[at] as number) + 1;
      w[at] = (w[at] as number) + (outcome === FIRST ? 1 : outcome === TIE ? 0.5 : 0);
    }
    for (const cell of opened) slot[cell] = -1;
    decisive.push(sides);
    firstChosen.push(firsts);
    entryStart.push(pair.length);
  }
  const size = judgedPrompts.length;
  const rows = Int32Array.from(entryStart);
  const cells = Int32Array.from(pair);
  const counts = Float64Array.from(n);
  const scored = Float64Array.from(w);
  const sides = Int32Array.from(decisive);
  const firsts = Int32Array.from(firstChosen);
  const into = (weights: (c: number) => number): Totals => {
    const totals: Totals = { n: new Float64Array(m * m), w: new Float64Array(m * m), decisive: 0, firstChosen: 0 };
    for (let c = 0; c < size; c++) {
      const times = weights(c);
      if (times === 0) continue;
      for (let e = rows[c] as number; e < (rows[c + 1] as number); e++) {
        const cell = cells[e] as number;
        totals.n[cell] = (totals.n[cell] as number) + times * (counts[e] as number);
        totals.w[cell] = (totals.w[cell] as number) + times * (scored[e] as number);
      }
      totals.decisive += times * (sides[c] as number);
      totals.firstChosen += times * (firsts[c] as number);
    }
    return totals;
  };
  const times = new Int32Array(size);
  return {
    size,
    total: () => into(() => 1),
    /** A bootstrap draw: as many prompts as were judged, drawn with replacement. */
    resample(random: SeededRandom): Totals {
      times.fill(0);
      for (let d = 0; d < size; d++) {
        const c = random.below(size);
        times[c] = (times[c] as number) + 1;
      }
      return into((c) => times[c] as number);
    },
  };
}
