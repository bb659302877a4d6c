import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool, type ToolContext } from '../src/mcp/tool.js';
import { filtersArg, prolificId, text } from '../src/util/shapes.js';
import { labelMethod, resolveMethod } from '../src/job/label-args.js';
import { readLabelSource, SOURCE_COLUMN } from '../src/job/labels-source.js';
import { uploadToDataset } from '../src/job/dataset-upload.js';
import { waitFor } from '../src/job/wait.js';
import { createDraftStudy } from '../src/job/draft-study.js';
import { createOnce, newestNamed, setupOnce } from '../src/job/create-once.js';
import { describeFailure } from '../src/mcp/tool-errors.js';
import type { ApiObject, Batch, Study } from '../src/prolific/types.js';
import { checkAudience } from '../src/job/audience.js';
import { foldBlocklists, LISTED } from '../src/job/exclusions.js';
import { accuracyFrom, below } from '../src/job/accuracy.js';

/** Fields the API adds to what was sent; a copy sends the rest back. */
const SERVER_FIELDS = new Set(['id', 'created_at', 'created_by', 'parent_id', 'parent_type']);
const DEFAULT_TASKS_PER_GROUP = 10;
/** Checked in the handler rather than the schema, which every conversation pays for; the same as create_study's. */
const LIMITS = { annotators_per_task: 100, reward: 100_000, estimated_completion_time: 10_080, max_items: 100_000 };

