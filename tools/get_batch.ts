import { z } from 'zod';
import { defineTool } from '../src/tool.js';
import { batchOut, deprecationOut, instructionOut, prolificId } from '../src/shapes.js';
import { previewUrl, readBatch } from '../src/batch-items.js';
import { describeDeprecation } from '../src/deprecation.js';

export default defineTool({
  name: 'get_batch',
  title: 'Get batch',
  description: "A batch with its status, datasets, task counts, questions and, once READY, a preview_url of the annotator's screen.",
  input: { batch_id: prolificId('batch') },
  output: { ...batchOut.shape, instructions: z.array(instructionOut), preview_url: z.string().optional(), deprecation: deprecationOut },
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
