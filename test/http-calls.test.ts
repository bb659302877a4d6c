/**
 * Long calls over Streamable HTTP: a client's cancel stops the call it names, and a call that waits answers as
 * an event stream with keep-alive comments, so that no idle timeout on the way cuts it.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RunningSandbox } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';
import { FAST, INSTRUCTIONS, ROWS, callTool, ok } from './support/env.js';
import { BIN, raw, startInstance, type Instance } from './support/http-instance.js';

const PROLIFIC_TOKEN = 'http-calls-prolific-token-3e8d1a5c7b90';
const HTTP_TOKEN = 'http-calls-bearer-token-9a2c4e6f8b1d3057';
const auth = { Authorization: `Bearer ${HTTP_TOKEN}` };

describe('long calls over HTTP', () => {
  let sandbox: RunningSandbox;
  let instance: Instance;
  let client: Client;

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" (npm test does it first).`);
    sandbox = await startCheckedSandbox({ ...FAST, token: PROLIFIC_TOKEN }, { requests: true });
    instance = await startInstance([], { PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN, PROLIFIC_MCP_HTTP_TOKEN: HTTP_TOKEN, PROLIFIC_MCP_KEEPALIVE_MS: '100' });
    client = new Client({ name: 'http-calls', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(instance.url), { requestInit: { headers: auth } }));
  });
  afterAll(async () => {
    await client?.close();
    await instance?.stop();
    await sandbox?.close();
  });

  async function unsetBatch(name: string): Promise<string> {
    const dataset = ok(await callTool(client, 'create_dataset', { name }));
    ok(await callTool(client, 'upload_file', { dataset_id: dataset.id, rows: ROWS }));
    const batch = ok(await callTool(client, 'create_batch', { name, dataset_id: dataset.id, task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' } }));
    ok(await callTool(client, 'set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
    return batch.id;
  }

  it("stops a call when the client cancels it: its polling of Prolific ends and its answer stream closes", async () => {
    const batchId = await unsetBatch('Cancelled');
    const reads = () => sandbox.requests.filter((request) => request.method === 'GET' && request.url.endsWith(`/batches/${batchId}`)).length;
    // Setup takes a minute from here: long enough that only a cancel ends a setup_batch call that waits for it.
    sandbox.state.settings.processingMs = 60_000;
    const cancel = new AbortController();
    const call = client.callTool({ name: 'setup_batch', arguments: { batch_id: batchId, timeout_seconds: 60 } }, undefined, { signal: cancel.signal });
    const refused = expect(call).rejects.toThrow();
    // Setup has begun and the wait is polling the batch.
    await expect.poll(() => sandbox.requests.some((request) => request.url.endsWith(`/batches/${batchId}/setup`)), { timeout: 10_000 }).toBe(true);
    await expect.poll(reads, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    cancel.abort('the person changed their mind');
    await refused;
    // The call's POST ends within moments, though setup has most of a minute to go.
    const setupCalls = () =>
      instance.stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.tool === 'setup_batch');
    await expect.poll(setupCalls, { timeout: 5_000 }).toHaveLength(1);
    const settled = reads();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(reads()).toBe(settled);
    // The cancel named this call only; the instance goes on serving.
    expect(ok(await callTool(client, 'get_batch', { batch_id: batchId })).status).toBe('PROCESSING');
    sandbox.state.settings.processingMs = FAST.processingMs!;
  });

  it('answers a call that waits as an event stream with keep-alive comments; requests that never wait as plain JSON', async () => {
    const batchId = await unsetBatch('Kept alive');
    sandbox.faults.add({ kind: 'delay', method: 'GET', path: `/api/v1/data-collection/batches/${batchId}`, delayMs: 700, times: 1 });
    const message = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_batch', arguments: { batch_id: batchId } } };
    const started = performance.now();
    const slow = await raw(instance.url, { headers: auth, body: message });
    expect(performance.now() - started).toBeGreaterThan(600);
    expect(slow.status).toBe(200);
    expect(slow.headers['content-type']).toContain('text/event-stream');
    const comments = slow.body.split('\n').filter((line) => line.startsWith(':'));
    expect(comments.length).toBeGreaterThanOrEqual(3);
    const answer = JSON.parse(/^data: (.*)$/m.exec(slow.body)![1]!);
    expect(answer).toMatchObject({ id: 7, result: { structuredContent: { id: batchId } } });

    const listing = await raw(instance.url, { headers: auth, body: { jsonrpc: '2.0', id: 8, method: 'tools/list' } });
    expect(listing.headers['content-type']).toContain('application/json');
    expect(JSON.parse(listing.body).result.tools.length).toBeGreaterThan(10);
  });
});
