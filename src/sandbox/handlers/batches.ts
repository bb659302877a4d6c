/**
 * Batches: a dataset plus a batch_items layout (or legacy instructions) plus task details. Setup turns the
 * READY dataset into tasks and task groups (PROCESSING, then READY); from then on the questions and the
 * dataset are frozen, and syncs add the datapoints appended since as more tasks. Task groups, responses and
 * the CSV report are read from here too.
 */
import { HttpResponse } from 'msw';

import { ApiError, badRequest, notFound } from '../errors.js';
import type { BatchRecord, DatasetRecord, ResponseRecord, SyncRecord, TaskDetails } from '../model.js';
import { buildTaskPlan, startProcessing, startSync, taskGroupCount, taskGroupId } from '../processing.js';
import { presign } from '../signing.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import {
  batchItemsInput,
  batchItemsView,
  checkFieldReferences,
  ONE_SOURCE,
  questionsOf,
  readBatchItems,
  refuseInvalidItems,
  storeBatchItems,
} from '../batch-items.js';
import { apiRoute, json, list, readJson, type Route } from './route.js';
import { iso } from '../time.js';
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
      const layout = readBatchItems(fields);
      const autoSync = fields.boolean('auto_sync_enabled') ?? false;
      fields.done();
      const workspace = state.findWorkspace(workspaceId ?? '');
      const dataset = datasetId === undefined ? undefined : state.findDataset(datasetId);
      if (layout) {
        checkFieldReferences(layout, dataset);
        refuseInvalidItems(layout);
      }
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
        autoSync,
        syncs: [],
      };
      if (layout) batch.batchItems = storeBatchItems(state, batch, layout.pages);
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
      const layout = readBatchItems(fields);
      const autoSync = fields.boolean('auto_sync_enabled');
      fields.done();
      // Whether a layout may change after setup is not settled in any source (digest §2.2); the sandbox refuses,
      // as the skills' grammar says, so that a client never comes to count on it.
      if (layout !== undefined && batch.setup) {
        throw badRequest({ batch_items: ['The layout can no longer be changed once the batch has been set up.'] });
      }
      if (layout && batch.instructions.length > 0) throw badRequest({ batch_items: [ONE_SOURCE] });
      const changesDataset = datasetId !== undefined && datasetId !== batch.datasetId;
      if (changesDataset && batch.setup) {
        throw badRequest({ dataset_id: ['The dataset can no longer be changed once the batch has been set up.'] });
      }
      const dataset = datasetId !== undefined ? state.findDataset(datasetId) : batch.datasetId ? state.datasets.get(batch.datasetId) : undefined;
      if (layout) {
        // A layout already saved is not checked again against a newly attached dataset: no source says it is.
        checkFieldReferences(layout, dataset);
        refuseInvalidItems(layout);
      }
      if (changesDataset && dataset) batch.datasetId = dataset.id;
      if (name !== undefined) batch.name = name;
      if (taskDetails) batch.taskDetails = taskDetails;
      if (autoSync !== undefined) batch.autoSync = autoSync;
      if (layout === null) {
        // null clears the layout and, as the CLI documents, every instruction and content block with it.
        delete batch.batchItems;
        batch.instructions = [];
      } else if (layout) {
        batch.batchItems = storeBatchItems(state, batch, layout.pages);
      }
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
      batch.setup = { datasetId: dataset.id, tasksPerGroup, plan: buildTaskPlan(state, batch.id, dataset, tasksPerGroup) };
      startProcessing(batch, state, 'READY');
      return new HttpResponse(null, { status: 202 });
    }),
    apiRoute(state, 'POST', `${BASE}/:batchId/sync`, ({ params }) => {
      const batch = state.findBatch(params.batchId ?? '');
      if (batch.status !== 'READY' || !batch.setup) {
        throw badRequest(`Only a READY batch can be synced; this one is ${batch.status}. Set it up first.`);
      }
      const dataset = state.findDataset(batch.setup.datasetId);
      if (dataset.schemaVersion !== 4) {
        throw badRequest('Only batches of V4 datasets can be synced: a V3 dataset cannot take datapoints after setup.');
      }
      // The CLI accepts 200 or 202; a job that has only been queued is 202.
      return json(syncView(state, batch, startSync(state, batch, dataset.id)), 202);
    }),
    apiRoute(state, 'GET', `${BASE}/:batchId/syncs/:syncId`, ({ params }) => {
      const batch = state.findBatch(params.batchId ?? '');
      const sync = batch.syncs.find((candidate) => candidate.id === params.syncId);
      if (!sync) throw notFound('Sync', params.syncId ?? '');
      return json(syncView(state, batch, sync));
    }),
    // A bare array of ids, as the CLI reads it; not in the public spec. Empty before READY.
    apiRoute(state, 'GET', `${BASE}/:batchId/task-groups`, ({ params }) => {
      const batch = state.findBatch(params.batchId ?? '');
      const plan = batch.status === 'READY' ? batch.setup?.plan : undefined;
      return json(Array.from({ length: plan ? taskGroupCount(plan) : 0 }, (_, group) => taskGroupId(state, batch.id, group)));
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
        autoSync: false,
        syncs: [],
      };
      copy.instructions = original.instructions.map((instruction) =>
        state.newInstruction(copy, structuredClone(instruction.fields)),
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
    batch_items: batch.batchItems ? batchItemsView(batch.batchItems) : null,
    auto_sync_enabled: batch.autoSync,
    ...(batch.setup ? { tasks_per_group: batch.setup.tasksPerGroup } : {}),
  };
}

function syncView(state: SandboxState, batch: BatchRecord, sync: SyncRecord): Record<string, unknown> {
  const { result } = sync;
  return {
    batch_id: batch.id,
    dataset_id: sync.datasetId,
    sync_id: sync.id,
    created_at: iso(sync.createdAt),
    status: result ? 'complete' : state.now() < sync.startsAt ? 'queued' : 'processing',
    ...(result
      ? {
          tasks_created: result.tasksCreated,
          datapoints_processed: result.datapointsProcessed,
          groups_created: result.groupsCreated,
          groups_expanded: result.groupsExpanded,
        }
      : {}),
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
