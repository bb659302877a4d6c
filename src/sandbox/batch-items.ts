/**
 * `batch_items` page layouts: pages (`intro`, `body`, `outro`) of rows of one or two columns of items, each a
 * `dataset_field`, `rich_text`, `image` or a question (an instruction without `order`).
 *
 * Problems with the shape (not a list, a page without rows, three columns) are answered like any other bad
 * body, 400 with field details. Problems with an item (its fields, a question on an intro or outro page, a
 * `dataset_field` the dataset does not show) are answered as Prolific does: 422
 * `{"type":"INVALID_BATCH_ITEMS","issues":[{page,row,column,item,type,field?,message}]}`, indexes 0-based,
 * with Prolific's own messages where they are known.
 */
import { ApiError } from './errors.js';
import { validateInstruction } from './instruction-rules.js';
import type {
  BatchPageRecord,
  BatchRecord,
  ContentFields,
  ContentRecord,
  DatasetRecord,
  DisplayPosition,
  InstructionFields,
  InstructionRecord,
  LayoutItemRecord,
} from './model.js';
import type { SandboxStore } from './store.js';
import { Fields } from './validate.js';

type ItemInput = { id?: string; fields: InstructionFields } | { id?: string; content: ContentFields };

export interface PageInput {
  id?: string;
  displayPosition: DisplayPosition;
  rows: { id?: string; columns: { id?: string; items: ItemInput[] }[] }[];
}

interface Location {
  page: number;
  row: number;
  column: number;
  item: number;
}

export interface BatchItemsIssue extends Location {
  type: string;
  field?: string;
  message: string;
}

/** A parsed layout, with where each `dataset_field` is, to check the names once the dataset is known. */
export interface LayoutInput {
  pages: PageInput[];
  references: (Location & { field: string })[];
  issues: BatchItemsIssue[];
}

const MAX_COLUMNS = 2;
const CONTENT_TYPES = ['dataset_field', 'rich_text', 'image'] as const;
const QUESTION_TYPES = [
  'free_text',
  'free_text_with_unit',
  'multiple_choice',
  'multiple_choice_with_free_text',
  'file_upload',
  'video_narration',
] as const;
const VISIBLE_FIELD_TYPES = new Set(['text', 'image_url', 'audio_url', 'video_url']);
const FRAMING_ONLY = 'Pages with display_position "intro" or "outro" may only contain image or rich_text content blocks';

/**
 * Mixing the two would leave it unclear which questions participants see and in what order, and responses
 * would cite ids from two lists; so each side refuses the other rather than one silently winning.
 */
export const ONE_SOURCE =
  'A batch takes its questions from instructions or from batch_items, not both: this batch already has the other.';

/** The layout in the body: undefined when absent, null when sent as null (clear it). */
export function readBatchItems(fields: Fields): LayoutInput | null | undefined {
  if (fields.raw('batch_items') === null) return null;
  const raw = fields.array('batch_items', { minLength: 1 });
  if (!raw) return undefined;
  const layout: LayoutInput = { pages: [], references: [], issues: [] };
  raw.forEach((value, p) => {
    const page = fields.nested(`batch_items[${p}]`, value);
    const displayPosition = page?.choice('display_position', ['intro', 'body', 'outro'] as const) ?? 'body';
    const rows = page?.array('rows', { required: true, minLength: 1 }) ?? [];
    const shown = new Set<string>();
    layout.pages.push({
      ...optionalId(page),
      displayPosition,
      rows: rows.map((rowValue, r) => {
        const row = page?.nested(`rows[${r}]`, rowValue);
        const columns = row?.array('columns', { required: true, minLength: 1 }) ?? [];
        if (columns.length > MAX_COLUMNS) row?.fail('columns', `Ensure this field has no more than ${MAX_COLUMNS} elements.`);
        return {
          ...optionalId(row),
          columns: columns.map((columnValue, c) => {
            const column = row?.nested(`columns[${c}]`, columnValue);
            const items = column?.array('items', { required: true, minLength: 1 }) ?? [];
            return {
              ...optionalId(column),
              items: items.flatMap((itemValue, i) => {
                const item = readItem(itemValue, { page: p, row: r, column: c, item: i }, displayPosition, layout);
                if (item && 'content' in item && item.content.type === 'dataset_field') {
                  const { field } = item.content;
                  if (shown.has(field)) issue(layout, { page: p, row: r, column: c, item: i }, 'dataset_field', 'Field is already shown on this page', field);
                  shown.add(field);
                }
                return item ? [item] : [];
              }),
            };
          }),
        };
      }),
    });
  });
  return layout;
}

