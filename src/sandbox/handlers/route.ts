/**
 * The shared shape of every sandbox endpoint. API routes require the token, bring the state up to date and
 * turn thrown ApiErrors into Prolific's error body; storage routes refuse the token, require a valid
 * presigned signature and answer in S3's XML dialect. Handlers only describe their own rule.
 */
import { http, HttpResponse, matchRequestUrl, type HttpHandler, type JsonBodyType } from 'msw';

import { log } from '../../util/log.js';
import { ApiError, apiErrorResponse, badRequest, storageErrorResponse } from '../errors.js';
import { checkPresigned } from '../signing.js';
import type { SandboxState } from '../state.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext {
  request: Request;
  url: URL;
  params: Record<string, string>;
  state: SandboxState;
}

export type Resolver = (context: RouteContext) => Response | Promise<Response>;

export interface Route {
  method: Method;
  /** The path pattern on the API origin, without a trailing slash (msw matches both forms). */
  path: string;
  handler: HttpHandler;
}

const METHODS = { GET: http.get, POST: http.post, PUT: http.put, PATCH: http.patch, DELETE: http.delete } as const;

/** An endpoint on the API origin. `headers` are added to every answer, errors included. */
export function apiRoute(
  state: SandboxState,
  method: Method,
  path: string,
  resolver: Resolver,
  headers: Record<string, string> = {},
): Route {
  const handler = METHODS[method](state.settings.apiOrigin + path, async ({ request, params }) => {
    try {
      requireToken(state, request);
      state.advance();
      const response = await resolver({ request, url: new URL(request.url), params: stringParams(params), state });
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
      // The server's time is the sandbox's clock, which advanceClock moves on.
      response.headers.set('Date', new Date(state.now()).toUTCString());
      return response;
    } catch (error) {
      return errorResponse(error, headers);
    }
  });
  return { method, path, handler };
}

/**
 * Answers whatever no route took on the API origin: 405 when the path exists with other methods (after the
 * token check, as the API authenticates before dispatching), 404 otherwise.
 */
export function apiFallback(state: SandboxState, routes: readonly Route[]): HttpHandler {
  return http.all(`${state.settings.apiOrigin}/*`, ({ request }) => {
    const url = new URL(request.url);
    const allowed = [
      ...new Set(
        routes.filter((route) => matchRequestUrl(url, state.settings.apiOrigin + route.path).matches).map((route) => route.method),
      ),
    ];
    if (allowed.length === 0) return apiErrorResponse(404, `There is no API endpoint at ${url.pathname}.`);
    try {
      requireToken(state, request);
    } catch (error) {
      return errorResponse(error);
    }
    return apiErrorResponse(405, `Method "${request.method}" not allowed.`, { Allow: allowed.join(', ') });
  });
}

/** An object on the presigned-storage origin. */
export function storageRoute(state: SandboxState, method: 'GET' | 'PUT', path: string, resolver: Resolver): HttpHandler {
  return METHODS[method](state.settings.storageOrigin + path, async ({ request, params }) => {
    try {
      if (request.headers.has('authorization')) {
        // S3's answer when a presigned request also carries an Authorization header.
        return storageErrorResponse(
          400,
          'InvalidArgument',
          'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        );
      }
      const url = new URL(request.url);
      const problem = checkPresigned(state, method, url, request.headers.get('content-type'));
      if (problem) return storageErrorResponse(problem.status, problem.code, problem.message);
      state.advance();
      return await resolver({ request, url, params: stringParams(params), state });
    } catch (error) {
      log(`sandbox storage: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return storageErrorResponse(500, 'InternalError', 'We encountered an internal error. Please try again.');
    }
  });
}

/** Anything else on the storage origin is a request without a valid signature. */
export function storageFallback(state: SandboxState): HttpHandler {
  return http.all(`${state.settings.storageOrigin}/*`, () => storageErrorResponse(403, 'AccessDenied', 'Access Denied'));
}

export function json(body: unknown, status = 200): Response {
  return HttpResponse.json(body as JsonBodyType, { status });
}

export function list(results: readonly unknown[], extra: Record<string, unknown> = {}): Response {
  return json({ results, meta: { count: results.length }, ...extra });
}

/** The request's JSON object; an empty body counts as `{}`. */
export async function readJson(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badRequest(`JSON parse error - ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('Invalid data. Expected a JSON object.');
  }
  return body as Record<string, unknown>;
}

function requireToken(state: SandboxState, request: Request): void {
  const header = request.headers.get('authorization');
  const challenge = { 'WWW-Authenticate': 'Token' };
  if (!header) throw new ApiError(401, 'Authentication credentials were not provided.', challenge);
  const match = /^Token\s+(\S+)\s*$/i.exec(header);
  if (!match || match[1] !== state.settings.token) throw new ApiError(401, 'Invalid token.', challenge);
}

function errorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  if (error instanceof ApiError && error.body) return HttpResponse.json(error.body as JsonBodyType, { status: error.status, headers: { ...headers, ...error.headers } });
  if (error instanceof ApiError) return apiErrorResponse(error.status, error.detail, { ...headers, ...error.headers });
  log(`sandbox: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return apiErrorResponse(500, 'The sandbox failed to handle this request.', headers);
}

function stringParams(params: Record<string, string | readonly string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) out[key] = typeof value === 'string' ? value : value.join('/');
  }
  return out;
}
