/**
 * Who takes a study's next place: the next person along the population's activity order whom the study's filters
 * admit at that moment and who has not taken it before. Eligibility is decided as each person comes, so a
 * participant group changed while the study runs changes who may still come, as on Prolific; someone already
 * in a place keeps it.
 *
 * The first walk along the order passes a fifth of the eligible by (they were busy, or slower to look), so that
 * studies with the same targeting share most of their participants but not all; later walks offer the place to
 * everyone still eligible. When nobody is, the place stays open: a study whose filters admit too few never fills.
 */
import { Eligibility, storedRule } from './eligibility.js';
import { filterSetFilters } from './filter-sets.js';
import type { StudyRecord } from './model.js';
import { derivedRandom } from './random.js';
import type { SandboxStore } from './store.js';

const FIRST_WALK_TAKES = 0.8;

export interface Recruit {
  participantId: string;
  /** The person's index in the population (for their profile). */
  person: number;
}

/** The study's next participant, or undefined when nobody eligible is left for now. */
export function nextParticipant(state: SandboxStore, study: StudyRecord): Recruit | undefined {
  let record = state.audience.recruitment.get(study.id);
  if (!record) {
    record = { cursor: 0, pass: 1, taken: new Set() };
    state.audience.recruitment.set(study.id, record);
  }
  const eligibility = new Eligibility(state);
  const set = study.fields.filter_set_id ? state.audience.filterSets.get(study.fields.filter_set_id) : undefined;
  const rule = storedRule(state, set ? filterSetFilters(set, study.fields.filter_set_version ?? undefined) : study.fields.filters);
  const { population } = eligibility;
  const seed = state.settings.seed;
  // Later walks go round and round; one whole round that finds nobody ends the search until the next arrival.
  let looked = 0;
  for (;;) {
    if (record.cursor >= population.size) {
      record.cursor = 0;
      record.pass = 2;
    }
    if (record.pass === 2 && looked++ >= population.size) return undefined;
    const person = record.cursor;
    record.cursor += 1;
    const participantId = population.ids[person] ?? '';
    if (record.taken.has(participantId) || !eligibility.admits(rule, person)) continue;
    if (record.pass === 1 && !derivedRandom(seed, study.id, 'offer', person).chance(FIRST_WALK_TAKES)) continue;
    record.taken.add(participantId);
    return { participantId, person };
  }
}
