import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, rename, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { defineTool, ToolError, type ToolContext } from '../src/tool.js';
import { prolificId } from '../src/shapes.js';
import { resolveInsideRoots } from '../src/upload-source.js';
import { labelMethod, pooledBatches, pooledIds, resolveMethod } from '../src/label-args.js';
import { readLabelSource } from '../src/labels-source.js';
import { questionKey } from '../src/question-key.js';

type Cell = string | number | string[] | null;

export default defineTool({
  name: 'export_labels',
  title: 'Export labels',
  description:
    "Write one row per task to a local .csv or .jsonl: datapoint columns, then per choice question the label, share (dawid_skene: confidence) and ratings. Only inside the upload roots; replaces a file only with overwrite.",
  input: {
    batch_id: prolificId('batch').optional(),
    ...pooledBatches,
    method: labelMethod,
    file_path: z.string().min(1).max(4096),
    format: z.enum(['csv', 'jsonl']).optional().describe("Default: the file's extension"),
    overwrite: z.boolean().default(false),
  },
  output: { file_path: z.string(), rows: z.number(), columns: z.array(z.string()), warning: z.string().optional() },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, context) {
    const { signal } = context;
    const batchIds = pooledIds(args);
    const batchId = batchIds[0] as string;
    const format = formatOf(args.file_path, args.format);
    const target = await resolveInsideRoots(args.file_path, await context.uploadRoots(), 'write');
    await checkTarget(target, args.file_path, args.overwrite);

    const { records, questions, datapoints, columns: datapointColumns, warning } = await readLabelSource(context, batchIds, true);
    // Loaded on first use, so that starting the server costs nothing for them.
    const { analyseChoices, choiceInstruction, CHOICE_TYPES } = await import('../src/stats/labels.js');
    const choiceInstructions = questions.filter((instruction) => CHOICE_TYPES.has(instruction.type));
    if (choiceInstructions.length === 0) {
      throw new ToolError(
        `Batch ${batchId} has no multiple-choice instruction, so there are no majority labels to export. get_responses or the report resource (prolific://batches/${batchId}/report) give the raw answers.`,
      );
    }
    if (records.length === 0) throw new ToolError(`Batch ${batchId} has no responses yet. Follow the study with get_study, then export.`);
    const method = resolveMethod(args.method, records, new Set(choiceInstructions.map((instruction) => instruction.id)));
    const { choices } = analyseChoices(records, choiceInstructions.map(choiceInstruction), { method });
    const modelled = method === 'dawid_skene';

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
      const key = unique(questionKey(choiceInstructions[index]?.description ?? '') || `instruction_${index + 1}`);
      return { choice, label: key, share: unique(`${key}_${modelled ? 'confidence' : 'share'}`), ratings: unique(`${key}_ratings`) };
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
          row[keys.label] = (modelled ? task?.label : task?.majority) ?? null;
          const figure = modelled ? task?.confidence : task?.share;
          row[keys.share] = figure === null || figure === undefined ? null : Math.round(figure * 10_000) / 10_000;
          row[keys.ratings] = task?.ratings ?? 0;
        });
        yield row;
      }
    }
    await write(target, args.file_path, args.overwrite, format, columns, rows(), signal);
    return { file_path: target, method, rows: taskIds.length, columns, ...(warning ? { warning } : {}) };
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

/** Refused before anything is downloaded: an existing file without overwrite, or anything but a regular file. */
async function checkTarget(target: string, spelled: string, overwrite: boolean): Promise<void> {
  const existing = await lstat(target).catch(() => undefined);
  if (!existing) return;
  if (!existing.isFile()) throw new ToolError(`file_path "${spelled}" exists and is not a regular file; choose another name.`);
  if (!overwrite) throw new ToolError(`file_path "${spelled}" already exists. Pass overwrite: true to replace it, or choose another name.`);
}

/**
 * Streams the rows to disk. A new file is created exclusively, so a file that appeared meanwhile is never
 * replaced; a replacement is written beside the old file and renamed over it, so a failed export never leaves
 * half a file in its place. Either way a failure removes what was written.
 */
async function write(
  target: string,
  spelled: string,
  overwrite: boolean,
  format: 'csv' | 'jsonl',
  columns: string[],
  rows: Iterable<Record<string, Cell>>,
  signal: AbortSignal,
): Promise<void> {
  const path = overwrite ? join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`) : target;
  const encode =
    format === 'csv'
      ? (await import('csv-stringify')).stringify({
          header: true,
          columns,
          cast: { object: (value) => (Array.isArray(value) ? value.join(';') : JSON.stringify(value)) },
        })
      : undefined;
  const lines = format === 'jsonl' ? Readable.from(jsonLines(rows)) : Readable.from(rows);
  const file = createWriteStream(path, { flags: 'wx' });
  try {
    await (encode ? pipeline(lines, encode, file, { signal }) : pipeline(lines, file, { signal }));
    if (overwrite) await rename(path, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && !overwrite) {
      throw new ToolError(`file_path "${spelled}" already exists. Pass overwrite: true to replace it, or choose another name.`);
    }
    await unlink(path).catch(() => undefined);
    throw error;
  }
}

function* jsonLines(rows: Iterable<Record<string, Cell>>): Generator<string> {
  for (const row of rows) yield `${JSON.stringify(row)}\n`;
}
