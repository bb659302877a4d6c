import { describe, expect, it } from 'vitest';
import { fleissKappa, krippendorffAlpha, percentAgreement, plurality, tally } from '../src/stats/agreement.js';
import { analyseChoices, mostContestedFirst } from '../src/stats/labels.js';
import { digestAnswers } from '../src/stats/text-answers.js';
import type { BatchResponse } from '../src/prolific/types.js';

/** Expected figures are worked out by hand in the comments; the code under test never computed them. */

describe("Krippendorff's alpha (nominal)", () => {
  it('two raters, three units', () => {
    // Units [a,a] [a,b] [b,b]: n = 6 values, n_a = n_b = 3.
    // Disagreeing coincidences: only [a,b], o_ab = o_ba = 1/(2−1) → Σ_c≠k o_ck = 2.
    // Expected: Σ_c≠k n_c·n_k = 3·3 + 3·3 = 18.  α = 1 − (n−1)·2/18 = 1 − 10/18 = 4/9.
    expect(krippendorffAlpha([['a', 'a'], ['a', 'b'], ['b', 'b']])).toBeCloseTo(4 / 9, 12);
  });

  it('handles missing ratings and unequal numbers of raters', () => {
    // Units [a,a,b] [a,a] [b,b,b] [c]: [c] has no pair and is left out, so n = 3 + 2 + 3 = 8, n_a = 4, n_b = 4.
    // [a,a,b] (m = 3): o_ab = 2·1/2 = 1, o_ba = 1 → 2; the other units agree fully.
    // Expected: 4·4 + 4·4 = 32.  α = 1 − 7·2/32 = 18/32 = 0.5625.
    expect(krippendorffAlpha([['a', 'a', 'b'], ['a', 'a'], ['b', 'b', 'b'], ['c']])).toBe(0.5625);
  });

  it("matches Krippendorff's own worked example (4 observers, 12 units, values missing): 0.743", () => {
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal example. Observers A–D per unit:
    const units = [
      ['1', '1', '1'], // A1 B1 D1
      ['2', '2', '3', '2'],
      ['3', '3', '3', '3'],
      ['3', '3', '3', '3'],
      ['2', '2', '2', '2'],
      ['1', '2', '3', '4'],
      ['4', '4', '4', '4'],
      ['1', '1', '2', '1'],
      ['2', '2', '2', '2'],
      ['5', '5', '5'], // B5 C5 D5
      ['1', '1'], // C1 D1
      ['3'], // B3 alone: not pairable
    ];
    expect(krippendorffAlpha(units)).toBeCloseTo(0.743, 3);
  });

  it('is undefined (null) without pairs or with a single value throughout', () => {
    expect(krippendorffAlpha([['a'], ['b']])).toBeNull();
    expect(krippendorffAlpha([['a', 'a'], ['a', 'a', 'a']])).toBeNull();
  });
});

describe("Fleiss' kappa", () => {
  it('two raters, three units', () => {
    // [a,a] [a,b] [b,b]: P_i = 1, 0, 1 → P̄ = 2/3; p_a = p_b = 3/6 → P̄e = 1/4 + 1/4 = 1/2.
    // κ = (2/3 − 1/2) / (1 − 1/2) = 1/3.
    expect(fleissKappa([['a', 'a'], ['a', 'b'], ['b', 'b']])).toBeCloseTo(1 / 3, 12);
  });

  it("matches the textbook example (10 subjects, 14 raters, 5 categories): 0.210", () => {
    // Fleiss (1971) as tabulated on Wikipedia: P̄ = 0.378, P̄e = 0.213, κ = 0.210.
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const units = table.map((row) => row.flatMap((count, category) => Array<string>(count).fill(`c${category + 1}`)));
    expect(fleissKappa(units)).toBeCloseTo(0.21, 3);
  });

  it('is null when tasks have different numbers of ratings, fewer than two, or one value throughout', () => {
    expect(fleissKappa([['a', 'a'], ['a', 'b', 'b']])).toBeNull();
    expect(fleissKappa([['a'], ['b']])).toBeNull();
    expect(fleissKappa([['a', 'a'], ['a', 'a']])).toBeNull();
  });
});

