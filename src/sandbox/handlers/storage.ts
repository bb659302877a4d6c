/**
 * The presigned-storage origin, standing in for S3: dataset files are PUT here and batch reports and
 * exports are downloaded from here, authorised by the URL's signature alone.
 */
import { HttpResponse, type HttpHandler } from 'msw';

import { storageErrorResponse } from '../errors.js';
import { importFormat, readImport, scheduleImport } from '../imports.js';
import { startProcessing } from '../processing.js';
import { reportCsv } from '../report.js';
import type { SandboxState } from '../state.js';
import { appendUpload, readUpload, uploadFormat } from '../upload.js';
import { storageRoute } from './route.js';

const UPLOADS = '/task-builder-datasets';
const REPORTS = '/task-builder-reports';
const EXPORTS = '/task-builder-exports';

export function uploadObjectPath(datasetId: string, filename: string): string {
  return `${UPLOADS}/${datasetId}/${encodeURIComponent(filename)}`;
}

/** Each V4 import has a key of its own, so that several uploads can be outstanding at once. */
export function importObjectPath(datasetId: string, importId: string, filename: string): string {
  return `${UPLOADS}/${datasetId}/imports/${importId}/${encodeURIComponent(filename)}`;
}

export function reportObjectPath(batchId: string): string {
  return `${REPORTS}/${batchId}/responses.csv`;
}

export function exportObjectPath(job: { batchId: string; id: string }): string {
  return `${EXPORTS}/${job.batchId}/${job.id}.zip`;
}

export function storageHandlers(state: SandboxState): HttpHandler[] {
  return [
    storageRoute(state, 'PUT', `${UPLOADS}/:datasetId/:filename`, async ({ request, params }) => {
      const dataset = state.datasets.get(params.datasetId ?? '');
      const filename = params.filename ?? '';
      const format = uploadFormat(filename);
      if (!dataset || !format) return storageErrorResponse(404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (!request.headers.has('content-length')) return missingLength();
      let upload;
      try {
        upload = await readUpload(request.body, format, dataset);
      } catch {
        return incompleteBody();
      }
      dataset.filename = filename;
      if ('failure' in upload.parsed) {
        startProcessing(dataset, state, 'ERROR', upload.parsed.failure);
      } else {
        appendUpload(dataset, upload.parsed);
        startProcessing(dataset, state, 'READY');
      }
      return new HttpResponse(null, { status: 200, headers: { ETag: upload.etag } });
    }),
    storageRoute(state, 'GET', `${EXPORTS}/:batchId/:file`, ({ params }) => {
      const job = state.exports.get((params.file ?? '').replace(/\.zip$/, ''));
      if (!job?.zip || job.batchId !== params.batchId) return storageErrorResponse(404, 'NoSuchKey', 'The specified key does not exist.');
      return new HttpResponse(job.zip, {
        status: 200,
        headers: { 'Content-Type': 'application/zip', 'Content-Length': String(job.zip.length) },
      });
    }),
    storageRoute(state, 'PUT', `${UPLOADS}/:datasetId/imports/:importId/:filename`, async ({ request, params }) => {
      const dataset = state.datasets.get(params.datasetId ?? '');
      const job = dataset?.imports.find((candidate) => candidate.id === params.importId);
      const format = importFormat(params.filename ?? '');
      if (!dataset || !job || !format) return storageErrorResponse(404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (!request.headers.has('content-length')) return missingLength();
      let read;
      try {
        read = await readImport(request.body, format, dataset);
      } catch {
        return incompleteBody();
      }
      // A second PUT replaces the object in S3, but its import job has already taken the first one.
      if (job.status === 'uninitialised') {
        job.received = read.received;
        job.updatedAt = state.now();
        if (dataset.schema) scheduleImport(state, dataset, job);
        else job.status = 'pending_schema';
      }
      return new HttpResponse(null, { status: 200, headers: { ETag: read.etag } });
    }),
    storageRoute(state, 'GET', `${REPORTS}/:batchId/:file`, ({ params }) => {
      const batch = state.batches.get(params.batchId ?? '');
      if (!batch) return storageErrorResponse(404, 'NoSuchKey', 'The specified key does not exist.');
      return new HttpResponse(reportCsv(state, batch), {
        status: 200,
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${params.file ?? 'report.csv'}"`,
        },
      });
    }),
  ];
}

/** S3 refuses uploads of unknown length (chunked transfer encoding) on presigned PUTs. */
function missingLength(): Response {
  return storageErrorResponse(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
}

function incompleteBody(): Response {
  return storageErrorResponse(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
}
