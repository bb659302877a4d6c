import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { deprecationOut, prolificId } from '../src/util/shapes.js';
import { instructionSchema } from '../src/job/instructions.js';
import { describeDeprecation } from '../src/mcp/deprecation.js';
import { list, questionsOf, readBatch, visibleFields } from '../src/job/batch-items.js';
import type { ApiObject } from '../src/prolific/types.js';

export default defineTool({
  name: 'set_instructions',
  toolset: 'run',
  title: 'Set batch instructions',
  description:
    "Set the batch's questions, asked about every datapoint below its shown fields, to exactly this list: description is the question; give an existing one's id to keep it. Frozen once set up.",
  input: {
    batch_id: prolificId('batch'),
    instructions: z.array(instructionSchema).min(1),
  },
  output: {
    batch_id: z.string(),
    instructions: z.array(z.looseObject({ id: z.string() })),
    replaced: z.number(),
    written_as: z.string(),
    deprecation: deprecationOut,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run({ batch_id, instructions }, { client, signal }) {
    const { batch, questions, legacy } = await readBatch(client, batch_id, signal);
    if (batch.status !== 'UNINITIALISED') {
      throw new ToolError(
        `Batch ${batch_id} is ${batch.status}: its questions can no longer change once it is set up. Use duplicate_batch for an editable copy.`,
      );
    }
    // A batch that already has legacy instructions stays on the endpoint that holds them, while it still answers.
    if (legacy?.results?.length) {
      const written = await client.writeInstructions(batch_id, 'PUT', instructions, signal);
      return {
        batch_id,
        instructions: written.body,
        replaced: questions.length,
        written_as: 'legacy_instructions' as const,
        deprecation: describeDeprecation(written.deprecation ?? legacy.deprecation),
      };
    }
    const datasetId = batch.datasets?.[0]?.id;
    const fields = datasetId ? (visibleFields(await client.getDataset(datasetId, signal)) ?? []) : [];
    const pages = Array.isArray(batch.batch_items) ? batch.batch_items : [];
    const framing = (position: string) => pages.filter((page) => page.display_position === position);
    const body = bodyPage(pages.find((page) => (page.display_position ?? 'body') === 'body'), fields, instructions);
    const updated = await client.updateBatch(batch_id, { batch_items: [...framing('intro'), body, ...framing('outro')] }, signal);
    return {
      batch_id,
      instructions: questionsOf(updated, []),
      replaced: questions.length,
      written_as: 'batch_items' as const,
      fields_shown: fields,
    };
  },
});

/**
 * The one body page: the dataset's visible fields, then the questions. The ids of the page it replaces, and of
 * its field items, are sent again so that Prolific keeps those entries rather than deleting and re-creating them.
 */
function bodyPage(previous: ApiObject | undefined, fields: string[], questions: ApiObject[]): ApiObject {
  const row = first(previous?.rows);
  const column = first(row?.columns);
  const shown = new Map<string, unknown>();
  for (const item of list(column?.items)) if (item.type === 'dataset_field') shown.set(String(item.field), item.id);
  const fieldItems = fields.map((field) => withId({ type: 'dataset_field', field }, shown.get(field)));
  return withId(
    { display_position: 'body', rows: [withId({ columns: [withId({ items: [...fieldItems, ...questions] }, column?.id)] }, row?.id)] },
    previous?.id,
  );
}

function withId(entry: ApiObject, id: unknown): ApiObject {
  return typeof id === 'string' ? { id, ...entry } : entry;
}

function first(value: unknown): ApiObject | undefined {
  return list(value)[0];
}
