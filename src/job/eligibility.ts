/** Who may take part, in numbers and in words: the eligibility count and the filters as a person reads them. */
import type { ProlificClient } from '../prolific/client.js';
import type { ApiObject } from '../prolific/types.js';
import type { Catalogue } from './filter-catalogue.js';

/** Prolific answers 0 for any pool smaller than this, to protect participants' privacy. */
export const PRIVACY_FLOOR = 25;
export const BELOW_FLOOR = `fewer than ${PRIVACY_FLOOR} (Prolific hides smaller counts)` as const;

/** A count as it may be shown: 0 is never "nobody". */
export type Eligible = number | typeof BELOW_FLOOR;

export function eligibleOf(count: number): Eligible {
  return count === 0 ? BELOW_FLOOR : count;
}

export async function countEligible(client: ProlificClient, filters: ApiObject[], workspaceId: string, signal: AbortSignal): Promise<Eligible> {
  return eligibleOf(await client.countEligible({ filters, workspace_id: workspaceId }, signal));
}

/** A warning when the pool may be too small to fill the places, else undefined. */
export function poolWarning(eligible: Eligible, places: number): string | undefined {
  if (eligible === BELOW_FLOOR) {
    return `Fewer than ${PRIVACY_FLOOR} participants are eligible (Prolific hides the exact number)${places >= PRIVACY_FLOOR ? `, fewer than the ${places} places: the study cannot fill` : ''}; widen the filters if it must fill quickly.`;
  }
  if (eligible < places) return `Only ${eligible} participants are eligible for ${places} places: the study cannot fill. Widen the filters or reduce places.`;
  return undefined;
}

const LABELS_SHOWN = 5;

/**
 * Each filter as a person reads it: "Current Country of Residence: United Kingdom", "Age: 18 to 30". `names`
 * gives records newer than the catalogue read (a participant group made since) their names.
 */
export function describeFilters(filters: readonly ApiObject[], catalogue: Catalogue | undefined, names: ReadonlyMap<string, string> = new Map()): string[] {
  return filters.map((filter) => describe(filter, catalogue, names));
}

function describe(given: ApiObject, catalogue: Catalogue | undefined, names: ReadonlyMap<string, string>): string {
  const id = String(given.filter_id ?? '');
  if ((id === 'and' || id === 'or') && Array.isArray(given.selected_filters)) {
    const parts = (given.selected_filters as ApiObject[]).map((inner) => describe(inner, catalogue, names));
    return `(${parts.join(id === 'and' ? ' and ' : ' or ')})`;
  }
  const filter = catalogue?.byId.get(id);
  const title = filter?.title || id;
  if (Array.isArray(given.selected_values)) {
    const labels = given.selected_values.map((value) => String(filter?.choices?.[String(value)] ?? names.get(String(value)) ?? value));
    const shown = labels.slice(0, LABELS_SHOWN).join(', ');
    return `${title}: ${shown}${labels.length > LABELS_SHOWN ? ` and ${labels.length - LABELS_SHOWN} more` : ''}`;
  }
  const range = given.selected_range as { lower?: unknown; upper?: unknown } | undefined;
  if (range && typeof range === 'object') {
    const low = range.lower ?? null;
    const high = range.upper ?? null;
    if (low !== null && high !== null) return `${title}: ${String(low)} to ${String(high)}`;
    if (low !== null) return `${title}: at least ${String(low)}`;
    if (high !== null) return `${title}: at most ${String(high)}`;
  }
  return title;
}
