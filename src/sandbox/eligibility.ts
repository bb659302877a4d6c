/**
 * Who may take part: filter objects (digest §1.2) read against the catalogue into a rule, and the rule applied to
 * the population. A flat list is an AND; `{filter_id: "and"|"or", selected_filters}` groups nest. Several values
 * of one select filter admit anyone holding any of them; range bounds are inclusive and a null bound means the
 * filter's own min or max. List filters are read live: a participant group's members, a study's participants.
 *
 * Refusals of the sandbox's own wording (Prolific's are undocumented), all 400s in the usual error body with
 * `{"filters[i].field": [message]}` details: an unknown filter id, a choice id the filter lacks, a range bound
 * outside the filter's min..max or of the wrong type, lower above upper, both bounds null, values of the wrong
 * kind for the filter's type, an empty `selected_values`, a participant group or study not of the workspace,
 * a participant id that is not a Prolific id. `weightings` are accepted and kept but do not change who is
 * eligible: they steer a QUOTA study's mix, which the sandbox does not simulate.
 */
import { catalogueFilter, dayNumber, isoDay, type CatalogueFilter, type ListFilter, type RangeScreener } from './filter-catalogue.js';
import { isParticipantId } from './participant-groups.js';
import { populationOf, type Population } from './population.js';
import type { SandboxStore } from './store.js';
import type { StudyRecord } from './model.js';
import { Fields } from './validate.js';

export type Rule =
  | { kind: 'choices'; filterId: string; multiple: boolean; values: ReadonlySet<number> }
  | { kind: 'range'; filterId: string; lower: number; upper: number }
  | { kind: 'list'; filter: ListFilter; ids: readonly string[] }
  | { kind: 'and' | 'or'; rules: Rule[] };

/** The privacy floor of eligibility counts: fewer eligible participants than this are reported as 0 (digest §1.4). */
export const COUNT_FLOOR = 25;

/** A count as the API reports it: 0 stands for "fewer than 25". */
export function eligibleCount(count: number): number {
  return count < COUNT_FLOOR ? 0 : count;
}

/** Groups may nest this deep; Prolific's own limit (its "rule tree", digest §1.2) is unknown. */
const MAX_DEPTH = 5;

/** Reading filters for a workspace reports problems; reading them back from a stored study does not. */
interface Reading {
  state: SandboxStore;
  workspaceId: string | undefined;
  fields: Fields | undefined;
}

/**
 * The rule of `filters`, with every problem reported into `fields` (for its caller to throw with `done()`);
 * list filters' ids are checked against the workspace when it is known.
 */
export function readFilters(state: SandboxStore, workspaceId: string | undefined, filters: unknown[], fields: Fields, key = 'filters'): Rule {
  return group('and', filters, key, { state, workspaceId, fields }, 1);
}

/** The rule of filters already accepted, as a study stores them. */
export function storedRule(state: SandboxStore, filters: readonly unknown[]): Rule {
  return group('and', [...filters], 'filters', { state, workspaceId: undefined, fields: undefined }, 1);
}

function group(kind: 'and' | 'or', items: unknown[], key: string, reading: Reading, depth: number): Rule {
  const rules: Rule[] = [];
  items.forEach((item, index) => {
    const rule = leaf(item, `${key}[${index}]`, reading, depth);
    if (rule) rules.push(rule);
  });
  return { kind, rules };
}

function leaf(item: unknown, key: string, reading: Reading, depth: number): Rule | undefined {
  const fail = (field: string, message: string) => reading.fields?.fail(field ? `${key}.${field}` : key, message);
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    fail('', 'Invalid data. Expected a filter object.');
    return undefined;
  }
  const body = item as Record<string, unknown>;
  const filterId = body.filter_id;
  if (typeof filterId !== 'string' || !filterId) {
    fail('filter_id', 'This field is required.');
    return undefined;
  }
  if (filterId === 'and' || filterId === 'or') {
    const children = body.selected_filters;
    if (!Array.isArray(children) || children.length === 0) {
      fail('selected_filters', `An "${filterId}" group needs a non-empty list of filters.`);
      return undefined;
    }
    if (depth >= MAX_DEPTH) {
      fail('selected_filters', `Filter groups may nest at most ${MAX_DEPTH} levels deep.`);
      return undefined;
    }
    return group(filterId, children, `${key}.selected_filters`, reading, depth + 1);
  }
  const filter = catalogueFilter(filterId);
  if (!filter) {
    fail('filter_id', `Filter "${filterId}" does not exist. GET /api/v1/filters/ lists the filters you can use.`);
    return undefined;
  }
  if (body.weightings !== undefined && body.weightings !== null && (typeof body.weightings !== 'object' || Array.isArray(body.weightings))) {
    fail('weightings', 'Invalid data. Expected an object.');
  }
  if (filter.type === 'range') return rangeRule(filter, body, fail, reading);
  return selectRule(filter, body, fail, reading);
}

