import { defineTool } from '../src/mcp/tool.js';
import { audienceOut, filtersArg, prolificId } from '../src/util/shapes.js';
import { checkAudience } from '../src/job/audience.js';
import { countEligible, describeFilters } from '../src/job/eligibility.js';
import { readCatalogue } from '../src/job/filter-catalogue.js';
import { z } from 'zod';

export default defineTool({
  name: 'count_participants',
  toolset: 'audience',
  title: 'Count eligible participants',
  description: "How many participants the filters let take part, by Prolific's count (it hides counts under 25). Filters are checked like create_study's.",
  input: { filters: filtersArg, workspace_id: prolificId('workspace').optional() },
  output: { ...audienceOut.shape, eligible_participants: z.union([z.number(), z.string()]), filters: z.array(z.looseObject({})) },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, context) {
    const { client, signal } = context;
    const workspace = await context.resolveWorkspace(args.workspace_id);
    const { filters = [], mapped } = await checkAudience(context, workspace, { filters: args.filters });
    const [eligible, catalogue] = await Promise.all([
      countEligible(client, filters, workspace, signal),
      filters.length ? readCatalogue(client, workspace, signal) : undefined,
    ]);
    return {
      who: filters.length ? describeFilters(filters, catalogue) : ['Everyone'],
      eligible_participants: eligible,
      filters,
      ...(mapped.length ? { mapped } : {}),
    };
  },
});
