/**
 * The answers a dataset states for its tasks, so that simulated answers fit the datapoints. A dataset may
 * carry the answer to a choice question in a column of its own, hidden from participants as every `META_`
 * column is: META_SANDBOX_ANSWER_<question>. `<question>` is the question's description in lower case, its
 * words (runs of letters and digits) joined by "_" and cut after the last whole word within 40 characters (a
 * first word longer than that is cut at 40); the name is compared without regard to case, and a bare
 * META_SANDBOX_ANSWER serves a batch with one choice question. A cell names options by value, several joined
 * by ";".
 *
 * That is how the README names gold columns too. The sandbox reads the rule here for itself rather than
 * sharing the server's code for it, so that the imitation checks the rule instead of echoing it.
 */
import type { BatchRecord, InstructionRecord } from './model.js';
import { questionsOf } from './batch-items.js';
import type { SandboxStore } from './store.js';

const ANSWER_COLUMN = 'META_SANDBOX_ANSWER';
const MAX_QUESTION_LENGTH = 40;

/** The `<question>` part of the answer column's name. */
function questionPart(description: string): string {
  const words = description.toLowerCase().normalize('NFKD').split(/[^a-z0-9]+/).filter(Boolean);
  let part = '';
  for (const word of words) {
    const longer = part ? `${part}_${word}` : word;
    if (longer.length > MAX_QUESTION_LENGTH) return part || word.slice(0, MAX_QUESTION_LENGTH);
    part = longer;
  }
  return part;
}

/** The index among `columns` of the column stating the answers to the question described, or -1. */
function answerColumn(columns: readonly string[], description: string, onlyChoiceQuestion: boolean): number {
  const wanted = `${ANSWER_COLUMN}_${questionPart(description)}`.toLowerCase();
  const named = columns.findIndex((name) => name.toLowerCase() === wanted);
  if (named >= 0 || !onlyChoiceQuestion) return named;
  return columns.findIndex((name) => name.toLowerCase() === ANSWER_COLUMN.toLowerCase());
}

/**
 * The option indexes the batch's dataset states for a task; undefined when there is no such column or the
 * cell names no option.
 */
export function statedAnswer(store: SandboxStore, batch: BatchRecord, task: number, instruction: InstructionRecord): number[] | undefined {
  const options = instruction.fields.options;
  if (!options?.length) return undefined;
  const dataset = batch.setup ? store.datasets.get(batch.setup.datasetId) : undefined;
  if (!dataset) return undefined;
  const key = `${batch.id}/${instruction.id}/${dataset.columns.length}`;
  let column = store.answerColumns.get(key);
  if (column === undefined) {
    const choices = questionsOf(batch).filter((q) => q.fields.options?.length).length;
    column = answerColumn(
      dataset.columns.map((c) => c.name),
      instruction.fields.description,
      choices === 1,
    );
    store.answerColumns.set(key, column);
  }
  if (column < 0) return undefined;
  const cell = dataset.rows[task]?.[column] ?? '';
  const indexes = cell
    .split(';')
    .map((value) => options.findIndex((option) => String(option.value).toLowerCase() === value.trim().toLowerCase()))
    .filter((index) => index >= 0);
  return indexes.length ? [...new Set(indexes)].sort((a, b) => a - b) : undefined;
}
