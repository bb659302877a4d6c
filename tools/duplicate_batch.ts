import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';
import { batchOut, prolificId, text } from '../src/util/shapes.js';
import { createOnce, newestNamed } from '../src/job/create-once.js';

export default defineTool({
  name: 'duplicate_batch',
  toolset: 'batches',
  title: 'Duplicate batch',
  description:
    'Copy a batch and its questions, e.g. to change them after setup. The copy shares the dataset unless upload_new_dataset.',
  input: {
    batch_id: prolificId('batch'),
    name: text(255).optional().describe('Default: "<name> (Copy)"'),
    upload_new_dataset: z.boolean().optional(),
  },
  output: batchOut.shape,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run({ batch_id, ...body }, { client, signal, resourcesChanged }) {
    const started = Date.now();
    const copy = await createOnce({
      what: `Duplicating batch ${batch_id}`,
      attempt: () => client.duplicateBatch(batch_id, body, signal),
      find: async () => {
        const original = await client.getBatch(batch_id, signal);
        const name = body.name ?? `${original.name} (Copy)`;
        return original.workspace_id ? newestNamed(client, original.workspace_id, name, started, signal) : undefined;
      },
      howToCheck: 'No new copy was found; check list_batches before calling duplicate_batch again.',
    });
    resourcesChanged();
    return copy;
  },
});
