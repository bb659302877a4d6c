/**
 * The sandbox in a process of its own, so that the MCP server's memory is measured alone. Started by
 * `sandbox-control.ts` with the sandbox options as JSON in argv[2], it answers the benchmark's questions
 * (which requests arrived, when a step ends) and seeds big batches over IPC.
 */
import { ProlificClient } from '../../src/prolific/client.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import type { ApiObject, DatasetSchema } from '../../src/prolific/types.js';
import { comparisonRow, pairOutputs, type ModelOutput } from '../../src/job/comparison-pairs.js';
import { comparisonPages, comparisonQuestion, comparisonSchema, DEFAULT_QUESTION } from '../../src/job/comparison-layout.js';
import type { Command, ComparisonSeedOptions, Reply, SeedOptions, SeededBatch } from './sandbox-control.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox(options);

process.on('message', (message: Command) => {
  void answer(message).then(
    (result) => process.send?.({ id: message.id, result } satisfies Reply),
    (error: unknown) => process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies Reply),
  );
});
// A benchmark that died must not leave its sandbox behind.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, result: { baseUrl: sandbox.baseUrl, token: sandbox.token } } satisfies Reply);

async function answer(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'requests':
      return sandbox.requests.slice(command.since).map((r) => ({ method: r.method, path: new URL(r.url).pathname }));
    case 'pendingUntil': {
      if (command.kind === 'batch') return sandbox.state.batches.get(command.recordId)?.pending?.until ?? null;
      const dataset = sandbox.state.datasets.get(command.recordId);
      // A V4 dataset's step is its latest import; a V3 one's is the dataset's own processing.
      if (dataset?.schemaVersion === 4) return dataset.imports.at(-1)?.until ?? null;
      return dataset?.pending?.until ?? null;
    }
    case 'seed':
      return seed(sandbox, command.options);
    case 'seedComparisons':
      return seedComparisons(sandbox, command.options);
    case 'close':
      await sandbox.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

/**
 * A batch with `tasks × annotatorsPerTask × 2` response records, made through the API like any other and
 * then aged on the sandbox clock until every simulated participant has submitted.
 */
async function seed(running: RunningSandbox, seedOptions: SeedOptions): Promise<SeededBatch> {
  const { tasks } = seedOptions;
  const rows = ['text,META_ID'];
  for (let i = 0; i < tasks; i += 1) rows.push(`"Review ${i}: arrived on time, works as described, would buy again.",r${i}`);
  const questions = [
    {
      type: 'multiple_choice',
      description: 'What is the sentiment of this review?',
      options: ['positive', 'neutral', 'negative'].map((value) => ({ label: value, value })),
      answer_limit: 1,
    },
    { type: 'free_text', description: 'Why?', validation: { type: 'string', min: 2, max: 200 } },
  ];
  return seedBatch(running, seedOptions, {
    name: 'Review sentiment (benchmark)',
    schema: { strict: false, fields: { text: { type: 'text' }, META_ID: { type: 'metadata' } } },
    file: { name: 'reviews.csv', body: Buffer.from(rows.join('\n')), contentType: 'text/csv' },
    // A one-page layout: the instructions endpoint is past its sunset.
    batchItems: [{ rows: [{ columns: [{ items: questions }] }] }],
  });
}

/**
 * A comparison batch as create_comparison lays it out: `prompts` prompts answered by `models` models, a
 * sample of `pairsPerPrompt` pairs each, judged by `annotatorsPerTask` sandbox annotators by hidden qualities
 * evenly spread from best to worst.
 */
async function seedComparisons(running: RunningSandbox, options: ComparisonSeedOptions): Promise<SeededBatch> {
  const outputs: ModelOutput[] = [];
  for (let p = 0; p < options.prompts; p++) {
    for (let m = 0; m < options.models; m++) {
      const quality = 1.5 - (3 * m) / Math.max(1, options.models - 1);
      outputs.push({ promptId: `p${p}`, prompt: `Prompt ${p}: explain it simply.`, model: `model-${m}`, output: `Answer ${m} to prompt ${p}, in a sentence or two.`, hidden: { META_SANDBOX_QUALITY: quality } });
    }
  }
  const { comparisons } = pairOutputs(outputs, { seed: 1, pairsPerPrompt: options.pairsPerPrompt });
  const body = Buffer.from(comparisons.map((comparison) => JSON.stringify(comparisonRow(comparison))).join('\n') + '\n');
  return seedBatch(running, { tasks: comparisons.length, annotatorsPerTask: options.annotatorsPerTask, tasksPerGroup: options.tasksPerGroup }, {
    name: 'Model comparison (benchmark)',
    schema: comparisonSchema(['META_SANDBOX_QUALITY']),
    file: { name: 'comparisons.jsonl', body, contentType: 'application/x-ndjson' },
    batchItems: comparisonPages([comparisonQuestion(DEFAULT_QUESTION, true)]),
    warmReport: true,
  });
}

interface BatchContent {
  name: string;
  schema: DatasetSchema;
  file: { name: string; body: Buffer; contentType: string };
  batchItems: ApiObject[];
  /** Make the report once before the measure, as for the responses: rank_models reads it. */
  warmReport?: boolean;
}

async function seedBatch(running: RunningSandbox, seedOptions: SeedOptions, content: BatchContent): Promise<SeededBatch> {
  const started = Date.now();
  const { tasks, annotatorsPerTask, tasksPerGroup } = seedOptions;
  const settings = running.state.settings;
  const client = new ProlificClient({ baseUrl: running.baseUrl, token: running.token });
  try {
    const workspace = (await client.listWorkspaces()).results[0]?.id ?? '';
    const project = (await client.listProjects(workspace)).results[0]?.id;
    const dataset = await client.createDataset({ name: `${tasks} datapoints`, workspace_id: workspace, schema: content.schema });
    const { upload_url, content_type } = await client.getUploadUrl(dataset.id, content.file.name);
    const file = content.file.body;
    await client.putUpload(upload_url, { body: () => file, length: file.length, contentType: content_type ?? content.file.contentType });
    running.advanceClock(settings.processingMs);
    const batch = await client.createBatch({
      name: content.name,
      workspace_id: workspace,
      dataset_id: dataset.id,
      task_details: { task_name: content.name, task_introduction: 'Read each item.', task_steps: 'Answer every question.' },
    });
    await client.updateBatch(batch.id, { batch_items: content.batchItems });
    await client.setupBatch(batch.id, { dataset_id: dataset.id, tasks_per_group: tasksPerGroup });
    running.advanceClock(settings.processingMs);
    const places = Math.ceil(tasks / tasksPerGroup) * annotatorsPerTask;
    const study = await client.createStudy({
      name: content.name,
      description: 'A benchmark study.',
      reward: 150,
      estimated_completion_time: 5,
      total_available_places: places,
      prolific_id_option: 'not_required',
      device_compatibility: ['desktop'],
      project,
      data_collection_method: 'AI_TASK_BUILDER_BATCH',
      data_collection_id: batch.id,
      data_collection_metadata: { annotators_per_task: annotatorsPerTask },
    });
    await client.transitionStudy(study.id, 'PUBLISH');
    // Long enough for every place to be taken and submitted, at the slowest pace a participant may keep.
    running.advanceClock(places * settings.participantIntervalMs + 20 * settings.completionMs);
    running.state.advance();
    // The sandbox keeps a list's JSON once it has served it, as an API serves stored records; making it from
    // freshly simulated records is the sandbox's own work, not the server's, so it is done here.
    const answer = await fetch(`${running.baseUrl}/api/v1/data-collection/batches/${batch.id}/responses`, {
      headers: { authorization: `Token ${running.token}` },
    });
    await answer.arrayBuffer();
    if (content.warmReport) {
      const { url } = await client.getReport(batch.id);
      await client.downloadReport(url);
    }
    return { batchId: batch.id, responses: running.state.responsesOf(batch.id).length, seconds: (Date.now() - started) / 1000 };
  } finally {
    await client.close();
  }
}
