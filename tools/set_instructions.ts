import { z } from 'zod';
import { defineTool, ToolError } from '../src/tool.js';
import { deprecationOut, prolificId } from '../src/shapes.js';
import { instructionSchema } from '../src/instructions.js';
import { describeDeprecation } from '../src/deprecation.js';

export default defineTool({
  name: 'set_instructions',
  title: 'Set batch instructions',
  description:
    "Make the batch's instructions (the questions asked about every datapoint) exactly this list; existing ones not listed by id are removed. Frozen once the batch is set up.",
  input: {
    batch_id: prolificId('batch'),
    instructions: z.array(instructionSchema).min(1).max(50),
  },
  output: {
    batch_id: z.string(),
    instructions: z.array(z.looseObject({ id: z.string() })),
    replaced: z.number().describe('How many instructions the batch had before'),
    deprecation: deprecationOut,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run({ batch_id, instructions }, { client, signal }) {
    const [batch, existing] = await Promise.all([client.getBatch(batch_id, signal), client.getInstructions(batch_id, signal)]);
    if (batch.status !== 'UNINITIALISED') {
      throw new ToolError(
        `Batch ${batch_id} is ${batch.status}: instructions can no longer change once a batch is set up. Use duplicate_batch for an editable copy.`,
      );
    }
    const before = existing.body.results.length;
    const written = await client.writeInstructions(batch_id, before === 0 ? 'POST' : 'PUT', instructions, signal);
    return {
      batch_id,
      instructions: written.body,
      replaced: before,
      deprecation: describeDeprecation(written.deprecation ?? existing.deprecation),
    };
  },
});
