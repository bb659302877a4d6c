/**
 * Many agents share one Prolific token, so one process keeps its requests to Prolific in check: a bounded
 * number at once, and a 429 with Retry-After pauses every request, not only the one that met it. Proven with
 * the sandbox's fault injection, over the wire.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProlificClient } from '../src/prolific/client.js';
import { ProlificApiError } from '../src/prolific/errors.js';
import type { RunningSandbox } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';
import { FAST, startEnv } from './support/env.js';

const BATCHES = /^\/api\/v1\/data-collection\/batches\/[^/]+$/;

describe('the Prolific client keeps one process within limits', () => {
  let sandbox: RunningSandbox;
  let batchId: string;
  const clients: ProlificClient[] = [];
  const client = (options: { maxConcurrency?: number; retries?: number } = {}) => {
    const made = new ProlificClient({ baseUrl: sandbox.baseUrl, token: sandbox.token, retryBaseMs: 20, ...options });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    sandbox = await startCheckedSandbox(FAST, { requests: true });
    const setup = client();
    const workspace = (await setup.listWorkspaces()).results[0]!.id;
    batchId = (await setup.createBatch({ name: 'Limits', workspace_id: workspace, task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' } })).id;
  });
  afterEach(() => sandbox.faults.clear());
  afterAll(async () => {
    await Promise.all(clients.map((made) => made.close()));
    await sandbox.close();
  });

  it('sends at most PROLIFIC_MAX_CONCURRENCY requests at once, and serves the rest in turn', async () => {
    sandbox.faults.add({ kind: 'delay', method: 'GET', path: BATCHES, delayMs: 150, times: Infinity });
    const limited = client({ maxConcurrency: 3 });
    const since = sandbox.requests.length;
    // The sandbox records a request on arrival and its status once answered: status 0 is in flight there.
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, sandbox.requests.slice(since).filter((request) => request.status === 0).length);
    }, 5);
    const batches = await Promise.all(Array.from({ length: 12 }, () => limited.getBatch(batchId)));
    clearInterval(watch);
    expect(batches.every((batch) => batch.id === batchId)).toBe(true);
    expect(sandbox.requests.slice(since)).toHaveLength(12);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(0);
  });

  it('lets a request waiting for its turn be cancelled without losing the turn of the next', async () => {
    sandbox.faults.add({ kind: 'delay', method: 'GET', path: BATCHES, delayMs: 200, times: 1 });
    const single = client({ maxConcurrency: 1 });
    const first = single.getBatch(batchId);
    const impatient = new AbortController();
    const waiting = single.getBatch(batchId, impatient.signal);
    const third = single.getBatch(batchId);
    impatient.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    expect((await first).id).toBe(batchId);
    expect((await third).id).toBe(batchId);
  });

  it('pauses every request after a 429 with Retry-After, not only the one that met it', async () => {
    sandbox.faults.add({ kind: 'status', method: 'GET', path: '/api/v1/workspaces/', status: 429, retryAfter: 1 });
    const paused = client({ retries: 0 });
    const started = performance.now();
    await expect(paused.listWorkspaces()).rejects.toMatchObject({ status: 429 });
    // Another endpoint, never throttled itself, waits out the pause Prolific asked for.
    const batch = await paused.getBatch(batchId);
    expect(batch.id).toBe(batchId);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('fails at once, unsent, while a pause longer than the backoff cap lasts', async () => {
    sandbox.faults.add({ kind: 'status', method: 'GET', path: '/api/v1/workspaces/', status: 429, retryAfter: 120 });
    const paused = client();
    await expect(paused.listWorkspaces()).rejects.toMatchObject({ status: 429 });
    const since = sandbox.requests.length;
    const error = await paused.getBatch(batchId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProlificApiError);
    expect((error as ProlificApiError).retryAfterMs).toBeGreaterThan(100_000);
    expect(sandbox.requests.slice(since)).toHaveLength(0);
    // Presigned storage is not Prolific's API: it is not held up.
    await expect(paused.downloadReport(`${sandbox.storageUrl}/nothing-here`)).rejects.toThrow(/presigned report URL/);
    expect(sandbox.requests.slice(since).map((request) => request.origin)).toEqual(['storage']);
  });
});

describe('through the server', () => {
  it('a 429 on one tool holds back the next tool too, which says how long to wait', async () => {
    const env = await startEnv({ sandbox: { faults: [{ kind: 'status', method: 'GET', path: '/api/v1/workspaces/', status: 429, retryAfter: 90 }] } });
    try {
      const first = await env.call('list_workspaces');
      expect(first.isError).toBe(true);
      expect(first.text).toContain('wait 90 seconds');
      const since = env.sandbox.requests.length;
      const second = await env.call('get_batch', { batch_id: '0192a3b4c5d6e7f8a9b0c1d2' });
      expect(second.isError).toBe(true);
      expect(second.text).toMatch(/wait (89|90) seconds/);
      expect(env.sandbox.requests.slice(since)).toHaveLength(0);
    } finally {
      await env.close();
    }
  });
});
