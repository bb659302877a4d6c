/**
 * The contract check: every request the client sends to a test sandbox, and every answer the sandbox gives, is
 * checked against Prolific's API spec (test/contract/prolific-openapi.yaml) where the spec covers the operation,
 * allowing only the deviations test/contract/operations.ts lists with their reasons. Violations are collected and
 * thrown when the sandbox closes, so the test that caused them fails.
 */
import { inject } from 'vitest';
import addFormats from 'ajv-formats';
import { OpenAPIBackend, ValidationContext, type Document, type Operation } from 'openapi-backend';
import type { ErrorObject, ValidateFunction } from 'ajv';

import { startSandbox, type RunningSandbox, type SandboxExchange, type SandboxOptions } from '../../src/sandbox/index.js';
import { OFF_SPEC, SPEC_OPERATIONS, type Deviation, type OperationKey } from '../contract/operations.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The spec, parsed and dereferenced once by test/support/contract-setup.ts (about a second's work). */
    prolificOpenApi: unknown;
  }
}

const TABLE_FILE = 'test/contract/operations.ts';

interface Spec {
  backend: OpenAPIBackend;
  /** The operation a request is for: openapi-backend's own matcher builds a regex per operation per request. */
  match(method: string, path: string): Operation | undefined;
  /** The API's usual error envelope, `{"error":{…}}` (digest §0), for error statuses an operation does not list. */
  errorEnvelope: ValidateFunction;
}

let spec: Promise<Spec> | undefined;

/** The spec's validators, built once per test worker. */
export function loadSpec(): Promise<Spec> {
  spec ??= (async () => {
    const backend = new OpenAPIBackend({
      definition: inject('prolificOpenApi') as Document,
      // Skips checking the spec itself (it has hundreds of findings) and compiles an operation's validators only
      // when asked for them.
      quick: true,
      // The spec's paths say exactly where a trailing slash goes, and so must the client.
      ignoreTrailingSlashes: false,
      // Checking each schema against JSON Schema's meta-schema would compile that in every one of openapi-backend's
      // many Ajv instances (three quarters of the start-up time), and optimising the generated code costs more
      // than it saves for the few hundred checks a test file makes.
      ajvOpts: { validateSchema: false, code: { optimize: false } },
      customizeAjv: (ajv) => {
        addFormats(ajv);
        // OpenAPI's number formats carry no constraint JSON Schema can check.
        ajv.addFormat('double', true);
        return ajv;
      },
    });
    await backend.init();
    // Compiling is the slow part (about a second for these), and sandbox time runs on while a check holds an
    // answer: compile what the client calls before any test traffic rather than on its first request.
    for (const operation of backend.router.getOperations()) {
      const entry = SPEC_OPERATIONS[operationKey(operation)];
      if (!entry || !('client' in entry) || !operation.operationId) continue;
      backend.validator.getRequestValidatorsForOperation(operation.operationId);
      backend.validator.getStatusBasedResponseValidatorForOperation(operation.operationId);
    }
    const schemas = (backend.definition.components?.schemas ?? {}) as Record<string, object>;
    const errorEnvelope = backend.validator.getAjv(ValidationContext.Response).compile(schemas['Error'] ?? {});
    // The most literal path wins, as in openapi-backend: /studies/predicted-recruitment-time/ over /studies/{id}/.
    const routes = backend.router
      .getOperations()
      .map((operation) => ({ operation, pattern: pathPattern(operation.path), literal: operation.path.replace(/\{[^}]+\}/g, '').length }))
      .sort((a, b) => b.literal - a.literal);
    const match = (method: string, path: string) =>
      routes.find((route) => route.operation.method === method.toLowerCase() && route.pattern.test(path))?.operation;
    return { backend, match, errorEnvelope };
  })();
  return spec;
}

export function operationKey(operation: Operation): OperationKey {
  return `${operation.method.toUpperCase()} ${operation.path}` as OperationKey;
}