export default defineTool({
  name: 'rerun_contested',
  toolset: 'results',
  title: 'Rerun contested tasks',
  description:
    'More votes for tasks below below_confidence: new dataset and batch, same questions, set up, an UNPUBLISHED study, quoted. Only publish_study spends.',
  input: {
    batch_id: prolificId('batch'),
    study_id: prolificId('study').optional(),
    method: labelMethod,
    below_confidence: z.number().describe('0–1, e.g. 0.9'),
    annotators_per_task: z.int().min(1),
    reward: z.int().min(1).describe('Per place, minor units'),
    estimated_completion_time: z.int().min(1).describe('Minutes'),
    name: text(255).optional(),
    max_items: z.int().min(1).optional(),
    filters: filtersArg.optional().describe("Default: study_id's filters"),
    exclude_below_accuracy: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("Leave out only annotators below this (summarize_responses' estimates). Default: all of this batch's"),
  },
  output: { items: z.number(), message: z.string() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, context) {
    const { client, signal, progress } = context;
    if (!(args.below_confidence > 0 && args.below_confidence <= 1)) {
      throw new ToolError(`below_confidence must be above 0 and at most 1 (got ${args.below_confidence}); 0.9 reruns the tasks whose label is less than 90 % sure.`);
    }
    for (const [field, most] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
      const value = args[field];
      if (value !== undefined && value > most) throw new ToolError(`${field} must be at most ${most} (got ${value}).`);
    }
    const [source, study] = await Promise.all([
      readLabelSource(context, [args.batch_id], true),
      args.study_id ? client.getStudy(args.study_id, signal) : undefined,
    ]);
    const original = source.batch;
    const { analyseChoices, choiceInstruction, CHOICE_TYPES } = await import('../src/stats/labels.js');
    const choices = source.questions.filter((question) => CHOICE_TYPES.has(question.type));
    if (choices.length === 0) throw new ToolError(`Batch ${args.batch_id} has no multiple-choice instruction, so no task has a label confidence to rerun.`);
    const method = resolveMethod(args.method, source.records, new Set(choices.map((question) => question.id)));
    const analysis = analyseChoices(source.records, choices.map(choiceInstruction), { method });
    // A task's confidence is its weakest instruction's: the posterior, or under majority the vote share (0 on a tie).
    const weakest = new Map<string, number>();
    for (const choice of analysis.choices) {
      for (const task of choice.tasks) {
        const confidence = method === 'dawid_skene' ? (task.confidence ?? 0) : (task.share ?? 0);
        weakest.set(task.task_id, Math.min(weakest.get(task.task_id) ?? 1, confidence));
      }
    }
    const contested = [...weakest]
      .filter(([, confidence]) => confidence < args.below_confidence)
      .sort((a, b) => a[1] - b[1])
      .slice(0, args.max_items)
      .map(([task]) => task);
    if (contested.length === 0) {
      return { method, items: 0, message: `No task of batch ${args.batch_id} is below confidence ${args.below_confidence}; nothing was created.` };
    }
    const workspace = original.workspace_id;
    if (!workspace) throw new ToolError(`Batch ${args.batch_id} does not say which workspace it belongs to, so the follow-up cannot be created beside it.`);
    const people = await followUpAudience(context, workspace, study, args.filters);
    // The analysis that found the contested tasks holds the accuracy figures too (gold adds only gold_accuracy).
    const accuracy = args.exclude_below_accuracy === undefined ? undefined : accuracyFrom(method, analysis.annotators);
    // Pooled rounds count a person once per task, so a first-round annotator who draws a task again adds no vote:
    // unless told whom to leave out, the follow-up leaves out everyone who answered the first round.
    const weak = accuracy ? below(accuracy, args.exclude_below_accuracy as number) : [...new Set(source.records.map((record) => record.participant_id))];
    const exclude = [...new Set([...people.exclude, ...weak])];
    const missing = contested.filter((task) => !source.datapoints.has(task));
    if (missing.length) {
      throw new ToolError(
        `The datapoints of ${missing.length} contested tasks could not be read from the batch report${source.warning ? ` (${source.warning})` : ''}; nothing was created. Try again once get_batch shows the batch's report is available.`,
      );
    }

    const name = args.name ?? `${original.name} (contested)`;
    const rows = contested.map((task) => ({ ...source.datapoints.get(task), [SOURCE_COLUMN]: task }));
    // An earlier call that failed part-way left these; carrying on with them keeps a retry from making copies.
    const datasetName = `${name} [${tasksMark(contested)}]`;
    const earlier = await unfinished(context, workspace, name, datasetName, rows.length);
    const made: string[] = [];
    try {
      // No total: the waits between these steps report their own reads, so "step N of 4" would not hold.
      await progress(0, undefined, earlier ? `Carrying on with batch ${earlier.batch.id}` : 'Creating the follow-up dataset and batch');
      // The batch is made before the rows go in: a failure between the two leaves only an empty dataset behind.
      const datasetId = earlier?.datasetId ?? (await createDataset(context, original, workspace, datasetName));
      made.push(`dataset ${datasetId}`);
      const copy = earlier?.batch ?? (await copyBatch(context, original, source.questions, name, workspace, datasetId));
      made.push(`batch ${copy.id}`);
      if (!earlier) context.resourcesChanged();
      if (!earlier?.imported) {
        await progress(1, undefined, `Uploading ${rows.length} contested datapoints`);
        await uploadRows(context, datasetId, rows);
      }
      if (copy.status === 'UNINITIALISED') {
        await setupOnce(client, copy.id, { dataset_id: datasetId, tasks_per_group: Math.min(rows.length, tasksPerGroup(original)) }, signal);
        context.resourcesChanged();
      }
      await progress(2, undefined, 'Setting up the follow-up batch');
      const { value: ready } = await waitFor(
        { signal, progress },
        {
          read: () => client.getBatch(copy.id, signal),
          isFinal: (b) => b.status === 'READY' || b.status === 'ERROR',
          describe: (b) => `Batch ${b.status}`,
          timeoutMs: 300_000,
        },
      );
      if (ready.status !== 'READY') {
        throw new ToolError(`The follow-up batch ${copy.id} (dataset ${datasetId}) is ${ready.status} after setup; get_batch shows why. No study was created.`);
      }

      await progress(3, undefined, 'Creating the UNPUBLISHED study');
      const settings = study ? pick(study, ['description', 'device_compatibility', 'prolific_id_option', 'project']) : {};
      const draft = await createDraftStudy(
        context,
        ready,
        {
          description: original.task_details?.task_introduction || `Follow-up round of ${original.name}.`,
          device_compatibility: ['desktop'],
          prolific_id_option: 'not_required',
          ...settings,
          ...(people.filters ? { filters: people.filters } : {}),
          name,
          reward: args.reward,
          estimated_completion_time: args.estimated_completion_time,
        },
        args.annotators_per_task,
        { exclude, mapped: people.mapped },
        { reuseDraft: earlier !== undefined },
      );
      const { study: created, total_cost, currency, warnings, audience } = draft;
      const leftOut = !accuracy
        ? `Left out all ${weak.length} annotators of batch ${args.batch_id}: a repeat vote on a task counts once when rounds are pooled (exclude_below_accuracy leaves out only the least accurate).`
        : weak.length
          ? `Left out ${weak.length} annotators with ${accuracy.measure} below ${args.exclude_below_accuracy}: ${weak.slice(0, LISTED).join(', ')}${weak.length > LISTED ? ' …' : ''}.`
          : `No annotator's ${accuracy.measure} is below ${args.exclude_below_accuracy}; nobody was left out for accuracy.`;
      return {
        method,
        items: rows.length,
        dataset_id: datasetId,
        batch_id: copy.id,
        study_id: created.id,
        status: created.status,
        total_available_places: created.total_available_places,
        total_cost,
        currency,
        audience,
        message: [
          `${draft.reused ? 'Found the UNPUBLISHED study an earlier call made' : 'Created an UNPUBLISHED study'} for the ${rows.length} tasks below ${args.below_confidence}; nothing is spent until publish_study with confirm_total_cost ${total_cost}.`,
          leftOut,
          `Afterwards pool both rounds: summarize_responses or export_labels with batch_ids [${args.batch_id}, ${copy.id}].`,
          ...warnings,
        ].join(' '),
      };
    } catch (error) {
      if (signal.aborted || made.length === 0) throw error;
      throw new ToolError(
        `${describeFailure(error, 'rerun_contested', signal)}\nAlready made: ${made.join(', ')}. Calling rerun_contested again with the same arguments carries on with them rather than making new ones.`,
      );
    }
  },
});

