import { z } from 'zod';
import { defineTool } from '../src/tool.js';
import { batchOut, instructionOut, prolificId } from '../src/shapes.js';

export default defineTool({
  name: 'get_batch',
  title: 'Get batch',
  description: 'A batch with its status, datasets, task counts and instructions.',
  input: { batch_id: prolificId('batch') },
  output: { ...batchOut.shape, instructions: z.array(instructionOut) },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    const [batch, instructions] = await Promise.all([
      client.getBatch(args.batch_id, signal),
      client.getInstructions(args.batch_id, signal),
    ]);
    return { ...batch, instructions: instructions.body.results };
  },
});
