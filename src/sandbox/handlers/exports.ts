/**
 * Batch export jobs (see ../exports.ts for the ZIP). A request while a job with the same filter is still
 * generating gets that job back; complete and failed jobs are never reused. A batch keeps at most 10 jobs:
 * the docs say only to delete one to free a slot, so the sandbox answers an eleventh with 409 Conflict. The
 * job list's wrapper is not documented; the sandbox answers `{results}`, as Task Builder's other lists do.
 */
import { HttpResponse } from 'msw';

import { ApiError, badRequest, notFound } from '../errors.js';
import { settleExport } from '../exports.js';
import type { ExportFilter, ExportJob } from '../model.js';
import { presign } from '../signing.js';
import type { SandboxState } from '../state.js';
import { apiRoute, json, type Route } from './route.js';
import { iso } from '../time.js';
import { exportObjectPath } from './storage.js';

const BASE = '/api/v1/data-collection/batches/:batchId/export';
const MAX_JOBS = 10;
/** Export links live an hour (the older spec said 24 hours). */
const LINK_TTL_SECONDS = 60 * 60;

export function exportRoutes(state: SandboxState): Route[] {
  const jobsOf = (batchId: string): ExportJob[] =>
    [...state.exports.values()].filter((job) => job.batchId === batchId).map((job) => settleExport(state, job));
  const findJob = (batchId: string, exportId: string): ExportJob => {
    const job = state.exports.get(exportId);
    if (!job || job.batchId !== batchId) throw notFound('Export', exportId);
    return settleExport(state, job);
  };
  return [
    apiRoute(state, 'POST', BASE, ({ params, url }) => {
      const batch = state.findBatch(params.batchId ?? '');
      if (!batch.setup) throw badRequest('This batch has not been set up, so it has no responses to export.');
      const filter = readFilter(state, batch.id, url);
      const jobs = jobsOf(batch.id);
      const same = jobs.find((job) => job.status === 'generating' && JSON.stringify(job.filter) === JSON.stringify(filter));
      if (same) return json({ status: 'generating', export_id: same.id }, 202);
      if (jobs.length >= MAX_JOBS) {
        throw new ApiError(409, `This batch already has ${MAX_JOBS} export jobs, the most it may keep. Delete one to free a slot.`);
      }
      const now = state.now();
      const job: ExportJob = {
        id: state.newUuid(),
        batchId: batch.id,
        filter,
        createdAt: now,
        readyAt: now + state.settings.processingMs,
        status: 'generating',
      };
      state.exports.set(job.id, job);
      return json({ status: 'generating', export_id: job.id }, 202);
    }),
    apiRoute(state, 'GET', BASE, ({ params }) => {
      const batch = state.findBatch(params.batchId ?? '');
      const results = jobsOf(batch.id)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
        .map((job) => ({ export_id: job.id, filter: job.filter, status: job.status, created_at: iso(job.createdAt) }));
      return json({ results });
    }),
    apiRoute(state, 'GET', `${BASE}/:exportId`, ({ params }) => {
      const job = findJob(state.findBatch(params.batchId ?? '').id, params.exportId ?? '');
      if (job.status !== 'complete') return json({ status: job.status, export_id: job.id });
      // Every read signs afresh, so a link that has expired is replaced by asking again.
      const link = presign(state, 'GET', exportObjectPath(job), undefined, LINK_TTL_SECONDS);
      return json({ status: 'complete', export_id: job.id, url: link.url, expires_at: link.expiresAt });
    }),
    apiRoute(state, 'DELETE', `${BASE}/:exportId`, ({ params }) => {
      const job = findJob(state.findBatch(params.batchId ?? '').id, params.exportId ?? '');
      if (job.status === 'generating') throw new ApiError(409, 'This export is still generating; delete it once it has finished.');
      state.exports.delete(job.id);
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}

/** `study_id`, `from` and `to` from the query; they combine with AND. */
function readFilter(state: SandboxState, batchId: string, url: URL): ExportFilter | null {
  const filter: ExportFilter = {};
  const studyId = url.searchParams.get('study_id');
  if (studyId) {
    const study = state.studies.get(studyId);
    if (!study || study.fields.data_collection_id !== batchId) throw badRequest({ study_id: [`Study ${studyId} does not collect data from this batch.`] });
    filter.study_id = studyId;
  }
  for (const key of ['from', 'to'] as const) {
    const value = url.searchParams.get(key);
    if (!value) continue;
    if (Number.isNaN(Date.parse(value))) throw badRequest({ [key]: ['Use an ISO 8601 date-time.'] });
    filter[key] = value;
  }
  return Object.keys(filter).length ? filter : null;
}
