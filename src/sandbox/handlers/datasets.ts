/**
 * Datasets: created empty (UNINITIALISED), filled through a presigned upload URL, then PROCESSING and READY
 * (or ERROR). The upload itself lands on the storage origin (see storage.ts).
 */
import { badRequest } from '../errors.js';
import type { DatasetRecord } from '../model.js';
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
      fields.done();
      const workspace = state.findWorkspace(workspaceId ?? '');
      const dataset: DatasetRecord = {
        id: state.newUuid(),
        name: name ?? '',
        workspaceId: workspace.id,
        createdAt: state.now(),
        createdBy: state.user.id,
        status: 'UNINITIALISED',
        filename: null,
        columns: [],
        rows: [],
        rowCount: 0,
        storedChars: 0,
        totalDatapointCount: 0,
      };
      state.datasets.set(dataset.id, dataset);
      return json(datasetView(dataset), 201);
    }),
    apiRoute(state, 'GET', `${BASE}/:datasetId`, ({ params }) => json(datasetView(state.findDataset(params.datasetId ?? '')))),
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

function datasetView(dataset: DatasetRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: dataset.id,
    name: dataset.name,
    created_at: iso(dataset.createdAt),
    created_by: dataset.createdBy,
    status: dataset.status,
    total_datapoint_count: dataset.totalDatapointCount,
    workspace_id: dataset.workspaceId,
    schema_version: 1,
    filename: dataset.filename,
    has_predetermined_grouping_id: dataset.columns.some((column) => column.name === GROUP_COLUMN),
  };
  // Not a documented field: the sandbox's way to say why processing failed.
  if (dataset.status === 'ERROR' && dataset.failureReason) view.error_message = dataset.failureReason;
  return view;
}
