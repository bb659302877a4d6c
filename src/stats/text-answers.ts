/**
 * What free-text, unit and file answers to one instruction look like, in a few lines: counts, the units
 * used, the range of numbers, and a few examples. Pure: no I/O.
 */
import type { BatchResponse } from '../prolific/types.js';

export interface AnswerDigest {
  answers: number;
  tasks: number;
  distinct: number;
  examples: string[];
  /** free_text_with_unit: answers per unit. */
  units?: Record<string, number>;
  /** When every answer is a number. */
  numbers?: { min: number; median: number; max: number };
  /** file_upload: files received. */
  files?: number;
}

interface Item {
  value?: unknown;
  unit?: unknown;
  explanation?: unknown;
}

/** @param records  one instruction's records */
export function digestAnswers(records: readonly BatchResponse[], type: string, examples: number, exampleLength: number): AnswerDigest {
  const texts: string[] = [];
  const numbers: number[] = [];
  const units = new Map<string, number>();
  const tasks = new Set<string>();
  let files = 0;
  for (const record of records) {
    tasks.add(record.task_id);
    const items = (Array.isArray(record.response?.answer) ? record.response.answer : []) as Item[];
    for (const item of items) {
      if (type === 'file_upload') {
        files += 1;
        continue;
      }
      if (type === 'multiple_choice_with_free_text') {
        if (typeof item.explanation === 'string' && item.explanation.trim()) texts.push(item.explanation.trim());
        continue;
      }
      const value = item.value === undefined || item.value === null ? '' : String(item.value).trim();
      if (!value) continue;
      if (type === 'free_text_with_unit') {
        const unit = item.unit === undefined || item.unit === null ? '' : String(item.unit);
        units.set(unit, (units.get(unit) ?? 0) + 1);
        texts.push(unit ? `${value} ${unit}` : value);
      } else {
        texts.push(value);
      }
      numbers.push(Number(value));
    }
  }
  const distinct = new Set(texts);
  const shown: string[] = [];
  for (const text of distinct) {
    if (shown.length >= examples) break;
    shown.push(text.length > exampleLength ? `${text.slice(0, exampleLength - 1)}…` : text);
  }
  const digest: AnswerDigest = { answers: records.length, tasks: tasks.size, distinct: distinct.size, examples: shown };
  if (units.size) digest.units = Object.fromEntries(units);
  if (numbers.length && numbers.every(Number.isFinite)) digest.numbers = spread(numbers);
  if (type === 'file_upload') digest.files = files;
  return digest;
}

/** Sorts `values` in place. */
function spread(values: number[]): { min: number; median: number; max: number } {
  const sorted = values.sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number };
}
