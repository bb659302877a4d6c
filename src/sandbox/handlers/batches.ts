/**
 * Batches: a dataset plus instructions (or batch_items pages) plus task details. Setup turns the READY
 * dataset into tasks and task groups (PROCESSING, then READY); from then on the questions and the dataset are
 * frozen. Responses and the CSV report are read from here too.
 */
import { HttpResponse } from 'msw';

import { ApiError, badRequest } from '../errors.js';
import type { BatchRecord, DatasetRecord, ResponseRecord, TaskDetails } from '../model.js';
import { buildTaskPlan, startProcessing, taskGroupCount } from '../processing.js';
import { presign } from '../signing.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import { batchItemsInput, batchItemsView, ONE_SOURCE, questionsOf, readBatchItems, storeBatchItems } from '../batch-items.js';
import { newInstruction } from './instructions.js';
import { apiRoute, iso, json, list, readJson, type Route } from './route.js';
import { reportObjectPath } from './storage.js';

const BASE = '/api/v1/data-collection/batches';

export function batchRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(state, 'POST', BASE, async ({ request }) => {
      const fields = new Fields(await readJson(request));
      const name = fields.string('name', { required: true });
      const workspaceId = fields.string('workspace_id', { required: true });
      const datasetId = fields.string('dataset_id');
      const taskDetails = readTaskDetails(fields, true);
      const pages = readBatchItems(fields);
      fields.done();
      const workspace = state.findWorkspace(workspaceId ?? '');
      if (datasetId !== undefined) state.findDataset(datasetId);
      const batch: BatchRecord = {
        id: state.newUuid(),
        name: name ?? '',
        workspaceId: workspace.id,
        createdAt: state.now(),
        createdBy: state.user.id,
        datasetId: datasetId ?? null,
        taskDetails: taskDetails ?? { task_name: '', task_introduction: '', task_steps: '' },
        status: 'UNINITIALISED',
        instructions: [],
      };
      if (pages) batch.batchItems = storeBatchItems(state, batch, pages);
      state.batches.set(batch.id, batch);
      return json(batchView(state, batch), 201);
    }),
    apiRoute(state, 'GET', BASE, ({ url }) => {
      const workspaceId = url.searchParams.get('workspace_id');
      if (!workspaceId) throw badRequest({ workspace_id: ['This query parameter is required.'] });
      state.findWorkspace(workspaceId);
      const batches = [...state.batches.values()].filter((batch) => batch.workspaceId === workspaceId);
      return list(batches.map((batch) => batchView(state, batch)));
    }),
    apiRoute(state, 'GET', `${BASE}/:batchId`, ({ params }) => json(batchView(state, state.findBatch(params.batchId ?? '')))),
    apiRoute(state, 'PATCH', `${BASE}/:batchId`, async ({ request, params }) => {
      const batch = state.findBatch(params.batchId ?? '');
      const fields = new Fields(await readJson(request));
      const name = fields.string('name');
      const taskDetails = readTaskDetails(fields, false);
      const datasetId = fields.has('dataset_id') ? fields.string('dataset_id') : undefined;
      const pages = readBatchItems(fields);
      fields.done();
      if (pages) {
        if (batch.setup) throw badRequest({ batch_items: ['The pages can no longer be changed once the batch has been set up.'] });
        if (batch.instructions.length > 0) throw badRequest({ batch_items: [ONE_SOURCE] });
      }
      if (datasetId !== undefined && datasetId !== batch.datasetId) {
        if (batch.setup) throw badRequest({ dataset_id: ['The dataset can no longer be changed once the batch has been set up.'] });
        batch.datasetId = state.findDataset(datasetId).id;
      }
      if (name !== undefined) batch.name = name;
      if (taskDetails) batch.taskDetails = taskDetails;
      if (pages) batch.batchItems = storeBatchItems(state, batch, pages);
      return json(batchView(state, batch));
    }),
    apiRoute(state, 'GET', `${BASE}/:batchId/status`, ({ params }) => json({ status: state.findBatch(params.batchId ?? '').status })),
    apiRoute(state, 'POST', `${BASE}/:batchId/setup`, async ({ request, params }) => {
      const batch = state.findBatch(params.batchId ?? '');
      const fields = new Fields(await readJson(request));
      const datasetId = fields.string('dataset_id');
      const tasksPerGroup = fields.integer('tasks_per_group', { min: 1 }) ?? 1;
      fields.done();
      if (batch.setup) throw badRequest(`This batch has already been set up (status ${batch.status}).`);
      const chosen = datasetId ?? batch.datasetId;
      if (!chosen) {
        throw badRequest('No dataset is attached to this batch: pass dataset_id, or attach one with PATCH before setup.');
      }
      const dataset = state.findDataset(chosen);
      const notReady = notReadyForSetup(dataset);
      if (notReady) throw badRequest(notReady);
      if (questionsOf(batch).length === 0) {
        throw badRequest('This batch has no instructions or batch_items: add at least one before setting it up.');
      }
      batch.datasetId = dataset.id;
      batch.setup = { datasetId: dataset.id, plan: buildTaskPlan(state, batch.id, dataset, tasksPerGroup) };
      startProcessing(batch, state, 'READY');
      return new HttpResponse(null, { status: 202 });
    }),
    apiRoute(state, 'POST', `${BASE}/:batchId/duplicate`, async ({ request, params }) => {
      const original = state.findBatch(params.batchId ?? '');
      const fields = new Fields(await readJson(request));
      const name = fields.string('name');
      const uploadNewDataset = fields.boolean('upload_new_dataset') ?? false;
      fields.done();
      const copy: BatchRecord = {
        id: state.newUuid(),
        name: name ?? `${original.name} (Copy)`,
        workspaceId: original.workspaceId,
        createdAt: state.now(),
        createdBy: state.user.id,
        datasetId: uploadNewDataset ? null : original.datasetId,
        taskDetails: { ...original.taskDetails },
        status: 'UNINITIALISED',
        instructions: [],
      };
      copy.instructions = original.instructions.map((instruction) =>
        newInstruction(state, copy, structuredClone(instruction.fields)),
      );
      if (original.batchItems) copy.batchItems = storeBatchItems(state, copy, batchItemsInput(original.batchItems));
      state.batches.set(copy.id, copy);
      return json(batchView(state, copy), 201);
    }),
    apiRoute(state, 'GET', `${BASE}/:batchId/responses`, ({ params }) => {
      const batch = state.findBatch(params.batchId ?? '');
      const body = responsesBody(state.responsesOf(batch.id));
      // A stream of the kept bytes, not the bytes themselves: a Response copies a buffer it is given.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(body);
          controller.close();
        },
      });
      return new HttpResponse(stream, { status: 200, headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } });
    }),
    apiRoute(state, 'GET', `${BASE}/:batchId/report`, ({ params }) => {
      const batch = state.findBatch(params.batchId ?? '');
      if (!batch.setup) throw new ApiError(400, 'This batch has not been set up, so it has no responses to report.');
      const link = presign(state, 'GET', reportObjectPath(batch.id));
      return json({ url: link.url, expires_at: link.expiresAt, http_method: 'GET' });
    }),
  ];
}

