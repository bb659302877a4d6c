/**
 * Datasets, in both of the API's generations. V4: every upload is an import job checked against the schema
 * (imports.ts), `PATCH` sets the schema and `datapoints` appends. V3 (legacy, no schema): created empty
 * (UNINITIALISED), filled through a presigned upload URL, then PROCESSING and READY (or ERROR). Uploads land on
 * the storage origin (see storage.ts).
 *
 * How a V4 dataset comes to have no schema is not documented. The sandbox's choice: a dataset created without
 * one is V4 with `schema: null`, its imports waiting in `pending_schema`; with `legacyDatasets` it is V3, as the
 * API's legacy path makes it, so that path stays tested.
 */
import { ApiError, badRequest } from '../errors.js';
import type { DatasetRecord, DatasetSchema, ImportJobRecord } from '../model.js';
import { IMPORT_CONTENT_TYPES, importFormat, importView, ingest, jsonlRecords, runningImport, scheduleImport } from '../imports.js';
import { groupField, readSchema, schemaColumns } from '../dataset-schema.js';
import { derivedRandom } from '../random.js';
import { presign } from '../signing.js';
import type { SandboxState } from '../state.js';
import { GROUP_COLUMN, uploadFormat } from '../upload.js';
import { Fields } from '../validate.js';
import { apiRoute, json, readJson, type Route } from './route.js';
import { iso } from '../time.js';
import { importObjectPath, uploadObjectPath } from './storage.js';

const BASE = '/api/v1/data-collection/datasets';

export function datasetRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(state, 'POST', BASE, async ({ request }) => {
      const fields = new Fields(await readJson(request));
      const name = fields.string('name', { required: true });
      const workspaceId = fields.string('workspace_id', { required: true });
      const schema = readSchema(fields, 'schema');
      fields.done();
      const workspace = state.findWorkspace(workspaceId ?? '');
      const dataset: DatasetRecord = {
        id: state.newUuid(),
        name: name ?? '',
        workspaceId: workspace.id,
        createdAt: state.now(),
        createdBy: state.user.id,
        schemaVersion: schema || !state.settings.legacyDatasets ? 4 : 3,
        schema: schema ?? null,
        schemaRevision: schema ? 1 : 0,
        imports: [],
        status: 'UNINITIALISED',
        filename: null,
        columns: [],
        rows: [],
        rowCount: 0,
        storedChars: 0,
        totalDatapointCount: 0,
      };
      if (schema) dataset.columns = schemaColumns(schema);
      state.datasets.set(dataset.id, dataset);
      return json(datasetView(dataset), 201);
    }),
    apiRoute(state, 'GET', `${BASE}/:datasetId`, ({ params }) => json(datasetView(state.findDataset(params.datasetId ?? '')))),
    apiRoute(state, 'PATCH', `${BASE}/:datasetId`, async ({ request, params }) => {
      const dataset = state.findDataset(params.datasetId ?? '');
      const fields = new Fields(await readJson(request));
      const schema = readSchema(fields, 'schema', { required: true });
      fields.done();
      if (!schema) throw badRequest({ schema: ['This field is required.'] });
      if (dataset.schemaVersion === 3) {
        throw badRequest('This is a V3 dataset, which has no schema: create a new dataset with a schema instead.');
      }
      const migrationJobId = setSchema(state, dataset, schema);
      return json({ ...datasetView(dataset), ...(migrationJobId ? { migration_job_id: migrationJobId } : {}) });
    }),
    apiRoute(state, 'GET', `${BASE}/:datasetId/schema-migrations/:jobId`, ({ params }) => {
      const dataset = state.findDataset(params.datasetId ?? '');
      const migration = dataset.migrations?.find((job) => job.id === params.jobId);
      if (!migration) throw new ApiError(404, `Schema migration ${params.jobId ?? ''} was not found.`);
      return json({
        dataset_id: dataset.id,
        job_id: migration.id,
        schema_version: migration.schemaRevision,
        created_at: iso(migration.createdAt),
        status: 'complete',
        reprocessed_count: migration.reprocessedCount,
      });
    }),
    apiRoute(state, 'GET', `${BASE}/:datasetId/imports/:importId`, ({ params }) => {
      const dataset = state.findDataset(params.datasetId ?? '');
      const job = dataset.imports.find((candidate) => candidate.id === params.importId);
      if (!job) throw new ApiError(404, `Import ${params.importId ?? ''} was not found.`);
      return json(importView(job));
    }),
    apiRoute(state, 'POST', `${BASE}/:datasetId/datapoints`, async ({ request, params }) => {
      const dataset = state.findDataset(params.datasetId ?? '');
      return json(await appendDatapoints(dataset, request));
    }),
    apiRoute(state, 'GET', `${BASE}/:datasetId/status`, ({ params }) =>
      json({ status: state.findDataset(params.datasetId ?? '').status }),
    ),
    apiRoute(state, 'GET', `${BASE}/:datasetId/upload-url/:filename`, ({ params }) => {
      const dataset = state.findDataset(params.datasetId ?? '');
      const filename = params.filename ?? '';
      if (dataset.schemaVersion === 4) return json(newImport(state, dataset, filename), 201);
      if (!uploadFormat(filename)) {
        throw badRequest({ filename: [`Unsupported file type for "${filename}": upload a .csv, .jsonl or .zip file.`] });
      }
      const link = presign(state, 'PUT', uploadObjectPath(dataset.id, filename));
      return json({ upload_url: link.url, expires_at: link.expiresAt, http_method: 'PUT', dataset_id: dataset.id }, 201);
    }),
  ];
}

