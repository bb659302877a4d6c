import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { deprecationOut, prolificId } from '../src/util/shapes.js';
import { instructionSchema } from '../src/job/instructions.js';
import { describeDeprecation } from '../src/mcp/deprecation.js';
import { list, questionsOf, readBatch, visibleFields } from '../src/job/batch-items.js';
import { isPlainLayout, placeQuestions, rewriteLosses } from '../src/job/layout-questions.js';
import type { ApiObject } from '../src/prolific/types.js';
import { ISSUE_INDEXES } from '../src/prolific/errors.js';

export default defineTool({
  name: 'set_instructions',
  toolset: 'run',
  title: 'Set batch instructions',
  description:
    "Set the batch's questions, asked about every datapoint below its shown fields, to exactly this list: description is the question; give an existing one's id to keep it. A designed layout keeps all else, questions replaced in place. Frozen once set up.",
  input: {
    batch_id: prolificId('batch'),
    instructions: z.array(instructionSchema).min(1),
    replace_layout: z.boolean().default(false),
  },
  output: {
    batch_id: z.string(),
    instructions: z.array(z.looseObject({ id: z.string() })),
    replaced: z.number(),
    written_as: z.string(),
    deprecation: deprecationOut,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run({ batch_id, instructions, replace_layout }, { client, signal }) {
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
    const pages = list(batch.batch_items);
    const written = (updated: ApiObject[], extra: Record<string, unknown>) =>
      client.updateBatch(batch_id, { batch_items: updated }, signal).then((result) => ({
        batch_id,
        instructions: questionsOf(result, []),
        replaced: questions.length,
        written_as: 'batch_items' as const,
        ...extra,
      }));
    if (!replace_layout && !isPlainLayout(pages)) {
      const placed = placeQuestions(pages, instructions);
      if (placed.emptied.length) {
        throw new ToolError(
          [
            `Batch ${batch_id}'s layout would lose parts that hold only questions left out of this list (nothing was sent):`,
            ...placed.emptied.map((where) => `- ${where}`),
            `List a question for each (the current ones: ${describeQuestions(questions)}), or pass replace_layout: true to rewrite the layout as one page of fields and questions${lossesNote(pages)}. ${ISSUE_INDEXES}`,
          ].join('\n'),
        );
      }
      return written(placed.pages, { kept_layout: true });
    }
    const datasetId = batch.datasets?.[0]?.id;
    const fields = datasetId ? (visibleFields(await client.getDataset(datasetId, signal)) ?? []) : [];
    const framing = (position: string) => pages.filter((page) => page.display_position === position);
    const body = bodyPage(pages.find((page) => (page.display_position ?? 'body') === 'body'), fields, instructions);
    const removed = rewriteLosses(pages);
    return written([...framing('intro'), body, ...framing('outro')], { fields_shown: fields, ...(removed.length ? { removed } : {}) });
  },
});

function describeQuestions(questions: ApiObject[]): string {
  return questions.map((question) => `${String(question.id)} (${String(question.type)})`).join(', ') || 'none';
}

function lossesNote(pages: ApiObject[]): string {
  const losses = rewriteLosses(pages);
  return losses.length ? `, which drops ${losses.join('; ')}` : '';
}

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
