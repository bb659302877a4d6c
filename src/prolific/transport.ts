import type { Dispatcher } from 'undici';
import type { Agent as HttpAgent } from 'node:http';
import type { Readable } from 'node:stream';
import type { PutBody } from './put-body.js';
import { ProlificApiError, ProlificNetworkError, batchItemsIssues, describeErrorBody, type BatchItemsIssue } from './errors.js';
import { readJsonBody } from './json-body.js';
import { UpstreamLimiter } from './limiter.js';
import { sleep } from '../util/sleep.js';
import type { Deprecation, ListResult } from './types.js';

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

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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
  /** Sent at most once, whatever the answer, for a request whose repeat would spend again (paying bonuses). */
  once?: boolean;
}

export interface ApiAnswer<T> {
  body: T;
  deprecation?: Deprecation;
}

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
 * The request core under every API area (account.ts, datasets.ts, batches.ts, studies.ts, submissions.ts,
 * storage.ts): the token, the connection pool, the limiter, retries, paging and the reading of answers. It
 * knows nothing about MCP. The token is only ever attached to requests for the configured API origin.
 */
export abstract class ProlificTransport {
  private readonly origin: string;
  private readonly token: string;
  private dispatcher: Dispatcher | undefined;
  /** Keep-alive pools for sendPut by protocol, made on first use. */
  private readonly putAgents: Record<string, HttpAgent> = {};
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
    for (const agent of Object.values(this.putAgents)) agent.destroy();
    await this.dispatcher?.close();
  }

  /**
   * Prolific's clock, from the Date header of its latest answer, carried forward by this machine's clock;
   * undefined before any answer. Time windows over Prolific's records use it, so a wrong local clock cannot move them.
   */
  serverNow(): number | undefined {
    return this.clock && Date.now() + this.clock.offsetMs;
  }

  /**
   * A list read to its end, however the endpoint pages: it follows `_links.next` (or DRF's top-level
   * `next`) when the answer has one, else asks for the next `page` or `offset` while `meta.count` says more
   * are left. Next links are followed only on the API's own host, so the token never goes anywhere else.
   */
  protected async readAll<T>(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<ListResult<T>> {
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

  protected async json<T>(method: Method, path: string, options: CallOptions): Promise<T> {
    return (await this.call<T>(method, path, options)).body;
  }

  protected async call<T>(method: Method, path: string, options: CallOptions): Promise<ApiAnswer<T>> {
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
    if (options.once) return limited();
    return this.withRetries(options.signal, limited, isSafeToRepeat(method, path) ? isTransient : wasNotProcessed);
  }

  /**
   * One exchange, body read whole: a connection lost mid-body is a network failure like any other. With `json`,
   * a successful object answer is parsed as it arrives (see json-body.ts) instead of being returned as text;
   * with `stream`, a successful answer's body is handed over unread.
   */
  protected async send(
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

  /**
   * A PUT to presigned storage through node:http(s) rather than undici: its writes say when the socket has sent
   * each chunk, which lets a file go out through a few reused buffers (see put-body.ts). The answer is read
   * whole; storage answers are small.
   */
  protected async sendPut(url: string, init: { headers: Record<string, string>; body: PutBody; length: number; signal?: AbortSignal }): Promise<Answer> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    // Loaded here, like undici, so that starting the server pays nothing for them (https brings TLS).
    const [{ Agent, request }, { writeBody }] = await Promise.all([secure ? import('node:https') : import('node:http'), import('./put-body.js')]);
    const agent = (this.putAgents[target.protocol] ??= new Agent({ keepAlive: true }));
    try {
      return await new Promise<Answer>((resolve, reject) => {
        const req = request(target, {
          method: 'PUT',
          headers: init.headers,
          agent,
          signal: init.signal,
          timeout: this.timeoutMs,
        });
        req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        });
        // A refusal can come before the body is all sent; the answer then settles this, not the write.
        writeBody(req, init.body, init.length).catch((error: unknown) => {
          req.destroy(error instanceof Error ? error : new Error(String(error)));
        });
      });
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      const code = (error as { code?: string }).code;
      throw new ProlificNetworkError(`Could not reach the presigned storage URL (${code ?? (error as Error).name}).`, { cause: error });
    }
  }

  /**
   * Retries the failures `retryable` accepts with exponential backoff and full jitter, or after the wait a
   * Retry-After asks for. An error that gives up says how often it was retried (ProlificApiError.retried).
   */
  protected async withRetries<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>, retryable: (error: unknown) => boolean = isTransient): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        const asked = error instanceof ProlificApiError ? error.retryAfterMs : undefined;
        // A wait longer than the backoff cap is the caller's decision, not a silent stall inside a tool call.
        if (!retryable(error) || tries >= this.retries || signal?.aborted || (asked ?? 0) > MAX_BACKOFF_MS) {
          if (error instanceof ProlificApiError) error.retried = tries;
          throw error;
        }
        const ceiling = Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** tries);
        await sleep(asked ?? Math.random() * ceiling, signal);
      }
    }
  }
}

/** 429, 502–504 and connection errors: worth trying again for a request that is safe to repeat. */
function isTransient(error: unknown): boolean {
  return error instanceof ProlificNetworkError || (error instanceof ProlificApiError && TRANSIENT_STATUSES.has(error.status));
}

/**
 * Answers that say the request was not carried out, so that even a create or a spend may be sent again: Prolific
 * does not process a request it throttles (429), nor one it answers 503 with Retry-After (it is unavailable, and
 * says when to come back). A lost answer, or a 5xx without Retry-After, is not among them.
 */
function wasNotProcessed(error: unknown): boolean {
  return error instanceof ProlificApiError && (error.status === 429 || (error.status === 503 && error.retryAfterMs !== undefined));
}

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
export function seg(value: string): string {
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

export interface Answer {
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

export function apiError(answer: Answer, method: string, path: string, detail: string, issues?: BatchItemsIssue[]): ProlificApiError {
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
