import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { audienceOut, filtersArg, prolificId, studyOut, text } from '../src/util/shapes.js';
import { createDraftStudy } from '../src/job/draft-study.js';
import { checkAudience } from '../src/job/audience.js';

const minutes = z.int().min(1).max(10_080);

export default defineTool({
  name: 'create_study',
  toolset: 'run',
  title: 'Create study',
  description:
    'Create an UNPUBLISHED study for a READY batch and quote its total cost (minor units: pence/cents). Filters are checked first; the result says who is eligible. Spends nothing: publish_study does.',
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
    filters: filtersArg.optional(),
    filter_set_id: prolificId('filter set').optional(),
    exclude_participants: z.array(prolificId('participant')).max(10_000).optional().describe('Prolific ids kept out (a participant group of their own)'),
    project: prolificId('project').optional().describe("Billing project; default: the batch workspace's only project"),
    completion_codes: z.array(z.looseObject({ code: z.string().nullable(), code_type: z.string(), actions: z.array(z.looseObject({ action: z.string() })) })).optional(),
    submissions_config: z.looseObject({}).optional(),
  },
  output: { ...studyOut.shape, total_cost: z.number(), currency: z.string(), audience: audienceOut, warnings: z.array(z.string()).optional() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, context) {
    const batch = await context.client.getBatch(args.batch_id, context.signal);
    if (batch.status !== 'READY') {
      throw new ToolError(
        `Batch ${args.batch_id} is ${batch.status}; a study needs a READY batch. ${batch.status === 'UNINITIALISED' ? 'Call setup_batch first.' : 'Wait for setup to finish (get_batch).'}`,
      );
    }
    const { batch_id, annotators_per_task, exclude_participants, filters: given, ...fields } = args;
    const exclude = exclude_participants ?? [];
    const { filters, mapped } = await checkAudience(context, batch.workspace_id, { filters: given, filter_set_id: args.filter_set_id, exclude });
    const made = await createDraftStudy(context, batch, { ...fields, ...(filters ? { filters } : {}) }, annotators_per_task ?? 1, { exclude, mapped });
    const { study, total_cost, currency, warnings, audience } = made;
    return { ...study, total_cost, currency, audience, ...(warnings.length ? { warnings } : {}) };
  },
});
