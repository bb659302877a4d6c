/**
 * The batch report: the original dataset with response columns appended, one row per task per participant
 * who answered it.
 *
 * Prolific does not document the appended columns' names. The sandbox's choice: `participant_id`,
 * `submission_id`, `task_id`, then one column per instruction named by its description; multiple values
 * in a cell are joined with "; ". Clients should not rely on these names matching the live API.
 */
import { Readable } from 'node:stream';

import { stringify } from 'csv-stringify';

import { questionsOf } from './batch-items.js';
import type { AnswerItem, BatchRecord, InstructionRecord, ResponseRecord } from './model.js';
import type { SandboxStore } from './store.js';

const RESPONSE_COLUMNS = ['participant_id', 'submission_id', 'task_id'];
/** Reports up to this size are kept once made; bigger ones are made afresh, as a stream, every time. */
const MAX_KEPT_BYTES = 64 * 1024 * 1024;

/**
 * The last report made of each batch's responses, kept until the list grows: Prolific serves a report as a
 * stored file, and making one of 100,000 rows takes the sandbox seconds. A batch's dataset and questions
 * are frozen from setup on, so the responses are all that can change it.
 */
const keptReports = new WeakMap<readonly ResponseRecord[], { count: number; csv: Buffer }>();

export function reportCsv(state: SandboxStore, batch: BatchRecord): ReadableStream<Uint8Array> | Buffer {
  const responses = state.responsesOf(batch.id);
  const kept = keptReports.get(responses);
  if (kept?.count === responses.length) return kept.csv;
  const dataset = batch.setup ? state.datasets.get(batch.setup.datasetId) : undefined;
  const datasetColumns = dataset?.columns.map((column) => column.name) ?? [];
  const questions = questionsOf(batch);
  const header = uniqueNames([...datasetColumns, ...RESPONSE_COLUMNS, ...questions.map((i) => i.fields.description)]);

  function* rows(): Generator<string[]> {
    let index = 0;
    while (index < responses.length) {
      const first = responses[index];
      if (!first) break;
      const answers = new Map<string, ResponseRecord>();
      while (index < responses.length) {
        const response = responses[index];
        if (!response || response.submissionId !== first.submissionId || response.taskId !== first.taskId) break;
        answers.set(response.instructionId, response);
        index += 1;
      }
      const datapoint = dataset?.rows[first.datapoint] ?? [];
      yield [
        ...datasetColumns.map((_, column) => datapoint[column] ?? ''),
        first.participantId,
        first.submissionId,
        first.taskId,
        ...questions.map((instruction) => formatAnswer(instruction, answers.get(instruction.id)?.answer)),
      ];
    }
  }

  const csv = Readable.from(rows()).pipe(stringify({ header: true, columns: header }));
  const count = responses.length;
  const chunks: Buffer[] = [];
  let size = 0;
  csv.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_KEPT_BYTES) chunks.push(chunk);
  });
  csv.on('end', () => {
    if (size <= MAX_KEPT_BYTES) keptReports.set(responses, { count, csv: Buffer.concat(chunks) });
  });
  return Readable.toWeb(csv) as unknown as ReadableStream<Uint8Array>;
}

function formatAnswer(instruction: InstructionRecord, answer: AnswerItem[] | undefined): string {
  if (!answer) return '';
  return answer
    .map((item) => {
      switch (instruction.fields.type) {
        case 'multiple_choice_with_free_text':
          return `${String(item.value)}: ${String(item.explanation ?? '')}`;
        case 'free_text_with_unit':
          return instruction.fields.unit_position === 'prefix'
            ? `${String(item.unit)} ${String(item.value)}`
            : `${String(item.value)} ${String(item.unit)}`;
        case 'file_upload':
          return String(item.file_key);
        default:
          return String(item.value);
      }
    })
    .join('; ');
}

/** Column names made unique by suffixing repeats (" (2)", " (3)", …). */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} (${count})`;
  });
}
