import { request as httpRequest } from 'node:http';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { parseFaultSpec, type RunningSandbox } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';

const DATASETS = '/api/v1/data-collection/datasets';

function send(sandbox: RunningSandbox, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Token ${sandbox.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(sandbox.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

describe('sandbox fault injection', () => {
  let sandbox: RunningSandbox;
  let workspaceId: string;

  const createDataset = (name: string): Promise<Response> => send(sandbox, 'POST', DATASETS, { name, workspace_id: workspaceId });
  const datasetNames = (): string[] => [...sandbox.state.datasets.values()].map((dataset) => dataset.name);
  const lastRequest = () => sandbox.requests.at(-1);

  beforeAll(async () => {
    sandbox = await startCheckedSandbox({ processingMs: 20 }, { requests: false });
    const workspaces = (await (await send(sandbox, 'GET', '/api/v1/workspaces')).json()) as { results: { id: string }[] };
    workspaceId = workspaces.results[0]?.id ?? '';
  });

  beforeEach(() => {
    sandbox.faults.clear();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('answers 429 with Retry-After in the API error shape, without applying the request', async () => {
    sandbox.faults.add({ kind: 'status', method: 'POST', path: DATASETS, status: 429, retryAfter: 2 });
    const response = await createDataset('throttled');
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toMatchObject({ error: { status: 429, title: 'Too Many Requests', detail: 'Request was throttled.' } });
    expect(datasetNames()).not.toContain('throttled');
    expect(lastRequest()).toMatchObject({ method: 'POST', status: 429, fault: 'status', body: { name: 'throttled' } });
  });

  it('answers 429 without Retry-After when none is set', async () => {
    sandbox.faults.add({ kind: 'status', path: DATASETS, status: 429 });
    const response = await createDataset('throttled-plain');
    expect(response.status).toBe(429);
    expect(response.headers.has('retry-after')).toBe(false);
    expect(datasetNames()).not.toContain('throttled-plain');
  });

  it('fails twice with 503 and then lets the request through', async () => {
    sandbox.faults.add({ kind: 'status', method: 'POST', path: DATASETS, status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await createDataset('third-time-lucky')).status);
    expect(statuses).toEqual([503, 503, 201]);
    expect(datasetNames().filter((name) => name === 'third-time-lucky')).toHaveLength(1);
    expect(sandbox.faults.hits).toEqual([2]);
    expect(sandbox.requests.slice(-3).map((request) => request.fault)).toEqual(['status', 'status', undefined]);
  });

  it('reset-before drops the connection and creates nothing', async () => {
    sandbox.faults.add({ kind: 'reset-before', method: 'POST', path: `${DATASETS}/` });
    await expect(createDataset('never-made')).rejects.toThrow();
    expect(datasetNames()).not.toContain('never-made');
    expect(lastRequest()).toMatchObject({ status: 0, fault: 'reset-before', body: { name: 'never-made' } });
    // The sandbox itself carries on.
    expect((await send(sandbox, 'GET', '/api/v1/users/me')).status).toBe(200);
  });

  it('reset-after applies the request but the client never hears of it', async () => {
    sandbox.faults.add({ kind: 'reset-after', method: 'POST', path: DATASETS });
    const error = await createDataset('made-unseen').then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(datasetNames().filter((name) => name === 'made-unseen')).toHaveLength(1);
    expect(lastRequest()).toMatchObject({ status: 0, fault: 'reset-after' });
  });

  it('delay applies the request at once and answers after delayMs', async () => {
    sandbox.faults.add({ kind: 'delay', method: 'POST', path: DATASETS, delayMs: 150 });
    const started = performance.now();
    const pending = createDataset('slow');
    await expect.poll(() => datasetNames().includes('slow'), { interval: 5, timeout: 140 }).toBe(true);
    const response = await pending;
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(response.status).toBe(201);
    expect(lastRequest()).toMatchObject({ status: 201, fault: 'delay' });
  });

  it('shrugs off a client that gives up during a delay', async () => {
    sandbox.faults.add({ kind: 'delay', path: '/api/v1/users/me', delayMs: 50 });
    const impatient = new AbortController();
    const pending = fetch(`${sandbox.baseUrl}/api/v1/users/me`, {
      headers: { Authorization: `Token ${sandbox.token}` },
      signal: impatient.signal,
    });
    await expect.poll(() => lastRequest()?.fault, { interval: 5 }).toBe('delay');
    impatient.abort();
    await expect(pending).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await send(sandbox, 'GET', '/api/v1/users/me')).status).toBe(200);
  });

  it('with a chance, affects only that share of matching requests', async () => {
    sandbox.faults.add({ kind: 'status', path: '/api/v1/users/me', status: 503, times: Infinity, chance: 0.25 });
    const statuses: number[] = [];
    for (let i = 0; i < 80; i += 1) statuses.push((await send(sandbox, 'GET', '/api/v1/users/me')).status);
    const faulted = statuses.filter((status) => status === 503).length;
    expect(sandbox.faults.hits).toEqual([faulted]);
    expect(statuses.filter((status) => status !== 503).every((status) => status === 200)).toBe(true);
    // The draw is seeded: some but far from all, near a quarter.
    expect(faulted).toBeGreaterThan(5);
    expect(faulted).toBeLessThan(40);
    expect(() => sandbox.faults.add({ kind: 'reset-after', path: '/', chance: 1.5 })).toThrow(/chance/);
  });

  it('truncate sends the full Content-Length but only half the body', async () => {
    sandbox.faults.add({ kind: 'truncate', method: 'POST', path: DATASETS });
    const response = await createDataset('cut-short');
    expect(response.status).toBe(201);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    await expect(response.text()).rejects.toThrow();
    expect(datasetNames()).toContain('cut-short');
    expect(lastRequest()).toMatchObject({ status: 201, fault: 'truncate' });
  });

  it('truncate delivers about half of the bytes before the connection drops', async () => {
    sandbox.faults.add({ kind: 'truncate', path: '/api/v1/users/me' });
    const { declared, received } = await new Promise<{ declared: number; received: number }>((resolve, reject) => {
      const headers = { Authorization: `Token ${sandbox.token}` };
      const request = httpRequest(`${sandbox.baseUrl}/api/v1/users/me`, { headers }, (response) => {
        let received = 0;
        response.on('data', (chunk: Buffer) => (received += chunk.length));
        response.on('error', () => resolve({ declared: Number(response.headers['content-length']), received }));
        response.on('end', () => reject(new Error('the body was complete')));
      });
      request.on('error', reject);
      request.end();
    });
    expect(received).toBe(Math.floor(declared / 2));
  });

  it('html answers 502 with a proxy error page', async () => {
    sandbox.faults.add({ kind: 'html', path: DATASETS });
    const response = await createDataset('behind-proxy');
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<h1>502 Bad Gateway</h1>');
    expect(datasetNames()).not.toContain('behind-proxy');
  });

  it('empty answers 200 with no body at all', async () => {
    sandbox.faults.add({ kind: 'empty', path: DATASETS });
    const response = await createDataset('hollow');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(datasetNames()).not.toContain('hollow');
    expect(lastRequest()).toMatchObject({ status: 200, fault: 'empty' });
  });

  it('faults the presigned upload on the storage origin only when asked to', async () => {
    const dataset = (await (await createDataset('uploaded')).json()) as { id: string };
    const link = (await (await send(sandbox, 'GET', `${DATASETS}/${dataset.id}/upload-url/data.csv`)).json()) as { upload_url: string };
    const put = (): Promise<Response> =>
      fetch(link.upload_url, { method: 'PUT', body: 'text\nhello\nworld\n', headers: { 'Content-Type': 'text/csv' } });
    // An API-origin rule for the same path is not a storage rule.
    sandbox.faults.add({ kind: 'reset-before', path: /^\/task-builder-datasets\// });
    const uploads = /^\/task-builder-datasets\//;
    sandbox.faults.add({ kind: 'status', origin: 'storage', method: 'PUT', path: uploads, status: 503, retryAfter: 1 });
    sandbox.faults.add({ kind: 'reset-before', origin: 'storage', path: uploads });

    const refused = await put();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toContain('<Code>ServiceUnavailable</Code>');
    await expect(put()).rejects.toThrow();
    expect(sandbox.state.datasets.get(dataset.id)?.imports[0]?.status).toBe('uninitialised');

    expect((await put()).status).toBe(200);
    // The dataset has no schema yet, so its import waits for one.
    expect(sandbox.state.datasets.get(dataset.id)?.imports[0]?.status).toBe('pending_schema');
    expect(sandbox.faults.hits).toEqual([0, 1, 1]);
    expect(sandbox.requests.slice(-3).map((request) => [request.origin, request.status, request.fault])).toEqual([
      ['storage', 503, 'status'],
      ['storage', 0, 'reset-before'],
      ['storage', 200, undefined],
    ]);
  });

  it('counts times per rule, takes the first rule with times left, and matches method and trailing slash', async () => {
    sandbox.faults.add({ kind: 'status', path: '/api/v1/workspaces/', status: 500, times: 1 });
    sandbox.faults.add({ kind: 'status', path: /^\/api\/v1\/workspaces/g, status: 502, times: Infinity });
    sandbox.faults.add({ kind: 'status', method: 'post', path: '/api/v1/users/me', status: 500 });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await send(sandbox, 'GET', '/api/v1/workspaces')).status);
    expect(statuses).toEqual([500, 502, 502, 502]);
    expect((await send(sandbox, 'GET', '/api/v1/users/me')).status).toBe(200);
    expect(sandbox.faults.hits).toEqual([1, 3, 0]);

    sandbox.faults.clear();
    expect(sandbox.faults.hits).toEqual([]);
    expect((await send(sandbox, 'GET', '/api/v1/workspaces')).status).toBe(200);
    expect(lastRequest()?.fault).toBeUndefined();
  });

  it('refuses malformed rules', () => {
    expect(() => sandbox.faults.add({ kind: 'stall' as 'delay', path: '/' })).toThrow(/unknown kind/);
    expect(() => sandbox.faults.add({ kind: 'delay', path: '/' })).toThrow(/delayMs/);
    expect(() => sandbox.faults.add({ kind: 'status', path: '/', status: 42 })).toThrow(/status/);
    expect(() => sandbox.faults.add({ kind: 'html', path: '/', status: 204 })).toThrow(/status/);
    expect(sandbox.faults.hits).toEqual([]);
  });
});

describe('fault specs for the CLI', () => {
  it('parses method, path, kind and options', () => {
    expect(parseFaultSpec('POST /api/v1/studies/ reset-after')).toEqual({ kind: 'reset-after', method: 'POST', path: '/api/v1/studies/' });
    expect(parseFaultSpec('/api/v1/users/me empty status=204')).toEqual({ kind: 'empty', path: '/api/v1/users/me', status: 204 });
    expect(parseFaultSpec('GET /api/v1/data-collection/batches/.* status=429 retry-after=1 times=3')).toEqual({
      kind: 'status',
      method: 'GET',
      path: /^(?:\/api\/v1\/data-collection\/batches\/.*)$/,
      status: 429,
      retryAfter: 1,
      times: 3,
    });
    expect(parseFaultSpec('/task-builder-datasets/.* delay delay-ms=500 times=inf origin=storage')).toEqual({
      kind: 'delay',
      path: /^(?:\/task-builder-datasets\/.*)$/,
      delayMs: 500,
      times: Infinity,
      origin: 'storage',
    });
    expect(parseFaultSpec('/api/.* reset-before times=inf chance=0.05')).toEqual({
      kind: 'reset-before',
      path: /^(?:\/api\/.*)$/,
      times: Infinity,
      chance: 0.05,
    });
  });

  it('explains what is wrong with a bad spec', () => {
    expect(() => parseFaultSpec('POST reset-after')).toThrow(/path/);
    expect(() => parseFaultSpec('/x times=2')).toThrow(/needs a kind/);
    expect(() => parseFaultSpec('/x stall')).toThrow(/unknown kind/);
    expect(() => parseFaultSpec('/x status=abc')).toThrow(/status must be/);
    expect(() => parseFaultSpec('/x delay')).toThrow(/delayMs/);
    expect(() => parseFaultSpec('/x status speed=3')).toThrow(/unknown option/);
  });
});

describe('sandbox faults from the start', () => {
  it('applies initial rules and closes promptly while a long delay is pending', async () => {
    const sandbox = await startCheckedSandbox({ faults: [{ kind: 'delay', path: '/api/v1/users/me', delayMs: 60_000 }] }, { requests: false });
    const pending = fetch(`${sandbox.baseUrl}/api/v1/users/me`, { headers: { Authorization: `Token ${sandbox.token}` } }).then(
      () => 'answered',
      () => 'dropped',
    );
    await expect.poll(() => sandbox.requests.length, { interval: 5 }).toBe(1);
    const started = performance.now();
    await sandbox.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('dropped');
    expect(sandbox.requests[0]).toMatchObject({ status: 0, fault: 'delay' });
    expect(sandbox.faults.hits).toEqual([1]);
  });
});