type Fail = (field: string, message: string) => void;

function selectRule(filter: Exclude<CatalogueFilter, RangeScreener>, body: Record<string, unknown>, fail: Fail, reading: Reading): Rule | undefined {
  const values = body.selected_values;
  if (values === undefined || values === null) {
    fail('selected_values', `This field is required: "${filter.filter_id}" is a select filter${body.selected_range ? ', not a range' : ''}.`);
    return undefined;
  }
  if (!Array.isArray(values) || values.some((value) => typeof value !== 'string')) {
    fail('selected_values', 'Expected a list of strings (choice ids).');
    return undefined;
  }
  if (values.length === 0) {
    fail('selected_values', 'Select at least one value.');
    return undefined;
  }
  const selected = values as string[];
  if (filter.kind === 'list') {
    if (reading.fields && reading.workspaceId !== undefined) checkListIds(filter, selected, fail, reading.state, reading.workspaceId);
    return { kind: 'list', filter, ids: selected };
  }
  const unknown = selected.filter((value) => !/^\d+$/.test(value) || Number(value) >= filter.choices.length);
  if (unknown.length > 0) {
    fail(
      'selected_values',
      `${unknown.map((value) => `"${value}"`).join(', ')} ${unknown.length === 1 ? 'is not a valid choice' : 'are not valid choices'} ` +
        `for "${filter.filter_id}": use the choice ids (keys of "choices"), "0" to "${filter.choices.length - 1}".`,
    );
    return undefined;
  }
  return { kind: 'choices', filterId: filter.filter_id, multiple: filter.multiple, values: new Set(selected.map(Number)) };
}

function checkListIds(filter: ListFilter, ids: string[], fail: Fail, state: SandboxStore, workspaceId: string): void {
  let bad: string[];
  let why: string;
  if (filter.data_type === 'ParticipantGroupID') {
    bad = ids.filter((id) => {
      const found = state.audience.groups.get(id);
      return !found || found.deleted || found.workspaceId !== workspaceId;
    });
    why = 'not participant groups of this workspace';
  } else if (filter.data_type === 'StudyID') {
    bad = ids.filter((id) => {
      const study = state.studies.get(id);
      return !study || studyWorkspace(state, study) !== workspaceId;
    });
    why = 'not studies of this workspace';
  } else {
    bad = ids.filter((id) => !isParticipantId(id));
    why = 'not Prolific participant ids (24 hexadecimal characters)';
  }
  if (bad.length > 0) fail('selected_values', `${bad.map((id) => `"${id}"`).join(', ')}: ${why}.`);
}

function rangeRule(filter: RangeScreener, body: Record<string, unknown>, fail: Fail, reading: Reading): Rule | undefined {
  const range = body.selected_range;
  if (range === undefined || range === null) {
    fail('selected_range', `This field is required: "${filter.filter_id}" is a range filter${body.selected_values ? ', not a select' : ''}.`);
    return undefined;
  }
  if (typeof range !== 'object' || Array.isArray(range)) {
    fail('selected_range', 'Invalid data. Expected an object with "lower" and/or "upper".');
    return undefined;
  }
  const { lower: lowerRaw, upper: upperRaw } = range as Record<string, unknown>;
  if ((lowerRaw === undefined || lowerRaw === null) && (upperRaw === undefined || upperRaw === null)) {
    fail('selected_range', 'Give a lower or an upper bound (or both); a null bound stands for the filter\'s min or max.');
    return undefined;
  }
  const min = filter.min;
  const max = rangeMax(reading.state, filter);
  const lower = bound(filter, lowerRaw, 'selected_range.lower', fail, min, max);
  const upper = bound(filter, upperRaw, 'selected_range.upper', fail, min, max);
  if (lower === undefined || upper === undefined) return undefined;
  const from = lower ?? min;
  const to = upper ?? max;
  if (from > to) {
    fail('selected_range', `The lower bound (${shown(filter, from)}) is above the upper bound (${shown(filter, to)}).`);
    return undefined;
  }
  return { kind: 'range', filterId: filter.filter_id, lower: from, upper: to };
}

