import { z } from 'zod';
import { instructionSchema } from './instructions.js';
import { publishedAs, text } from '../util/shapes.js';
import { ToolError } from '../errors.js';
import type { ProlificClient } from '../prolific/client.js';
import type { ApiObject, Batch, Dataset, Instruction, LegacyInstructions } from '../prolific/types.js';
import { describeBatchItemsIssue, ISSUE_INDEXES, ProlificApiError, type BatchItemsIssue } from '../prolific/errors.js';

/**
 * `batch_items` page layouts, Prolific's replacement for the instructions endpoint (sunset 1 Sep 2026):
 * pages (`intro` once before the datapoints, `body` for each one, `outro` once after) of rows of one or two
 * columns of items, each item a dataset field, a block of content or a question. Every level takes the `id`
 * the API gave it, to keep that entry when the layout is sent again.
 */

const entryId = z.string().optional();

const contentItems = [
  z.strictObject({ type: z.literal('dataset_field'), id: entryId, field: text(255) }),
  z.strictObject({ type: z.literal('rich_text'), id: entryId, content: text(20_000), content_format: z.enum(['html', 'markdown']).optional() }),
  z.strictObject({
    type: z.literal('image'),
    id: entryId,
    url: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }),
    alt_text: text(500),
    caption: text(500).optional(),
  }),
] as const;

/** Types that show something rather than ask: they have no answers, and are all an intro or outro page may hold. */
const CONTENT_TYPES = new Set(['dataset_field', 'rich_text', 'image']);
const ONLY_CONTENT = new Set(['rich_text', 'image']);

const item = z.discriminatedUnion('type', [...contentItems, instructionSchema]);
const column = z.strictObject({ id: entryId, items: z.array(item).min(1, 'at least 1 item') });
const row = z.strictObject({ id: entryId, columns: z.array(column).min(1, 'at least 1 column').max(2, 'at most 2 columns') });
const page = z.strictObject({ id: entryId, display_position: z.enum(['intro', 'body', 'outro']).optional(), rows: z.array(row).min(1, 'at least 1 row') });

const pagesSchema = z
  .array(page)
  .min(1, 'at least 1 page')
  .superRefine((pages, ctx) => {
    pages.forEach((p, pageIndex) => {
      const position = p.display_position ?? 'body';
      const fields = new Set<string>();
      eachItem(p, (entry, at) => {
        const path = [pageIndex, 'rows', at.row, 'columns', at.column, 'items', at.item];
        if (position !== 'body' && !ONLY_CONTENT.has(entry.type)) {
          // Prolific's own wording for this rule.
          ctx.addIssue({ code: 'custom', path, message: `Pages with display_position "intro" or "outro" may only contain image or rich_text content blocks` });
        }
        if (entry.type === 'dataset_field') {
          if (fields.has(entry.field)) ctx.addIssue({ code: 'custom', path: [...path, 'field'], message: `"${entry.field}" is already shown on this page` });
          fields.add(entry.field);
        }
      });
    });
  });

export type BatchPage = z.output<typeof page>;
type Item = z.output<typeof item>;

/**
 * The argument tools publish: a sketch, the full item union costing several hundred tokens a conversation.
 * create_batch spells the shape out; update_batch's description points there rather than paying for it twice.
 */
export const batchItems = publishedAs(
  pagesSchema,
  z
    .array(z.unknown())
    .describe(
      'Pages [{display_position?:intro|body|outro,rows:[{columns:[{items}]}]}], ≤2 columns; items: set_instructions questions or {type:dataset_field,field}|{type:rich_text,content}|{type:image,url,alt_text}; intro/outro: no questions. Ids keep entries',
    ),
);
export const batchItemsAsInCreateBatch = publishedAs(pagesSchema.clone(), z.array(z.unknown()));

/** Dataset schema field types participants see; `metadata` and `task_group_id` stay hidden. */
const VISIBLE_FIELD_TYPES = new Set(['text', 'image_url', 'audio_url', 'video_url']);

/** The schema fields a `dataset_field` item may show, in schema order; undefined when the dataset has no schema. */
export function visibleFields(dataset: Dataset): string[] | undefined {
  const fields = dataset.schema?.fields;
  if (!fields || typeof fields !== 'object') return undefined;
  return Object.entries(fields)
    .filter(([, field]) => VISIBLE_FIELD_TYPES.has(field?.type))
    .map(([name]) => name);
}

/**
 * `dataset_field` items that name no visible field of the dataset, located and worded as Prolific's
 * INVALID_BATCH_ITEMS issues would be, so the refusal reads the same before the request as after it.
 */
