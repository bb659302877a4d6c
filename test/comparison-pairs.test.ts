import { describe, expect, it } from 'vitest';
import { comparedIn, comparisonRow, pairOutputs, type ModelOutput } from '../src/job/comparison-pairs.js';

function outputs(prompts: number, models: string[], skip: (prompt: number, model: number) => boolean = () => false): ModelOutput[] {
  const out: ModelOutput[] = [];
  for (let p = 0; p < prompts; p++) {
    models.forEach((model, i) => {
      if (!skip(p, i)) out.push({ promptId: `p${p}`, prompt: `Prompt ${p}`, model, output: `${model} on ${p}`, hidden: { META_QUALITY: i } });
    });
  }
  return out;
}

const key = (x: string, y: string) => [x, y].sort().join(' vs ');

describe('pairing model outputs', () => {
  const models = ['alpha', 'beta', 'gamma', 'delta'];

  it('compares every pair of models once per prompt', () => {
    const { comparisons, pairs, prompts } = pairOutputs(outputs(9, models), { seed: 1 });
    expect(prompts).toBe(9);
    expect(comparisons).toHaveLength(9 * 6);
    const seen = new Set(comparisons.map((c) => `${c.promptId}: ${key(c.a.model, c.b.model)}`));
    expect(seen.size).toBe(9 * 6);
    expect(pairs.map((p) => p.comparisons)).toEqual([9, 9, 9, 9, 9, 9]);
    for (const c of comparisons) {
      expect(c.a.promptId).toBe(c.promptId);
      expect(c.b.promptId).toBe(c.promptId);
      expect(c.a.model).not.toBe(c.b.model);
    }
  });

  it('shows each model of every pair first in half its comparisons (the odd one either way)', () => {
    for (const seed of [1, 2, 3]) {
      const { comparisons, pairs } = pairOutputs(outputs(9, models), { seed });
      for (const pair of pairs) {
        const of = comparisons.filter((c) => key(c.a.model, c.b.model) === key(...pair.models));
        const first = of.filter((c) => c.a.model === pair.models[0]).length;
        expect(first).toBe(pair.firstShownFirst);
        expect([4, 5]).toContain(first);
      }
    }
  });

  it('samples pairs_per_prompt pairs so that every pair of models is compared about as often', () => {
    const many = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'];
    const { comparisons, pairs } = pairOutputs(outputs(70, many), { seed: 4, pairsPerPrompt: 3 });
    expect(comparisons).toHaveLength(210);
    expect(pairs).toHaveLength(28);
    const counts = pairs.map((p) => p.comparisons);
    // 210 comparisons over 28 pairs: 7 or 8 each.
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(7);
    expect(Math.max(...counts)).toBeLessThanOrEqual(8);
    for (let p = 0; p < 70; p++) {
      const mine = comparisons.filter((c) => c.promptId === `p${p}`);
      expect(mine).toHaveLength(3);
      expect(new Set(mine.map((c) => key(c.a.model, c.b.model))).size).toBe(3);
    }
    for (const pair of pairs) expect(Math.abs(2 * pair.firstShownFirst - pair.comparisons)).toBeLessThanOrEqual(1);
  });

  it('pairs only the models that answered a prompt, and reports prompts with one answer', () => {
    // gamma skips even prompts; prompt 3 has alpha only.
    const { comparisons, unpaired } = pairOutputs(outputs(6, ['alpha', 'beta', 'gamma'], (p, m) => (m === 2 && p % 2 === 0) || (p === 3 && m > 0)), { seed: 9 });
    expect(unpaired).toEqual(['p3']);
    expect(comparisons.filter((c) => c.promptId === 'p0')).toHaveLength(1);
    expect(comparisons.filter((c) => c.promptId === 'p1')).toHaveLength(3);
    expect(comparisons.filter((c) => c.promptId === 'p3')).toHaveLength(0);
  });

  it('is the same for the same seed, and different for another', () => {
    const once = pairOutputs(outputs(9, models), { seed: 7 });
    expect(pairOutputs(outputs(9, models), { seed: 7 })).toEqual(once);
    expect(pairOutputs(outputs(9, models), { seed: 8 }).comparisons).not.toEqual(once.comparisons);
  });

  it('refuses a model that answers one prompt twice', () => {
    const twice = [...outputs(1, ['alpha', 'beta']), ...outputs(1, ['alpha'])];
    expect(() => pairOutputs(twice, { seed: 1 })).toThrow(/alpha.*twice/);
  });

  it('stores a comparison with the models hidden and the per-output columns on their side, and reads it back', () => {
    const [comparison] = pairOutputs(outputs(1, ['alpha', 'beta']), { seed: 1 }).comparisons;
    const row = comparisonRow(comparison!);
    const a = comparison!.a.model;
    const b = comparison!.b.model;
    expect(row).toEqual({
      prompt: 'Prompt 0',
      response_a: `${a} on 0`,
      response_b: `${b} on 0`,
      META_PROMPT_ID: 'p0',
      META_MODEL_A: a,
      META_MODEL_B: b,
      META_QUALITY_A: a === 'alpha' ? 0 : 1,
      META_QUALITY_B: b === 'alpha' ? 0 : 1,
    });
    const asRead = Object.fromEntries(Object.entries(row).map(([name, value]) => [name, String(value)]));
    expect(comparedIn(asRead)).toEqual({ promptId: 'p0', modelA: a, modelB: b });
    expect(comparedIn({ text: 'not a comparison' })).toBeUndefined();
  });
});
