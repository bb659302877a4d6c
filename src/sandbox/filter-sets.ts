/**
 * Filter sets (digest §2): named, versioned lists of filters in a workspace that a study can take instead of
 * its own `filters` (never both, §1.7). Every change makes a new version; a study keeps the version it was
 * given (`filter_set_version`, by default the latest when it was given the set), so a later edit of the set
 * does not change who may take an existing study. A locked set refuses changes; a
 * deleted one is kept with `is_deleted` and can no longer be given to a study.
 *
 * The sandbox's choices: `eligible_participant_count` hides counts under 5, as the newer filter-set docs say
 * (eligibility counts keep their floor of 25; digest §15 item 2); sets belong to a workspace (the sandbox
 * account has no organisation).
 */
import type { FilterSetRecord } from './audience-model.js';
import { badRequest, notFound } from './errors.js';
import { Eligibility, storedRule } from './eligibility.js';
import type { SandboxStore } from './store.js';
import type { Fields } from './validate.js';

const FILTER_SET_FLOOR = 5;

export function findFilterSet(store: SandboxStore, id: string): FilterSetRecord {
  const set = store.audience.filterSets.get(id);
  if (!set) throw notFound('Filter set', id);
  return set;
}

export function latestVersion(set: FilterSetRecord): number {
  return set.versions.length;
}

/** The filters of one version of a set, or of its latest. */
export function filterSetFilters(set: FilterSetRecord, version = latestVersion(set)): unknown[] {
  return set.versions[version - 1]?.filters ?? [];
}

export function editableSet(set: FilterSetRecord): FilterSetRecord {
  if (set.deleted) throw badRequest(`Filter set ${set.id} has been deleted.`);
  if (set.locked) throw badRequest(`Filter set ${set.id} is locked for editing: unlock it first.`);
  return set;
}

/** How many people a version of the set admits, under the filter-set floor reported as 0. */
export function eligibleForSet(store: SandboxStore, set: FilterSetRecord, version = latestVersion(set)): number {
  const count = new Eligibility(store).count(storedRule(store, filterSetFilters(set, version)));
  return count < FILTER_SET_FLOOR ? 0 : count;
}

/**
 * The version a study body asks for of `filter_set_id` (the latest when it names none), checked against the
 * study's workspace; problems go into `fields`.
 */
export function studyFilterSet(
  store: SandboxStore,
  fields: Fields,
  filterSetId: string,
  version: number | undefined,
  workspaceId: string | undefined,
): number | null {
  const set = store.audience.filterSets.get(filterSetId);
  if (!set || set.deleted || (workspaceId !== undefined && set.workspaceId !== workspaceId)) {
    fields.fail('filter_set_id', `Filter set ${filterSetId} does not exist in this workspace.`);
    return null;
  }
  if (version !== undefined && version > latestVersion(set)) {
    fields.fail('filter_set_version', `Filter set ${filterSetId} has versions 1 to ${latestVersion(set)}.`);
    return null;
  }
  return version ?? latestVersion(set);
}
