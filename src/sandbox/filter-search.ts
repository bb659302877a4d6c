/**
 * Keyword search over the filter catalogue, for `GET /api/v1/filters/search/` and
 * `GET /api/v1/filters/{id}/choices/search/` (digest §1.6): case- and accent-insensitive, words matched by
 * prefix after a light stemming ("languages" finds "language", "lang" finds both). How Prolific ranks is not
 * documented; here a filter that matches more of the query's words comes first, then one whose title or id
 * matched, then catalogue order.
 */

/** Where a word was found, and how much that says about the filter. */
export const WEIGHTS = { title: 5, choice: 4, question: 3, category: 2, text: 1 } as const;

export type Place = keyof typeof WEIGHTS;

export interface SearchText {
  place: Place;
  text: string;
}

/** The words of a text, folded for matching. */
export function words(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('es')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s')) return word.slice(0, -1);
  return word;
}

export interface Scored<T> {
  item: T;
  /** How many query words it matched anywhere. */
  matched: number;
  score: number;
}

/**
 * The items that match at least one query word, best first. `texts` gives each item's searchable text by place;
 * ties keep the items' order.
 */
export function rank<T>(query: readonly string[], items: readonly T[], texts: (item: T) => SearchText[]): Scored<T>[] {
  const scored: Scored<T>[] = [];
  for (const item of items) {
    const fields = texts(item).map((field) => ({ place: field.place, words: words(field.text) }));
    let matched = 0;
    let score = 0;
    for (const word of query) {
      let best = 0;
      for (const field of fields) {
        if (field.words.some((candidate) => candidate.startsWith(word))) best = Math.max(best, WEIGHTS[field.place]);
      }
      if (best > 0) {
        matched += 1;
        score += best;
      }
    }
    if (matched > 0) scored.push({ item, matched, score });
  }
  // Array.prototype.sort is stable, so equal scores keep catalogue order.
  return scored.sort((a, b) => b.matched - a.matched || b.score - a.score);
}
