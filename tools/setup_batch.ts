import { z } from 'zod';
import { defineTool, ToolError } from '../src/tool.js';
import { batchOut, prolificId, waitArgs } from '../src/shapes.js';
import { waitFor } from '../src/wait.js';
import { createOnce } from '../src/create-once.js';
import { previewUrl, readBatch } from '../src/batch-items.js';

export default defineTool({
  name: 'setup_batch',
  title: 'Set up batch',
  description:
    "Turn the dataset into tasks (one per datapoint) grouped tasks_per_group to a submission, then wait until the batch is READY; preview_url shows the annotator's screen. Needs a READY dataset and questions; freezes them.",
  input: {
    batch_id: prolificId('batch'),
    dataset_id: prolificId('dataset').optional().describe("Default: the batch's dataset"),
    tasks_per_group: z.int().min(1).max(1000).optional().describe('Tasks per participant submission; default 1'),
    ...waitArgs,
  },
  output: { ...batchOut.shape, preview_url: z.string().optional(), timed_out: z.boolean().optional() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { client, signal, progress }) {
    const { batch, questions } = await readBatch(client, args.batch_id, signal);
    if (batch.status !== 'UNINITIALISED') {
      throw new ToolError(
        `Batch ${args.batch_id} is already ${batch.status}: it has been set up before. Use get_batch to follow it, or duplicate_batch to set up a copy differently.`,
      );
    }
    const datasetId = args.dataset_id ?? batch.datasets?.[0]?.id;
    if (!datasetId) {
      throw new ToolError(`Batch ${args.batch_id} has no dataset. Pass dataset_id, or attach one with update_batch.`);
    }
    const dataset = await client.getDataset(datasetId, signal);
    if (dataset.status !== 'READY') {
      const next =
        dataset.status === 'ERROR'
          ? 'Its file could not be processed: upload a corrected file to a new dataset.'
          : dataset.status === 'UNINITIALISED'
            ? 'Upload datapoints with upload_file first.'
            : 'Wait until get_dataset shows READY, then call setup_batch again.';
      throw new ToolError(`Dataset ${datasetId} is ${dataset.status}, and setup needs it READY. ${next}`);
    }
    if (questions.length === 0) {
      throw new ToolError(`Batch ${args.batch_id} has no questions. Call set_instructions, or give batch_items with update_batch, first.`);
    }
    await createOnce({
      what: `Setting up batch ${args.batch_id}`,
      attempt: () =>
        client
          .setupBatch(
            args.batch_id,
            { dataset_id: datasetId, ...(args.tasks_per_group === undefined ? {} : { tasks_per_group: args.tasks_per_group }) },
            signal,
          )
          .then(() => true),
      find: async () => ((await client.getBatch(args.batch_id, signal)).status === 'UNINITIALISED' ? undefined : true),
      howToCheck: 'The batch still shows UNINITIALISED, so setup did not start; call setup_batch again.',
    });
    if (!args.wait) return client.getBatch(args.batch_id, signal);
    const { value, timedOut } = await waitFor(
      { signal, progress },
      {
        read: () => client.getBatch(args.batch_id, signal),
        isFinal: (b) => b.status === 'READY' || b.status === 'ERROR',
        describe: (b) => `Batch ${b.status}`,
        timeoutMs: (args.timeout_seconds ?? 300) * 1000,
      },
    );
    if (value.status === 'ERROR') {
      throw new ToolError(`Setup of batch ${args.batch_id} failed (status ERROR). Check the dataset and instructions with get_batch, then set up a duplicate.`);
    }
    const preview = timedOut ? undefined : await previewUrl(client, value, signal);
    return { ...value, ...(preview ? { preview_url: preview } : {}), ...(timedOut ? { timed_out: true } : {}) };
  },
});
