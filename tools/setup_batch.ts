import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { batchOut, prolificId, waitArgs } from '../src/util/shapes.js';
import { waitFor } from '../src/job/wait.js';
import { setupOnce } from '../src/job/create-once.js';
import { previewUrl, readBatch } from '../src/job/batch-items.js';
import type { Dataset } from '../src/prolific/types.js';

export default defineTool({
  name: 'setup_batch',
  toolset: 'run',
  title: 'Set up batch',
  description:
    "Make each datapoint a task, tasks_per_group to a submission, and wait until the batch is READY; preview_url shows the annotator's screen. Needs the import complete and questions set; freezes them.",
  input: {
    batch_id: prolificId('batch'),
    dataset_id: prolificId('dataset').optional().describe("Default: the batch's dataset"),
    tasks_per_group: z.int().min(1).max(1000).optional().describe('Tasks per participant submission; default 1'),
    ...waitArgs,
  },
  output: { ...batchOut.shape, preview_url: z.string().optional(), timed_out: z.boolean().optional() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { client, signal, progress, resourcesChanged }) {
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
    const notReady = notReadyForSetup(await client.getDataset(datasetId, signal));
    if (notReady) throw new ToolError(notReady);
    if (questions.length === 0) {
      throw new ToolError(`Batch ${args.batch_id} has no questions. Call set_instructions, or give batch_items with update_batch, first.`);
    }
    await setupOnce(
      client,
      args.batch_id,
      { dataset_id: datasetId, ...(args.tasks_per_group === undefined ? {} : { tasks_per_group: args.tasks_per_group }) },
      signal,
    );
    // The resource list describes each batch by its status, which setup has changed.
    resourcesChanged();
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

/**
 * V3 datasets are ready when READY. V4 ones need a `complete` import, as the docs say; a `partial` one does
 * not count, though its accepted rows are kept: Prolific's rule is taken literally, so that this check never
 * lets through a setup the API then refuses. A V4 dataset read without its `imports` is left to the API to judge.
 */
function notReadyForSetup(dataset: Dataset): string | undefined {
  const id = dataset.id;
  if (dataset.imports !== undefined) {
    const imports = dataset.imports;
    if (imports.some((job) => job.status === 'complete')) return undefined;
    const latest = imports.at(-1);
    const next = !latest
      ? 'Upload datapoints with upload_file first.'
      : latest.status === 'partial'
        ? 'Its imports so far were partial: upload the fixed rejected records (or the whole file again) for a complete import.'
        : latest.status === 'failed'
          ? `Its last import failed (${latest.reason ?? 'no reason given'}): upload a corrected file.`
          : `Its last import is ${latest.status}: wait (get_dataset), then call setup_batch again.`;
    return `Dataset ${id} has no complete import, which setup needs. ${next}`;
  }
  if (dataset.status === 'READY' || dataset.status === undefined) return undefined;
  const next =
    dataset.status === 'ERROR'
      ? 'Its file could not be processed: upload a corrected file to a new dataset.'
      : dataset.status === 'UNINITIALISED'
        ? 'Upload datapoints with upload_file first.'
        : 'Wait until get_dataset shows READY, then call setup_batch again.';
  return `Dataset ${id} is ${dataset.status}, and setup needs it READY. ${next}`;
}
