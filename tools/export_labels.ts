import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { defineTool, ToolError, type ToolContext } from '../src/tool.js';
import { prolificId } from '../src/shapes.js';
import { batchQuestions } from '../src/batch-items.js';
import { resolveInsideRoots } from '../src/upload-source.js';
import { checkTarget, writeTarget } from '../src/output-file.js';

/** Appended to the dataset's columns by the report; the sandbox's names, as the live API does not document them. */
const RESPONSE_COLUMNS = new Set(['participant_id', 'submission_id', 'task_id']);
const KEY_LENGTH = 40;

type Cell = string | number | string[] | null;

export default defineTool({
  name: 'export_labels',
  title: 'Export labels',
  description:
    "Write one row per task to a local .csv or .jsonl: the datapoint's columns, then per multiple-choice instruction the majority label, its share and the number of ratings. Only inside the upload roots; never replaces a file unless overwrite is true.",
  input: {
    batch_id: prolificId('batch'),
    file_path: z.string().min(1).max(4096),
    format: z.enum(['csv', 'jsonl']).optional().describe("Default: the file's extension"),
    overwrite: z.boolean().default(false),
  },
  output: { file_path: z.string(), rows: z.number(), columns: z.array(z.string()), warning: z.string().optional() },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, context) {
    const { client, signal } = context;
    const format = formatOf(args.file_path, args.format);
    const target = await resolveInsideRoots(args.file_path, await context.uploadRoots(), 'write');
    await checkTarget(target, args.file_path, args.overwrite);

    const [{ results: records }, questions] = await Promise.all([
      client.getResponses(args.batch_id, signal),
      batchQuestions(client, args.batch_id, signal),
    ]);
    // Loaded on first use, so that starting the server costs nothing for them.
    const { analyseChoices, choiceInstruction, CHOICE_TYPES } = await import('../src/stats/labels.js');
    const choiceInstructions = questions.filter((instruction) => CHOICE_TYPES.has(instruction.type));
    if (choiceInstructions.length === 0) {
      throw new ToolError(
        `Batch ${args.batch_id} has no multiple-choice instruction, so there are no majority labels to export. get_responses or the report resource (prolific://batches/${args.batch_id}/report) give the raw answers.`,
      );
    }
    if (records.length === 0) throw new ToolError(`Batch ${args.batch_id} has no responses yet. Follow the study with get_study, then export.`);
    const { choices } = analyseChoices(records, choiceInstructions.map(choiceInstruction));

    const descriptions = questions.map((instruction) => instruction.description);
    const { datapoints, columns: datapointColumns, warning } = await readDatapoints(context, args.batch_id, descriptions);
    const taken = new Set<string>();
    const unique = (name: string): string => {
      let candidate = name;
      for (let n = 2; taken.has(candidate); n += 1) candidate = `${name}_${n}`;
      taken.add(candidate);
      return candidate;
    };
    const dataKeys = datapointColumns.map((name) => [name, unique(name)] as const);
    const taskKey = unique('task_id');
    const labelKeys = choices.map((choice, index) => {
      const key = unique(slug(choiceInstructions[index]?.description ?? '') || `instruction_${index + 1}`);
      return { choice, label: key, share: unique(`${key}_share`), ratings: unique(`${key}_ratings`) };
    });
    const columns = [...dataKeys.map(([, key]) => key), taskKey, ...labelKeys.flatMap((k) => [k.label, k.share, k.ratings])];

    const byTask = labelKeys.map(({ choice }) => new Map(choice.tasks.map((task) => [task.task_id, task])));
    const taskIds = [...new Set(choices.flatMap((choice) => choice.tasks.map((task) => task.task_id)))];
    function* rows(): Generator<Record<string, Cell>> {
      for (const taskId of taskIds) {
        const datapoint = datapoints.get(taskId);
        const row: Record<string, Cell> = {};
        for (const [name, key] of dataKeys) row[key] = datapoint?.[name] ?? null;
        row[taskKey] = taskId;
        labelKeys.forEach((keys, index) => {
          const task = byTask[index]?.get(taskId);
          row[keys.label] = task?.majority ?? null;
          row[keys.share] = task?.share === null || task?.share === undefined ? null : Math.round(task.share * 10_000) / 10_000;
          row[keys.ratings] = task?.ratings ?? 0;
        });
        yield row;
      }
    }
    await writeTarget(target, args.file_path, args.overwrite, await encoded(format, columns, rows()), signal);
    return { file_path: target, rows: taskIds.length, columns, ...(warning ? { warning } : {}) };
  },
});

