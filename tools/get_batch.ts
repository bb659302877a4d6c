import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';
import { batchOut, instructionOut, prolificId } from '../src/util/shapes.js';
import { previewUrl, readBatch } from '../src/job/batch-items.js';
import { describeDeprecation } from '../src/mcp/deprecation.js';

export default defineTool({
  name: 'get_batch',
  toolset: 'run',
  title: 'Get batch',
  description: 'A batch: status, datasets, task counts, questions, and preview_url once READY.',
  input: { batch_id: prolificId('batch') },
  output: { ...batchOut.shape, instructions: z.array(instructionOut), preview_url: z.string().optional() },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    const { batch, questions, legacy } = await readBatch(client, args.batch_id, signal);
    const preview = await previewUrl(client, batch, signal);
    return {
      ...batch,
      instructions: questions,
      ...(preview ? { preview_url: preview } : {}),
      deprecation: legacy?.results?.length ? describeDeprecation(legacy.deprecation) : undefined,
    };
  },
});
