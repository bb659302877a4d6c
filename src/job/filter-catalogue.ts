/**
 * Prolific's filter catalogue (GET /filters/?workspace_id=), read once every few minutes per workspace, and
 * searched by words. Prolific's own search (GET /filters/search/) ranks where the API has it; the catalogue
 * is matched here where it does not, and always supplies the choices the words name, since the search shows
 * at most three and none for study or group filters.
 */
import type { ProlificClient } from '../prolific/client.js';
import { ProlificApiError } from '../prolific/errors.js';
import type { Filter } from '../prolific/types.js';
import { words } from '../util/nearest.js';

/** Long enough for one job's calls to share a read, short enough that a new participant group shows up soon. */
const CACHE_MS = 5 * 60_000;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/** Per client, so every server in the process shares its reads and tests with their own clients do not. */
const catalogues = new WeakMap<ProlificClient, Map<string, Cached<Catalogue>>>();
const searchGone = new WeakMap<ProlificClient, number>();

export class Catalogue {
  readonly byId: ReadonlyMap<string, Filter>;

  constructor(readonly filters: readonly Filter[]) {
    this.byId = new Map(filters.map((filter) => [filter.filter_id, filter]));
  }
}

/** The workspace's catalogue; `fresh` reads it again (a group or study made since the last read). */
export async function readCatalogue(client: ProlificClient, workspaceId: string | undefined, signal: AbortSignal, fresh = false): Promise<Catalogue> {
  let perWorkspace = catalogues.get(client);
  if (!perWorkspace) catalogues.set(client, (perWorkspace = new Map()));
  const key = workspaceId ?? '';
  const cached = perWorkspace.get(key);
  if (cached && !fresh && Date.now() - cached.at < CACHE_MS) return cached.value;
  const value = client.listFilters(workspaceId, signal).then(({ results }) => new Catalogue(results.filter((filter) => typeof filter?.filter_id === 'string')));
  const entry = { at: Date.now(), value };
  perWorkspace.set(key, entry);
  // A failed read is not kept, so the next call tries again.
  value.catch(() => {
    if (perWorkspace.get(key) === entry) perWorkspace.delete(key);
  });
  return value;
}

/** Words that say nothing about who a filter is for. */
const STOP = new Set(
  'a an and any are as at be by do does for from have has in is it its of on or our that the their them these they this those to was were what which who whom whose with people participants participant person persons someone anyone'.split(' '),
);

/** Short names people use for choices the catalogue spells out. */
const ALIASES: Record<string, string[][]> = {
  uk: [['united', 'kingdom']],
  gb: [['united', 'kingdom']],
  britain: [['united', 'kingdom']],
  us: [['united', 'states']],
  usa: [['united', 'states']],
  america: [['united', 'states']],
};

/** A query word and the word sequences it stands for. */
type Term = string[][];

export function terms(query: string): Term[] {
  return [...new Set(words(query).filter((word) => !STOP.has(word)))].map((word) => [[word], ...(ALIASES[word] ?? [])]);
}

/**
 * The same word, or the same stem: "residents" finds "residence", "language" "languages", but "english" not
 * "england". With `prefix`, for browsing one filter's choices, any start of a word finds it ("eng", "English").
 */
function sameWord(asked: string, found: string, prefix = false): boolean {
  if (asked === found || (prefix && found.startsWith(asked))) return true;
  if (asked.length < 4 || found.length < 4) return false;
  let shared = 0;
  while (shared < asked.length && asked[shared] === found[shared]) shared++;
  return shared >= Math.min(5, asked.length, found.length);
}

function contains(text: readonly string[], sequence: readonly string[], prefix: boolean): boolean {
  for (let start = 0; start + sequence.length <= text.length; start++) {
    if (sequence.every((word, offset) => sameWord(word, text[start + offset] as string, prefix))) return true;
  }
  return false;
}

function mentions(text: readonly string[], term: Term, prefix = false): boolean {
  return term.some((sequence) => contains(text, sequence, prefix));
}

/** Where a word is found says how much it tells: a title or id more than a description. */
const WEIGHTS = { id: 3, title: 3, question: 2, choice: 2, description: 1 } as const;

export interface FilterMatch {
  filter: Filter;
  score: number;
  /** Choice ids whose labels the words name, best first. */
  choices: string[];
}

