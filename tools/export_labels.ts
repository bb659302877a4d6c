import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool, type ToolContext } from '../src/mcp/tool.js';
import { prolificId } from '../src/util/shapes.js';
import { resolveInsideRoots } from '../src/job/upload-source.js';
import { checkTarget, writeTarget } from '../src/job/output-file.js';
import { labelMethod, pooledBatches, pooledIds, resolveMethod } from '../src/job/label-args.js';
import { readLabelSource } from '../src/job/labels-source.js';
import { questionKey } from '../src/job/question-key.js';
import { readComparisons } from '../src/job/comparison-source.js';
import { PREFERENCE_COLUMNS, preferencePairs } from '../src/job/preference-pairs.js';

type Cell = string | number | string[] | null;

export default defineTool({
  name: 'export_labels',
  toolset: 'results',
  title: 'Export labels',
  description:
    'Write one row per task to a local .csv or .jsonl: datapoint columns, then per choice question the label, share (dawid_skene: confidence) and ratings. format "preference" (.jsonl, a create_comparison batch): prompt, chosen, rejected, models, votes per pair with a winner. Only inside the upload roots; replaces a file only with overwrite.',
  input: {
    batch_id: prolificId('batch').optional(),
    ...pooledBatches,
    method: labelMethod,
    file_path: z.string().min(1).max(4096),
    format: z.enum(['csv', 'jsonl', 'preference']).optional().describe("Default: the file's extension"),
    instruction_id: prolificId('instruction').optional().describe('preference: default the first comparison question'),
    overwrite: z.boolean().default(false),
  },
  output: { file_path: z.string(), rows: z.number(), columns: z.array(z.string()), warning: z.string().optional() },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, context) {
    const { signal } = context;
    const batchIds = pooledIds(args);
    const batchId = batchIds[0] as string;
    const format = formatOf(args.file_path, args.format);
    const target = await resolveInsideRoots(args.file_path, await context.uploadRoots('write'), 'write');
    await checkTarget(target, args.file_path, args.overwrite);
    if (format === 'preference') return exportPreferences(context, { ...args, batchIds, target });
    if (args.instruction_id) throw new ToolError('instruction_id applies to format "preference" only; leave it out to export every choice question.');

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
    await writeTarget(target, args.file_path, args.overwrite, await encoded(format, columns, rows()), signal);
    return { file_path: target, method, rows: taskIds.length, columns, ...(warning ? { warning } : {}) };
  },
});

type Format = 'csv' | 'jsonl' | 'preference';

function formatOf(filePath: string, format: Format | undefined): Format {
  const extension = extname(filePath).toLowerCase();
  const wanted = format === 'preference' ? 'jsonl' : format;
  if (wanted && extension !== `.${wanted}`) {
    throw new ToolError(`file_path must end in .${wanted} to match format "${format}" (got "${basename(filePath)}").`);
  }
  if (format === 'preference') return format;
  if (extension === '.csv' || extension === '.jsonl') return extension === '.csv' ? 'csv' : 'jsonl';
  throw new ToolError(`file_path must end in .csv or .jsonl, the formats export_labels writes (got "${basename(filePath)}").`);
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

/** One training pair per comparison with a winner, sides put back; the rest are counted. */
async function exportPreferences(
  context: ToolContext,
  args: { batchIds: string[]; target: string; file_path: string; overwrite: boolean; instruction_id?: string | undefined },
) {
  const [batchId] = args.batchIds;
  if (args.batchIds.length > 1 || !batchId) throw new ToolError('format "preference" exports one comparison batch: give batch_id alone.');
  const data = await readComparisons(context, batchId, args.instruction_id);
  if (data.judgements.first.length === 0) throw new ToolError(`Batch ${batchId} has no judgements yet. Follow the study with get_study, then export.`);
  const { rows, noWinner, excludedVotes } = preferencePairs(data);
  await writeTarget(args.target, args.file_path, args.overwrite, [Readable.from(jsonLines(rows))], context.signal);
  const left = [
    ...(noWinner ? [`${noWinner} comparisons had no winner (even votes) and are left out`] : []),
    ...(excludedVotes ? [`${excludedVotes} votes of annotators who always chose the same side are left out`] : []),
    ...(data.warning ? [data.warning] : []),
  ];
  return {
    file_path: args.target,
    format: 'preference' as const,
    instruction_id: data.question.id,
    rows: rows.length,
    no_winner: noWinner,
    ...(excludedVotes ? { excluded_votes: excludedVotes } : {}),
    columns: [...PREFERENCE_COLUMNS],
    ...(left.length ? { warning: `${left.join('; ')}.` } : {}),
  };
}

function* jsonLines(rows: Iterable<object>): Generator<string> {
  for (const row of rows) yield `${JSON.stringify(row)}\n`;
}
