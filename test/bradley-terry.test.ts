import { describe, expect, it } from 'vitest';
import { FIRST, rankModels, SECOND, TIE, type Judgements } from '../src/stats/bradley-terry.js';

/** A tiny seeded generator of the test's own, so that the data do not share the ranking's randomness. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

interface Crowd {
  strengths: number[];
  prompts: number;
  perPrompt: number;
  annotators: number;
  /** Annotator a picks the first output with this probability before judging (position bias). */
  bias?: (annotator: number) => number;
  /** Chance that a close call is answered tie. */
  tieRate?: number;
  /** Each judgement repeated this many times within its prompt. */
  copies?: number;
  seed?: number;
}

/** Judgements drawn from the Bradley–Terry model itself, sides at random. */
function simulate(crowd: Crowd): Judgements {
  const random = lcg(crowd.seed ?? 7);
  const m = crowd.strengths.length;
  const rows: [number, number, number, number, number][] = [];
  for (let p = 0; p < crowd.prompts; p++) {
    for (let k = 0; k < crowd.perPrompt; k++) {
      const a = Math.floor(random() * m);
      const b = (a + 1 + Math.floor(random() * (m - 1))) % m;
      const who = Math.floor(random() * crowd.annotators);
      let outcome: number;
      if (random() < (crowd.bias?.(who) ?? 0)) outcome = FIRST;
      else {
        const d = crowd.strengths[a]! - crowd.strengths[b]!;
        const pFirst = 1 / (1 + Math.exp(-d));
        if (Math.abs(d) < 0.3 && random() < (crowd.tieRate ?? 0)) outcome = TIE;
        else outcome = random() < pFirst ? FIRST : SECOND;
      }
      for (let c = 0; c < (crowd.copies ?? 1); c++) rows.push([a, b, outcome, p, who]);
    }
  }
  return judgements(m, crowd.prompts, crowd.annotators, rows);
}

function judgements(models: number, prompts: number, annotators: number, rows: [number, number, number, number, number][]): Judgements {
  return {
    models,
    prompts,
    annotators,
    first: Int32Array.from(rows, (r) => r[0]),
    second: Int32Array.from(rows, (r) => r[1]),
    outcome: Uint8Array.from(rows, (r) => r[2]),
    prompt: Int32Array.from(rows, (r) => r[3]),
    annotator: Int32Array.from(rows, (r) => r[4]),
  };
}

const centre = (values: number[]) => values.map((v) => v - values.reduce((s, x) => s + x, 0) / values.length);

