import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId } from '../src/util/shapes.js';
import { waitFor } from '../src/job/wait.js';

export default defineTool({
  name: 'sync_batch',
  toolset: 'batches',
  title: 'Sync batch',
  description:
    "Make datapoints appended to a READY batch's dataset since setup into new tasks, waiting for the sync job.",
  input: {
    batch_id: prolificId('batch'),
    timeout_seconds: z.int().min(1).max(3600).optional(),
  },
  output: { sync_id: z.string(), status: z.string(), tasks_created: z.number().optional(), total_task_count: z.number().optional() },
  // A second sync finds nothing new to add, so repeating one changes nothing more.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal, progress }) {
    const started = await client.syncBatch(args.batch_id, signal);
    const syncId = started.sync_id ?? started.id;
    if (typeof syncId !== 'string') {
      throw new ToolError(`Prolific started a sync of batch ${args.batch_id} without a sync_id to follow; check get_batch's total_task_count.`);
    }
    const { value, timedOut } = await waitFor(
      { signal, progress },
      {
        read: () => client.getBatchSync(args.batch_id, syncId, signal),
        isFinal: (sync) => /^(complete|completed|failed)$/i.test(sync.status),
        describe: (sync) => `Sync ${sync.status}`,
        timeoutMs: (args.timeout_seconds ?? 300) * 1000,
      },
    );
    if (/^failed$/i.test(value.status)) {
      throw new ToolError(`Sync ${syncId} of batch ${args.batch_id} failed: ${value.reason ?? 'no reason given'}.`);
    }
    if (timedOut) return { ...value, sync_id: syncId, timed_out: true };
    const batch = await client.getBatch(args.batch_id, signal);
    return { ...value, sync_id: syncId, total_task_count: batch.total_task_count, total_task_groups: batch.total_task_groups };
  },
});
