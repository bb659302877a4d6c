/**
 * Filters checked against the catalogue before anything is created or counted: an unknown filter id is refused
 * naming the nearest real ones, a choice given by its label becomes its id, range bounds must lie within the
 * filter's own, and `and`/`or` groups are checked all the way down. Every problem is named in one go.
 */
import type { ApiObject, Filter } from '../prolific/types.js';
import { ToolError } from '../errors.js';
import { nearest, words } from '../util/nearest.js';
import type { Catalogue } from './filter-catalogue.js';

const GROUPS = new Set(['and', 'or']);
const MAX_DEPTH = 5;
const MAX_PROBLEMS = 12;
/** Choices that are records of the workspace, which may be newer than the catalogue read. */
const LIVE_CHOICES = new Set(['StudyID', 'ParticipantGroupID']);
const PARTICIPANT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface CheckedFilters {
  /** What to send: only filter_id with selected_values, selected_range, weightings or selected_filters. */
  filters: ApiObject[];
  /** "first-language: "English" → 1": each label given that was turned into its id. */
  mapped: string[];
}

/**
 * Checks `filters` (as an agent sent them) against the catalogue. `refresh` reads the catalogue again, once,
 * when a study or participant group is not in it: it may have been made since the last read.
 */
export async function checkFilters(
  filters: readonly unknown[],
  catalogue: Catalogue,
  refresh: () => Promise<Catalogue>,
): Promise<CheckedFilters> {
  let checker = new Checker(catalogue);
  let checked = checker.list(filters, 'filters', 0);
  if (checker.stale) {
    checker = new Checker(await refresh());
    checked = checker.list(filters, 'filters', 0);
  }
  if (checker.problems.length) {
    const shown = checker.problems.slice(0, MAX_PROBLEMS).map((problem) => `- ${problem}`);
    if (checker.problems.length > MAX_PROBLEMS) shown.push(`- …and ${checker.problems.length - MAX_PROBLEMS} more`);
    throw new ToolError(
      `These filters are not ones Prolific would accept; nothing was created or counted:\n${shown.join('\n')}\nfind_filters gives each filter's id and its choice ids (or min and max); fix these and call again.`,
    );
  }
  return { filters: checked, mapped: checker.mapped };
}

/** `filters` and `filter_set_id` name the audience two ways; Prolific takes one. */
export function refuseBothAudiences(args: { filters?: unknown[] | undefined; filter_set_id?: string | undefined }): void {
  if (args.filters?.length && args.filter_set_id) {
    throw new ToolError('Give filters or filter_set_id, not both: Prolific applies one of them. Nothing was created.');
  }
}

class Checker {
  readonly problems: string[] = [];
  readonly mapped: string[] = [];
  /** A study or group id was not found: the catalogue may predate it. */
  stale = false;

  constructor(private readonly catalogue: Catalogue) {}

  list(entries: readonly unknown[], path: string, depth: number): ApiObject[] {
    return entries.flatMap((entry, index) => {
      const checked = this.entry(entry, `${path}[${index}]`, depth);
      return checked ? [checked] : [];
    });
  }

  private entry(entry: unknown, path: string, depth: number): ApiObject | undefined {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return this.fail(`${path}: must be an object with a filter_id.`);
    const given = entry as ApiObject;
    const id = given.filter_id;
    if (typeof id !== 'string' || !id) return this.fail(`${path}.filter_id: missing.`);
    if (GROUPS.has(id)) return this.group(given, id, path, depth);
    const filter = this.catalogue.byId.get(id);
    if (!filter) {
      const near = nearest(id, this.catalogue.filters, (f) => [f.filter_id, f.title ?? '']).map((f) => f.filter_id);
      return this.fail(`${path}.filter_id "${id}" is not a Prolific filter${near.length ? `; nearest: ${near.join(', ')}` : ''}.`);
    }
    const weightings = given.weightings === undefined ? {} : { weightings: given.weightings };
    if (filter.type === 'range') return this.range(filter, given, path, weightings);
    return this.select(filter, given, path, weightings);
  }

  private group(given: ApiObject, id: string, path: string, depth: number): ApiObject | undefined {
    const inner = given.selected_filters;
    if (!Array.isArray(inner) || inner.length === 0) return this.fail(`${path}: an "${id}" group needs selected_filters, a non-empty list of filters.`);
    if (depth >= MAX_DEPTH) return this.fail(`${path}: groups nest at most ${MAX_DEPTH} deep.`);
    return { filter_id: id, selected_filters: this.list(inner, `${path}.selected_filters`, depth + 1) };
  }

  private select(filter: Filter, given: ApiObject, path: string, weightings: ApiObject): ApiObject | undefined {
    const id = filter.filter_id;
    if (given.selected_range !== undefined) return this.fail(`${path}: ${id} is a select filter; give selected_values (choice ids), not selected_range.`);
    const values = given.selected_values;
    if (!Array.isArray(values) || values.length === 0) {
      return this.fail(`${path}: ${id} needs selected_values, a non-empty list of choice ids${this.examples(filter)}.`);
    }
    const selected: string[] = [];
    values.forEach((value, index) => {
      const at = `${path}.selected_values[${index}]`;
      if (typeof value !== 'string' && typeof value !== 'number') return this.fail(`${at}: must be a choice id (a string).`);
      const chosen = this.choice(filter, String(value), at);
      if (chosen !== undefined && !selected.includes(chosen)) selected.push(chosen);
    });
    return { filter_id: id, selected_values: selected, ...weightings };
  }