function readItem(value: unknown, at: Location, position: DisplayPosition, layout: LayoutInput): ItemInput | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issue(layout, at, 'unknown', 'Invalid data. Expected a JSON object.');
    return undefined;
  }
  const errors: Record<string, string[]> = {};
  const item = new Fields(value as Record<string, unknown>, '', errors);
  const type = item.raw('type');
  const known = [...CONTENT_TYPES, ...QUESTION_TYPES] as readonly unknown[];
  if (typeof type !== 'string' || !known.includes(type)) {
    issue(layout, at, String(type ?? 'unknown'), `type must be one of: ${known.join(', ')}`);
    return undefined;
  }
  if (position !== 'body' && type !== 'rich_text' && type !== 'image') issue(layout, at, type, FRAMING_ONLY);
  if (item.raw('order') !== undefined) issue(layout, at, type, 'order is not used in batch_items: the position of an item sets its order');
  const parsed: ItemInput | undefined = (CONTENT_TYPES as readonly string[]).includes(type)
    ? contentOf(item)
    : (() => {
        const fields = validateInstruction(item, { layout: true });
        return fields && { fields };
      })();
  for (const [key, messages] of Object.entries(errors)) {
    for (const message of messages) issue(layout, at, type, itemMessage(key, message));
  }
  if (type === 'dataset_field' && parsed && 'content' in parsed && parsed.content.type === 'dataset_field') {
    layout.references.push({ ...at, field: parsed.content.field });
  }
  if (!parsed) return undefined;
  const id = item.raw('id');
  return typeof id === 'string' ? { id, ...parsed } : parsed;
}

function contentOf(item: Fields): { content: ContentFields } | undefined {
  switch (item.raw('type')) {
    case 'dataset_field': {
      const field = item.string('field', { required: true });
      return field === undefined ? undefined : { content: { type: 'dataset_field', field } };
    }
    case 'rich_text': {
      const content = item.string('content', { required: true });
      const format = item.choice('content_format', ['html', 'markdown'] as const) ?? 'html';
      return content === undefined ? undefined : { content: { type: 'rich_text', content, content_format: format } };
    }
    default: {
      const url = item.string('url', { required: true });
      const altText = item.string('alt_text', { required: true });
      const caption = item.string('caption', { blank: true });
      if (url !== undefined && !/^https:\/\/[^\s/]+/i.test(url)) item.fail('url', 'Must be a public https:// URL.');
      if (url === undefined || altText === undefined) return undefined;
      return { content: { type: 'image', url, alt_text: altText, ...(caption === undefined ? {} : { caption }) } };
    }
  }
}

/** Prolific words item problems as "description is required"; a message that names its field is kept. */
function itemMessage(key: string, message: string): string {
  if (message === 'This field is required.') return `${key} is required`;
  return message.startsWith(key) ? message : `${key}: ${message}`;
}

function issue(layout: LayoutInput, at: Location, type: string, message: string, field?: string): void {
  layout.issues.push({ ...at, type, ...(field === undefined ? {} : { field }), message });
}

/**
 * A `dataset_field` must name a field of the batch's dataset schema that participants see (text, image_url,
 * audio_url, video_url), exactly as spelt there; the batch therefore needs a V4 dataset.
 */
export function checkFieldReferences(layout: LayoutInput, dataset: DatasetRecord | undefined): void {
  const schema = dataset?.schema?.fields;
  for (const reference of layout.references) {
    const { field, ...at } = reference;
    if (!schema) {
      issue(layout, at, 'dataset_field', 'dataset_field needs the batch to have a dataset with a schema', field);
    } else if (!Object.hasOwn(schema, field)) {
      issue(layout, at, 'dataset_field', 'Field does not exist in the dataset schema', field);
    } else if (!VISIBLE_FIELD_TYPES.has(schema[field]?.type ?? '')) {
      issue(layout, at, 'dataset_field', `Field has type ${schema[field]?.type}, which is not shown to participants`, field);
    }
  }
}