/** A path template as a regex: each `{name}` is one non-empty segment; the trailing slash must be as written. */
function pathPattern(template: string): RegExp {
  const source = template.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${source}$`);
}

const offSpecPatterns = Object.keys(OFF_SPEC).map((key) => {
  const [method, path] = key.split(' ') as [string, string];
  return { key: key as OperationKey, method, pattern: pathPattern(path) };
});

function offSpecKey(method: string, path: string): OperationKey | undefined {
  return offSpecPatterns.find((entry) => entry.method === method && entry.pattern.test(path))?.key;
}

/**
 * Headers for a request a test sends itself in an environment where only the client is expected, standing in for
 * the researcher's own actions in the Prolific app: its answer is checked, the request is not.
 */
export const NOT_THE_CLIENT = { 'X-Contract-Actor': 'test' };

export interface ContractChecker {
  /** Starts checking an exchange; the answer goes out meanwhile, so sandbox timings stay as they were. */
  observe(exchange: SandboxExchange): void;
  /** Waits for the checks under way; one line per distinct violation, with how often it happened. */
  violations(): Promise<string[]>;
  /** Throws an error listing every violation, if any. */
  assertClean(): Promise<void>;
}

/**
 * `requests: true` where only the product's ProlificClient talks to the sandbox (checks requests and answers);
 * `false` where a test sends raw, deliberately odd requests (checks the sandbox's answers only).
 */
export async function contractChecker(options: { requests: boolean }): Promise<ContractChecker> {
  await loadSpec();
  const seen = new Map<string, number>();
  const flag = (message: string) => seen.set(message, (seen.get(message) ?? 0) + 1);
  const pending = new Set<Promise<void>>();
  const run = async (exchange: SandboxExchange) => {
    try {
      const fromClient = options.requests && !exchange.headers.has('x-contract-actor');
      for (const message of await check(exchange, fromClient)) flag(message);
    } catch (error) {
      flag(`${exchange.request.method} ${new URL(exchange.request.url).pathname}: the contract check itself failed: ${String(error)}`);
    }
  };
  return {
    observe: (exchange) => {
      if (exchange.request.origin !== 'api') return;
      const checking = run(exchange);
      pending.add(checking);
      void checking.then(() => pending.delete(checking));
    },
    async violations() {
      await Promise.all(pending);
      return [...seen].map(([message, count]) => (count > 1 ? `${message} (×${count})` : message));
    },
    async assertClean() {
      const lines = await this.violations();
      if (lines.length === 0) return;
      throw new Error(
        `Contract drift: ${lines.length} exchange(s) with the sandbox disagree with Prolific's API spec. Fix the client or ` +
          `sandbox, or, where the 2026 API really differs from the spec, list the deviation with its reason in ${TABLE_FILE}.\n` +
          lines.map((line) => `- ${line}`).join('\n'),
      );
    },
  };
}

