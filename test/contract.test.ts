import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';

import { ProlificClient } from '../src/prolific/client.js';
import type { RecordedRequest } from '../src/sandbox/index.js';
import { NOT_OPERATIONS, OFF_SPEC, SPEC_OPERATIONS, type ClientMethod, type OperationKey } from './contract/operations.js';
import { contractChecker, startCheckedSandbox } from './support/contract.js';
import { SPEC_FILE } from './support/contract-setup.js';

const TABLE = 'test/contract/operations.ts';
const SHARED_SPEC = new URL('../../shared/reference/prolific-openapi.yaml', import.meta.url);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function specOperations(): OperationKey[] {
  const paths = (inject('prolificOpenApi') as { paths: Record<string, Record<string, unknown>> }).paths;
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => METHODS.includes(method))
      .map((method) => `${method.toUpperCase()} ${path}` as OperationKey),
  );
}

/** Each client method with the operations the table says it calls. */
function tableByMethod(): Map<string, OperationKey[]> {
  const byMethod = new Map<string, OperationKey[]>();
  const add = (methods: ClientMethod[], key: OperationKey) => {
    for (const method of methods) byMethod.set(method, [...(byMethod.get(method) ?? []), key]);
  };
  for (const [key, entry] of Object.entries(SPEC_OPERATIONS)) if ('client' in entry) add(entry.client, key as OperationKey);
  for (const [key, entry] of Object.entries(OFF_SPEC)) add(entry.client, key as OperationKey);
  return byMethod;
}

/** Every member of a ProlificClient: the API areas' methods (copied onto it) and the request core's it extends. */
const clientMembers = (() => {
  const members = new Set<string>();
  for (let prototype = ProlificClient.prototype; prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype)) {
    for (const name of Object.getOwnPropertyNames(prototype)) members.add(name);
  }
  return [...members];
})();

/** `/api/v1/x/{}/y` for both a table key's path and a path written in a client method's source. */
function shape(path: string): string {
  return path.replace(/\$\{[^}]*\}|\{[^}]*\}/g, '{}');
}

