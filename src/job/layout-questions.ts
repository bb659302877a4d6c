import { list } from './batch-items.js';
import type { ApiObject } from '../prolific/types.js';

/**
 * Putting a new list of questions into a batch's existing `batch_items` layout without touching anything else:
 * its pages, rows, columns, content and dataset fields stay where they are, with their ids. Locations are
 * 0-based, as Prolific's INVALID_BATCH_ITEMS issues give them.
 */

const CONTENT_TYPES = new Set(['dataset_field', 'rich_text', 'image']);

const isQuestion = (item: ApiObject) => !CONTENT_TYPES.has(String(item.type));
const positionOf = (page: ApiObject) => String(page.display_position ?? 'body');

/**
 * True for the layout set_instructions itself writes, or none: framing pages and at most one body page of a
 * single column holding dataset fields and then questions. Rewriting such a layout loses nothing.
 */
export function isPlainLayout(pages: ApiObject[]): boolean {
  const bodies = pages.filter((page) => positionOf(page) === 'body');
  if (bodies.length === 0) return true;
  if (bodies.length > 1) return false;
  const rows = list(bodies[0]?.rows);
  if (rows.length !== 1) return false;
  const columns = list(rows[0]?.columns);
  if (columns.length !== 1) return false;
  const items = list(columns[0]?.items);
  const firstQuestion = items.findIndex(isQuestion);
  return items.every((item, index) => (firstQuestion === -1 || index < firstQuestion ? item.type === 'dataset_field' : isQuestion(item)));
}

export interface Placed {
  pages: ApiObject[];
  /** Pages, rows and columns that held only questions left out of the new list, and so would go. */
  emptied: string[];
}

/**
 * The layout with its questions replaced in place. A question whose id the layout has takes that question's
 * place; the others fill the remaining question places in page, row and column order, and any beyond those
 * follow the last question (or, in a layout without one, end the first body page). Places left unfilled are
 * removed, and with them any column, row or page that had nothing else.
 */
export function placeQuestions(pages: ApiObject[], questions: ApiObject[]): Placed {
  const slots: string[] = [];
  eachItem(pages, (item, at) => {
    if (isQuestion(item)) slots.push(typeof item.id === 'string' ? item.id : `#${at}`);
  });
  const assigned = new Array<ApiObject | undefined>(slots.length);
  const rest: ApiObject[] = [];
  for (const question of questions) {
    const slot = typeof question.id === 'string' ? slots.indexOf(question.id) : -1;
    if (slot >= 0 && !assigned[slot]) assigned[slot] = question;
    else rest.push(question);
  }
  for (let slot = 0; slot < slots.length && rest.length; slot++) assigned[slot] ??= rest.shift();

  const emptied: string[] = [];
  let slot = 0;
  const lastSlot = slots.length - 1;
  const appendTo = slots.length ? undefined : endOfFirstBody(pages);
  const placed = pages.flatMap((page, p) => {
    const rows = list(page.rows).flatMap((row, r) => {
      const columns = list(row.columns).flatMap((column, c) => {
        const items = list(column.items).flatMap((item) => {
          if (!isQuestion(item)) return [item];
          const here = slot++;
          const question = assigned[here];
          const kept = question ? [question] : [];
          return here === lastSlot ? [...kept, ...rest] : kept;
        });
        if (appendTo && appendTo.page === p && appendTo.row === r && appendTo.column === c) items.push(...rest);
        if (items.length === 0) {
          emptied.push(`page ${p}, row ${r}, column ${c}`);
          return [];
        }
        return [{ ...column, items }];
      });
      if (columns.length === 0) {
        emptied.push(`page ${p}, row ${r}`);
        return [];
      }
      return [{ ...row, columns }];
    });
    if (rows.length === 0) {
      emptied.push(`page ${p} (${positionOf(page)})`);
      return [];
    }
    return [{ ...page, rows }];
  });
  // Only the outermost container emptied is worth naming: a page that goes takes its rows and columns with it.
  const named = emptied.filter((where) => !emptied.some((outer) => outer !== where && where.startsWith(outer.replace(/ \(.*\)$/, '') + ',')));
  return { pages: placed, emptied: named };
}

/** What rewriting the layout as one page of fields and questions drops, besides its questions. */
export function rewriteLosses(pages: ApiObject[]): string[] {
  const losses: string[] = [];
  let bodies = 0;
  pages.forEach((page, p) => {
    if (positionOf(page) !== 'body') return;
    if (bodies++ > 0) return void losses.push(`page ${p} (body)`);
    list(page.rows).forEach((row, r) => {
      list(row.columns).forEach((column, c) => {
        if (r > 0 || c > 0) return void losses.push(`page ${p}, row ${r}, column ${c}`);
        list(column.items).forEach((item, i) => {
          if (item.type === 'rich_text' || item.type === 'image') losses.push(`page ${p}, row ${r}, column ${c}, item ${i} (${item.type})`);
        });
      });
    });
  });
  return losses;
}

function endOfFirstBody(pages: ApiObject[]): { page: number; row: number; column: number } | undefined {
  const page = pages.findIndex((entry) => positionOf(entry) === 'body');
  if (page < 0) return undefined;
  const rows = list(pages[page]?.rows);
  const row = rows.length - 1;
  const column = list(rows[row]?.columns).length - 1;
  return row >= 0 && column >= 0 ? { page, row, column } : undefined;
}

function eachItem(pages: ApiObject[], visit: (item: ApiObject, at: string) => void): void {
  pages.forEach((page, p) =>
    list(page.rows).forEach((row, r) => list(row.columns).forEach((column, c) => list(column.items).forEach((item, i) => visit(item, `${p}.${r}.${c}.${i}`)))),
  );
}