describe('Bradley–Terry ranking', () => {
  const strengths = [1.2, 0.8, 0.4, 0, -0.4, -0.8];
  const data = simulate({ strengths, prompts: 400, perPrompt: 10, annotators: 60 });
  const ranking = rankModels(data, { seed: 3 });

  it('recovers the order and the size of known strengths, each inside its 95% interval', () => {
    expect(Array.from(ranking.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    const truth = centre(strengths);
    for (let i = 0; i < strengths.length; i++) {
      expect(Math.abs(ranking.score[i]! - truth[i]!), `model ${i}`).toBeLessThan(0.15);
      expect(ranking.lower[i]!).toBeLessThan(truth[i]!);
      expect(ranking.upper[i]!).toBeGreaterThan(truth[i]!);
      expect(ranking.lower[i]!).toBeLessThan(ranking.score[i]!);
      expect(ranking.upper[i]!).toBeGreaterThan(ranking.score[i]!);
    }
    expect(ranking.converged).toBe(true);
    expect(ranking.used).toBe(4000);
    expect(Math.abs(ranking.sideEffect)).toBeLessThan(0.1);
  });

  it('counts wins, losses and judgements per model, and a symmetric win-rate matrix', () => {
    const m = strengths.length;
    let total = 0;
    for (let i = 0; i < m; i++) {
      expect(ranking.wins[i]! + ranking.losses[i]! + ranking.ties[i]!).toBe(ranking.judgements[i]);
      total += ranking.judgements[i]!;
      for (let j = 0; j < m; j++) {
        if (i === j) {
          expect(ranking.games[i * m + j]).toBe(0);
          expect(ranking.winRate[i * m + j]).toBeNaN();
          continue;
        }
        expect(ranking.games[i * m + j]).toBe(ranking.games[j * m + i]);
        expect(ranking.winRate[i * m + j]! + ranking.winRate[j * m + i]!).toBeCloseTo(1, 12);
      }
    }
    expect(total).toBe(2 * 4000);
    expect(ranking.winRate[0 * m + 5]!).toBeGreaterThan(0.8);
  });

  it('ranks with rank intervals that contain the true rank', () => {
    for (let i = 0; i < strengths.length; i++) {
      expect(ranking.rankLower[i]!).toBeLessThanOrEqual(i + 1);
      expect(ranking.rankUpper[i]!).toBeGreaterThanOrEqual(i + 1);
    }
    // 0.4 apart with 1,300 judgements each: the top model is clearly apart from the bottom half.
    expect(ranking.rankUpper[0]!).toBeLessThanOrEqual(2);
  });

  it('is deterministic given the seed, and the seed moves only the intervals', () => {
    const again = rankModels(data, { seed: 3 });
    expect(Array.from(again.lower)).toEqual(Array.from(ranking.lower));
    expect(Array.from(again.upper)).toEqual(Array.from(ranking.upper));
    const other = rankModels(data, { seed: 4 });
    expect(Array.from(other.score)).toEqual(Array.from(ranking.score));
    expect(Array.from(other.lower)).not.toEqual(Array.from(ranking.lower));
  });
});

describe('Bradley–Terry edge cases', () => {
  it('gives a model that never loses a finite, top score', () => {
    const rows: [number, number, number, number, number][] = [];
    for (let p = 0; p < 30; p++) {
      // Model 0 wins every time, from either side.
      rows.push(p % 2 ? [0, 1, FIRST, p, 0] : [1, 0, SECOND, p, 0]);
      rows.push(p % 2 ? [0, 2, FIRST, p, 1] : [2, 0, SECOND, p, 1]);
      rows.push([1, 2, p % 3 ? FIRST : SECOND, p, 2]);
    }
    const result = rankModels(judgements(3, 30, 3, rows), { resamples: 200 });
    expect(result.losses[0]).toBe(0);
    expect(result.wins[0]).toBe(60);
    expect(Number.isFinite(result.score[0]!)).toBe(true);
    expect(Number.isFinite(result.upper[0]!)).toBe(true);
    expect(result.score[0]!).toBeLessThan(10);
    expect(result.rank[0]).toBe(1);
  });

  it('counts a tie as half a win each way: one win and two ties score as two wins and a loss', () => {
    const withTies = judgements(2, 3, 1, [
      [0, 1, FIRST, 0, 0],
      [0, 1, TIE, 1, 0],
      [0, 1, TIE, 2, 0],
    ]);
    const decided = judgements(2, 3, 1, [
      [0, 1, FIRST, 0, 0],
      [0, 1, FIRST, 1, 0],
      [0, 1, SECOND, 2, 0],
    ]);
    const a = rankModels(withTies, { resamples: 0, excludeSameSide: false });
    const b = rankModels(decided, { resamples: 0, excludeSameSide: false });
    expect(a.score[0]!).toBeCloseTo(b.score[0]!, 9);
    expect(a.score[0]!).toBeGreaterThan(0);
    expect(a.winRate[1]!).toBeCloseTo(2 / 3, 12);
    expect([a.wins[0], a.ties[0], a.losses[0]]).toEqual([1, 2, 0]);
    // Ties are not decisive: only the win counts towards the position share.
    expect(a.position).toMatchObject({ decisive: 1, first: 1, share: 1 });
  });

  it('leaves a model without judgements unranked (NaN score, rank 0) on a half-answered batch', () => {
    const result = rankModels(judgements(3, 2, 1, [
      [0, 1, FIRST, 0, 0],
      [1, 0, FIRST, 1, 0],
    ]), { resamples: 50, excludeSameSide: false });
    expect(result.score[2]).toBeNaN();
    expect(result.lower[2]).toBeNaN();
    expect(result.rank[2]).toBe(0);
    expect(result.score[0]! + result.score[1]!).toBeCloseTo(0, 12);
  });

  it('answers an empty set of judgements without failing', () => {
    const result = rankModels(judgements(4, 0, 0, []));
    expect(result.used).toBe(0);
    expect(result.resamples).toBe(0);
    expect(Array.from(result.score).every(Number.isNaN)).toBe(true);
    expect(result.position.share).toBeNaN();
  });

  it('refuses columns of different lengths', () => {
    const data = judgements(2, 1, 1, [[0, 1, FIRST, 0, 0]]);
    expect(() => rankModels({ ...data, outcome: new Uint8Array(0) })).toThrow(RangeError);
  });
});

describe('position bias', () => {
  const strengths = [0.6, 0.2, -0.2, -0.6];
  // Annotators 0–9 pick the output shown first 60% of the time before judging; 10–39 judge fairly.
  const data = simulate({ strengths, prompts: 500, perPrompt: 8, annotators: 40, bias: (a) => (a < 10 ? 0.6 : 0), seed: 11 });
  const result = rankModels(data, { seed: 5 });

  it('measures the share of decisive answers that chose the first output, with an interval', () => {
    let decisive = 0;
    let first = 0;
    for (let k = 0; k < data.outcome.length; k++) {
      if (data.outcome[k] === TIE) continue;
      decisive++;
      if (data.outcome[k] === FIRST) first++;
    }
    expect(result.position.decisive).toBe(decisive);
    expect(result.position.first).toBe(first);
    expect(result.position.share).toBeCloseTo(first / decisive, 12);
    // A quarter of the crowd adds 0.6 × 0.5 to its first-side share: about 0.575 in all.
    expect(result.position.share).toBeGreaterThan(0.54);
    expect(result.position.lower).toBeGreaterThan(0.5);
    expect(result.position.lower).toBeLessThan(result.position.share);
    expect(result.position.upper).toBeGreaterThan(result.position.share);
    expect(result.sideEffect).toBeGreaterThan(0.1);
  });

  it('measures it per annotator: the biased ones choose first far more often', () => {
    const share = (a: number) => result.annotators.first[a]! / (result.annotators.first[a]! + result.annotators.second[a]!);
    const biased = Array.from({ length: 10 }, (_, a) => share(a));
    const fair = Array.from({ length: 30 }, (_, a) => share(a + 10));
    const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean(biased)).toBeGreaterThan(0.7);
    expect(Math.abs(mean(fair) - 0.5)).toBeLessThan(0.05);
  });

  it('keeps the side preference out of the scores when sides are not balanced', () => {
    // Equal models; model 0 is shown first three times as often as the others, to annotators who favour it.
    const random = lcg(99);
    const rows: [number, number, number, number, number][] = [];
    for (let p = 0; p < 4000; p++) {
      const a = Math.floor(random() * 3);
      const b = (a + 1 + Math.floor(random() * 2)) % 3;
      // Pairs with model 0 show it first three times in four.
      const zeroFirst = random() < 0.75;
      const [first, second] = a === 0 || b === 0 ? (zeroFirst ? [0, a + b] : [a + b, 0]) : [a, b];
      rows.push([first, second, random() < 0.65 ? FIRST : SECOND, p, p % 30]);
    }
    const fitted = rankModels(judgements(3, 4000, 30, rows), { resamples: 200 });
    // Raw counts flatter model 0: it wins well over half its judgements.
    expect(fitted.wins[0]! / fitted.judgements[0]!).toBeGreaterThan(0.55);
    for (let i = 0; i < 3; i++) expect(Math.abs(fitted.score[i]!), `model ${i}`).toBeLessThan(0.08);
    expect(fitted.sideEffect).toBeGreaterThan(0.5);
  });
});

describe('annotators who always choose the same side', () => {
  const strengths = [0.5, 0, -0.5];
  const base = simulate({ strengths, prompts: 300, perPrompt: 6, annotators: 30, seed: 21 });
  // Annotators 30 and 31 answer "first" to everything, 32 "second" to everything, 33 only four times "first".
  const rows: [number, number, number, number, number][] = [];
  for (let k = 0; k < base.first.length; k++) rows.push([base.first[k]!, base.second[k]!, base.outcome[k]!, base.prompt[k]!, base.annotator[k]!]);
  for (let p = 0; p < 300; p += 3) {
    rows.push([2, 0, FIRST, p, 30], [1, 0, FIRST, p, 31], [0, 2, SECOND, p, 32]);
    if (p < 12) rows.push([2, 1, FIRST, p, 33]);
  }
  const data = judgements(3, 300, 34, rows);

  it('flags them (5+ answers, all one side) and leaves them out of the fit', () => {
    const result = rankModels(data, { seed: 1 });
    expect(Array.from(result.annotators.sameSide).flatMap((flag, a) => (flag ? [a] : []))).toEqual([30, 31, 32]);
    expect(result.excluded).toBe(300);
    expect(result.used).toBe(base.first.length + 4);
    expect(Array.from(result.rank)).toEqual([1, 2, 3]);
    // They still count towards how the crowd answered.
    expect(result.position.decisive).toBeGreaterThan(result.used - result.ties.reduce((s, t) => s + t, 0) / 2);
  });

  it('keeps them when asked, and then they drag model 0 down', () => {
    const kept = rankModels(data, { seed: 1, excludeSameSide: false });
    const left = rankModels(data, { seed: 1 });
    expect(kept.excluded).toBe(0);
    expect(kept.score[0]!).toBeLessThan(left.score[0]!);
  });
});

describe('the bootstrap resamples prompts', () => {
  it('does not narrow the intervals when every judgement is repeated within its prompt', () => {
    const crowd = { strengths: [0.4, 0, -0.4], prompts: 150, perPrompt: 4, annotators: 20, seed: 5 };
    const once = rankModels(simulate(crowd), { seed: 2, resamples: 600 });
    const four = rankModels(simulate({ ...crowd, copies: 4 }), { seed: 2, resamples: 600 });
    const width = (r: typeof once, i: number) => r.upper[i]! - r.lower[i]!;
    // Independent judgements four times over would halve the width; repeats inside a prompt add nothing.
    for (let i = 0; i < 3; i++) expect(width(four, i) / width(once, i)).toBeGreaterThan(0.85);
  });
});
