/** An UNPUBLISHED study for a READY batch, with its quote: what create_study and rerun_contested both make. */
import { isDeepStrictEqual } from 'node:util';
import type { Batch, Study } from '../prolific/types.js';
import type { ApiObject } from '../prolific/types.js';
import { ProlificNetworkError } from '../prolific/errors.js';
import { checkPayRate } from './pay-rate.js';
import { createOnce, findCreatedStudy } from './create-once.js';
import { ToolError } from '../errors.js';
import type { StepContext } from './context.js';
import { createExclusionGroup, dropExclusionGroup, foldBlocklists, nameAfterStudy, withBlocklist } from './exclusions.js';
import type { ProlificClient } from '../prolific/client.js';
import { viewAudience, type AudienceView } from './audience.js';

export interface DraftStudyFields extends ApiObject {
  name: string;
  reward: number;
  estimated_completion_time: number;
  project?: string | undefined;
  /** Already checked against the catalogue (src/job/audience.ts). */
  filters?: ApiObject[] | undefined;
}

export interface DraftStudy {
  study: Study;
  total_cost: number;
  currency: string;
  warnings: string[];
  audience: AudienceView;
  /** Set when the study is a draft an earlier call made (see reuseDraft). */
  reused?: true;
}

/**
 * `exclude` are Prolific participant ids to keep out: they go into a new participant group of the batch's
 * workspace, which a blocklist filter on the study names (src/job/exclusions.ts). With `reuseDraft`, a draft of
 * the same name, reward, time and places per task already on the batch (left by an earlier call that failed
 * after making it) is quoted again instead of a second one being created.
 */
export async function createDraftStudy(
  { client, signal }: Pick<StepContext, 'client' | 'signal'>,
  batch: Batch,
  fields: DraftStudyFields,
  annotatorsPerTask: number,
  audience: { exclude: readonly string[]; mapped: readonly string[] } = { exclude: [], mapped: [] },
  options: { reuseDraft?: boolean } = {},
): Promise<DraftStudy> {
  const workspace = batch.workspace_id;
  const me = await client.getMe(signal);
  const currency = me.currency_code ?? 'GBP';
  const warnings: string[] = [];
  if (workspace) {
    warnings.push(...(await checkPayRate(client, { workspace, currency, reward: fields.reward, minutes: fields.estimated_completion_time }, signal)));
  }
  let project = fields.project;
  if (!project && workspace) {
    const { results } = await client.listProjects(workspace, signal);
    if (results.length === 1 && results[0]) project = results[0].id;
    else if (results.length > 1) {
      throw new ToolError(
        `The batch's workspace has ${results.length} projects: ${results.map((p) => `${p.id} (${p.title})`).join(', ')}. Pass project to choose which one pays.`,
      );
    }
  }
  const exclude = [...new Set(audience.exclude)];
  if (options.reuseDraft) {
    const draft = await findCreatedStudy(client, { name: fields.name, batchId: batch.id, since: Number.NEGATIVE_INFINITY }, signal);
    if (draft && sameTerms(draft, fields, annotatorsPerTask)) {
      // A draft that targets or leaves out other people than this call asks for is not this call's study.
      if (await sameAudience(client, draft, fields.filters ?? [], exclude, signal)) {
        const [total_cost, shown] = await Promise.all([
          client.quoteCost({ reward: draft.reward, total_available_places: draft.total_available_places }, signal),
          viewAudience({ client, signal }, { ...draft, filters: draft.filters ?? [] }, workspace),
        ]);
        warnings.push(...shown.warnings);
        return { study: draft, total_cost, currency, warnings, audience: { ...shown.view, ...(audience.mapped.length ? { mapped: [...audience.mapped] } : {}) }, reused: true };
      }
      warnings.push(`The UNPUBLISHED study ${draft.id} an earlier call made on this batch targets or leaves out other people, so it was left as it is (a draft costs nothing; do not publish it).`);
    }
  }
  if (exclude.length && !workspace) throw new ToolError(`Batch ${batch.id} does not say which workspace it belongs to, so no participant group can keep people out. Nothing was created.`);
  const group = exclude.length && workspace ? await createExclusionGroup(client, { workspaceId: workspace, studyName: fields.name, participantIds: exclude }, signal) : undefined;
  const filters = group ? withBlocklist(fields.filters ?? [], group.id) : fields.filters;
  const started = Date.now();
  let study: Study;
  try {
    study = await createOnce({
      what: `Creating study "${fields.name}"`,
      attempt: () =>
        client.createStudy(
          {
            ...fields,
            ...(filters ? { filters } : {}),
            project,
            data_collection_method: 'AI_TASK_BUILDER_BATCH',
            data_collection_id: batch.id,
            data_collection_metadata: { annotators_per_task: annotatorsPerTask },
          },
          signal,
        ),
      find: () => findCreatedStudy(client, { name: fields.name, batchId: batch.id, since: started }, signal),
      howToCheck: `No new draft study named "${fields.name}" on this batch was found; check Prolific's studies page before creating it again.`,
    });
  } catch (error) {
    // A refusal leaves no study for the group to serve; a lost answer may have left one that uses it.
    if (group && !(error instanceof ToolError && error.cause instanceof ProlificNetworkError)) await dropExclusionGroup(client, group, signal);
    throw error;
  }
  const [total_cost, renamed] = await Promise.all([
    client.quoteCost({ reward: study.reward, total_available_places: study.total_available_places }, signal),
    group ? nameAfterStudy(client, group, study, signal) : undefined,
  ]);
  // After the rename, so that the result names the group as it now is.
  const shown = await viewAudience({ client, signal }, { ...study, filters: study.filters ?? filters ?? [] }, workspace);
  if (renamed) warnings.push(renamed);
  warnings.push(...shown.warnings);
  const view = { ...shown.view, ...(audience.mapped.length ? { mapped: [...audience.mapped] } : {}) };
  return { study, total_cost, currency, warnings, audience: view };
}

/** The draft's filters, its blocklist groups aside, are these, and those groups keep out exactly these people. */
async function sameAudience(client: ProlificClient, draft: Study, filters: readonly ApiObject[], exclude: readonly string[], signal: AbortSignal): Promise<boolean> {
  const folded = await foldBlocklists(client, draft.filters ?? [], signal);
  const members = new Set(folded.members);
  return isDeepStrictEqual(folded.filters, filters) && members.size === exclude.length && exclude.every((id) => members.has(id));
}

function sameTerms(study: Study, fields: DraftStudyFields, annotatorsPerTask: number): boolean {
  const places = (study.data_collection_metadata as { annotators_per_task?: unknown } | undefined)?.annotators_per_task;
  return (
    study.reward === fields.reward &&
    study.estimated_completion_time === fields.estimated_completion_time &&
    (places === undefined || places === annotatorsPerTask)
  );
}
