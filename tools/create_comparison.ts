import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { describeFailure } from '../src/mcp/tool-errors.js';
import { prolificId, publishedAs, taskDetails, text } from '../src/util/shapes.js';
import { instructionSchema } from '../src/job/instructions.js';
import { createOnce, newestNamed } from '../src/job/create-once.js';
import { uploadToDataset } from '../src/job/dataset-upload.js';
import { questionsOf } from '../src/job/batch-items.js';
import { setUpBatch } from '../src/job/batch-setup.js';
import { checkBlind, checkOutputs, outputsFromFile } from '../src/job/comparison-input.js';
import { comparisonRow, pairOutputs } from '../src/job/comparison-pairs.js';
import { comparisonPages, comparisonQuestion, comparisonSchema, DEFAULT_QUESTION, DEFAULT_TASK_DETAILS, isComparisonQuestion } from '../src/job/comparison-layout.js';

/** A study of more comparisons than this is better built in rounds. */
const MAX_COMPARISONS = 50_000;
const MAX_MODELS = 50;
const DEFAULT_TASKS_PER_GROUP = 10;

export default defineTool({
  name: 'create_comparison',
  title: 'Create comparison',
  toolset: 'evaluations',
  description:
    'Blind pairwise comparison of model outputs, as a READY batch in one call: per prompt every pair of the models that answered it (or pairs_per_prompt), sides random but balanced per pair, model names hidden. Next: create_study, then rank_models.',
  input: {
    name: text(255).describe('Batch name'),
    // Each row is checked by checkOutputs, which names the row and field at fault; the published shape stays short.
    rows: z.array(z.record(z.string(), z.unknown())).max(100_000).optional().describe('{prompt,model,output,prompt_id?}; META_* columns stay hidden'),
    file_path: z.string().min(1).max(4096).optional().describe('.csv/.jsonl with those columns'),
    pairs_per_prompt: z.int().min(1).max((MAX_MODELS * (MAX_MODELS - 1)) / 2).optional().describe('Default: all pairs'),
    allow_ties: z.boolean().default(false),
    criteria: z.array(text(500)).min(1).max(5).optional().describe(`Comparison questions instead of "${DEFAULT_QUESTION}"`),
    questions: publishedAs(z.array(instructionSchema).max(10), z.array(z.unknown()).max(10).describe('Extra questions after, as set_instructions')).optional(),
    task_details: taskDetails.optional(),
    tasks_per_group: z.int().min(1).max(1000).optional().describe(`Comparisons per submission; default ${DEFAULT_TASKS_PER_GROUP}`),
    seed: z.int().min(0).max(2 ** 31 - 1).optional().describe('Same seed, same pairs and sides'),
    workspace_id: prolificId('workspace').optional(),
  },
  output: { summary: z.string(), batch_id: z.string(), status: z.string() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, context) {
    const { client, signal, progress } = context;
    if ((args.file_path === undefined) === (args.rows === undefined)) {
      throw new ToolError('Give exactly one of rows (objects with prompt, model, output) or file_path (a local .csv or .jsonl with those columns).');
    }
    const outputs =
      args.rows !== undefined ? checkOutputs(args.rows) : await outputsFromFile(args.file_path as string, await context.uploadRoots('read'), context.config.maxUploadBytes);
    const details = args.task_details ?? DEFAULT_TASK_DETAILS;
    const criteria = args.criteria ?? [DEFAULT_QUESTION];
    const extra = args.questions ?? [];
    const questions = [...criteria.map((question) => comparisonQuestion(question, args.allow_ties)), ...extra];
    const modelCount = new Set(outputs.map((output) => output.model)).size;
    if (modelCount > MAX_MODELS) throw new ToolError(`${modelCount} models is more than the ${MAX_MODELS} one comparison can rank; compare them in groups.`);
    const seed = args.seed ?? randomInt(2 ** 31 - 1);
    const pairing = pairOutputs(outputs, { seed, pairsPerPrompt: args.pairs_per_prompt });
    const { comparisons, models } = pairing;
    if (comparisons.length === 0) {
      throw new ToolError(`No prompt was answered by two or more models, so there is nothing to compare (${models.length} model(s), ${pairing.prompts} prompt(s)). Give every prompt outputs from at least two models, with the same prompt text or prompt_id.`);
    }
    if (comparisons.length > MAX_COMPARISONS) {
      throw new ToolError(`That makes ${comparisons.length} comparisons, more than ${MAX_COMPARISONS} for one batch. Pass pairs_per_prompt (at most ${Math.max(1, Math.floor(MAX_COMPARISONS / pairing.prompts))} for ${pairing.prompts} prompts) or give fewer prompts.`);
    }
    const { namedInData } = checkBlind(models, [...annotatorTexts(details, criteria, extra)], outputs);

    const workspace_id = await context.resolveWorkspace(args.workspace_id);
    const hiddenColumns = new Set(outputs.flatMap((output) => Object.keys(output.hidden)));
    await progress(0, undefined, `Creating a dataset for ${comparisons.length} comparisons`);
    const dataset = await createOnce({
      what: `Creating dataset "${args.name}"`,
      attempt: () => client.createDataset({ name: args.name, workspace_id, schema: comparisonSchema(hiddenColumns) }, signal),
      find: async () => undefined,
      howToCheck: 'Datasets cannot be listed through the API; an unused empty dataset costs nothing, so calling create_comparison again is safe.',
    });
    const made: string[] = [`dataset ${dataset.id}`];
    try {
      const upload = await uploadToDataset(client, context, dataset.id, { rows: comparisons.map(comparisonRow), filename: 'comparisons.jsonl' }, { wait: true, timeoutMs: 600_000 });
      if (upload.status !== 'complete') {
        throw new ToolError(`The comparisons did not all import (${upload.status}): ${upload.summary}`);
      }
      await progress(0, undefined, 'Creating the batch');
      const started = Date.now();
      const created = await createOnce({
        what: `Creating batch "${args.name}"`,
        attempt: () =>
          client.createBatch({ name: args.name, workspace_id, task_details: details, dataset_id: dataset.id, batch_items: comparisonPages(questions) }, signal),
        find: () => newestNamed(client, workspace_id, args.name, started, signal),
        howToCheck: `No new batch named "${args.name}" was found; check list_batches before calling create_comparison again.`,
      });
      made.push(`batch ${created.id}`);
      context.resourcesChanged();
      const tasksPerGroup = args.tasks_per_group ?? Math.min(DEFAULT_TASKS_PER_GROUP, comparisons.length);
      const { batch, previewUrl, timedOut } = await setUpBatch(context, {
        batchId: created.id,
        datasetId: dataset.id,
        tasksPerGroup,
        wait: true,
        timeoutMs: 600_000,
        started: context.resourcesChanged,
      });
      const compared = questionsOf(batch, []).filter(isComparisonQuestion);
      const counts = pairing.pairs.map((pair) => pair.comparisons);
      const imbalance = Math.max(...pairing.pairs.map((pair) => Math.abs(2 * pair.firstShownFirst - pair.comparisons)));
      const warnings = [
        ...(namedInData ? [`${namedInData} prompts or outputs name a model; annotators may tell which model wrote them.`] : []),
        ...(pairing.unpaired.length ? [`${pairing.unpaired.length} prompts had an output from one model only and were left out.`] : []),
        ...(timedOut ? [`Setup was still running after 10 minutes; follow it with get_batch ${batch.id}.`] : []),
      ];
      const groups = batch.total_task_groups ?? Math.ceil(comparisons.length / tasksPerGroup);
      return {
        summary: `${comparisons.length} blind comparisons of ${models.length} models on ${pairing.prompts - pairing.unpaired.length} prompts, in batch ${batch.id} (${batch.status}).`,
        batch_id: batch.id,
        dataset_id: dataset.id,
        status: batch.status,
        total_task_count: batch.total_task_count ?? comparisons.length,
        total_task_groups: groups,
        models,
        pairs: { model_pairs: pairing.pairs.length, comparisons_each: counts.length ? [Math.min(...counts), Math.max(...counts)] : [0, 0], side_imbalance_max: imbalance },
        instruction_ids: compared.map((question) => question.id),
        seed,
        ...(previewUrl ? { preview_url: previewUrl } : {}),
        ...(warnings.length ? { warnings } : {}),
        next: `create_study with batch_id ${batch.id} and annotators_per_task 3 or more (each submission is ${tasksPerGroup} comparisons; ${groups} task groups). Once responses arrive: rank_models, then export_labels with format "preference".`,
      };
    } catch (error) {
      if (signal.aborted) throw error;
      // What was made so far is named, so that nothing is left behind unknown.
      throw new ToolError(`${describeFailure(error, 'create_comparison', signal)} Already created: ${made.join(', ')} (unused ones cost nothing); calling create_comparison again starts afresh.`);
    }
  },
});

/** Everything written for annotators to read besides the data: the task's framing and the questions. */
function* annotatorTexts(
  details: { task_name: string; task_introduction: string; task_steps: string },
  criteria: readonly string[],
  extra: readonly Record<string, unknown>[],
): Generator<{ where: string; text: string }> {
  yield { where: 'task_details.task_name', text: details.task_name };
  yield { where: 'task_details.task_introduction', text: details.task_introduction };
  yield { where: 'task_details.task_steps', text: details.task_steps };
  for (const [index, question] of criteria.entries()) yield { where: `criteria[${index}]`, text: question };
  for (const [index, question] of extra.entries()) {
    for (const key of ['description', 'helper_text', 'placeholder_text_input']) {
      if (typeof question[key] === 'string') yield { where: `questions[${index}].${key}`, text: question[key] };
    }
    const options = Array.isArray(question.options) ? (question.options as Record<string, unknown>[]) : [];
    for (const [o, option] of options.entries()) {
      for (const key of ['label', 'heading']) if (typeof option[key] === 'string') yield { where: `questions[${index}].options[${o}].${key}`, text: option[key] as string };
    }
  }
}