  /** The choice id for `value`: itself, or the id of the one choice it is the label of. */
  private choice(filter: Filter, value: string, at: string): string | undefined {
    const choices = filter.choices;
    if (filter.data_type === 'ParticipantID' || !choices || typeof choices !== 'object') {
      // Participant lists have no catalogue of choices; Prolific checks the ids themselves.
      if (filter.data_type === 'ParticipantID' && !PARTICIPANT_ID.test(value)) return this.fail(`${at}: "${value}" is not a Prolific participant id.`);
      return value;
    }
    if (Object.hasOwn(choices, value)) return value;
    const wanted = words(value).join(' ');
    const same = Object.entries(choices).filter(([, label]) => words(String(label)).join(' ') === wanted);
    if (same.length === 1) {
      const [choiceId] = same[0] as [string, string];
      this.mapped.push(`${filter.filter_id}: "${value}" → ${choiceId}`);
      return choiceId;
    }
    if (same.length > 1) {
      return this.fail(`${at}: "${value}" is the label of several ${filter.filter_id} choices: ${same.map(([id, label]) => `${id} (${label})`).join(', ')}; give one id.`);
    }
    if (LIVE_CHOICES.has(filter.data_type ?? '')) this.stale = true;
    const near = nearest(value, Object.entries(choices), ([id, label]) => [String(label), id]);
    const listed = near.map(([id, label]) => `${id} (${label})`).join(', ');
    return this.fail(`${at}: "${value}" is not a choice of ${filter.filter_id}${listed ? `; nearest: ${listed}` : ''}.`);
  }

  private range(filter: Filter, given: ApiObject, path: string, weightings: ApiObject): ApiObject | undefined {
    const id = filter.filter_id;
    if (given.selected_values !== undefined) return this.fail(`${path}: ${id} is a range filter; give selected_range {lower, upper}, not selected_values.`);
    const range = given.selected_range;
    const bounds = `${describeBound(filter.min)}..${describeBound(filter.max)}`;
    if (!range || typeof range !== 'object' || Array.isArray(range)) return this.fail(`${path}: ${id} needs selected_range {lower, upper} within ${bounds}.`);
    const { lower, upper } = range as { lower?: unknown; upper?: unknown };
    if ((lower === undefined || lower === null) && (upper === undefined || upper === null)) {
      return this.fail(`${path}.selected_range: give lower, upper or both (within ${bounds}).`);
    }
    const kind = rangeKind(filter);
    const read = (bound: unknown, name: string): number | string | null | undefined => {
      if (bound === undefined || bound === null) return bound;
      const value = kind === 'date' ? asDate(bound) : asNumber(bound, kind === 'integer');
      if (value === undefined) {
        this.fail(`${path}.selected_range.${name}: ${JSON.stringify(bound)} is not ${kind === 'date' ? 'a date (YYYY-MM-DD)' : kind === 'integer' ? 'a whole number' : 'a number'}.`);
        return undefined;
      }
      const position = order(value);
      if (filter.min !== undefined && filter.min !== null && position < order(filter.min)) this.fail(`${path}.selected_range.${name}: ${value} is below ${id}'s minimum; it takes ${bounds}.`);
      else if (filter.max !== undefined && filter.max !== null && position > order(filter.max)) this.fail(`${path}.selected_range.${name}: ${value} is above ${id}'s maximum; it takes ${bounds}.`);
      return value;
    };
    const low = read(lower, 'lower');
    const high = read(upper, 'upper');
    if (low !== undefined && low !== null && high !== undefined && high !== null && order(low) > order(high)) {
      return this.fail(`${path}.selected_range: lower ${low} is above upper ${high}.`);
    }
    const selected_range: ApiObject = {};
    if (low !== undefined) selected_range.lower = low;
    if (high !== undefined) selected_range.upper = high;
    return { filter_id: id, selected_range, ...weightings };
  }

  private examples(filter: Filter): string {
    const first = Object.entries(filter.choices ?? {}).slice(0, 3);
    return first.length ? ` (e.g. ${first.map(([id, label]) => `${id} = ${label}`).join(', ')})` : '';
  }

  private fail(problem: string): undefined {
    this.problems.push(problem);
    return undefined;
  }
}

type RangeKind = 'date' | 'integer' | 'float';

function rangeKind(filter: Filter): RangeKind {
  if (filter.data_type === 'date' || filter.data_type === 'integer' || filter.data_type === 'float') return filter.data_type;
  return typeof filter.min === 'string' && asDate(filter.min) !== undefined ? 'date' : 'float';
}

function asNumber(value: unknown, whole: boolean): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  if (!Number.isFinite(number) || (whole && !Number.isInteger(number))) return undefined;
  return number;
}

function asDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(Date.parse(value))) return undefined;
  return value;
}

/** Numbers by value, dates by time; the catalogue may give either as a string. */
function order(value: number | string): number {
  if (typeof value === 'number') return value;
  const number = Number(value);
  return Number.isFinite(number) ? number : Date.parse(value);
}

function describeBound(bound: Filter['min']): string {
  return bound === undefined || bound === null ? '' : String(bound);
}
