/**
 * How model outputs become pairwise comparisons, and the dataset columns a comparison is stored in. Pure:
 * create_comparison pairs and writes with it, rank_models and export_labels read the columns back.
 *
 * For every prompt, every pair of the models that answered it is compared once, or, with `pairsPerPrompt`,
 * a sample of them chosen so that every pair of models is compared about as often as every other (the least
 * compared pair first, then the least compared models). Which output is shown first is random but balanced
 * for every pair of models: of the n comparisons of A with B, ⌊n/2⌋ show A first and ⌊n/2⌋ show B first
 * (the odd one out goes either way), so annotators' preference for a side cancels out of the ranking. The
 * comparisons are shuffled, so that a batch answered halfway covers every pair. Everything is drawn from
 * the seed: the same outputs and seed give the same comparisons.
 */
import { SeededRandom } from '../util/seeded-random.js';

export type Cell = string | number | boolean | null;

/** Columns shown to annotators, and the hidden ones that say what was compared. */
export const COMPARISON_COLUMNS = {
  prompt: 'prompt',
  responseA: 'response_a',
  responseB: 'response_b',
  promptId: 'META_PROMPT_ID',
  modelA: 'META_MODEL_A',
  modelB: 'META_MODEL_B',
} as const;

/** The answer values of a comparison question: the output shown first, the one shown second, neither. */
export const SIDE_VALUES = { a: 'a', b: 'b', tie: 'tie' } as const;

export interface ModelOutput {
  promptId: string;
  prompt: string;
  model: string;
  output: string;
  /** The output's own hidden columns (META_…): stored with the side it is shown on, shown to nobody. */
  hidden: Record<string, Cell>;
}

export interface Comparison {
  promptId: string;
  prompt: string;
  /** Shown first, as response A, and second, as response B. */
  a: ModelOutput;
  b: ModelOutput;
}

export interface PairCount {
  /** In the order the models first appear. */
  models: [string, string];
  comparisons: number;
  /** How many of them show the first of `models` first. */
  firstShownFirst: number;
}

export interface Pairing {
  comparisons: Comparison[];
  /** In the order they first appear. */
  models: string[];
  prompts: number;
  /** Prompt ids only one model answered: nothing to compare there. */
  unpaired: string[];
  pairs: PairCount[];
}

/**
 * Outputs must name each model at most once per prompt id; callers check that, with the message a person
 * can act on, before pairing.
 */
