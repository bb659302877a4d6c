import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { batchOut, prolificId, taskDetails, text } from '../src/util/shapes.js';
import { batchItemsAsInCreateBatch, checkDatasetFields } from '../src/job/batch-items.js';

export default defineTool({
  name: 'update_batch',
  toolset: 'batches',
  title: 'Update batch',
  description:
    "Change a batch's name, task_details, dataset or batch_items (a layout as in create_batch; null clears it). Only the fields given change, each replaced whole.",
  input: {
    batch_id: prolificId('batch'),
    name: text(255).optional(),
    task_details: taskDetails.optional(),
    dataset_id: prolificId('dataset').optional(),
    batch_items: batchItemsAsInCreateBatch.nullable().optional(),
    auto_sync_enabled: z.boolean().optional(),
  },
  output: batchOut.shape,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run({ batch_id, ...changes }, { client, signal, resourcesChanged }) {
    const body = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    if (Object.keys(body).length === 0) {
      throw new ToolError('update_batch needs at least one of name, task_details, dataset_id, batch_items or auto_sync_enabled.');
    }
    if (changes.batch_items) {
      const datasetId = async () => changes.dataset_id ?? (await client.getBatch(batch_id, signal)).datasets?.[0]?.id;
      await checkDatasetFields(client, changes.batch_items, datasetId, signal);
    }
    const updated = await client.updateBatch(batch_id, body, signal);
    // The resource list shows batches by name.
    if (changes.name !== undefined) resourcesChanged();
    return updated;
  },
});
