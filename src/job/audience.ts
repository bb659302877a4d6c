/**
 * A study's audience as the tools that make, count or show studies handle it: the filters checked against
 * the catalogue, and what a person wants to know of them (who may take part, how many, who was left out).
 */
import type { ApiObject, Study } from '../prolific/types.js';
import { ToolError } from '../errors.js';
import type { StepContext } from './context.js';
import { readCatalogue } from './filter-catalogue.js';
import { checkFilters, refuseBothAudiences } from './filter-check.js';
import { countEligible, describeFilters, poolWarning, type Eligible } from './eligibility.js';
import { leftOut, type LeftOut } from './exclusions.js';

export interface CheckedAudience {
  /** Undefined when none were given (everyone, or the filter set). */
  filters: ApiObject[] | undefined;
  mapped: string[];
}

/** Checks an agent's filters for a study or a count in `workspaceId`; refuses filters with filter_set_id. */
export async function checkAudience(
  { client, signal }: Pick<StepContext, 'client' | 'signal'>,
  workspaceId: string | undefined,
  args: { filters?: unknown[] | undefined; filter_set_id?: string | undefined; exclude?: readonly string[] | undefined },
): Promise<CheckedAudience> {
  refuseBothAudiences(args);
  if (args.filter_set_id && args.exclude?.length) {
    throw new ToolError(
      'Leaving participants out puts a participant_group_blocklist filter on the study, and Prolific does not combine filters with filter_set_id. Give the filter set\'s filters as filters instead. Nothing was created.',
    );
  }
  if (!args.filters?.length) return { filters: args.filters && [], mapped: [] };
  const catalogue = await readCatalogue(client, workspaceId, signal);
  return checkFilters(args.filters, catalogue, () => readCatalogue(client, workspaceId, signal, true));
}

export interface AudienceView extends ApiObject {
  /** The filters in words; ["Everyone"] without any. */
  who: string[];
  eligible_participants?: Eligible;
  left_out?: LeftOut;
  /** Labels given as choices and the ids they became. */
  mapped?: string[];
}

/**
 * What a study's filters mean now: in words, how many may take part, who is kept out. Each part is a nicety
 * for the person watching, so a part Prolific will not give is left out rather than failing the call.
 */
export async function viewAudience(
  { client, signal }: Pick<StepContext, 'client' | 'signal'>,
  study: Study,
  workspaceId: string | undefined,
): Promise<{ view: AudienceView; warnings: string[] }> {
  const filters = Array.isArray(study.filters) ? study.filters : [];
  const usesSet = typeof study.filter_set_id === 'string' && study.filter_set_id;
  const warnings: string[] = [];
  const [catalogue, eligible, excluded] = await Promise.all([
    workspaceId ? readCatalogue(client, workspaceId, signal).catch(() => undefined) : undefined,
    workspaceId && !usesSet ? countEligible(client, filters, workspaceId, signal).catch(() => undefined) : undefined,
    leftOut(client, filters, signal).catch(() => undefined),
  ]);
  if (signal.aborted) throw signal.reason;
  const groupNames = new Map((excluded?.groups ?? []).flatMap((group) => (group.name ? [[group.id, group.name] as const] : [])));
  const who = usesSet ? [`Filter set ${String(study.filter_set_id)}`] : filters.length ? describeFilters(filters, catalogue, groupNames) : ['Everyone'];
  const view: AudienceView = { who, ...(eligible !== undefined ? { eligible_participants: eligible } : {}), ...(excluded ? { left_out: excluded } : {}) };
  if (eligible !== undefined && study.status === 'UNPUBLISHED') {
    const warning = poolWarning(eligible, study.total_available_places);
    if (warning) warnings.push(warning);
  }
  return { view, warnings };
}
