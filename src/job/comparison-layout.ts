/**
 * What an annotator sees of a comparison, as a batch_items layout, and how its questions are told apart from
 * any others afterwards. One page: the prompt; then the two responses side by side, one row of two columns,
 * each under its letter; then the comparison questions and any extra ones. A comparison question is a single
 * choice whose answer values are `a` (the response shown first), `b` and, with ties allowed, `tie`.
 */
import type { ApiObject, DatasetSchema, Instruction } from '../prolific/types.js';
import { COMPARISON_COLUMNS, SIDE_VALUES } from './comparison-pairs.js';

export const DEFAULT_QUESTION = 'Which response is better?';

export const DEFAULT_TASK_DETAILS = {
  task_name: 'Compare two responses',
  task_introduction:
    '<p>Each task shows a prompt and two responses to it, A and B, side by side. They were written by different AI systems; which system wrote which is hidden, and the order is random.</p>',
  task_steps: '<ol><li>Read the prompt.</li><li>Read both responses in full.</li><li>Choose the better response.</li></ol>',
};

export function comparisonQuestion(description: string, allowTies: boolean): ApiObject {
  const options = [
    { label: 'Response A', value: SIDE_VALUES.a },
    { label: 'Response B', value: SIDE_VALUES.b },
    ...(allowTies ? [{ label: 'About the same', value: SIDE_VALUES.tie }] : []),
  ];
  return { type: 'multiple_choice', description, options, answer_limit: 1 };
}

/** The body page: prompt, the two responses side by side, then the questions in order. */
export function comparisonPages(questions: readonly ApiObject[]): ApiObject[] {
  const heading = (text: string) => ({ type: 'rich_text', content: `<p><strong>${text}</strong></p>`, content_format: 'html' });
  const field = (name: string) => ({ type: 'dataset_field', field: name });
  return [
    {
      display_position: 'body',
      rows: [
        { columns: [{ items: [heading('Prompt'), field(COMPARISON_COLUMNS.prompt)] }] },
        {
          columns: [
            { items: [heading('Response A'), field(COMPARISON_COLUMNS.responseA)] },
            { items: [heading('Response B'), field(COMPARISON_COLUMNS.responseB)] },
          ],
        },
        { columns: [{ items: [...questions] }] },
      ],
    },
  ];
}

/** Shown: the prompt and the responses. Hidden: what was compared, and each side's own META_ columns. */
export function comparisonSchema(hiddenColumns: Iterable<string>): DatasetSchema {
  const fields: DatasetSchema['fields'] = {
    [COMPARISON_COLUMNS.prompt]: { type: 'text' },
    [COMPARISON_COLUMNS.responseA]: { type: 'text' },
    [COMPARISON_COLUMNS.responseB]: { type: 'text' },
    [COMPARISON_COLUMNS.promptId]: { type: 'metadata' },
    [COMPARISON_COLUMNS.modelA]: { type: 'metadata' },
    [COMPARISON_COLUMNS.modelB]: { type: 'metadata' },
  };
  for (const name of hiddenColumns) {
    fields[`${name}_A`] = { type: 'metadata' };
    fields[`${name}_B`] = { type: 'metadata' };
  }
  return { strict: false, fields };
}

/** A single choice answered `a`, `b` (and perhaps `tie`), whatever its wording. */
export function isComparisonQuestion(instruction: Instruction): boolean {
  if (instruction.type !== 'multiple_choice' || (instruction.answer_limit !== undefined && instruction.answer_limit !== 1)) return false;
  const values = (Array.isArray(instruction.options) ? instruction.options : []).map((option) => String((option as ApiObject).value).toLowerCase());
  const set = new Set(values);
  return set.size === values.length && set.has(SIDE_VALUES.a) && set.has(SIDE_VALUES.b) && values.every((value) => value === SIDE_VALUES.a || value === SIDE_VALUES.b || value === SIDE_VALUES.tie);
}