/**
 * Sets a V4 dataset's schema. The first one needs no migration. A later one re-shapes the stored datapoints
 * at once (values kept by field name, new fields empty): the sandbox's migration job is therefore always
 * `complete` by the time anyone can ask, and it never rejects a datapoint. Returns the migration job's id.
 */
function setSchema(state: SandboxState, dataset: DatasetRecord, schema: DatasetSchema): string | undefined {
  const hasDatapoints = dataset.rowCount > 0;
  if (hasDatapoints && groupField(dataset.schema) !== groupField(schema)) {
    throw badRequest({
      schema: ['The task_group_id field cannot change once the dataset has datapoints; create a new dataset instead.'],
    });
  }
  const first = dataset.schema === null;
  const oldNames = dataset.columns.map((column) => column.name);
  dataset.columns = schemaColumns(schema);
  const positions = dataset.columns.map((column) => oldNames.indexOf(column.name));
  dataset.rows = dataset.rows.map((row) => positions.map((position) => (position >= 0 ? (row[position] ?? '') : '')));
  dataset.seen = new Set(dataset.rows.map((row) => JSON.stringify(row)));
  dataset.schema = schema;
  dataset.schemaRevision += 1;
  if (first) {
    for (const job of dataset.imports.filter((candidate) => candidate.status === 'pending_schema')) scheduleImport(state, dataset, job);
    return undefined;
  }
  const id = derivedRandom(state.settings.seed, dataset.id, 'migration', dataset.schemaRevision).uuid();
  const migration = { id, createdAt: state.now(), schemaRevision: dataset.schemaRevision, reprocessedCount: dataset.rowCount };
  (dataset.migrations ??= []).push(migration);
  return migration.id;
}

function newImport(state: SandboxState, dataset: DatasetRecord, filename: string): Record<string, unknown> {
  const format = importFormat(filename);
  if (!format) throw badRequest({ filename: [`Unsupported file type for "${filename}": a V4 dataset takes a .csv or .jsonl file.`] });
  const now = state.now();
  // Derived ids leave the shared random sequence (participants, answers) as it was before imports existed.
  const id = derivedRandom(state.settings.seed, dataset.id, 'import', dataset.imports.length).uuid();
  const job: ImportJobRecord = { id, datasetId: dataset.id, filename, createdAt: now, updatedAt: now, status: 'uninitialised' };
  dataset.imports.push(job);
  const path = importObjectPath(dataset.id, job.id, filename);
  const contentType = IMPORT_CONTENT_TYPES[format];
  const link = presign(state, 'PUT', path, contentType);
  return {
    upload_url: link.url,
    expires_at: link.expiresAt,
    http_method: 'PUT',
    dataset_id: dataset.id,
    import_id: job.id,
    content_type: contentType,
    file_key: path.slice(1),
  };
}

/** At most this many records per append request, as the docs say. */
const MAX_APPEND_RECORDS = 1000;

/**
 * The synchronous append. The answer's field names are not documented; the sandbox uses the import job's
 * (`accepted_count`, `duplicate_count`, `rejected_count`, `errors`), every error listed.
 */
async function appendDatapoints(dataset: DatasetRecord, request: Request): Promise<Record<string, unknown>> {
  if (dataset.schemaVersion === 3) throw badRequest('Datapoints can only be appended to V4 datasets (created with a schema).');
  if (!dataset.schema) throw badRequest('This dataset has no schema yet: set one with PATCH before appending datapoints.');
  const contentType = request.headers.get('content-type') ?? '';
  if (!/ndjson|jsonl|json-lines|jsonlines/i.test(contentType)) {
    throw new ApiError(415, `Send the datapoints as JSON Lines (Content-Type: application/x-ndjson), not "${contentType || 'no Content-Type'}".`);
  }
  const records = jsonlRecords(await request.text());
  if (records.length === 0) throw badRequest('The body has no records: send one JSON object per line.');
  if (records.length > MAX_APPEND_RECORDS) {
    throw badRequest(`At most ${MAX_APPEND_RECORDS} records can be appended per request (got ${records.length}); upload a file for more.`);
  }
  const running = runningImport(dataset);
  if (running) throw new ApiError(409, `Import ${running.id} is ${running.status} on this dataset; append once it has finished.`);
  const outcome = ingest(dataset, records, 0, MAX_APPEND_RECORDS);
  return {
    dataset_id: dataset.id,
    accepted_count: outcome.accepted,
    duplicate_count: outcome.duplicates,
    rejected_count: outcome.rejected,
    errors: outcome.errors,
  };
}

function datasetView(dataset: DatasetRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: dataset.id,
    name: dataset.name,
    created_at: iso(dataset.createdAt),
    created_by: dataset.createdBy,
    total_datapoint_count: dataset.totalDatapointCount,
    workspace_id: dataset.workspaceId,
    schema_version: dataset.schemaVersion,
  };
  if (dataset.schemaVersion === 4) {
    view.schema = dataset.schema;
    view.imports = dataset.imports.map(importView);
    return view;
  }
  view.status = dataset.status;
  view.filename = dataset.filename;
  view.has_predetermined_grouping_id = dataset.columns.some((column) => column.name === GROUP_COLUMN);
  // Not a documented field: the sandbox's way to say why processing failed.
  if (dataset.status === 'ERROR' && dataset.failureReason) view.error_message = dataset.failureReason;
  return view;
}
