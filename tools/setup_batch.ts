import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';
import { batchOut, prolificId, waitArgs } from '../src/util/shapes.js';
import { setUpBatch } from '../src/job/batch-setup.js';

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
  async run(args, context) {
    const { batch, previewUrl, timedOut } = await setUpBatch(context, {
      batchId: args.batch_id,
      datasetId: args.dataset_id,
      tasksPerGroup: args.tasks_per_group,
      wait: args.wait,
      timeoutMs: (args.timeout_seconds ?? 300) * 1000,
      // The resource list describes each batch by its status, which setup changes.
      started: context.resourcesChanged,
    });
    return { ...batch, ...(previewUrl ? { preview_url: previewUrl } : {}), ...(timedOut ? { timed_out: true } : {}) };
  },
});
