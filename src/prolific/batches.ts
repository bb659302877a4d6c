import type { ApiObject, Batch, BatchExport, BatchResponse, BatchSync, Instruction, ListResult, Report, TaskDetails, LegacyInstructions } from './types.js';
import { ProlificTransport, seg, type ApiAnswer } from './transport.js';

/**
 * Past its Sunset (1 Sep 2026) the instructions endpoint may be gone (404, 410), and it refuses batches laid
 * out with batch_items (422): all three mean "no legacy instructions here", not a failure.
 */
const INSTRUCTIONS_GONE = [404, 410, 422];

/** Batches: creating and editing them, setup and sync, task groups, legacy instructions, responses, the report and exports. */
export abstract class BatchesApi extends ProlificTransport {
  createBatch(
    body: {
      name: string;
      workspace_id: string;
      task_details: TaskDetails;
      dataset_id?: string;
      batch_items?: ApiObject[];
      auto_sync_enabled?: boolean;
    },
    signal?: AbortSignal,
  ): Promise<Batch> {
    return this.json('POST', '/api/v1/data-collection/batches', { body, signal });
  }

  getBatch(batchId: string, signal?: AbortSignal): Promise<Batch> {
    return this.json('GET', `/api/v1/data-collection/batches/${seg(batchId)}`, { signal });
  }

  listBatches(workspaceId: string, signal?: AbortSignal): Promise<ListResult<Batch>> {
    return this.readAll('/api/v1/data-collection/batches', { workspace_id: workspaceId }, signal);
  }

  updateBatch(
    batchId: string,
    body: {
      name?: string;
      task_details?: TaskDetails;
      dataset_id?: string;
      /** null clears the layout, and with it every question and content block. */
      batch_items?: ApiObject[] | null;
      auto_sync_enabled?: boolean;
    },
    signal?: AbortSignal,
  ): Promise<Batch> {
    return this.json('PATCH', `/api/v1/data-collection/batches/${seg(batchId)}`, { body, signal });
  }

  duplicateBatch(batchId: string, body: { name?: string; upload_new_dataset?: boolean }, signal?: AbortSignal): Promise<Batch> {
    return this.json('POST', `/api/v1/data-collection/batches/${seg(batchId)}/duplicate`, { body, signal });
  }

  async setupBatch(batchId: string, body: { dataset_id?: string; tasks_per_group?: number }, signal?: AbortSignal): Promise<void> {
    await this.call('POST', `/api/v1/data-collection/batches/${seg(batchId)}/setup`, { body, signal, allowEmpty: true });
  }

  /** Starts adding the dataset's new datapoints to a READY batch as tasks; the job is followed with getBatchSync. */
  syncBatch(batchId: string, signal?: AbortSignal): Promise<BatchSync> {
    return this.json('POST', `/api/v1/data-collection/batches/${seg(batchId)}/sync`, { signal });
  }

  getBatchSync(batchId: string, syncId: string, signal?: AbortSignal): Promise<BatchSync> {
    return this.json('GET', `/api/v1/data-collection/batches/${seg(batchId)}/syncs/${seg(syncId)}`, { signal });
  }

  /** The ids of a set-up batch's task groups: a bare array, though a `{results}` page is read too. */
  async listTaskGroups(batchId: string, signal?: AbortSignal): Promise<string[]> {
    const body = await this.json<unknown>('GET', `/api/v1/data-collection/batches/${seg(batchId)}/task-groups`, { signal });
    const ids = Array.isArray(body) ? body : (body as { results?: unknown }).results;
    const idOf = (entry: unknown) => (typeof entry === 'string' ? entry : String((entry as { id?: unknown } | null)?.id ?? ''));
    return (Array.isArray(ids) ? ids : []).map(idOf).filter(Boolean);
  }

  async getLegacyInstructions(batchId: string, signal?: AbortSignal): Promise<LegacyInstructions> {
    const path = `/api/v1/data-collection/batches/${seg(batchId)}/instructions`;
    const answer = await this.call<ListResult<Instruction> | undefined>('GET', path, { signal, tolerate: INSTRUCTIONS_GONE });
    if (!answer.body) return { results: undefined, deprecation: answer.deprecation };
    return { results: Array.isArray(answer.body.results) ? answer.body.results : [], deprecation: answer.deprecation };
  }

  /** POST adds to the batch's instructions; PUT replaces the whole set. */
  async writeInstructions(
    batchId: string,
    method: 'POST' | 'PUT',
    instructions: ApiObject[],
    signal?: AbortSignal,
  ): Promise<ApiAnswer<Instruction[]>> {
    return this.call(method, `/api/v1/data-collection/batches/${seg(batchId)}/instructions`, {
      body: { instructions },
      signal,
    });
  }

  getResponses(batchId: string, signal?: AbortSignal): Promise<ListResult<BatchResponse>> {
    return this.json('GET', `/api/v1/data-collection/batches/${seg(batchId)}/responses`, { signal });
  }

  getReport(batchId: string, signal?: AbortSignal): Promise<Report> {
    return this.json('GET', `/api/v1/data-collection/batches/${seg(batchId)}/report/`, { signal });
  }

  /**
   * Asks for a ZIP of the batch's responses and files. The answer is a job still `generating` (the same one
   * again while a job with this filter is), or, from older API versions, `complete` at once.
   */
  requestBatchExport(batchId: string, filter: { study_id?: string }, signal?: AbortSignal): Promise<BatchExport> {
    return this.json('POST', `/api/v1/data-collection/batches/${seg(batchId)}/export`, { query: filter, signal });
  }

  getBatchExport(batchId: string, exportId: string, signal?: AbortSignal): Promise<BatchExport> {
    return this.json('GET', `/api/v1/data-collection/batches/${seg(batchId)}/export/${seg(exportId)}`, { signal });
  }
}