export function pairOutputs(outputs: readonly ModelOutput[], options: { seed: number; pairsPerPrompt?: number | undefined }): Pairing {
  const random = new SeededRandom(options.seed);
  const models: string[] = [];
  const modelIndex = new Map<string, number>();
  const byPrompt = new Map<string, ModelOutput[]>();
  for (const output of outputs) {
    if (!modelIndex.has(output.model)) {
      modelIndex.set(output.model, models.length);
      models.push(output.model);
    }
    const group = byPrompt.get(output.promptId);
    if (!group) byPrompt.set(output.promptId, [output]);
    else if (group.some((other) => other.model === output.model)) throw new RangeError(`model "${output.model}" answers prompt "${output.promptId}" twice`);
    else group.push(output);
  }
  const m = models.length;
  const index = (output: ModelOutput) => modelIndex.get(output.model) as number;
  const pairUse = new Int32Array(m * m);
  const modelUse = new Int32Array(m);
  const chosen: [ModelOutput, ModelOutput][] = [];
  const unpaired: string[] = [];
  for (const [promptId, group] of byPrompt) {
    if (group.length < 2) {
      unpaired.push(promptId);
      continue;
    }
    const ordered = [...group].sort((x, y) => index(x) - index(y));
    const candidates: [ModelOutput, ModelOutput][] = [];
    for (let i = 0; i < ordered.length; i++) for (let j = i + 1; j < ordered.length; j++) candidates.push([ordered[i] as ModelOutput, ordered[j] as ModelOutput]);
    const wanted = options.pairsPerPrompt === undefined ? candidates.length : Math.min(options.pairsPerPrompt, candidates.length);
    // A random order first, so that among equally used pairs the choice is random.
    random.shuffle(candidates);
    for (let pick = 0; pick < wanted; pick++) {
      let best = pick;
      for (let c = pick + 1; c < candidates.length; c++) if (lessUsed(candidates[c]!, candidates[best]!)) best = c;
      [candidates[pick], candidates[best]] = [candidates[best]!, candidates[pick]!];
      const [x, y] = candidates[pick]!;
      const cell = index(x) * m + index(y);
      pairUse[cell] = (pairUse[cell] as number) + 1;
      modelUse[index(x)] = (modelUse[index(x)] as number) + 1;
      modelUse[index(y)] = (modelUse[index(y)] as number) + 1;
      chosen.push([x, y]);
    }
  }

  function lessUsed(p: [ModelOutput, ModelOutput], q: [ModelOutput, ModelOutput]): boolean {
    const use = (pair: [ModelOutput, ModelOutput]) => pairUse[index(pair[0]) * m + index(pair[1])] as number;
    if (use(p) !== use(q)) return use(p) < use(q);
    const load = (pair: [ModelOutput, ModelOutput]) => (modelUse[index(pair[0])] as number) + (modelUse[index(pair[1])] as number);
    return load(p) < load(q);
  }

  // Sides, pair of models by pair of models: a random half shows the first-appearing model first.
  const byPair = new Map<number, [ModelOutput, ModelOutput][]>();
  for (const pair of chosen) {
    const cell = index(pair[0]) * m + index(pair[1]);
    const list = byPair.get(cell);
    if (list) list.push(pair);
    else byPair.set(cell, [pair]);
  }
  const comparisons: Comparison[] = [];
  const pairs: PairCount[] = [];
  for (const [cell, list] of [...byPair].sort((p, q) => p[0] - q[0])) {
    random.shuffle(list);
    const half = Math.floor(list.length / 2);
    const oddFirst = list.length % 2 === 1 && random.below(2) === 0;
    let firstShownFirst = 0;
    list.forEach(([x, y], position) => {
      const keep = position < half || (position === half && oddFirst);
      if (keep) firstShownFirst++;
      const [a, b] = keep ? [x, y] : [y, x];
      comparisons.push({ promptId: x.promptId, prompt: x.prompt, a, b });
    });
    pairs.push({ models: [models[Math.floor(cell / m)] as string, models[cell % m] as string], comparisons: list.length, firstShownFirst });
  }
  random.shuffle(comparisons);
  return { comparisons, models, prompts: byPrompt.size, unpaired, pairs };
}

/** A comparison as one datapoint: shown prompt and responses, hidden models, prompt id and per-side columns. */
export function comparisonRow(comparison: Comparison): Record<string, Cell> {
  const row: Record<string, Cell> = {
    [COMPARISON_COLUMNS.prompt]: comparison.prompt,
    [COMPARISON_COLUMNS.responseA]: comparison.a.output,
    [COMPARISON_COLUMNS.responseB]: comparison.b.output,
    [COMPARISON_COLUMNS.promptId]: comparison.promptId,
    [COMPARISON_COLUMNS.modelA]: comparison.a.model,
    [COMPARISON_COLUMNS.modelB]: comparison.b.model,
  };
  for (const [name, value] of Object.entries(comparison.a.hidden)) row[`${name}_A`] = value;
  for (const [name, value] of Object.entries(comparison.b.hidden)) row[`${name}_B`] = value;
  return row;
}

/** What a stored comparison was: undefined for a datapoint that is not one (a column missing or empty). */
export function comparedIn(datapoint: Readonly<Record<string, string>> | undefined): { promptId: string; modelA: string; modelB: string } | undefined {
  const modelA = datapoint?.[COMPARISON_COLUMNS.modelA];
  const modelB = datapoint?.[COMPARISON_COLUMNS.modelB];
  if (!modelA || !modelB) return undefined;
  return { promptId: datapoint?.[COMPARISON_COLUMNS.promptId] || datapoint?.[COMPARISON_COLUMNS.prompt] || '', modelA, modelB };
}