/** A bound as a number, null when absent, undefined when refused. */
function bound(filter: RangeScreener, raw: unknown, field: string, fail: Fail, min: number, max: number): number | null | undefined {
  if (raw === undefined || raw === null) return null;
  let value: number;
  if (filter.data_type === 'date') {
    const day = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}/.test(raw) ? dayNumber(raw.slice(0, 10)) : Number.NaN;
    if (Number.isNaN(day)) {
      fail(field, `"${filter.filter_id}" takes ISO 8601 dates, e.g. "2025-07-11".`);
      return undefined;
    }
    value = day;
  } else {
    value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value) || (filter.data_type === 'integer' && !Number.isInteger(value))) {
      fail(field, `"${filter.filter_id}" takes ${filter.data_type === 'integer' ? 'whole numbers' : 'numbers'}.`);
      return undefined;
    }
  }
  if (value < min || value > max) {
    fail(field, `Ensure this value is between ${shown(filter, min)} and ${shown(filter, max)} (the range of "${filter.filter_id}").`);
    return undefined;
  }
  return value;
}

export function rangeMax(state: SandboxStore, filter: RangeScreener): number {
  return filter.max === 'today' ? dayNumber(isoDay(Math.floor(state.now() / 86_400_000))) : filter.max;
}

export function shown(filter: RangeScreener, value: number): string | number {
  return filter.data_type === 'date' ? isoDay(value) : value;
}

/**
 * The workspace a study belongs to: its project's, or for a study without a project (which spends from the
 * personal balance) its batch's.
 */
export function studyWorkspace(state: SandboxStore, study: StudyRecord): string | undefined {
  return workspaceOf(state, study.fields.project, study.fields.data_collection_id);
}

/** The same for a study being created, from what its body names. */
export function workspaceOf(state: SandboxStore, projectId: string | null | undefined, batchId: unknown): string | undefined {
  const project = projectId ? state.projects.get(projectId) : undefined;
  return project?.workspaceId ?? (typeof batchId === 'string' ? state.batches.get(batchId)?.workspaceId : undefined);
}

/** Applies rules to people; remembers each study's participants for as long as it lives. */
export class Eligibility {
  private readonly participants = new Map<string, Set<string>>();
  readonly population: Population;

  constructor(private readonly state: SandboxStore) {
    this.population = populationOf(state.settings.seed);
  }

  admits(rule: Rule, person: number): boolean {
    switch (rule.kind) {
      case 'and':
        return rule.rules.every((child) => this.admits(child, person));
      case 'or':
        return rule.rules.some((child) => this.admits(child, person));
      case 'choices': {
        if (rule.multiple) return (this.population.multiple.get(rule.filterId)?.[person] ?? []).some((choice) => rule.values.has(choice));
        return rule.values.has(this.population.single.get(rule.filterId)?.[person] ?? -1);
      }
      case 'range': {
        const value = this.population.ranges.get(rule.filterId)?.[person] ?? Number.NaN;
        return value >= rule.lower && value <= rule.upper;
      }
      case 'list': {
        const listed = rule.ids.some((id) => this.lists(rule.filter, id, this.population.ids[person] ?? ''));
        return rule.filter.effect === 'allow' ? listed : !listed;
      }
    }
  }

  count(rule: Rule): number {
    let count = 0;
    for (let person = 0; person < this.population.size; person += 1) if (this.admits(rule, person)) count += 1;
    return count;
  }

  private lists(filter: ListFilter, id: string, participantId: string): boolean {
    switch (filter.data_type) {
      case 'ParticipantID':
        return id === participantId;
      case 'ParticipantGroupID': {
        const found = this.state.audience.groups.get(id);
        return !!found && !found.deleted && found.members.has(participantId);
      }
      case 'StudyID': {
        let took = this.participants.get(id);
        if (!took) {
          took = new Set(this.state.submissionsOf(id).map((submission) => submission.participantId));
          this.participants.set(id, took);
        }
        return took.has(participantId);
      }
    }
  }
}