describe('percent agreement, tally and plurality', () => {
  it('averages the agreeing pairs per unit', () => {
    // [a,a] → 1; [a,b] → 0; [b,b] → 1: mean 2/3.  [a,a,b]: 2 of 6 ordered pairs agree → 1/3.
    expect(percentAgreement([['a', 'a'], ['a', 'b'], ['b', 'b']])).toBeCloseTo(2 / 3, 12);
    expect(percentAgreement([['a', 'a', 'b'], ['c']])).toBeCloseTo(1 / 3, 12);
    expect(percentAgreement([['c']])).toBeNull();
  });

  it('finds the most frequent value, and no value on a tie', () => {
    expect(plurality(tally(['a', 'b', 'a']))).toEqual({ value: 'a', count: 2, tie: false });
    expect(plurality(tally(['a', 'b', 'b', 'a', 'c']))).toEqual({ value: null, count: 2, tie: true });
  });
});

function record(participant: string, task: string, instruction: string, values: string[], type = 'multiple_choice'): BatchResponse {
  return {
    id: `${participant}-${task}-${instruction}`,
    batch_id: 'b',
    participant_id: participant,
    task_id: task,
    response: { instruction_id: instruction, type, answer: values.map((value) => ({ value })) },
  };
}

describe('labels, agreement and annotator quality from response records', () => {
  it('single-select: majorities, ties, agreement, and agreement with the majority of the others', () => {
    const records = [
      // t1: a a b · t2: a b (a tie) · t3: b b b a
      record('p1', 't1', 'q', ['a']),
      record('p2', 't1', 'q', ['a']),
      record('p3', 't1', 'q', ['b']),
      record('p1', 't2', 'q', ['a']),
      record('p2', 't2', 'q', ['b']),
      record('p1', 't3', 'q', ['b']),
      record('p2', 't3', 'q', ['b']),
      record('p3', 't3', 'q', ['b']),
      record('p4', 't3', 'q', ['a']),
      // A repeated answer is ignored: the first one counts.
      record('p4', 't3', 'q', ['b']),
    ];
    const { choices, annotators } = analyseChoices(records, [{ id: 'q', answer_limit: 1 }]);
    const [q] = choices;
    expect(q?.multi_select).toBe(false);
    expect(q?.tasks).toEqual([
      { task_id: 't1', ratings: 3, counts: { a: 2, b: 1 }, majority: 'a', share: 2 / 3, tie: false },
      { task_id: 't2', ratings: 2, counts: { a: 1, b: 1 }, majority: null, share: null, tie: true },
      { task_id: 't3', ratings: 4, counts: { b: 3, a: 1 }, majority: 'b', share: 3 / 4, tie: false },
    ]);
    expect(q?.counts).toEqual({ a: 4, b: 5 });
    // n = 9, n_a = 4, n_b = 5. Disagreeing coincidences: t1 (m=3): 2·1/2 + 1·2/2 = 2; t2 (m=2): 1 + 1 = 2;
    // t3 (m=4): 3·1/3 + 1·3/3 = 2 → 6. Expected: 4·5 + 5·4 = 40. α = 1 − 8·6/40 = −0.2.
    expect(q?.krippendorff_alpha).toBeCloseTo(-0.2, 12);
    // t1: 2/6 = 1/3; t2: 0; t3: 6/12 = 1/2 → (1/3 + 0 + 1/2) / 3 = 5/18.
    expect(q?.percent_agreement).toBeCloseTo(5 / 18, 12);
    expect(q?.fleiss_kappa).toBeNull();
    // Leave-one-out majorities of the others:
    // t1: p1 and p2 see a tie (a, b) → left out; p3 sees a, answered b ✗.
    // t2: p1 sees b ✗; p2 sees a ✗.
    // t3: p1, p2, p3 see b ✓; p4 sees b, answered a ✗.
    // p1: t2 ✗ t3 ✓ → 1/2; p2: 1/2; p3: t1 ✗ t3 ✓ → 1/2; p4: 0/1.
    expect(annotators).toEqual([
      { participant_id: 'p4', tasks: 1, compared: 1, matched: 0, agreement_with_majority: 0 },
      { participant_id: 'p1', tasks: 3, compared: 2, matched: 1, agreement_with_majority: 0.5 },
      { participant_id: 'p2', tasks: 3, compared: 2, matched: 1, agreement_with_majority: 0.5 },
      { participant_id: 'p3', tasks: 2, compared: 2, matched: 1, agreement_with_majority: 0.5 },
    ]);
    expect(mostContestedFirst(q?.tasks ?? []).map((task) => task.task_id)).toEqual(['t2', 't1', 't3']);
  });

  it('multi-select: one chosen / not-chosen decision per option', () => {
    const records = [
      // t1: {x} {x,y} {x} · t2: {y} {y,z}
      record('p1', 't1', 'm', ['x']),
      record('p2', 't1', 'm', ['x', 'y']),
      record('p3', 't1', 'm', ['x']),
      record('p1', 't2', 'm', ['y']),
      record('p2', 't2', 'm', ['y', 'z']),
    ];
    const options = [{ value: 'x' }, { value: 'y' }, { value: 'z' }];
    const { choices, annotators } = analyseChoices(records, [{ id: 'm', answer_limit: -1, options }]);
    const [m] = choices;
    expect(m?.multi_select).toBe(true);
    // t1: x 3/3 > half, y 1/3 < half, z 0 → [x]; exactly {x}: p1, p3 → 2/3.
    // t2: y 2/2 chosen, z 1/2 exactly half → a tie.
    expect(m?.tasks).toEqual([
      { task_id: 't1', ratings: 3, counts: { x: 3, y: 1 }, majority: ['x'], share: 2 / 3, tie: false },
      { task_id: 't2', ratings: 2, counts: { y: 2, z: 1 }, majority: null, share: null, tie: true },
    ]);
    expect(m?.counts).toEqual({ x: 3, y: 3, z: 1 });
    // Units (1 = chosen): t1 x[1,1,1] y[0,1,0] z[0,0,0]; t2 x[0,0] y[1,1] z[0,1]. n = 15, n_1 = 7, n_0 = 8.
    // Disagreeing: t1 y (m=3): 1·2/2 + 2·1/2 = 2; t2 z (m=2): 1 + 1 = 2 → 4. Expected: 7·8 + 8·7 = 112.
    // α = 1 − 14·4/112 = 0.5.
    expect(m?.krippendorff_alpha).toBeCloseTo(0.5, 12);
    // Per unit: 1, 1/3, 1, 1, 1, 0 → (13/3) / 6 = 13/18.
    expect(m?.percent_agreement).toBeCloseTo(13 / 18, 12);
    expect(m?.fleiss_kappa).toBeNull();
    // Decisions against the others' majority (ties left out):
    // t1 x: all ✓. y: p1 and p3 see 1 of 2 (tie, left out), p2 sees 0 of 2 ✗. z: all ✓.
    // t2 x: both ✓. y: both ✓. z: p1 sees chosen ✗, p2 sees not chosen ✗.
    // p1: 2/2 + 2/3 = 4/5; p2: 2/3 + 2/3 = 4/6; p3: 2/2.
    expect(annotators.map((a) => [a.participant_id, a.compared, a.matched])).toEqual([
      ['p2', 6, 4],
      ['p1', 5, 4],
      ['p3', 2, 2],
    ]);
  });

  it('infers multi-select from the answers when answer_limit is unknown, and counts answers without a value as missing', () => {
    const { choices } = analyseChoices(
      [record('p1', 't1', 'm', ['x', 'y']), record('p2', 't1', 'm', ['x']), record('p1', 't1', 's', []), record('p2', 't1', 's', ['a'])],
      [{ id: 'm' }, { id: 's' }],
    );
    expect(choices[0]?.multi_select).toBe(true);
    expect(choices[1]?.tasks).toEqual([{ task_id: 't1', ratings: 1, counts: { a: 1 }, majority: 'a', share: 1, tie: false }]);
  });

  it('digests free text, units and numbers', () => {
    const unit = (participant: string, value: string, unitValue: string) => ({
      ...record(participant, 't1', 'u', [], 'free_text_with_unit'),
      response: { instruction_id: 'u', type: 'free_text_with_unit', answer: [{ value, unit: unitValue }] },
    });
    // 4, 10, 12 → median 10.
    expect(digestAnswers([unit('p1', '4', 'kg'), unit('p2', '10', 'kg'), unit('p3', '12', 'lb')], 'free_text_with_unit', 2, 40)).toEqual({
      answers: 3,
      tasks: 1,
      distinct: 3,
      examples: ['4 kg', '10 kg'],
      units: { kg: 2, lb: 1 },
      numbers: { min: 4, median: 10, max: 12 },
    });
    const text = [record('p1', 't1', 'f', ['A long answer that goes on'], 'free_text'), record('p2', 't2', 'f', ['Short'], 'free_text')];
    expect(digestAnswers(text, 'free_text', 3, 10)).toEqual({ answers: 2, tasks: 2, distinct: 2, examples: ['A long an…', 'Short'] });
  });
});
