import type { Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { ProlificApiError, ProlificNetworkError, batchItemsIssues, describeErrorBody, type BatchItemsIssue } from './errors.js';
import { readJsonBody } from './json-body.js';
import { UpstreamLimiter } from './limiter.js';
import { sleep } from '../sleep.js';
import type {
  ApiObject,
  AppendResult,
  Batch,
  BatchExport,
  BulkBonus,
  Filter,
  FilterSearchPage,
  ParticipantGroup,
  BatchResponse,
  BatchSync,
  Dataset,
  DatasetImport,
  DatasetSchema,
  Deprecation,
  Instruction,
  ListResult,
  Project,
  Report,
  RewardRecommendation,
  Study,
  StudyAction,
  StudyCost,
  Submission,
  SubmissionCounts,
  SubmissionDetail,
  TaskDetails,
  UploadUrl,
  User,
  Workspace,
  WorkspaceBalance,
} from './types.js';

export interface ProlificClientOptions {
  baseUrl: string;
  token: string;
  /** Connect, headers and body timeout for each request. */
  timeoutMs?: number;
  /** How many times a request that is safe to repeat is retried after a transient failure. */
  retries?: number;
  /** First backoff step; doubles each retry (full jitter), capped at 8 steps' worth. */
  retryBaseMs?: number;
  /** Requests to the API at once (presigned storage is not counted); default 8. */
  maxConcurrency?: number;
  dispatcher?: Dispatcher;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface CallOptions {
  body?: unknown;
  /** A body that is not JSON, sent as given. */
  raw?: { text: string; contentType: string };
  query?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Empty 2xx bodies are normal for some endpoints (batch setup). */
  allowEmpty?: boolean;
  /** Some endpoints answer with a bare JSON string (bulk-approve) rather than an object. */
  allowScalar?: boolean;
  /** Error statuses that mean "not available here" to the caller rather than a failure: `body` is then undefined. */
  tolerate?: readonly number[];
}

interface ApiAnswer<T> {
  body: T;
  deprecation?: Deprecation;
}

/** What the legacy instructions endpoint said: its list, or undefined when it no longer serves the batch. */
export interface LegacyInstructions {
  results: Instruction[] | undefined;
  deprecation?: Deprecation;
}

/**
 * Past its Sunset (1 Sep 2026) the instructions endpoint may be gone (404, 410), and it refuses batches laid
 * out with batch_items (422): all three mean "no legacy instructions here", not a failure.
 */
const INSTRUCTIONS_GONE = [404, 410, 422];

/** An API older than the filter search answers these for its path. */
const SEARCH_MISSING = [404, 405, 410, 501];

const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);
const MAX_BACKOFF_MS = 30_000;
/** A list longer than this many pages is taken for an API that pages in circles (20,000 items at 20 a page). */
const MAX_PAGES = 1000;

/**
 * undici is about a quarter of the server's start-up time, and a host lists the tools long before any call
 * reaches Prolific (often none does), so it is loaded by the first request instead of at start.
 */
let undici: Promise<typeof import('undici')> | undefined;

/**
 * The Prolific HTTP API, one method per endpoint this project uses. It knows paths, bodies and status codes,
 * and nothing about MCP. The token is only ever attached to requests for the configured API origin.
 */
export class ProlificClient {
  private readonly origin: string;
  private readonly token: string;
  private dispatcher: Dispatcher | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  /** The server makes one client per process, so this is the process's limiter. */
  private readonly limiter: UpstreamLimiter;
  /** Prolific's clock minus this machine's, from the latest Date header. */
  private clock: { offsetMs: number } | undefined;

  constructor(options: ProlificClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.limiter = new UpstreamLimiter(Math.max(1, options.maxConcurrency ?? 8), MAX_BACKOFF_MS);
    this.dispatcher = options.dispatcher;
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  // Account

  getMe(signal?: AbortSignal): Promise<User> {
    return this.json('GET', '/api/v1/users/me/', { signal });
  }

  listWorkspaces(signal?: AbortSignal): Promise<ListResult<Workspace>> {
    return this.readAll('/api/v1/workspaces/', {}, signal);
  }

  listProjects(workspaceId: string, signal?: AbortSignal): Promise<ListResult<Project>> {
    return this.readAll(`/api/v1/workspaces/${seg(workspaceId)}/projects/`, {}, signal);
  }

  getProject(projectId: string, signal?: AbortSignal): Promise<Project> {
    return this.json('GET', `/api/v1/projects/${seg(projectId)}/`, { signal });
  }

  getWorkspaceBalance(workspaceId: string, signal?: AbortSignal): Promise<WorkspaceBalance> {
    return this.json('GET', `/api/v1/workspaces/${seg(workspaceId)}/balance/`, { signal });
  }

  getRewardRecommendations(workspaceId: string, currency: string, signal?: AbortSignal): Promise<RewardRecommendation[]> {
    return this.json('GET', '/api/v1/reward-recommendations/', {
      query: { workspace_id: workspaceId, currency },
      signal,
    });
  }

  // Datasets

  /** With a `schema` the dataset is V4; without one the API decides (V3 where it still offers them). */
  createDataset(body: { name: string; workspace_id: string; schema?: DatasetSchema }, signal?: AbortSignal): Promise<Dataset> {
    return this.json('POST', '/api/v1/data-collection/datasets', { body, signal });
  }

  getDataset(datasetId: string, signal?: AbortSignal): Promise<Dataset> {
    return this.json('GET', `/api/v1/data-collection/datasets/${seg(datasetId)}`, { signal });
  }

  getDatasetImport(datasetId: string, importId: string, signal?: AbortSignal): Promise<DatasetImport> {
    return this.json('GET', `/api/v1/data-collection/datasets/${seg(datasetId)}/imports/${seg(importId)}`, { signal });
  }

  /**
   * Appends up to 1,000 records to a V4 dataset with a schema, synchronously; 409 while an import runs. The
   * answer's field names are undocumented, so callers read them as optional.
   */
  appendDatapoints(datasetId: string, records: ApiObject[], signal?: AbortSignal): Promise<AppendResult> {
    const jsonl = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
    return this.json('POST', `/api/v1/data-collection/datasets/${seg(datasetId)}/datapoints`, {
      raw: { text: jsonl, contentType: 'application/x-ndjson' },
      signal,
    });
  }

  /** Sets a V4 dataset's schema; the first one releases imports parked in `pending_schema`. */
  updateDataset(datasetId: string, body: { schema: DatasetSchema }, signal?: AbortSignal): Promise<Dataset> {
    return this.json('PATCH', `/api/v1/data-collection/datasets/${seg(datasetId)}`, { body, signal });
  }

  getUploadUrl(datasetId: string, filename: string, signal?: AbortSignal): Promise<UploadUrl> {
    return this.json('GET', `/api/v1/data-collection/datasets/${seg(datasetId)}/upload-url/${seg(filename)}`, {
      signal,
    });
  }

  /**
   * Sends a file to a presigned storage URL. The URL carries its own signature, so the Prolific token must
   * never go with it. Object storage refuses chunked uploads, hence the exact length.
   */
  async putUpload(
    uploadUrl: string,
    upload: { body: () => Readable | Buffer; length: number; contentType: string },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.withRetries(signal, async () => {
      const answer = await this.send(uploadUrl, 'PUT', {
        headers: { 'content-type': upload.contentType, 'content-length': String(upload.length) },
        body: upload.body(),
        signal,
      });
      if (answer.status >= 300) {
        throw apiError(answer, 'PUT', 'the presigned upload URL', describeErrorBody(answer.text, 'upload refused'));
      }
    });
  }

  // Batches

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

  /** Downloads a presigned report link, without the token. */
  async downloadReport(url: string, signal?: AbortSignal): Promise<string> {
    return this.withRetries(signal, async () => {
      const answer = await this.send(url, 'GET', { headers: {}, signal });
      if (answer.status >= 300) {
        throw apiError(answer, 'GET', 'the presigned report URL', describeErrorBody(answer.text, 'download refused'));
      }
      return answer.text;
    });
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

  /**
   * Opens a presigned download without the token and hands over its body unread, so that a large ZIP goes
   * to disk in pieces. Only the opening is retried: a body half read cannot be taken back.
   */
  async openDownload(url: string, signal?: AbortSignal): Promise<Readable> {
    return this.withRetries(signal, async () => {
      const answer = await this.send(url, 'GET', { headers: {}, signal, stream: true });
      if (!answer.stream) throw apiError(answer, 'GET', 'the presigned download URL', describeErrorBody(answer.text, 'download refused'));
      return answer.stream;
    });
  }

  /**
   * The first line of a presigned report (its CSV header), without downloading the rest: enough to see which
   * columns the dataset has when a report of a big batch runs to tens of megabytes.
   */
  async reportHeader(url: string, signal?: AbortSignal): Promise<string> {
    return firstLine(await this.openDownload(url, signal));
  }

  // Studies

  createStudy(body: ApiObject, signal?: AbortSignal): Promise<Study> {
    return this.json('POST', '/api/v1/studies/', { body, signal });
  }

  getStudy(studyId: string, signal?: AbortSignal): Promise<Study> {
    return this.json('GET', `/api/v1/studies/${seg(studyId)}/`, { signal });
  }

  transitionStudy(studyId: string, action: StudyAction, signal?: AbortSignal): Promise<Study> {
    return this.json('POST', `/api/v1/studies/${seg(studyId)}/transition/`, { body: { action }, signal });
  }

  /** Total cost in minor units, fees and VAT included. Pure arithmetic on the server, so safe to repeat. */
  async quoteCost(body: { reward: number; total_available_places: number }, signal?: AbortSignal): Promise<number> {
    const answer = await this.json<{ total_cost?: unknown }>('POST', '/api/v1/study-cost-calculator/', { body, signal });
    if (typeof answer.total_cost !== 'number') {
      throw new ProlificNetworkError('The cost calculator answered without a numeric total_cost.');
    }
    return answer.total_cost;
  }

  /**
   * What a study costs, rewards and bonuses each split into rewards, fees and tax (minor units). Not projected,
   * it is what the places taken so far cost.
   */
  getStudyCost(studyId: string, projected: boolean, signal?: AbortSignal): Promise<StudyCost> {
    return this.json('GET', `/api/v1/studies/${seg(studyId)}/cost/`, { query: { is_projected: String(projected) }, signal });
  }

  /** Newest first, as Prolific lists them. */
  listStudies(signal?: AbortSignal): Promise<ListResult<Study>> {
    return this.readAll('/api/v1/studies/', {}, signal);
  }

  listSubmissions(studyId: string, signal?: AbortSignal): Promise<ListResult<Submission>> {
    return this.readAll(`/api/v1/studies/${seg(studyId)}/submissions/`, {}, signal);
  }

  async getSubmissionCounts(studyId: string, signal?: AbortSignal): Promise<SubmissionCounts> {
    const body = await this.json<Record<string, unknown>>('GET', `/api/v1/studies/${seg(studyId)}/submissions/counts/`, { signal });
    return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  }

  getSubmission(submissionId: string, signal?: AbortSignal): Promise<SubmissionDetail> {
    return this.json('GET', `/api/v1/submissions/${seg(submissionId)}/`, { signal });
  }

  /** REJECT needs a `rejection_category` and a message of at least 100 characters; the participant reads it. */
  transitionSubmission(
    submissionId: string,
    body: { action: 'APPROVE' | 'REJECT'; message?: string; rejection_category?: string },
    signal?: AbortSignal,
  ): Promise<SubmissionDetail> {
    return this.json('POST', `/api/v1/submissions/${seg(submissionId)}/transition/`, { body, signal });
  }

  /** Queues approval (and payment) of submissions; the API answers before every status has changed. */
  async bulkApprove(
    body: { submission_ids: string[] } | { study_id: string; participant_ids: string[] },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.call('POST', '/api/v1/submissions/bulk-approve/', { body, signal, allowEmpty: true, allowScalar: true });
  }

  // Audience and money: who may take part, who is left out, bonuses (digest prolific-audience-2026 §1, §3, §5)

  /** The whole catalogue; with the workspace it includes its participant groups and previous studies as choices. */
  listFilters(workspaceId: string | undefined, signal?: AbortSignal): Promise<ListResult<Filter>> {
    return this.readAll('/api/v1/filters/', workspaceId ? { workspace_id: workspaceId } : {}, signal);
  }

  /**
   * Prolific's ranked keyword search (newer than the 2026-08 spec); undefined where the API does not offer it.
   * The docs do not name the query parameter: `q`, as the choices search takes.
   */
  async searchFilters(query: { q: string; workspace_id: string; limit: number; offset: number }, signal?: AbortSignal): Promise<FilterSearchPage | undefined> {
    const { q, workspace_id, limit, offset } = query;
    return this.json('GET', '/api/v1/filters/search/', {
      query: { q, workspace_id, limit: String(limit), offset: String(offset) },
      signal,
      tolerate: SEARCH_MISSING,
    });
  }

  /** 0 means fewer than 25: Prolific hides smaller counts. */
  async countEligible(body: { filters: ApiObject[]; workspace_id: string }, signal?: AbortSignal): Promise<number> {
    const answer = await this.json<{ count?: unknown }>('POST', '/api/v1/eligibility-count/', { body, signal });
    if (typeof answer.count !== 'number') throw new ProlificNetworkError('The eligibility count answered without a numeric count.');
    return answer.count;
  }

  createParticipantGroup(
    body: { name: string; workspace_id: string; description?: string; participant_ids: string[] },
    signal?: AbortSignal,
  ): Promise<ParticipantGroup> {
    return this.json('POST', '/api/v1/participant-groups/', { body, signal });
  }

  listParticipantGroups(workspaceId: string, signal?: AbortSignal): Promise<ListResult<ParticipantGroup>> {
    return this.readAll('/api/v1/participant-groups/', { workspace_id: workspaceId }, signal);
  }

  getParticipantGroup(groupId: string, signal?: AbortSignal): Promise<ParticipantGroup> {
    return this.json('GET', `/api/v1/participant-groups/${seg(groupId)}/`, { signal });
  }

  /** Renames only: `participant_ids` here would replace every member. */
  renameParticipantGroup(groupId: string, name: string, signal?: AbortSignal): Promise<ParticipantGroup> {
    return this.json('PATCH', `/api/v1/participant-groups/${seg(groupId)}/`, { body: { name }, signal });
  }

  async deleteParticipantGroup(groupId: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `/api/v1/participant-groups/${seg(groupId)}/`, { signal, allowEmpty: true });
  }

  listParticipantGroupMembers(groupId: string, signal?: AbortSignal): Promise<ListResult<{ participant_id: string }>> {
    return this.readAll(`/api/v1/participant-groups/${seg(groupId)}/participants/`, {}, signal);
  }

  /** Sets a bonus up without paying it. `csv_bonuses` lines are `<participant id>,<amount>` in MAJOR units (1.50 = £1.50). */
  createBonusPayments(body: { study_id: string; csv_bonuses: string }, signal?: AbortSignal): Promise<BulkBonus> {
    return this.json('POST', '/api/v1/submissions/bonus-payments/', { body, signal });
  }

  /** Pays a bonus set up before. Not idempotent: every call pays again, so it is never retried. */
  async payBonusPayments(bonusId: string, signal?: AbortSignal): Promise<void> {
    await this.call('POST', `/api/v1/bulk-bonus-payments/${seg(bonusId)}/pay/`, { signal, allowEmpty: true, allowScalar: true });
  }

  /**
   * Prolific's clock, from the Date header of its latest answer, carried forward by this machine's clock;
   * undefined before any answer. Time windows over Prolific's records use it, so a wrong local clock cannot move them.
   */
  serverNow(): number | undefined {
    return this.clock && Date.now() + this.clock.offsetMs;
  }

  // Plumbing

  /**
   * A list read to its end, however the endpoint pages: it follows `_links.next` (or DRF's top-level
   * `next`) when the answer has one, else asks for the next `page` or `offset` while `meta.count` says more
   * are left. Next links are followed only on the API's own host, so the token never goes anywhere else.
   */
  private async readAll<T>(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<ListResult<T>> {
    let url = new URL(path, this.origin);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const results: T[] = [];
    const seen = new Set<unknown>();
    for (let pages = 1; ; pages++) {
      const body = await this.json<PageBody<T> | T[]>('GET', url.pathname + url.search, { signal });
      const items = Array.isArray(body) ? body : Array.isArray(body.results) ? body.results : undefined;
      if (!items) throw new ProlificNetworkError(`Prolific API GET ${path} answered with a list that has no results.`);
      let fresh = 0;
      for (const item of items) {
        const id = (item as { id?: unknown } | null)?.id;
        if (id !== undefined && seen.has(id)) continue;
        if (id !== undefined) seen.add(id);
        results.push(item);
        fresh++;
      }
      const next = Array.isArray(body) ? undefined : this.nextPage(url, body, items.length, results.length, path);
      if (!next) return { results, meta: { count: results.length } };
      if (fresh === 0 || pages >= MAX_PAGES) {
        throw new ProlificNetworkError(
          `Prolific API GET ${path} ${fresh === 0 ? 'answered the same page again' : `still had more after ${MAX_PAGES} pages`}; the list was not read to its end.`,
        );
      }
      url = next;
    }
  }

  private nextPage(current: URL, body: PageBody<unknown>, got: number, total: number, path: string): URL | undefined {
    if (body._links && typeof body._links === 'object' && 'next' in body._links) return this.followLink(body._links.next, current, path);
    if ('next' in body) return this.followLink(body.next, current, path);
    const count = body.meta?.count ?? body.count;
    if (got === 0 || typeof count !== 'number' || total >= count) return undefined;
    const next = new URL(current);
    const query = next.searchParams;
    const paged = query.has('page') || ['page', 'page_size', 'total_pages'].some((key) => key in body || key in (body.meta ?? {}));
    if (paged) {
      query.set('page', String(Number(query.get('page') ?? 1) + 1));
    } else {
      query.set('offset', String(Number(query.get('offset') ?? 0) + got));
      if (!query.has('limit')) query.set('limit', String(got));
    }
    return next;
  }

  /** A next link, absolute or relative, as `{href}` or a bare string; null means the last page. */
  private followLink(link: unknown, current: URL, path: string): URL | undefined {
    const href = typeof link === 'string' ? link : (link as { href?: unknown } | null)?.href;
    if (typeof href !== 'string' || !href) return undefined;
    const next = new URL(href, current);
    // Behind a proxy an API may spell its own links http://; the host is what decides where the token goes.
    if (next.host !== new URL(this.origin).host) {
      throw new ProlificNetworkError(
        `Prolific API GET ${path} named its next page on another host (${next.host}); it was not followed, as the token goes to ${new URL(this.origin).host} only.`,
      );
    }
    return new URL(next.pathname + next.search, this.origin);
  }

  private async json<T>(method: Method, path: string, options: CallOptions): Promise<T> {
    return (await this.call<T>(method, path, options)).body;
  }

  private async call<T>(method: Method, path: string, options: CallOptions): Promise<ApiAnswer<T>> {
    const url = new URL(path, this.origin);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = { authorization: `Token ${this.token}`, accept: 'application/json' };
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    } else if (options.raw) {
      payload = options.raw.text;
      headers['content-type'] = options.raw.contentType;
    }
    const attempt = async (): Promise<ApiAnswer<T>> => {
      const answer = await this.send(url.toString(), method, { headers, body: payload, signal: options.signal, json: true });
      const date = Date.parse(String(answer.headers['date'] ?? ''));
      if (Number.isFinite(date)) this.clock = { offsetMs: date - Date.now() };
      const deprecation = readDeprecation(answer.headers);
      if (answer.status >= 300) {
        if (options.tolerate?.includes(answer.status)) return { body: undefined as T, deprecation };
        const body = parseJson(answer.text);
        throw apiError(answer, method, path, describeErrorBody(body, statusFallback(answer.status)), batchItemsIssues(body));
      }
      if (answer.json) return { body: answer.json as T, deprecation };
      if (answer.malformed || !answer.text.trim()) {
        if (options.allowEmpty && !answer.malformed) return { body: undefined as T, deprecation };
        const what = answer.malformed ? 'a body that is not JSON' : 'an empty body';
        throw new ProlificNetworkError(`Prolific API ${method} ${path} answered ${answer.status} with ${what}.`);
      }
      const body = parseJson(answer.text);
      if (options.allowScalar && body !== undefined) return { body: body as T, deprecation };
      if (body === undefined || body === null || typeof body !== 'object') {
        throw new ProlificNetworkError(`Prolific API ${method} ${path} answered ${answer.status} with a body that is not JSON.`);
      }
      return { body: body as T, deprecation };
    };
    const limited = () => this.limiter.run(method, path, options.signal, attempt);
    return isSafeToRepeat(method, path) ? this.withRetries(options.signal, limited) : limited();
  }

  /**
   * One exchange, body read whole: a connection lost mid-body is a network failure like any other. With `json`,
   * a successful object answer is parsed as it arrives (see json-body.ts) instead of being returned as text;
   * with `stream`, a successful answer's body is handed over unread.
   */
  private async send(
    url: string,
    method: Method,
    init: { headers: Record<string, string>; body?: string | Buffer | Readable; signal?: AbortSignal; json?: boolean; stream?: boolean },
  ): Promise<Answer> {
    const { Agent, request } = await (undici ??= import('undici'));
    this.dispatcher ??= new Agent({
      keepAliveTimeout: 10_000,
      connect: { timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    try {
      const answer = await request(url, {
        method,
        headers: init.headers,
        body: init.body,
        signal: init.signal,
        dispatcher: this.dispatcher,
      });
      const { statusCode: status, headers } = answer;
      if (init.stream && status < 300) return { status, headers, text: '', stream: answer.body };
      if (!init.json || status >= 300) return { status, headers, text: await answer.body.text() };
      const read = await readJsonBody(answer.body);
      if ('value' in read) return { status, headers, text: '', json: read.value };
      return 'text' in read ? { status, headers, text: read.text } : { status, headers, text: '', malformed: true };
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      // undici's messages can quote the request; keep only the kind of failure.
      const code = (error as { code?: string }).code;
      const target = new URL(url).origin === this.origin ? 'the Prolific API' : 'the presigned storage URL';
      throw new ProlificNetworkError(`Could not reach ${target} (${code ?? (error as Error).name}).`, { cause: error });
    }
  }

  /** Retries transient failures (429, 502–504, connection errors) with exponential backoff and full jitter. */
  private async withRetries<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        const transient =
          error instanceof ProlificNetworkError || (error instanceof ProlificApiError && TRANSIENT_STATUSES.has(error.status));
        const asked = error instanceof ProlificApiError ? error.retryAfterMs : undefined;
        // A wait longer than the backoff cap is the caller's decision, not a silent stall inside a tool call.
        if (!transient || tries >= this.retries || signal?.aborted || (asked ?? 0) > MAX_BACKOFF_MS) throw error;
        const ceiling = Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** tries);
        await sleep(asked ?? Math.random() * ceiling, signal);
      }
    }
  }
}

/** Reads up to the first line break (at most 1 MiB); leaving the loop destroys the body, so the rest is never read. */
async function firstLine(body: Readable): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += String(chunk);
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
    if (text.length > FIRST_LINE_LIMIT) break;
  }
  return text;
}