/**
 * Who may take the follow-up: the filters given, else the original study's, checked either way before anything
 * is made. The original's own left-out groups become members of the follow-up's group, so no group is shared.
 */
async function followUpAudience(
  context: ToolContext,
  workspace: string,
  study: Study | undefined,
  given: ApiObject[] | undefined,
): Promise<{ filters: ApiObject[] | undefined; mapped: string[]; exclude: string[] }> {
  // The follow-up leaves people out by a blocklist filter, which Prolific does not combine with a filter set.
  if (!given && typeof study?.filter_set_id === 'string' && study.filter_set_id) {
    throw new ToolError(
      `Study ${study.id} takes its participants from filter set ${study.filter_set_id}, which a follow-up cannot keep beside the filter that leaves annotators out. Pass that set's filters as filters (count_participants checks them). Nothing was created.`,
    );
  }
  const inherited = study && Array.isArray(study.filters) ? await foldBlocklists(context.client, study.filters, context.signal) : { filters: undefined, members: [] };
  const checked = await checkAudience(context, workspace, { filters: given ?? inherited.filters });
  return { filters: checked.filters, mapped: checked.mapped, exclude: inherited.members };
}

/** A follow-up an earlier call began: the newest batch of this name beside the original, with no study past a draft. */
interface Unfinished {
  batch: Batch;
  datasetId: string;
  /** Its dataset already holds the rows. */
  imported: boolean;
}

/**
 * Finds the follow-up an earlier call with these arguments made and did not finish. A batch of the name whose
 * dataset was made for other tasks (its name carries their mark) or holds another number of datapoints, or that
 * a study beyond a draft already ran on, is an earlier round rather than an unfinished one, and is left alone.
 */
async function unfinished(
  { client, signal }: ToolContext,
  workspace: string,
  name: string,
  datasetName: string,
  rows: number,
): Promise<Unfinished | undefined> {
  const batch = await newestNamed(client, workspace, name, Number.NEGATIVE_INFINITY, signal);
  const datasetId = batch?.datasets?.[0]?.id;
  if (!batch || !datasetId || batch.status === 'ERROR') return undefined;
  const dataset = await client.getDataset(datasetId, signal);
  const count = dataset.total_datapoint_count ?? 0;
  if (dataset.name !== datasetName || (count !== 0 && count !== rows)) return undefined;
  const { results } = await client.listStudies(signal);
  const named = results.filter((study) => study.name === name && study.status !== 'UNPUBLISHED');
  const ran = await Promise.all(named.slice(0, 5).map((study) => client.getStudy(study.id, signal)));
  if (ran.some((study) => study.data_collection_id === batch.id && study.status !== 'UNPUBLISHED')) return undefined;
  const imported = count === rows && (dataset.imports ? dataset.imports.some((job) => job.status === 'complete') : dataset.status === 'READY');
  return { batch, datasetId, imported };
}