function formatOf(filePath: string, format: 'csv' | 'jsonl' | undefined): 'csv' | 'jsonl' {
  const extension = extname(filePath).toLowerCase();
  if (format && extension !== `.${format}`) {
    throw new ToolError(`file_path must end in .${format} to match format "${format}" (got "${basename(filePath)}").`);
  }
  if (extension === '.csv' || extension === '.jsonl') return extension === '.csv' ? 'csv' : 'jsonl';
  throw new ToolError(`file_path must end in .csv or .jsonl, the formats export_labels writes (got "${basename(filePath)}").`);
}

/**
 * The original datapoint of every task, from the batch's report (the dataset with responses appended, a row
 * per task and annotator): its columns other than the appended ones. Without a report the export still has
 * the labels, and says why the datapoints are missing.
 */
async function readDatapoints(
  { client, signal }: ToolContext,
  batchId: string,
  descriptions: string[],
): Promise<{ datapoints: Map<string, Record<string, string>>; columns: string[]; warning?: string }> {
  const datapoints = new Map<string, Record<string, string>>();
  let csv: string;
  try {
    const report = await client.getReport(batchId, signal);
    csv = await client.downloadReport(report.url, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return { datapoints, columns: [], warning: `The batch report could not be read (${reason}), so rows have task_id and labels only.` };
  }
  const { parse } = await import('csv-parse/sync');
  const rows = parse(csv, { columns: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, string>[];
  const header = Object.keys(rows[0] ?? {});
  if (!header.includes('task_id')) {
    return { datapoints, columns: [], warning: 'The batch report has no task_id column to join on, so rows have task_id and labels only.' };
  }
  const answerColumn = (name: string) => descriptions.some((d) => name === d || (name.startsWith(`${d} (`) && /\(\d+\)$/.test(name)));
  const columns = header.filter((name) => !RESPONSE_COLUMNS.has(name) && !answerColumn(name));
  for (const row of rows) {
    const taskId = row.task_id;
    if (!taskId || datapoints.has(taskId)) continue;
    datapoints.set(taskId, Object.fromEntries(columns.map((name) => [name, row[name] ?? ''])));
  }
  return { datapoints, columns };
}

/** A column name from an instruction's description, cut at a word: "What is the sentiment?" → what_is_the_sentiment. */
function slug(description: string): string {
  const words = description
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (words.length <= KEY_LENGTH) return words;
  const cut = words.slice(0, KEY_LENGTH + 1);
  return cut.includes('_') ? cut.slice(0, cut.lastIndexOf('_')) : cut.slice(0, KEY_LENGTH);
}

/** The rows as CSV or JSON lines, encoded as they are written. */
async function encoded(format: 'csv' | 'jsonl', columns: string[], rows: Iterable<Record<string, Cell>>): Promise<(NodeJS.ReadableStream | NodeJS.ReadWriteStream)[]> {
  if (format === 'jsonl') return [Readable.from(jsonLines(rows))];
  const { stringify } = await import('csv-stringify');
  return [
    Readable.from(rows),
    stringify({ header: true, columns, cast: { object: (value) => (Array.isArray(value) ? value.join(';') : JSON.stringify(value)) } }),
  ];
}

function* jsonLines(rows: Iterable<Record<string, Cell>>): Generator<string> {
  for (const row of rows) yield `${JSON.stringify(row)}\n`;
}