describe('the operations table', () => {
  it('keeps its copy of the spec identical to shared/reference/prolific-openapi.yaml', () => {
    // CI lays shared/ beside the clone; elsewhere the copy stands alone.
    if (!existsSync(SHARED_SPEC)) return;
    const copy = readFileSync(SPEC_FILE, 'utf8');
    expect(copy.slice(copy.indexOf('\n') + 1), 'test/contract/prolific-openapi.yaml differs from its source').toBe(
      readFileSync(SHARED_SPEC, 'utf8'),
    );
  });

  it('lists every operation of the spec, and only those', () => {
    const spec = specOperations();
    expect(spec.length).toBeGreaterThan(100);
    const missing = spec.filter((key) => !(key in SPEC_OPERATIONS));
    expect(missing, `add these spec operations to SPEC_OPERATIONS in ${TABLE}, with a client method or a reason to skip`).toEqual([]);
    const unknown = Object.keys(SPEC_OPERATIONS).filter((key) => !spec.includes(key as OperationKey));
    expect(unknown, `SPEC_OPERATIONS in ${TABLE} names operations the spec lacks: move them to OFF_SPEC`).toEqual([]);
    const inSpec = Object.keys(OFF_SPEC).filter((key) => spec.includes(key as OperationKey));
    expect(inSpec, `OFF_SPEC in ${TABLE} names operations the spec has: move them to SPEC_OPERATIONS`).toEqual([]);
  });

  it('gives every skip, off-spec endpoint and deviation a reason', () => {
    for (const [key, entry] of Object.entries(SPEC_OPERATIONS)) {
      if ('skipped' in entry) expect(entry.skipped.length, key).toBeGreaterThan(20);
      for (const deviation of entry.deviations ?? []) expect(deviation.reason, key).toMatch(/digest §\d/);
    }
    for (const [key, entry] of Object.entries(OFF_SPEC)) expect(entry.reason, key).toMatch(/digest §\d/);
  });

  it('names only client methods that exist and call the API', () => {
    const named = [...tableByMethod().keys()];
    expect(
      named.filter((method) => !clientMembers.includes(method)),
      `${TABLE} names methods ProlificClient does not have`,
    ).toEqual([]);
    expect(named.filter((method) => method in NOT_OPERATIONS)).toEqual([]);
    expect(Object.keys(NOT_OPERATIONS).filter((member) => !clientMembers.includes(member))).toEqual([]);
  });

  it('accounts for every ProlificClient method', () => {
    const named = tableByMethod();
    const unlisted = clientMembers.filter((member) => !named.has(member) && !(member in NOT_OPERATIONS));
    expect(
      unlisted,
      `list each new ProlificClient method in ${TABLE}: as the client of its spec operation in SPEC_OPERATIONS (replacing the skip), ` +
        `in OFF_SPEC with the digest section if the spec lacks the endpoint, or in NOT_OPERATIONS if it calls no API endpoint`,
    ).toEqual([]);
  });

  it('says for each method the endpoint its code calls', () => {
    const mismatched: string[] = [];
    for (const [method, keys] of tableByMethod()) {
      const source = String((ProlificClient.prototype as unknown as Record<string, unknown>)[method]);
      const paths = [...source.matchAll(/[`'"](\/api\/v1\/[^`'"]*)[`'"]/g)].map((match) => shape(match[1]!));
      const verbs = [...source.matchAll(/['"](GET|POST|PUT|PATCH|DELETE)['"]/g)].map((match) => match[1]!);
      const calls = new Set(paths);
      const claimed = new Set(keys.map((key) => shape(key.slice(key.indexOf(' ') + 1))));
      if (paths.length === 0 || [...calls].some((path) => !claimed.has(path)) || [...claimed].some((path) => !calls.has(path))) {
        mismatched.push(`${method}: the table says ${keys.join(', ')}; its code names ${paths.join(', ') || 'no /api/v1/ path'}`);
      }
      // A method chosen by the caller (writeInstructions) names no verb; the path then decides.
      for (const key of keys) {
        const verb = key.slice(0, key.indexOf(' '));
        if (verbs.length > 0 && !verbs.includes(verb)) mismatched.push(`${method}: the table says ${key}; its code sends ${verbs.join(', ')}`);
      }
    }
    expect(mismatched, `fix the entries in ${TABLE} (each method writes its endpoint's path inline)`).toEqual([]);
  });
});

describe('the contract check', () => {
  const exchange = (method: string, path: string, status: number, body?: unknown, requestBody?: unknown) => {
    const request: RecordedRequest = { method, url: `http://127.0.0.1:1${path}`, origin: 'api', authorization: true, status, body: requestBody };
    const response =
      body === undefined
        ? new Response(null, { status })
        : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    return { request, headers: new Headers({ 'content-type': 'application/json' }), response };
  };

  it('flags answers that drift from the spec, and lets listed deviations through', async () => {
    const checker = await contractChecker({ requests: false });
    const user = { id: 'u1', email: 'a@b.c', name: 'A' };
    checker.observe(exchange('GET', '/api/v1/users/me/', 200, { ...user, email: 5 }));
    checker.observe(exchange('GET', '/api/v1/users/me/', 201, user));
    checker.observe(exchange('GET', '/api/v1/users/me/', 404, { detail: 'no envelope' }));
    checker.observe(exchange('POST', '/api/v1/submissions/bulk-approve/', 202, undefined));
    const violations = await checker.violations();
    expect(violations).toHaveLength(4);
    expect(violations).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GET \/api\/v1\/users\/me\/ answered 200: \/email must be string/),
        'GET /api/v1/users/me/ answered 201; the spec lists 200 for GET /api/v1/users/me/',
        expect.stringMatching(/^GET \/api\/v1\/users\/me\/ answered 404 without the usual error envelope/),
        'POST /api/v1/submissions/bulk-approve/ answered 202; the spec lists 200 for POST /api/v1/submissions/bulk-approve/',
      ]),
    );
    await expect(checker.assertClean()).rejects.toThrow(/Contract drift: 4 exchange\(s\)/);

    const lenient = await contractChecker({ requests: false });
    lenient.observe(exchange('POST', '/api/v1/data-collection/batches/b1/setup', 202));
    lenient.observe(exchange('GET', '/api/v1/users/me/', 401, { error: { status: 401, error_code: 1, title: 'No', detail: 'x' } }));
    lenient.observe(exchange('GET', '/api/v1/no-such-thing/', 404, { error: { status: 404, error_code: 1, title: 'No', detail: 'x' } }));
    expect(await lenient.violations()).toEqual([]);
  });

  it('flags requests the client sends off the spec or off the table', async () => {
    const sandbox = await startCheckedSandbox({}, { requests: true });
    const send = (method: string, path: string, body?: unknown) =>
      fetch(sandbox.baseUrl + path, {
        method,
        headers: { Authorization: `Token ${sandbox.token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    await send('POST', '/api/v1/data-collection/batches', { name: 'No details', workspace_id: 'w' });
    await send('GET', '/api/v1/users/me');
    await send('GET', '/api/v1/data-collection/batches/b1/status');
    await send('GET', '/api/v1/data-collection/datasets/d1');
    await send('GET', '/api/v1/studies/?page=2');
    const closed = await sandbox.close().then(
      () => '',
      (error: Error) => error.message,
    );
    expect(closed).toMatch(/^Contract drift: 4 exchange\(s\)/);
    expect(closed).toContain("- POST /api/v1/data-collection/batches request: (body) must have required property 'task_details'");
    expect(closed).toContain("- GET /api/v1/studies/ request: /query has 'page', which the spec does not list");
    expect(closed).toContain('- GET /api/v1/users/me: neither the spec nor OFF_SPEC has this endpoint');
    expect(closed).toContain('- GET /api/v1/data-collection/batches/b1/status: the client calls GET /api/v1/data-collection/batches/{batch_id}/status, which SPEC_OPERATIONS');
  });
});
