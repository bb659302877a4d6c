/** An UNPUBLISHED study for a READY batch, with its quote: what create_study and rerun_contested both make. */
import type { Batch, Study } from '../prolific/types.js';
import type { ApiObject } from '../prolific/types.js';
import { checkPayRate } from './pay-rate.js';
import { createOnce, findCreatedStudy } from './create-once.js';
import { ToolError } from '../errors.js';
import type { StepContext } from './context.js';

export interface DraftStudyFields extends ApiObject {
  name: string;
  reward: number;
  estimated_completion_time: number;
  project?: string | undefined;
}

/**
 * With `reuseDraft`, a draft of the same name, reward, time and places per task already on the batch (left by an
 * earlier call that failed after making it) is quoted again instead of a second one being created.
 */
export async function createDraftStudy(
  { client, signal }: Pick<StepContext, 'client' | 'signal'>,
  batch: Batch,
  fields: DraftStudyFields,
  annotatorsPerTask: number,
  options: { reuseDraft?: boolean } = {},
): Promise<{ study: Study; total_cost: number; currency: string; warnings: string[]; reused?: true }> {
  const workspace = batch.workspace_id;
  const me = await client.getMe(signal);
  const currency = me.currency_code ?? 'GBP';
  const warnings: string[] = [];
  if (workspace) {
    warnings.push(...(await checkPayRate(client, { workspace, currency, reward: fields.reward, minutes: fields.estimated_completion_time }, signal)));
  }
  if (options.reuseDraft) {
    const draft = await findCreatedStudy(client, { name: fields.name, batchId: batch.id, since: Number.NEGATIVE_INFINITY }, signal);
    if (draft && sameTerms(draft, fields, annotatorsPerTask)) {
      const total_cost = await client.quoteCost({ reward: draft.reward, total_available_places: draft.total_available_places }, signal);
      return { study: draft, total_cost, currency, warnings, reused: true };
    }
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
  const started = Date.now();
  const study = await createOnce({
    what: `Creating study "${fields.name}"`,
    attempt: () =>
      client.createStudy(
        {
          ...fields,
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
  const total_cost = await client.quoteCost({ reward: study.reward, total_available_places: study.total_available_places }, signal);
  return { study, total_cost, currency, warnings };
}

function sameTerms(study: Study, fields: DraftStudyFields, annotatorsPerTask: number): boolean {
  const places = (study.data_collection_metadata as { annotators_per_task?: unknown } | undefined)?.annotators_per_task;
  return (
    study.reward === fields.reward &&
    study.estimated_completion_time === fields.estimated_completion_time &&
    (places === undefined || places === annotatorsPerTask)
  );
}
