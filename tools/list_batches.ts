import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId } from '../src/util/shapes.js';

export default defineTool({
  name: 'list_batches',
  toolset: 'batches',
  title: 'List batches',
  description: "A workspace's newest 100 batches, with status and task counts.",
  input: { workspace_id: prolificId('workspace').optional() },
  output: {
    workspace_id: z.string(),
    count: z.number().describe('All batches in the workspace'),
    batches: z.array(
      z.looseObject({ id: z.string(), name: z.string(), status: z.string(), created_at: z.string().optional() }),
    ),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, resolveWorkspace, signal }) {
    const workspace_id = await resolveWorkspace(args.workspace_id);
    const { results } = await client.listBatches(workspace_id, signal);
    // A summary per batch keeps a long history affordable; get_batch has the rest.
    const batches = results
      .map((b) => ({
        id: b.id,
        name: b.name,
        status: b.status,
        created_at: typeof b.created_at === 'string' ? b.created_at : undefined,
        total_task_count: b.total_task_count,
        total_task_groups: b.total_task_groups,
        dataset_ids: (b.datasets ?? []).map((d) => d.id),
      }))
      .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''));
    return { workspace_id, count: batches.length, batches: batches.slice(0, 100) };
  },
});