export function unknownDatasetFields(pages: readonly BatchPage[], dataset: Dataset): BatchItemsIssue[] {
  const visible = visibleFields(dataset);
  if (!visible) return [];
  const issues: BatchItemsIssue[] = [];
  pages.forEach((p, page) =>
    eachItem(p, (entry, at) => {
      if (entry.type !== 'dataset_field' || visible.includes(entry.field)) return;
      const hidden = Object.hasOwn(dataset.schema?.fields ?? {}, entry.field) ? dataset.schema?.fields[entry.field]?.type : undefined;
      const message = hidden ? `Field has type ${hidden}, which is not shown to participants` : 'Field does not exist in the dataset schema';
      issues.push({ page, ...at, type: 'dataset_field', field: entry.field, message });
    }),
  );
  return issues;
}

/**
 * Checks a layout's `dataset_field` items against the schema of the dataset it will be shown with, when that
 * dataset is known and has one, so a misspelt field is named before anything is sent. The dataset id is looked
 * up only for a layout that shows fields.
 */
export async function checkDatasetFields(
  client: ProlificClient,
  pages: readonly BatchPage[],
  datasetId: () => Promise<string | undefined> | string | undefined,
  signal?: AbortSignal,
): Promise<void> {
  let showsFields = false;
  for (const p of pages) eachItem(p, (entry) => (showsFields ||= entry.type === 'dataset_field'));
  if (!showsFields) return;
  const id = await datasetId();
  if (!id) return;
  const dataset = await client.getDataset(id, signal);
  const issues = unknownDatasetFields(pages, dataset);
  if (issues.length) {
    throw new ToolError(
      [
        `The layout names fields that dataset ${id} does not show (nothing was sent):`,
        ...issues.map((issue) => `- ${describeBatchItemsIssue(issue)}`),
        `${ISSUE_INDEXES} Shown fields, case-sensitive: ${visibleFields(dataset)?.join(', ') || 'none'}.`,
      ].join('\n'),
    );
  }
}

function eachItem(p: BatchPage, visit: (entry: Item, at: { row: number; column: number; item: number }) => void): void {
  p.rows.forEach((r, row) => r.columns.forEach((c, column) => c.items.forEach((entry, item) => visit(entry, { row, column, item }))));
}

/**
 * The questions participants answer: for a batch built from a layout, its question items in page, row and
 * column order (responses cite an item's id as their instruction_id); otherwise its legacy instructions.
 */
export function questionsOf(batch: Batch, instructions: Instruction[]): Instruction[] {
  if (!Array.isArray(batch.batch_items)) return instructions;
  const questions: Instruction[] = [];
  for (const p of list(batch.batch_items)) {
    for (const r of list(p.rows)) {
      for (const c of list(r.columns)) {
        for (const entry of list(c.items)) if (!CONTENT_TYPES.has(String(entry.type))) questions.push(entry as Instruction);
      }
    }
  }
  return questions;
}

export interface BatchRead {
  batch: Batch;
  questions: Instruction[];
  /** What the instructions endpoint said; asked only for a batch without a layout. */
  legacy?: LegacyInstructions;
}

/**
 * Reads a batch and its questions whichever way it was built. The instructions endpoint is asked only for a
 * batch without a layout (it refuses the others), and its absence after the sunset means no legacy instructions.
 */
export async function readBatch(client: ProlificClient, batchId: string, signal?: AbortSignal): Promise<BatchRead> {
  const batch = await client.getBatch(batchId, signal);
  if (Array.isArray(batch.batch_items)) return { batch, questions: questionsOf(batch, []) };
  const legacy = await client.getLegacyInstructions(batchId, signal);
  return { batch, questions: legacy.results ?? [], legacy };
}

export async function batchQuestions(client: ProlificClient, batchId: string, signal?: AbortSignal): Promise<Instruction[]> {
  return (await readBatch(client, batchId, signal)).questions;
}

/**
 * Where a person sees the annotator's screen for the batch's first task group, as Prolific's CLI builds it;
 * undefined before setup has made task groups. The task-groups endpoint is not in the public spec, so a
 * refusal from it leaves the preview out rather than failing the batch read.
 */
export async function previewUrl(client: ProlificClient, batch: Batch, signal?: AbortSignal): Promise<string | undefined> {
  if (batch.status !== 'READY') return undefined;
  const [first] = await client.listTaskGroups(batch.id, signal).catch((error: unknown) => {
    if (error instanceof ProlificApiError) return [];
    throw error;
  });
  if (!first) return undefined;
  return `https://app.prolific.com/data-collection-tool/batches/${encodeURIComponent(batch.id)}/task-groups/${encodeURIComponent(first)}?preview=true`;
}

/** The API's answer is trusted for shape only as far as it is read. */
export function list(value: unknown): ApiObject[] {
  return Array.isArray(value) ? (value as ApiObject[]) : [];
}