/** Throws the layout's item problems as Prolific's INVALID_BATCH_ITEMS answer. */
export function refuseInvalidItems(layout: LayoutInput): void {
  if (layout.issues.length === 0) return;
  const issues = [...layout.issues].sort((a, b) => a.page - b.page || a.row - b.row || a.column - b.column || a.item - b.item);
  throw new ApiError(422, 'INVALID_BATCH_ITEMS', {}, { type: 'INVALID_BATCH_ITEMS', issues });
}


function optionalId(fields: Fields | undefined): { id?: string } {
  const id = fields?.raw('id');
  return typeof id === 'string' ? { id } : {};
}

/**
 * Entries sent with the id of one the batch has keep it (and questions keep their creation); entries without,
 * or with an id the batch does not have, are created; entries of the batch left out are deleted.
 */
export function storeBatchItems(state: SandboxStore, batch: BatchRecord, pages: PageInput[]): BatchPageRecord[] {
  const old = batch.batchItems ?? [];
  const pageIds = new Set(old.map((page) => page.id));
  const rowIds = new Set(old.flatMap((page) => page.rows.map((row) => row.id)));
  const columnIds = new Set(old.flatMap((page) => page.rows.flatMap((row) => row.columns.map((column) => column.id))));
  const items = new Map(itemsOf(old).map((item) => [item.id, item]));
  const keep = (ids: Set<string>, id: string | undefined) => (id !== undefined && ids.delete(id) ? id : state.newLayoutId());
  return pages.map((page) => ({
    id: keep(pageIds, page.id),
    displayPosition: page.displayPosition,
    rows: page.rows.map((row) => ({
      id: keep(rowIds, row.id),
      columns: row.columns.map((column) => ({
        id: keep(columnIds, column.id),
        items: column.items.map((input): LayoutItemRecord => {
          const existing = input.id === undefined ? undefined : items.get(input.id);
          if (existing) items.delete(existing.id);
          if ('content' in input) return { id: existing && 'content' in existing ? existing.id : state.newLayoutId(), content: input.content };
          if (existing && 'fields' in existing) {
            existing.fields = input.fields;
            return existing;
          }
          return state.newInstruction(batch, input.fields);
        }),
      })),
    })),
  }));
}

/** A layout as a client would send it again, without ids: what duplicating a batch starts from. */
export function batchItemsInput(pages: BatchPageRecord[]): PageInput[] {
  return pages.map((page) => ({
    displayPosition: page.displayPosition,
    rows: page.rows.map((row) => ({
      columns: row.columns.map((column) => ({
        items: column.items.map((item): ItemInput => ('content' in item ? { content: { ...item.content } } : { fields: structuredClone(item.fields) })),
      })),
    })),
  }));
}

export function batchItemsView(pages: BatchPageRecord[]): Record<string, unknown>[] {
  return pages.map((page) => ({
    id: page.id,
    display_position: page.displayPosition,
    rows: page.rows.map((row) => ({
      id: row.id,
      columns: row.columns.map((column) => ({ id: column.id, items: column.items.map(itemView) })),
    })),
  }));
}

function itemView(item: LayoutItemRecord): Record<string, unknown> {
  if ('content' in item) return { id: item.id, ...item.content };
  const { extra, ...fields } = item.fields;
  return { id: item.id, ...fields, ...extra };
}

function itemsOf(pages: BatchPageRecord[]): LayoutItemRecord[] {
  return pages.flatMap((page) => page.rows.flatMap((row) => row.columns.flatMap((column) => column.items)));
}

/** The questions participants answer about each datapoint, in the order they meet them. */
export function questionsOf(batch: BatchRecord): InstructionRecord[] {
  if (!batch.batchItems) return batch.instructions;
  return itemsOf(batch.batchItems).filter((item): item is InstructionRecord => 'fields' in item);
}
