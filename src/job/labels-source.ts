/**
 * What summarize_responses and export_labels read: the responses and questions of one batch, or of several
 * rounds pooled (a first batch and the follow-ups rerun_contested made), with each task's datapoint and any
 * known (gold) answers from the batch reports.
 *
 * Pooled rounds are joined per datapoint: a follow-up datapoint names the task it repeats in SOURCE_COLUMN;
 * without it, a datapoint with the same content as an earlier one is the same item. Questions are matched by
 * description and type to the first batch's, whose ids and order the result keeps.
 */
import { freshResponses } from './response-snapshots.js';
import type { StepContext } from './context.js';
import { readBatch } from './batch-items.js';
import { columnFor } from './question-key.js';
import { csvRecords } from '../util/csv-records.js';
import type { Batch, BatchResponse, Instruction } from '../prolific/types.js';

/** The column rerun_contested adds to a follow-up dataset: the task id the datapoint had in the batch it came from. */
export const SOURCE_COLUMN = 'META_SOURCE_TASK_ID';
export const GOLD_PREFIX = 'META_GOLD';
/** Appended to the dataset's columns by the report; the sandbox's names, as the live API does not document them. */
const RESPONSE_COLUMNS = new Set(['participant_id', 'submission_id', 'task_id']);
const CHOICE_TYPES = new Set(['multiple_choice', 'multiple_choice_with_free_text']);

export interface LabelSource {
  /** The first batch as read for its questions, so that a caller needs no second read of it. */
  batch: Batch;
  /** Task ids are the join keys: the first batch's task ids, which follow-up rounds map onto. */
  records: BatchResponse[];
  questions: Instruction[];
  /** Read only when asked for, or when gold columns or several rounds need them. */
  datapoints: Map<string, Record<string, string>>;
  columns: string[];
  /** instruction id → task → known answer. */
  gold: Map<string, Map<string, string[]>>;
  goldColumns: string[];
  warning?: string;
}

interface Round {
  batchId: string;
  batch: Batch;
  records: BatchResponse[];
  questions: Instruction[];
  report?: string;
  reportError?: string;
}

