/** Words compared the way a person means them: lower case, accents dropped, split on anything not a letter or digit. */
export function words(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Edit distance with adjacent swaps counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((d[i - 1]?.[j] ?? 0) + 1, (d[i]?.[j - 1] ?? 0) + 1, (d[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (d[i - 2]?.[j - 2] ?? 0) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return d[a.length]?.[b.length] ?? 0;
}

/**
 * How unlike `wanted` a candidate is, from 0 (the same words) up: the edit distance of the joined words,
 * relative to the longer, less a bonus for each word of `wanted` the candidate contains. "country" is near
 * "current-country-of-residence" although far from it letter by letter.
 */
function unlikeness(wanted: string, candidate: string): number {
  const a = words(wanted);
  const b = words(candidate);
  const joinedA = a.join('');
  const joinedB = b.join('');
  const relative = editDistance(joinedA, joinedB) / Math.max(joinedA.length, joinedB.length, 1);
  const shared = a.filter((word) => b.some((other) => other === word || (word.length >= 4 && other.startsWith(word)))).length;
  return relative - shared / Math.max(a.length, 1);
}

/**
 * The `count` candidates most like `wanted`, nearest first, each compared by its best-matching name (an id
 * and a title, say). Ties keep the candidates' order.
 */
export function nearest<T>(wanted: string, candidates: readonly T[], names: (candidate: T) => readonly string[], count = 3): T[] {
  return candidates
    .map((candidate, index) => ({ candidate, index, score: Math.min(...names(candidate).map((name) => unlikeness(wanted, name))) }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .slice(0, count)
    .map(({ candidate }) => candidate);
}