/** The follow-up's dataset. A V4 original's schema is kept, so media fields stay media, with the source task id as metadata and nothing strict: the report the rows come from may not carry every field. */
async function createDataset({ client, signal }: ToolContext, original: Batch, workspace: string, name: string): Promise<string> {
  const originalId = original.datasets?.[0]?.id;
  const originalSchema = originalId ? (await client.getDataset(originalId, signal)).schema : undefined;
  const schema = originalSchema ? { strict: false, fields: { ...originalSchema.fields, [SOURCE_COLUMN]: { type: 'metadata' as const } } } : undefined;
  const dataset = await createOnce({
    what: `Creating dataset "${name}"`,
    attempt: () => client.createDataset({ name, workspace_id: workspace, ...(schema ? { schema } : {}) }, signal),
    // The API cannot list datasets; an empty one left behind costs nothing.
    find: async () => undefined,
    howToCheck: 'Datasets cannot be listed through the API; an unused empty dataset costs nothing, so calling rerun_contested again is safe.',
  });
  return dataset.id;
}

/** Puts rows into the dataset and waits until they are imported (V4) or the dataset is READY (V3). */
async function uploadRows({ client, signal, progress }: ToolContext, datasetId: string, rows: Record<string, string>[]): Promise<void> {
  const outcome = await uploadToDataset(client, { signal, progress }, datasetId, { rows, filename: 'contested.csv' }, { wait: true, timeoutMs: 300_000 });
  if (outcome.status !== 'complete' && outcome.status !== 'READY') {
    throw new ToolError(`The follow-up dataset ${datasetId} is not ready after upload (${outcome.summary}).`);
  }
}

/**
 * A new batch with the original's task details and questions, always as a layout: a legacy original's
 * instructions become one page of questions, since the instructions endpoint is past its sunset.
 */
async function copyBatch(
  { client, signal }: ToolContext,
  original: Batch,
  questions: readonly ApiObject[],
  name: string,
  workspace: string,
  datasetId: string,
): Promise<Batch> {
  const layout = original.batch_items?.length ? original.batch_items : [{ rows: [{ columns: [{ items: questions }] }] }];
  const started = Date.now();
  return createOnce({
    what: `Creating batch "${name}"`,
    attempt: () =>
      client.createBatch(
        {
          name,
          workspace_id: workspace,
          dataset_id: datasetId,
          task_details: original.task_details ?? { task_name: name, task_introduction: name, task_steps: name },
          batch_items: strip(layout) as ApiObject[],
        },
        signal,
      ),
    find: () => newestNamed(client, workspace, name, started, signal),
    howToCheck: `No new batch named "${name}" was found; check list_batches before calling rerun_contested again.`,
  });
}

/** Which tasks a follow-up's dataset was made for, short enough to sit in its name. */
function tasksMark(tasks: readonly string[]): string {
  return createHash('sha256').update([...tasks].sort().join('\n')).digest('hex').slice(0, 10);
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !SERVER_FIELDS.has(key)).map(([key, inner]) => [key, strip(inner)]));
}

function tasksPerGroup(batch: Batch): number {
  const tasks = batch.total_task_count ?? 0;
  const groups = batch.total_task_groups ?? 0;
  return tasks > 0 && groups > 0 ? Math.max(1, Math.round(tasks / groups)) : DEFAULT_TASKS_PER_GROUP;
}

function pick(object: ApiObject, keys: readonly string[]): ApiObject {
  return Object.fromEntries(keys.filter((key) => object[key] !== undefined && object[key] !== null).map((key) => [key, object[key]]));
}
