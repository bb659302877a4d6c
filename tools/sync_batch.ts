import { z } from 'zod';
import { defineTool, ToolError } from '../src/tool.js';
import { prolificId } from '../src/shapes.js';
import { waitFor } from '../src/wait.js';

export default defineTool({
  name: 'sync_batch',
  title: 'Sync batch',
  description:
    "Make datapoints appended to a READY batch's dataset into new tasks (waits for the job); then add study places.",
  input: {
    batch_id: prolificId('batch'),
    timeout_seconds: z.int().min(1).max(3600).optional(),
  },
  output: { sync_id: z.string(), status: z.string(), tasks_created: z.number().optional(), total_task_count: z.number().optional() },
  // A second sync finds nothing new to add, so repeating one changes nothing more.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal, progress }) {
    const started = await client.syncBatch(args.batch_id, signal);
    const { value, timedOut } = await waitFor(
      { signal, progress },
      {
        read: () => client.getBatchSync(args.batch_id, started.sync_id, signal),
        isFinal: (sync) => sync.status === 'complete' || sync.status === 'failed',
        describe: (sync) => `Sync ${sync.status}`,
        timeoutMs: (args.timeout_seconds ?? 300) * 1000,
      },
    );
    if (value.status === 'failed') {
      throw new ToolError(`Sync ${started.sync_id} of batch ${args.batch_id} failed: ${value.reason ?? 'no reason given'}.`);
    }
    if (timedOut) return { ...value, sync_id: started.sync_id, timed_out: true };
    const batch = await client.getBatch(args.batch_id, signal);
    return { ...value, sync_id: started.sync_id, total_task_count: batch.total_task_count, total_task_groups: batch.total_task_groups };
  },
});