export async function readLabelSource({ client, signal }: Pick<StepContext, 'client' | 'signal'>, batchIds: readonly string[], wantDatapoints: boolean): Promise<LabelSource> {
  const whole = wantDatapoints || batchIds.length > 1;
  // A single batch's report is read whole only when its header shows gold columns: for a big batch it runs
  // to tens of megabytes, more than the responses take to analyse.
  const readReport = async (batchId: string): Promise<{ text: string } | { error: string }> => {
    try {
      const { url } = await client.getReport(batchId, signal);
      if (!whole) {
        const [header = []] = csvRecords(await client.reportHeader(url, signal));
        if (!header.some((name) => name.toUpperCase().startsWith(GOLD_PREFIX))) return { text: '' };
      }
      return { text: await client.downloadReport(url, signal) };
    } catch (error) {
      if (signal.aborted) throw error;
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
  const rounds = await Promise.all(
    batchIds.map(async (batchId): Promise<Round> => {
      const [records, { batch, questions }, report] = await Promise.all([
        freshResponses(client, batchId, signal),
        readBatch(client, batchId, signal),
        readReport(batchId),
      ]);
      return { batchId, batch, records, questions, ...('text' in report ? { report: report.text } : { reportError: report.error }) };
    }),
  );
  const first = rounds[0] as Round;
  const source: LabelSource = { batch: first.batch, records: first.records, questions: first.questions, datapoints: new Map(), columns: [], gold: new Map(), goldColumns: [] };
  if (!whole && !first.report) return source;

  const descriptions = rounds.flatMap((round) => round.questions.map((q) => q.description));
  const keyOf = new Map<string, string>();
  const byContent = new Map<string, string>();
  // Copied only when other rounds join it; a single batch's list can hold hundreds of thousands of records.
  const records: BatchResponse[] = rounds.length > 1 ? [...first.records] : first.records;
  const warnings: string[] = [];
  for (const [index, round] of rounds.entries()) {
    const rows = round.report ? datapointsOf(round.report, descriptions) : undefined;
    if (!rows) warnings.push(`The report of batch ${round.batchId} could not be read (${round.reportError ?? 'no task_id column'})`);
    if (index === 0) source.columns = rows?.columns.filter((name) => name !== SOURCE_COLUMN) ?? [];
    const keys = new Map<string, string>();
    for (const [taskId, row] of rows?.datapoints ?? []) {
      const content = JSON.stringify(source.columns.map((name) => row[name] ?? ''));
      const origin = row[SOURCE_COLUMN];
      // Without the first round's columns there is no content to compare, only ids.
      const sameContent = source.columns.length ? byContent.get(content) : undefined;
      const key = index === 0 ? taskId : origin && keyOf.has(origin) ? (keyOf.get(origin) as string) : (sameContent ?? taskId);
      keys.set(taskId, key);
      keyOf.set(taskId, key);
      if (source.columns.length && !byContent.has(content)) byContent.set(content, key);
      if (!source.datapoints.has(key)) source.datapoints.set(key, Object.fromEntries(source.columns.map((name) => [name, row[name] ?? ''])));
    }
    if (index === 0) continue;
    const instructionOf = matchQuestions(first.questions, round.questions);
    for (const record of round.records) {
      const instructionId = record.response?.instruction_id;
      records.push({
        ...record,
        task_id: keys.get(record.task_id) ?? record.task_id,
        response: { ...record.response, instruction_id: instructionOf.get(instructionId) ?? instructionId },
      });
    }
  }
  source.records = records;
  if (warnings.length) source.warning = `${warnings.join('; ')}, so rows from it have task_id and labels only.`;

  const choices = first.questions.filter((question) => CHOICE_TYPES.has(question.type));
  for (const question of choices) {
    const column = columnFor(source.columns, GOLD_PREFIX, question.description, choices.length === 1);
    if (!column) continue;
    source.goldColumns.push(column);
    const known = new Map<string, string[]>();
    for (const [task, row] of source.datapoints) {
      const values = (row[column] ?? '').split(';').map((value) => value.trim()).filter(Boolean);
      if (values.length) known.set(task, values);
    }
    source.gold.set(question.id, known);
  }
  return source;
}

/** Each of the round's question ids → the first batch's question with the same description and type. */
function matchQuestions(primary: readonly Instruction[], round: readonly Instruction[]): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const question of round) {
    const match = primary.find((p) => !taken.has(p.id) && p.description === question.description && p.type === question.type);
    if (!match) continue;
    taken.add(match.id);
    out.set(question.id, match.id);
  }
  return out;
}

/**
 * The report is the dataset with responses appended, a row per task and annotator: the first row of each task
 * gives its datapoint, the dataset's columns being all but the appended ones. Undefined when it has no
 * task_id column, or cannot be read as CSV.
 */
function datapointsOf(csv: string, descriptions: readonly string[]): { datapoints: Map<string, Record<string, string>>; columns: string[] } | undefined {
  const datapoints = new Map<string, Record<string, string>>();
  const answerColumn = (name: string) => descriptions.some((d) => name === d || (name.startsWith(`${d} (`) && /\(\d+\)$/.test(name)));
  let header: string[] | undefined;
  let taskAt = -1;
  let kept: [string, number][] = [];
  try {
    for (const record of csvRecords(csv)) {
      if (!header) {
        header = record;
        taskAt = header.indexOf('task_id');
        if (taskAt < 0) return undefined;
        kept = header.flatMap((name, index): [string, number][] => (RESPONSE_COLUMNS.has(name) || answerColumn(name) ? [] : [[name, index]]));
        continue;
      }
      const taskId = record[taskAt];
      if (!taskId || datapoints.has(taskId)) continue;
      datapoints.set(taskId, Object.fromEntries(kept.map(([name, index]) => [name, record[index] ?? ''])));
    }
  } catch {
    return undefined;
  }
  if (!header) return undefined;
  return { datapoints, columns: kept.map(([name]) => name) };
}

