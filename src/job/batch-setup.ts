/**
 * Setting a batch up: its dataset becomes tasks, grouped `tasks_per_group` to a submission, and (with `wait`)
 * the batch is followed until READY. setup_batch is this step alone; create_comparison ends with it.
 */
import { ToolError } from '../errors.js';
import type { StepContext } from './context.js';
import { waitFor } from './wait.js';
import { setupOnce } from './create-once.js';
import { previewUrl, readBatch } from './batch-items.js';
import type { Batch, Dataset } from '../prolific/types.js';

export interface SetupRequest {
  batchId: string;
  /** Default: the batch's dataset. */
  datasetId?: string | undefined;
  tasksPerGroup?: number | undefined;
  wait: boolean;
  timeoutMs: number;
  /** Told once Prolific has taken the setup, before any wait. */
  started?: () => void;
}

export interface SetupOutcome {
  batch: Batch;
  previewUrl?: string;
  timedOut: boolean;
}

export async function setUpBatch({ client, signal, progress }: StepContext, request: SetupRequest): Promise<SetupOutcome> {
  const { batchId } = request;
  const { batch, questions } = await readBatch(client, batchId, signal);
  if (batch.status !== 'UNINITIALISED') {
    throw new ToolError(
      `Batch ${batchId} is already ${batch.status}: it has been set up before. Use get_batch to follow it, or duplicate_batch to set up a copy differently.`,
    );
  }
  const datasetId = request.datasetId ?? batch.datasets?.[0]?.id;
  if (!datasetId) {
    throw new ToolError(`Batch ${batchId} has no dataset. Pass dataset_id, or attach one with update_batch.`);
  }
  const notReady = notReadyForSetup(await client.getDataset(datasetId, signal));
  if (notReady) throw new ToolError(notReady);
  if (questions.length === 0) {
    throw new ToolError(`Batch ${batchId} has no questions. Call set_instructions, or give batch_items with update_batch, first.`);
  }
  await setupOnce(client, batchId, { dataset_id: datasetId, ...(request.tasksPerGroup === undefined ? {} : { tasks_per_group: request.tasksPerGroup }) }, signal);
  request.started?.();
  if (!request.wait) return { batch: await client.getBatch(batchId, signal), timedOut: false };
  const { value, timedOut } = await waitFor(
    { signal, progress },
    {
      read: () => client.getBatch(batchId, signal),
      isFinal: (b) => b.status === 'READY' || b.status === 'ERROR',
      describe: (b) => `Batch ${b.status}`,
      timeoutMs: request.timeoutMs,
    },
  );
  if (value.status === 'ERROR') {
    throw new ToolError(`Setup of batch ${batchId} failed (status ERROR). Check the dataset and instructions with get_batch, then set up a duplicate.`);
  }
  const preview = timedOut ? undefined : await previewUrl(client, value, signal);
  return { batch: value, ...(preview ? { previewUrl: preview } : {}), timedOut };
}

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
