/**
 * Datasets, in both of the API's generations. V4 (created with a `schema`): every upload is an import job
 * checked against the schema, and `PATCH` changes the schema. V3 (legacy, no schema): created empty
 * (UNINITIALISED), filled through a presigned upload URL, then PROCESSING and READY (or ERROR). The upload
 * itself lands on the storage origin (see storage.ts).
 */
import { ApiError, badRequest } from '../errors.js';
import type { DatasetRecord, DatasetSchema } from '../model.js';
import { groupField, readSchema, schemaColumns } from '../dataset-schema.js';
import { presign } from '../signing.js';
import type { SandboxState } from '../state.js';
import { GROUP_COLUMN, uploadFormat } from '../upload.js';
import { Fields } from '../validate.js';
import { apiRoute, iso, json, readJson, type Route } from './route.js';
import { uploadObjectPath } from './storage.js';

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
        schemaVersion: schema ? 4 : 3,
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
    apiRoute(state, 'GET', `${BASE}/:datasetId/status`, ({ params }) =>
      json({ status: state.findDataset(params.datasetId ?? '').status }),
    ),
    apiRoute(state, 'GET', `${BASE}/:datasetId/upload-url/:filename`, ({ params }) => {
      const dataset = state.findDataset(params.datasetId ?? '');
      const filename = params.filename ?? '';
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
  dataset.schema = schema;
  dataset.schemaRevision += 1;
  if (first) return undefined;
  const migration = { id: state.newUuid(), createdAt: state.now(), schemaRevision: dataset.schemaRevision, reprocessedCount: dataset.rowCount };
  (dataset.migrations ??= []).push(migration);
  return migration.id;
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
    view.imports = [];
    return view;
  }
  view.status = dataset.status;
  view.filename = dataset.filename;
  view.has_predetermined_grouping_id = dataset.columns.some((column) => column.name === GROUP_COLUMN);
  // Not a documented field: the sandbox's way to say why processing failed.
  if (dataset.status === 'ERROR' && dataset.failureReason) view.error_message = dataset.failureReason;
  return view;
}
