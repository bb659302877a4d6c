import { z } from 'zod';
import { defineTool, ToolError } from '../src/tool.js';
import { prolificId, studyOut, text } from '../src/shapes.js';
import { checkPayRate } from '../src/pay-rate.js';
import { createOnce, findCreatedStudy } from '../src/create-once.js';

const minutes = z.int().min(1).max(10_080);

export default defineTool({
  name: 'create_study',
  title: 'Create study',
  description:
    'Create an UNPUBLISHED study for a READY batch and quote its total cost. Money is minor units (pence/cents); reward is per place. Spends nothing: publish_study does.',
  input: {
    batch_id: prolificId('batch'),
    name: text(255).describe('Shown to participants'),
    description: text(20_000).describe('Shown to participants; basic HTML'),
    reward: z.int().min(1).max(100_000).describe('Per place, minor units'),
    estimated_completion_time: minutes.describe('Minutes per submission'),
    total_available_places: z.int().min(1).max(100_000).optional().describe('Default: task groups × annotators_per_task'),
    annotators_per_task: z.int().min(1).max(100).optional().describe('Default 1'),
    internal_name: text(255).optional(),
    maximum_allowed_time: minutes.optional(),
    prolific_id_option: z.enum(['question', 'url_parameters', 'not_required']).default('not_required'),
    device_compatibility: z.array(z.enum(['desktop', 'tablet', 'mobile'])).min(1).default(['desktop']),
    peripheral_requirements: z.array(z.enum(['audio', 'camera', 'download', 'microphone'])).optional(),
    filters: z.array(z.looseObject({ filter_id: z.string() })).optional(),
    filter_set_id: prolificId('filter set').optional(),
    project: prolificId('project').optional().describe("Billing project; default: the batch workspace's only project"),
    completion_codes: z.array(z.looseObject({ code: z.string().nullable(), code_type: z.string(), actions: z.array(z.looseObject({ action: z.string() })) })).optional(),
    submissions_config: z.looseObject({}).optional(),
  },
  output: { ...studyOut.shape, total_cost: z.number(), currency: z.string(), warnings: z.array(z.string()).optional() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { client, signal }) {
    const batch = await client.getBatch(args.batch_id, signal);
    if (batch.status !== 'READY') {
      throw new ToolError(
        `Batch ${args.batch_id} is ${batch.status}; a study needs a READY batch. ${batch.status === 'UNINITIALISED' ? 'Call setup_batch first.' : 'Wait for setup to finish (get_batch).'}`,
      );
    }
    const workspace = batch.workspace_id;
    const me = await client.getMe(signal);
    const currency = me.currency_code ?? 'GBP';
    const warnings: string[] = [];
    if (workspace) {
      warnings.push(...(await checkPayRate(client, { workspace, currency, reward: args.reward, minutes: args.estimated_completion_time }, signal)));
    }
    let project = args.project;
    if (!project && workspace) {
      const { results } = await client.listProjects(workspace, signal);
      if (results.length === 1 && results[0]) project = results[0].id;
      else if (results.length > 1) {
        throw new ToolError(
          `The batch's workspace has ${results.length} projects: ${results.map((p) => `${p.id} (${p.title})`).join(', ')}. Pass project to choose which one pays.`,
        );
      }
    }
    const { batch_id, annotators_per_task, ...fields } = args;
    const started = Date.now();
    const study = await createOnce({
      what: `Creating study "${args.name}"`,
      attempt: () =>
        client.createStudy(
          {
            ...fields,
            project,
            data_collection_method: 'AI_TASK_BUILDER_BATCH',
            data_collection_id: batch_id,
            data_collection_metadata: { annotators_per_task: annotators_per_task ?? 1 },
          },
          signal,
        ),
      find: () => findCreatedStudy(client, { name: args.name, batchId: batch_id, since: started }, signal),
      howToCheck: `No new draft study named "${args.name}" on this batch was found; check Prolific's studies page before calling create_study again.`,
    });
    const total_cost = await client.quoteCost({ reward: study.reward, total_available_places: study.total_available_places }, signal);
    return { ...study, total_cost, currency, ...(warnings.length ? { warnings } : {}) };
  },
});
