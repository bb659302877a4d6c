/**
 * Inter-annotator agreement for nominal labels. A unit is one thing that was rated (a task, or one option of a
 * multi-select task) and holds the values its annotators gave, one per rating; a missing rating is simply not
 * there, so units may hold different numbers of values.
 */

export type Units = readonly (readonly string[])[];

/** How often each value occurs, in first-seen order. */
export function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/**
 * The most frequent value; `value` is null when two or more values share the top count.
 * @param less  a value to count one vote fewer for, as if one annotator's vote were left out, without copying `counts`
 */
export function plurality(counts: ReadonlyMap<string, number>, less?: string): { value: string | null; count: number; tie: boolean } {
  let value: string | null = null;
  let count = 0;
  let tie = false;
  for (const [candidate, total] of counts) {
    const n = candidate === less ? total - 1 : total;
    if (n > count) {
      value = candidate;
      count = n;
      tie = false;
    } else if (n === count && n > 0) {
      tie = true;
    }
  }
  return { value: tie ? null : value, count, tie };
}

/**
 * Krippendorff's alpha for nominal data, from the coincidence matrix: α = 1 − (n − 1)·Σ_c≠k o_ck / Σ_c≠k n_c·n_k,
 * where a unit with m values adds 1/(m − 1) to o_ck for every ordered pair of its values (c, k). Units with fewer
 * than two values cannot be paired and are left out. Null when nothing can be paired or only one value was
 * ever used (chance agreement is then total, and α is undefined).
 */
export function krippendorffAlpha(units: Units): number | null {
  const totals = new Map<string, number>();
  let pairable = 0;
  let disagreeing = 0;
  for (const unit of units) {
    const m = unit.length;
    if (m < 2) continue;
    for (const [value, count] of tally(unit)) {
      totals.set(value, (totals.get(value) ?? 0) + count);
      disagreeing += (count * (m - count)) / (m - 1);
    }
    pairable += m;
  }
  let expected = 0;
  for (const count of totals.values()) expected += count * (pairable - count);
  if (pairable === 0 || expected === 0) return null;
  return 1 - ((pairable - 1) * disagreeing) / expected;
}

/**
 * Fleiss' kappa: κ = (P̄ − P̄e) / (1 − P̄e), with P̄ the mean share of agreeing rater pairs per unit and P̄e the sum
 * of squared overall value shares. Defined only when every unit has the same number of ratings, at least two;
 * null otherwise, or when a single value was used throughout.
 */
export function fleissKappa(units: Units): number | null {
  const m = units[0]?.length ?? 0;
  if (m < 2 || units.some((unit) => unit.length !== m)) return null;
  const totals = new Map<string, number>();
  let agreement = 0;
  for (const unit of units) {
    let agreeingPairs = 0;
    for (const [value, count] of tally(unit)) {
      totals.set(value, (totals.get(value) ?? 0) + count);
      agreeingPairs += count * (count - 1);
    }
    agreement += agreeingPairs / (m * (m - 1));
  }
  const ratings = units.length * m;
  let chanceSquares = 0;
  for (const count of totals.values()) chanceSquares += count * count;
  // Kept as whole numbers until the last step, so that a single value gives exactly 1, not 0.9999….
  if (chanceSquares === ratings * ratings) return null;
  const observed = agreement / units.length;
  const chance = chanceSquares / (ratings * ratings);
  return (observed - chance) / (1 - chance);
}

/** The share of agreeing pairs of ratings within a unit, averaged over the units that have a pair. */
export function percentAgreement(units: Units): number | null {
  let sum = 0;
  let counted = 0;
  for (const unit of units) {
    const m = unit.length;
    if (m < 2) continue;
    let agreeingPairs = 0;
    for (const count of tally(unit).values()) agreeingPairs += count * (count - 1);
    sum += agreeingPairs / (m * (m - 1));
    counted += 1;
  }
  return counted === 0 ? null : sum / counted;
}