async function check(exchange: SandboxExchange, requests: boolean): Promise<string[]> {
  const { backend, match, errorEnvelope } = await loadSpec();
  const url = new URL(exchange.request.url);
  const method = exchange.request.method.toUpperCase();
  const path = url.pathname;
  const what = `${method} ${path}`;
  const operation = match(method, path);
  if (!operation) {
    if (!requests || offSpecKey(method, path)) return [];
    return [`${what}: neither the spec nor OFF_SPEC has this endpoint; add it to OFF_SPEC in ${TABLE_FILE} with its digest section`];
  }
  const key = operationKey(operation);
  const entry = SPEC_OPERATIONS[key];
  if (!entry) return [`${what}: the spec's ${key} has no entry in SPEC_OPERATIONS in ${TABLE_FILE}`];
  const found: string[] = [];
  // The sandbox also serves some operations the client skips, for tests acting as the researcher; their answers
  // are checked all the same.
  if ('skipped' in entry && requests) {
    found.push(`${what}: the client calls ${key}, which SPEC_OPERATIONS in ${TABLE_FILE} marks skipped ("${entry.skipped}")`);
  }
  const deviations = ('deviations' in entry && entry.deviations) || [];
  if (requests && 'client' in entry) {
    const result = backend.validateRequest(
      {
        method,
        path,
        headers: Object.fromEntries(exchange.headers),
        query: Object.fromEntries(url.searchParams),
        body: exchange.request.body,
      },
      operation,
    );
    const errors = (result.errors ?? []).filter((error) => !allowed(error, deviations, 'request'));
    if (errors.length) found.push(`${what} request: ${describe(errors, '/requestBody')}`);
  }
  const { response } = exchange;
  if (!response || exchange.request.fault) return found;
  const status = response.status;
  const listed = Object.keys(operation.responses ?? {});
  if (deviations.some((deviation) => deviation.statuses?.includes(status))) return found;
  // A 204 has no body to check (and the spec's no-content answers would otherwise demand a JSON null).
  if (status === 204 && listed.includes('204')) return found;
  const body = await readBody(response);
  if (listed.includes(String(status))) {
    const result = backend.validateResponse(body, operation, status);
    const errors = (result.errors ?? []).filter((error) => !allowed(error, deviations, 'response'));
    if (errors.length) found.push(`${what} answered ${status}: ${describe(errors, '')}`);
  } else if (status >= 400) {
    if (!errorEnvelope(body)) found.push(`${what} answered ${status} without the usual error envelope: ${describe(errorEnvelope.errors ?? [], '')}`);
  } else {
    found.push(`${what} answered ${status}; the spec lists ${listed.join(', ')} for ${key}`);
  }
  return found;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function strip(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** The JSON pointer an error is about: a missing or unexpected property counts as the property's own path. */
function errorPath(error: ErrorObject, prefix: string): string {
  const path = strip(error.instancePath, prefix);
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const property = params.missingProperty ?? params.additionalProperty;
  return property === undefined ? path : `${path}/${property}`;
}

function allowed(error: ErrorObject, deviations: Deviation[], side: 'request' | 'response'): boolean {
  const path = errorPath(error, side === 'request' ? '/requestBody' : '');
  const fields = deviations.flatMap((deviation) => (side === 'request' ? deviation.requestFields : deviation.responseFields) ?? []);
  if (fields.some((field) => covers(field, path))) return true;
  // Several alternatives matched: the value is valid and the spec's oneOf is what overlaps.
  const ambiguous = error.keyword === 'oneOf' && (error.params as { passingSchemas?: unknown }).passingSchemas != null;
  return ambiguous && deviations.some((deviation) => deviation.ambiguousOneOf?.some((field) => covers(field, path)));
}

/** Whether a listed field (with `*` for any one segment) is the error's path or one of its ancestors. */
function covers(field: string, path: string): boolean {
  const want = field.split('/');
  const have = path.split('/');
  return want.length <= have.length && want.every((segment, i) => segment === '*' || segment === have[i]);
}

function describe(errors: ErrorObject[], prefix: string): string {
  return errors
    .slice(0, 5)
    .map((error) => {
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      const message = extra === undefined ? (error.message ?? error.keyword) : `has '${extra}', which the spec does not list`;
      return `${strip(error.instancePath, prefix) || '(body)'} ${message}`;
    })
    .join('; ');
}

/**
 * A sandbox whose traffic is checked against the spec; `close()` throws the violations. For tests that start
 * their own sandbox rather than going through startEnv.
 */
export async function startCheckedSandbox(options: SandboxOptions, check: { requests: boolean }): Promise<RunningSandbox> {
  const contract = await contractChecker(check);
  const sandbox = await startSandbox({ ...options, observe: contract.observe });
  return {
    ...sandbox,
    close: async () => {
      await sandbox.close();
      await contract.assertClean();
    },
  };
}