/** Choice ids whose labels the terms name, those naming the most terms first. */
export function matchChoices(filter: Filter, query: Term[], prefix = false): string[] {
  if (!query.length) return [];
  const scored: { id: string; hits: number; exact: boolean; index: number }[] = [];
  let index = 0;
  for (const [id, label] of Object.entries(filter.choices ?? {})) {
    const text = words(String(label));
    const hits = query.filter((term) => mentions(text, term, prefix)).length;
    // A label every word of which was asked for ("English") beats one that merely contains a word ("English (Old)").
    if (hits) scored.push({ id, hits, exact: text.every((word) => query.some((term) => term.some((sequence) => sequence.some((w) => sameWord(w, word))))), index });
    index++;
  }
  return scored.sort((a, b) => b.hits - a.hits || Number(b.exact) - Number(a.exact) || a.index - b.index).map((choice) => choice.id);
}

/** The words of a filter a query may name, by where they stand. */
function fieldsOf(filter: Filter) {
  return {
    id: words(filter.filter_id),
    title: words(filter.title ?? ''),
    question: words(filter.question ?? ''),
    description: words(filter.description ?? ''),
  };
}

/**
 * The terms left to name choices once the filter's own name and question took theirs: in "first language
 * English", "language" names the First Language filter, not its choice "Sign language".
 */
function choiceTerms(filter: Filter, query: Term[]): Term[] {
  const { id, title, question } = fieldsOf(filter);
  return query.filter((term) => ![id, title, question].some((text) => mentions(text, term)));
}

/** Every filter the words point at, best first; ties keep the catalogue's order. */
export function matchCatalogue(catalogue: Catalogue, query: Term[]): FilterMatch[] {
  const found: (FilterMatch & { index: number })[] = [];
  catalogue.filters.forEach((filter, index) => {
    const fields = fieldsOf(filter);
    const choices = matchChoices(filter, choiceTerms(filter, query));
    const choiceText = choices.flatMap((id) => words(String(filter.choices?.[id] ?? '')));
    let score = 0;
    for (const term of query) {
      let best = 0;
      for (const [field, text] of Object.entries(fields) as [keyof typeof fields, string[]][]) {
        if (WEIGHTS[field] > best && mentions(text, term)) best = WEIGHTS[field];
      }
      if (best < WEIGHTS.choice && mentions(choiceText, term)) best = WEIGHTS.choice;
      score += best;
    }
    if (score > 0) found.push({ filter, score, choices, index });
  });
  return found.sort((a, b) => b.score - a.score || a.index - b.index).map(({ filter, score, choices }) => ({ filter, score, choices }));
}

export interface FilterSearch {
  matches: FilterMatch[];
  total: number;
  /** Where the ranking came from. */
  ranked: 'prolific' | 'catalogue';
}

/**
 * One page of filters for the words. Prolific's search ranks where it answers with something; when the API
 * has no search, or its search finds nothing for a sentence it takes word by word as a whole, the catalogue is
 * matched here. Either way the choices come from the catalogue, matched to the words.
 */
export async function searchFilters(
  client: ProlificClient,
  workspaceId: string,
  query: string,
  page: { offset: number; limit: number },
  signal: AbortSignal,
): Promise<FilterSearch> {
  const asked = terms(query);
  const [catalogue, searched] = await Promise.all([readCatalogue(client, workspaceId, signal), prolificSearch(client, workspaceId, query, page, signal)]);
  if (searched && searched.results.length) {
    const matches = searched.results.map((hit) => {
      const filter = catalogue.byId.get(hit.filter_id) ?? hit;
      const ours = matchChoices(filter, choiceTerms(filter, asked));
      // Prolific matches loosely ("is" finds Israel); its choices are shown only where the words name none here.
      const theirs = Object.keys(hit.choices ?? {}).filter((id) => filter.choices?.[id] !== undefined);
      return { filter, score: 0, choices: ours.length ? ours : theirs };
    });
    return { matches, total: searched.meta?.count ?? page.offset + matches.length, ranked: 'prolific' };
  }
  const all = matchCatalogue(catalogue, asked);
  return { matches: all.slice(page.offset, page.offset + page.limit), total: all.length, ranked: 'catalogue' };
}

async function prolificSearch(
  client: ProlificClient,
  workspaceId: string,
  q: string,
  page: { offset: number; limit: number },
  signal: AbortSignal,
): Promise<Awaited<ReturnType<ProlificClient['searchFilters']>>> {
  const gone = searchGone.get(client);
  if (gone !== undefined && Date.now() - gone < CACHE_MS) return undefined;
  try {
    const answer = await client.searchFilters({ q: q.slice(0, 200), workspace_id: workspaceId, ...page }, signal);
    if (answer !== undefined && Array.isArray(answer.results)) return answer;
    searchGone.set(client, Date.now());
  } catch (error) {
    if (signal.aborted) throw error;
    // The search is a nicety over the catalogue: a refusal of it (a query it takes otherwise, say) is not asked again soon.
    if (error instanceof ProlificApiError && error.status < 500 && error.status !== 429) searchGone.set(client, Date.now());
  }
  return undefined;
}