/**
 * V3 datasets are ready when READY. V4 datasets have no such status: setup needs one `complete` import, as
 * the docs say. A `partial` import does not count, though its rows are usable once another import completes:
 * the sandbox takes the rule literally, so that a client that passes here passes against Prolific.
 */
function notReadyForSetup(dataset: DatasetRecord): string | undefined {
  if (dataset.schemaVersion === 3) {
    return dataset.status === 'READY' ? undefined : `Dataset ${dataset.id} is ${dataset.status}; it must be READY before the batch can be set up.`;
  }
  if (dataset.imports.some((job) => job.status === 'complete')) return undefined;
  return `Dataset ${dataset.id} has no complete import; the batch can be set up once one import has completed.`;
}

function batchView(state: SandboxState, batch: BatchRecord): Record<string, unknown> {
  const dataset = batch.datasetId ? state.datasets.get(batch.datasetId) : undefined;
  const plan = batch.status === 'READY' ? batch.setup?.plan : undefined;
  return {
    id: batch.id,
    created_at: iso(batch.createdAt),
    created_by: batch.createdBy,
    name: batch.name,
    status: batch.status,
    workspace_id: batch.workspaceId,
    datasets: dataset
      ? [{ id: dataset.id, total_datapoint_count: dataset.totalDatapointCount, filename: dataset.filename }]
      : [],
    total_task_count: plan?.taskCount ?? 0,
    total_instruction_count: questionsOf(batch).length,
    total_task_groups: plan ? taskGroupCount(plan) : 0,
    schema_version: 1,
    task_details: batch.taskDetails,
    ...(batch.batchItems ? { batch_items: batchItemsView(batch.batchItems) } : {}),
  };
}

/** The last body served for each batch's response list, and how many records it held (the list only grows). */
const servedBodies = new WeakMap<readonly ResponseRecord[], { count: number; body: Buffer }>();

/**
 * The list body, kept until the list grows: for a batch of 200,000 records (83 MB) making it takes about a
 * second, and msw's JSON response would copy it twice more on every request.
 */
function responsesBody(responses: readonly ResponseRecord[]): Buffer {
  const served = servedBodies.get(responses);
  if (served?.count === responses.length) return served.body;
  const body = Buffer.from(JSON.stringify({ results: responses.map(responseView), meta: { count: responses.length } }));
  servedBodies.set(responses, { count: responses.length, body });
  return body;
}

function responseView(response: ResponseRecord): Record<string, unknown> {
  return {
    id: response.id,
    batch_id: response.batchId,
    participant_id: response.participantId,
    submission_id: response.submissionId,
    task_id: response.taskId,
    created_at: iso(response.createdAt),
    response: { instruction_id: response.instructionId, type: response.type, answer: response.answer },
  };
}

/** `task_details` needs all three parts whenever it is sent. */
function readTaskDetails(fields: Fields, required: boolean): TaskDetails | undefined {
  const details = fields.object('task_details', { required });
  if (!details) return undefined;
  const taskName = details.string('task_name', { required: true });
  const introduction = details.string('task_introduction', { required: true, blank: true });
  const steps = details.string('task_steps', { required: true, blank: true });
  if (taskName === undefined || introduction === undefined || steps === undefined) return undefined;
  return { task_name: taskName, task_introduction: introduction, task_steps: steps };
}