const FIRST_LINE_LIMIT = 1 << 20;

/**
 * Reads never change anything, the cost calculator and the eligibility count are arithmetic, and an appended
 * record sent again is not stored twice; everything else may create or spend.
 */
function isSafeToRepeat(method: Method, path: string): boolean {
  return (
    method === 'GET' ||
    method === 'PATCH' ||
    method === 'PUT' ||
    path === '/api/v1/study-cost-calculator/' ||
    path === '/api/v1/eligibility-count/' ||
    /\/datasets\/[^/]+\/datapoints$/.test(path)
  );
}

/** Ids and filenames go into paths; encoding keeps `../` or `?` in them from reaching another endpoint. */
function seg(value: string): string {
  return encodeURIComponent(value);
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.trimStart().startsWith('<') ? 'an HTML page instead of JSON' : text;
  }
}

function statusFallback(status: number): string {
  if (status === 401) return 'the token was not accepted';
  if (status === 403) return 'this token may not do that';
  if (status === 404) return 'not found';
  if (status === 429) return 'too many requests';
  return `HTTP ${status}`;
}

/** One page of a list, in whichever of Prolific's shapes it comes. */
interface PageBody<T> {
  results?: T[];
  meta?: { count?: unknown; [key: string]: unknown };
  count?: unknown;
  _links?: { next?: unknown };
  next?: unknown;
}

interface Answer {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  text: string;
  /** A JSON object answer, parsed as it arrived; `text` is then empty. */
  json?: Record<string, unknown>;
  /** The answer began as a JSON object but was not valid JSON. */
  malformed?: true;
  /** With `stream`, a successful answer's body, unread. */
  stream?: Readable;
}

function apiError(answer: Answer, method: string, path: string, detail: string, issues?: BatchItemsIssue[]): ProlificApiError {
  return new ProlificApiError(answer.status, method, path, detail, retryAfterMs(answer.headers['retry-after']), issues);
}

/** Retry-After is seconds or an HTTP date; the API does not document it, so it is honoured only when present. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function readDeprecation(headers: Answer['headers']): Deprecation | undefined {
  const deprecation = headers['deprecation'];
  if (deprecation === undefined) return undefined;
  const sunset = headers['sunset'];
  return { deprecation: String(deprecation), sunset: sunset === undefined ? undefined : String(sunset) };
}
