/**
 * `batch_items` page layouts (pages → rows → one or two columns → items). The live shape is not documented
 * in the material we have; this follows the one src/batch-items.ts publishes. Items are validated with the
 * instruction rules and reported as `batch_items[0].rows[1].columns[0].items[2].field`.
 */
import { validateInstruction } from './instruction-rules.js';
import type { BatchPageRecord, BatchRecord, InstructionFields, InstructionRecord } from './model.js';
import type { SandboxState } from './state.js';
import type { Fields } from './validate.js';
import { newInstruction } from './handlers/instructions.js';

interface ItemInput {
  id?: string;
  fields: InstructionFields;
}

export interface PageInput {
  id?: string;
  rows: { columns: { items: ItemInput[] }[] }[];
}

const MAX_COLUMNS = 2;
/**
 * Mixing the two would leave it unclear which questions participants see and in what order, and responses
 * would cite ids from two lists; so each side refuses the other rather than one silently winning.
 */
export const ONE_SOURCE =
  'A batch takes its questions from instructions or from batch_items, not both: this batch already has the other.';


export function readBatchItems(fields: Fields): PageInput[] | undefined {
  const raw = fields.array('batch_items', { minLength: 1 });
  if (!raw) return undefined;
  return raw.map((value, p) => {
    const page = fields.nested(`batch_items[${p}]`, value);
    const rows = page?.array('rows', { required: true, minLength: 1 }) ?? [];
    return {
      ...optionalId(page),
      rows: rows.map((rowValue, r) => {
        const row = page?.nested(`rows[${r}]`, rowValue);
        const columns = row?.array('columns', { required: true, minLength: 1 }) ?? [];
        if (columns.length > MAX_COLUMNS) row?.fail('columns', `Ensure this field has no more than ${MAX_COLUMNS} elements.`);
        return {
          columns: columns.map((columnValue, c) => {
            const column = row?.nested(`columns[${c}]`, columnValue);
            const items = column?.array('items', { required: true, minLength: 1 }) ?? [];
            return {
              items: items.flatMap((itemValue, i) => {
                const item = column?.nested(`items[${i}]`, itemValue);
                const parsed = item && validateInstruction(item);
                return parsed ? [{ ...optionalId(item), fields: parsed }] : [];
              }),
            };
          }),
        };
      }),
    };
  });
}

function optionalId(fields: Fields | undefined): { id?: string } {
  const id = fields?.raw('id');
  return typeof id === 'string' ? { id } : {};
}

/** Ids the batch already had are kept, as the instructions PUT does, so re-sending a layout is harmless. */
export function storeBatchItems(state: SandboxState, batch: BatchRecord, pages: PageInput[]): BatchPageRecord[] {
  const pageIds = new Set(batch.batchItems?.map((page) => page.id));
  const previous = new Map(questionsOf(batch).map((item) => [item.id, item]));
  return pages.map((page) => ({
    id: page.id !== undefined && pageIds.delete(page.id) ? page.id : state.newUuid(),
    rows: page.rows.map((row) => ({
      columns: row.columns.map((column) => ({
        items: column.items.map((item) => {
          const existing = item.id === undefined ? undefined : previous.get(item.id);
          if (!existing) return newInstruction(state, batch, item.fields);
          previous.delete(existing.id);
          existing.fields = item.fields;
          return existing;
        }),
      })),
    })),
  }));
}

/** A layout as a client would send it again, without ids: what duplicating a batch starts from. */
export function batchItemsInput(pages: BatchPageRecord[]): PageInput[] {
  return pages.map((page) => ({
    rows: page.rows.map((row) => ({
      columns: row.columns.map((column) => ({ items: column.items.map((item) => ({ fields: structuredClone(item.fields) })) })),
    })),
  }));
}

export function batchItemsView(pages: BatchPageRecord[]): Record<string, unknown>[] {
  return pages.map((page) => ({
    id: page.id,
    rows: page.rows.map((row) => ({
      columns: row.columns.map((column) => ({ items: column.items.map((item) => ({ id: item.id, ...item.fields })) })),
    })),
  }));
}

/** The questions participants answer about each datapoint, in the order they meet them. */
export function questionsOf(batch: BatchRecord): InstructionRecord[] {
  if (!batch.batchItems) return batch.instructions;
  return batch.batchItems.flatMap((page) => page.rows.flatMap((row) => row.columns.flatMap((column) => column.items)));
}
