import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';
import { batchOut, prolificId, taskDetails, text } from '../src/util/shapes.js';
import { createOnce, newestNamed } from '../src/job/create-once.js';
import { batchItems, checkDatasetFields } from '../src/job/batch-items.js';

export default defineTool({
  name: 'create_batch',
  toolset: 'run',
  title: 'Create batch',
  description:
    'Create a batch (what participants are told) on a dataset, which need not be READY yet. Next: set_instructions, then setup_batch.',
  input: {
    name: text(255),
    task_details: taskDetails,
    dataset_id: prolificId('dataset').optional(),
    workspace_id: prolificId('workspace').optional(),
    batch_items: batchItems.optional(),
    auto_sync_enabled: z.boolean().optional(),
  },
  output: batchOut.shape,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { client, resolveWorkspace, signal, resourcesChanged }) {
    const workspace_id = await resolveWorkspace(args.workspace_id);
    if (args.batch_items) await checkDatasetFields(client, args.batch_items, () => args.dataset_id, signal);
    const started = Date.now();
    const batch = await createOnce({
      what: `Creating batch "${args.name}"`,
      attempt: () =>
        client.createBatch(
          {
            name: args.name,
            workspace_id,
            task_details: args.task_details,
            ...(args.dataset_id ? { dataset_id: args.dataset_id } : {}),
            ...(args.batch_items ? { batch_items: args.batch_items } : {}),
            ...(args.auto_sync_enabled === undefined ? {} : { auto_sync_enabled: args.auto_sync_enabled }),
          },
          signal,
        ),
      find: () => newestNamed(client, workspace_id, args.name, started, signal),
      howToCheck: `No new batch named "${args.name}" was found; check list_batches before calling create_batch again.`,
    });
    resourcesChanged();
    return batch;
  },
});
