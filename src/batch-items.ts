import { z } from 'zod';
import { instructionSchema } from './instructions.js';
import type { ProlificClient } from './prolific/client.js';
import type { ApiObject, Batch, Instruction } from './prolific/types.js';

/**
 * `batch_items` page layouts, Prolific's replacement for the instructions endpoint (sunset 1 Sep 2026).
 * The live request shape is not documented in the material we have; this is our plausible reading of
 * "pages → rows → one or two columns → items", with each item an instruction as set_instructions takes it:
 * `[{ id?, rows: [{ columns: [{ items: [instruction, …] }] }] }]`, a page being one batch item.
 */

const column = z.strictObject({ items: z.array(instructionSchema).min(1, 'at least 1 item') });
const row = z.strictObject({ columns: z.array(column).min(1, 'at least 1 column').max(2, 'at most 2 columns') });
const page = z.strictObject({ id: z.string().optional(), rows: z.array(row).min(1, 'at least 1 row') });

const pagesSchema = z.array(page).min(1, 'at least 1 page').max(50);

export type BatchPage = z.output<typeof page>;

/**
 * The argument tools publish. Its JSON Schema stays a sketch because the full item union, nested three
 * levels deep, would cost several hundred tokens in every conversation; the strict page schema runs inside,
 * and its issues are re-reported at their own paths so an error still names the exact field.
 */
export const batchItems = z
  .array(z.looseObject({ rows: z.array(z.looseObject({})) }))
  .transform((pages, ctx): BatchPage[] => {
    const checked = pagesSchema.safeParse(pages);
    if (checked.success) return checked.data;
    for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  })
  .describe("Pages instead of set_instructions: [{rows:[{columns:[{items:[…]}]}]}], 1–2 columns a row; items as set_instructions' instructions");

/**
 * The questions participants answer: the batch's instructions, or, for a batch built from page layouts, its
 * items in page, row and column order (responses cite an item's id as their instruction_id).
 */
export function questionsOf(batch: Batch, instructions: Instruction[]): Instruction[] {
  if (instructions.length > 0 || !Array.isArray(batch.batch_items)) return instructions;
  const questions: Instruction[] = [];
  for (const page of batch.batch_items) {
    for (const row of list(page.rows)) {
      for (const column of list(row.columns)) questions.push(...(list(column.items) as Instruction[]));
    }
  }
  return questions;
}

/** Reads a batch and its instructions, and gives its questions whichever way it was built. */
export async function batchQuestions(client: ProlificClient, batchId: string, signal?: AbortSignal): Promise<Instruction[]> {
  const [batch, listed] = await Promise.all([client.getBatch(batchId, signal), client.getInstructions(batchId, signal)]);
  return questionsOf(batch, listed.body.results);
}

/** The API's answer is trusted for shape only as far as it is read. */
function list(value: unknown): ApiObject[] {
  return Array.isArray(value) ? (value as ApiObject[]) : [];
}
