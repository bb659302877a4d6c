import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RunningSandbox } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';
import { FAST, INSTRUCTIONS, ROWS, callTool, ok } from './support/env.js';
import { BIN, raw, startFailure, startInstance, type Instance } from './support/http-instance.js';

const PROLIFIC_TOKEN = 'http-test-prolific-token-5b7d1e93a0c4';
const HTTP_TOKEN = 'http-test-bearer-token-c81f4a2e96d7b305';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
};

describe('Streamable HTTP', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" (npm test does it first).`);
  });

  describe('two stateless instances behind a round-robin client, one sandbox', () => {
    let sandbox: RunningSandbox;
    let instances: Instance[];
    let client: Client;
    const served: { instance: number; method: string }[] = [];
    const bodies: Promise<string>[] = [];
    let elicitations = 0;

    beforeAll(async () => {
      sandbox = await startCheckedSandbox({ ...FAST, token: PROLIFIC_TOKEN }, { requests: true });
      // The results set too: its review prompt's completions are part of what each instance must answer alike.
      const env = { PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN, PROLIFIC_MCP_HTTP_TOKEN: HTTP_TOKEN, PROLIFIC_TOOLSETS: 'run,results' };
      instances = await Promise.all([startInstance([], env), startInstance([], env)]);
      let next = 0;
      // An ordinary load balancer: each HTTP request goes to the next instance, whatever it carries.
      const roundRobin = async (_url: string | URL, init?: RequestInit): Promise<Response> => {
        const instance = next++ % instances.length;
        const message = typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: string }) : {};
        served.push({ instance, method: `${init?.method ?? 'GET'} ${message.method ?? ''}`.trim() });
        const response = await fetch(instances[instance]!.url, init);
        bodies.push(response.clone().text().catch((error: unknown) => `(body unread: ${String(error)})`));
        return response;
      };
      client = new Client({ name: 'http-test', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
      // Advertised, as a desktop client would; a stateless server must not ask, since it could not wait for the answer.
      client.setRequestHandler(ElicitRequestSchema, () => {
        elicitations++;
        return { action: 'accept', content: { publish: true } };
      });
      const transport = new StreamableHTTPClientTransport(new URL(instances[0]!.url), {
        fetch: roundRobin,
        requestInit: { headers: { Authorization: `Bearer ${HTTP_TOKEN}` } },
      });
      await client.connect(transport);
    });
    afterAll(async () => {
      await client?.close();
      await Promise.all((instances ?? []).map((instance) => instance.stop()));
      await sandbox?.close();
    });

    it('completes the whole walkthrough with its requests alternating between the instances', async () => {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('publish_study');
      ok(await callTool(client, 'list_workspaces'));
      const dataset = ok(await callTool(client, 'create_dataset', { name: 'Over HTTP' }));
      ok(await callTool(client, 'upload_file', { dataset_id: dataset.id, rows: ROWS }));
      expect(ok(await callTool(client, 'get_dataset', { dataset_id: dataset.id })).imports).toMatchObject([{ status: 'complete' }]);
      const batch = ok(
        await callTool(client, 'create_batch', {
          name: 'HTTP batch',
          dataset_id: dataset.id,
          task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' },
        }),
      );
      ok(await callTool(client, 'set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
      const progress: string[] = [];
      const setup = (await client.callTool(
        { name: 'setup_batch', arguments: { batch_id: batch.id, tasks_per_group: 4 } },
        undefined,
        { onprogress: (update) => progress.push(update.message ?? '') },
      )) as CallToolResult;
      expect(setup.isError).not.toBe(true);
      expect(progress.length).toBeGreaterThan(0);
      const resources = await client.listResources();
      expect(resources.resources.map((resource) => resource.uri)).toContain(`prolific://batches/${batch.id}`);
      // Prompts and completions come from handlers built once per process, like tools and resources.
      expect((await client.listPrompts()).prompts.map((prompt) => prompt.name)).toContain('review_annotation_quality');
      const completion = await client.complete({
        ref: { type: 'ref/prompt', name: 'review_annotation_quality' },
        argument: { name: 'batch_id', value: batch.id.slice(0, 4) },
      });
      expect(completion.completion.values).toContain(batch.id);
      const reportCompletion = await client.complete({
        ref: { type: 'ref/resource', uri: 'prolific://batches/{batch_id}/report' },
        argument: { name: 'batch_id', value: batch.id.slice(0, 4) },
      });
      expect(reportCompletion.completion.values).toContain(batch.id);
      // A stateless server cannot push, so it does not promise list-change announcements.
      expect(client.getServerCapabilities()?.resources?.listChanged).toBe(false);
      const study = ok(
        await callTool(client, 'create_study', { batch_id: batch.id, name: 'S', description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: 2 }),
      );
      const quote = ok(await callTool(client, 'publish_study', { study_id: study.id }));
      expect(quote.published).toBe(false);
      expect(quote.message).toContain(`confirm_total_cost=${study.total_cost}`);
      const published = ok(await callTool(client, 'publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
      expect(published.published).toBe(true);
      expect(elicitations).toBe(0);
      let total = 0;
      for (let i = 0; i < 100 && total < 16; i++) {
        total = ok(await callTool(client, 'get_responses', { batch_id: batch.id })).total;
        if (total < 16) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(total).toBe(16);
      expect(ok(await callTool(client, 'get_study', { study_id: study.id })).status).toBeDefined();
      const report = await client.readResource({ uri: `prolific://batches/${batch.id}/report` });
      expect((report.contents[0] as { text: string }).text.split('\n')[0]).toContain('text');
      expect((await callTool(client, 'get_batch', { batch_id: '../../x' })).isError).toBe(true);

      const calls = served.filter((request) => request.method === 'POST tools/call');
      expect(calls.length).toBeGreaterThan(10);
      for (const instance of [0, 1]) {
        expect(calls.filter((call) => call.instance === instance).length).toBeGreaterThan(calls.length / 3);
      }
      // The client's GET for an event stream met 405 and carried on.
      expect(served.some((request) => request.method === 'GET')).toBe(true);
    });

    it('never let a token out: not in answers, not on stderr', async () => {
      const answers = (await Promise.all(bodies)).join('\n');
      expect(answers).toContain('published');
      expect(answers).not.toContain(PROLIFIC_TOKEN);
      expect(answers).not.toContain(HTTP_TOKEN);
      for (const instance of instances) {
        expect(instance.stderr).toContain('listening on http://127.0.0.1:');
        expect(instance.stderr).not.toContain(PROLIFIC_TOKEN);
        expect(instance.stderr).not.toContain(HTTP_TOKEN);
      }
    });

    it('logs one JSON line per request, naming the tool but never its arguments', async () => {
      const lines = () => instances.flatMap((instance) => instance.stderr.split('\n').filter((line) => line.startsWith('{')));
      const entries = () => lines().map((line) => JSON.parse(line) as Record<string, unknown>);
      const calls = () => entries().filter((entry) => entry.rpc === 'tools/call');
      // A line is written once its answer has gone out, so the last may still be on its way through the pipe.
      await expect.poll(() => calls().length).toBe(served.filter((request) => request.method === 'POST tools/call').length);
      expect(calls().map((entry) => entry.tool)).toContain('create_dataset');
      for (const entry of calls()) {
        expect(entry).toMatchObject({ event: 'http', method: 'POST', path: '/mcp', status: 200 });
        expect(typeof entry.ms).toBe('number');
      }
      expect(entries().some((entry) => entry.method === 'GET' && entry.status === 405)).toBe(true);
      const logged = lines().join('\n');
      // The dataset's name and the uploaded rows were arguments: data, not for logs.
      expect(logged).not.toContain('Over HTTP');
      expect(logged).not.toContain(ROWS[0]!.text);
    });
  });

  describe('operations', () => {
    let sandbox: RunningSandbox;
    let batchId: string;
    const env = () => ({ PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN, PROLIFIC_MCP_HTTP_TOKEN: HTTP_TOKEN });
    const auth = { Authorization: `Bearer ${HTTP_TOKEN}` };
    const getBatch = (url: string, id = 1) =>
      raw(url, { headers: auth, body: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_batch', arguments: { batch_id: batchId } } } });
    /** The batch read arrives at the sandbox and is held there for `ms`: a call in flight for that long. */
    const slowBatchReads = (ms: number) =>
      sandbox.faults.add({ kind: 'delay', method: 'GET', path: `/api/v1/data-collection/batches/${batchId}`, delayMs: ms, times: Infinity });
    const arrived = () => sandbox.requests.filter((request) => request.url.endsWith(`/batches/${batchId}`) && request.status === 0).length;

    beforeAll(async () => {
      sandbox = await startCheckedSandbox({ ...FAST, token: PROLIFIC_TOKEN }, { requests: true });
      const workspace = sandbox.state.workspaces.values().next().value!.id;
      const response = await fetch(`${sandbox.baseUrl}/api/v1/data-collection/batches`, {
        method: 'POST',
        headers: { Authorization: `Token ${PROLIFIC_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Ops', workspace_id: workspace, task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' } }),
      });
      batchId = ((await response.json()) as { id: string }).id;
    });
    afterAll(async () => {
      await sandbox?.close();
    });

    describe('a running instance', () => {
      let instance: Instance;
      beforeAll(async () => {
        instance = await startInstance([], env());
      });
      afterAll(async () => {
        await instance?.stop();
      });

      it('after a 413, closes the connection rather than reading whatever else the client sends', async () => {
        const { hostname, port } = new URL(instance.url);
        for (const framing of ['Content-Length: 1073741824', 'Transfer-Encoding: chunked']) {
          const socket = connect(Number(port), hostname);
          let answer = '';
          socket.setEncoding('utf8');
          socket.on('data', (text: string) => (answer += text));
          const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
          socket.on('error', () => undefined);
          socket.write(`POST /mcp HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${HTTP_TOKEN}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n${framing}\r\n\r\n`);
          const piece = Buffer.alloc(1024 * 1024, 'x');
          const chunk = framing.startsWith('Transfer') ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
          // A server that drains would take all of this and wait for more; one that closes stops it long before.
          let sent = 0;
          let open = true;
          void closed.then(() => (open = false));
          while (open && sent < 256) {
            if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
            sent += 1;
          }
          await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
          expect(open, framing).toBe(false);
          expect(sent, framing).toBeLessThan(256);
          expect(answer, framing).toMatch(/^HTTP\/1\.1 413/);
          expect(answer.toLowerCase(), framing).toContain('connection: close');
          socket.destroy();
        }
        expect((await getBatch(instance.url)).status).toBe(200);
      });

      it('answers "Expect: 100-continue" for an oversized Content-Length with the 413 itself, so the body is never sent', async () => {
        const { hostname, port } = new URL(instance.url);
        const firstAnswer = (length: number) =>
          new Promise<string>((resolve, reject) => {
            const socket = connect(Number(port), hostname);
            socket.setEncoding('utf8');
            socket.on('error', reject);
            socket.once('data', (text: string) => {
              socket.destroy();
              resolve(text);
            });
            socket.write(
              `POST /mcp HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${HTTP_TOKEN}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`,
            );
          });
        const refused = await firstAnswer(64 * 1024 * 1024);
        expect(refused).toMatch(/^HTTP\/1\.1 413/);
        expect(refused.toLowerCase()).toContain('connection: close');
        expect(await firstAnswer(1024)).toMatch(/^HTTP\/1\.1 100 Continue/);
        expect((await getBatch(instance.url)).status).toBe(200);
      });

      it('answers /healthz and /readyz without credentials, with the version and no secret', async () => {
        const base = instance.url.replace(/\/mcp$/, '');
        const health = await raw(`${base}/healthz`, { method: 'GET' });
        expect(health.status).toBe(200);
        expect(JSON.parse(health.body)).toEqual({ status: 'ok', name: 'prolific-task-builder', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
        expect(health.body).not.toContain(PROLIFIC_TOKEN);
        expect(health.body).not.toContain(HTTP_TOKEN);
        expect(health.body).not.toContain(sandbox.baseUrl);
        const ready = await raw(`${base}/readyz`, { method: 'GET' });
        expect(ready.status).toBe(200);
        expect(JSON.parse(ready.body).status).toBe('ready');
        expect((await raw(`${base}/healthz`, { method: 'POST', body: {} })).status).toBe(405);
      });

      it('answers 413 to a 6 MB body, sent whole or in chunks, and keeps serving', async () => {
        const huge = JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, padding: 'x'.repeat(6 * 1024 * 1024) } });
        for (const chunked of [false, true]) {
          const refused = await raw(instance.url, { headers: auth, body: huge, chunked });
          expect(refused.status, `chunked: ${chunked}`).toBe(413);
          expect(JSON.parse(refused.body).error.message).toContain('Payload Too Large');
        }
        expect((await raw(instance.url, { headers: auth, body: '{not json' })).status).toBe(400);
        const served = await getBatch(instance.url);
        expect(served.status).toBe(200);
        expect(served.body).toContain(batchId);
        // A tool call may wait on Prolific, so it streams (with keep-alive comments; see http-calls.test.ts).
        expect(served.headers['content-type']).toContain('text/event-stream');
      });
    });

    it('answers 503 with Retry-After beyond PROLIFIC_MCP_MAX_INFLIGHT, and serves again once below it', async () => {
      const instance = await startInstance([], { ...env(), PROLIFIC_MCP_MAX_INFLIGHT: '1' });
      try {
        slowBatchReads(1500);
        const slow = getBatch(instance.url);
        await expect.poll(arrived, { timeout: 10_000 }).toBe(1);
        const refused = await getBatch(instance.url, 2);
        expect(refused.status).toBe(503);
        expect(refused.headers['retry-after']).toBe('1');
        expect(refused.body).toContain('PROLIFIC_MCP_MAX_INFLIGHT');
        const done = await slow;
        expect(done.status).toBe(200);
        expect(done.body).toContain(batchId);
        expect(done.body).not.toContain('"isError":true');
      } finally {
        sandbox.faults.clear();
        await instance.stop();
      }
    });

    it('on SIGTERM, finishes the call in flight while refusing new work, then exits 0', async () => {
      const instance = await startInstance([], env());
      const base = instance.url.replace(/\/mcp$/, '');
      try {
        slowBatchReads(3000);
        const inFlight = getBatch(instance.url);
        await expect.poll(arrived, { timeout: 10_000 }).toBe(1);
        instance.signal('SIGTERM');
        await expect.poll(async () => (await raw(`${base}/readyz`, { method: 'GET' })).status, { interval: 20 }).toBe(503);
        const refused = await getBatch(instance.url, 2);
        expect(refused.status).toBe(503);
        expect(refused.headers['retry-after']).toBe('1');
        const done = await inFlight;
        expect(done.status).toBe(200);
        expect(done.body).toContain(batchId);
        expect(done.body).not.toContain('"isError":true');
        expect(await instance.exited).toBe(0);
        expect(instance.stderr).toContain('draining');
      } finally {
        sandbox.faults.clear();
        await instance.stop();
      }
    });
  });

  describe('with a bearer token', () => {
    let instance: Instance;
    beforeAll(async () => {
      instance = await startInstance([], {
        PROLIFIC_SANDBOX: '1',
        PROLIFIC_MCP_HTTP_TOKEN: HTTP_TOKEN,
        PROLIFIC_MCP_ALLOWED_ORIGINS: 'https://app.example.com',
      });
    });
    afterAll(async () => {
      await instance?.stop();
    });

    it('refuses a request without the token, or with another one', async () => {
      const missing = await raw(instance.url, { body: INITIALIZE });
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
      for (const authorization of [`Bearer ${HTTP_TOKEN}x`, `Bearer ${HTTP_TOKEN.slice(0, -1)}`, `Basic ${HTTP_TOKEN}`, HTTP_TOKEN, 'Bearer ']) {
        const wrong = await raw(instance.url, { body: INITIALIZE, headers: { Authorization: authorization } });
        expect(wrong.status, authorization).toBe(401);
        expect(wrong.body).not.toContain(HTTP_TOKEN);
      }
      const right = await raw(instance.url, { body: INITIALIZE, headers: { Authorization: `Bearer ${HTTP_TOKEN}` } });
      expect(right.status).toBe(200);
      expect(right.body).toContain('prolific-task-builder');
    });

    it('answers loopback and listed origins, refuses others even with the token', async () => {
      const auth = { Authorization: `Bearer ${HTTP_TOKEN}` };
      for (const origin of ['http://localhost:6274', 'http://127.0.0.1:5173', 'https://app.example.com']) {
        const allowed = await raw(instance.url, { body: INITIALIZE, headers: { ...auth, Origin: origin } });
        expect(allowed.status, origin).toBe(200);
        expect(allowed.headers['access-control-allow-origin']).toBe(origin);
      }
      for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example', 'https://app.example.com.evil.example']) {
        const refused = await raw(instance.url, { body: INITIALIZE, headers: { ...auth, Origin: origin } });
        expect(refused.status, origin).toBe(403);
        expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      }
    });

    it('answers the CORS preflight of an allowed origin without the token', async () => {
      const preflight = await raw(instance.url, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-headers']).toContain('Authorization');
      const refused = await raw(instance.url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
      expect(refused.status).toBe(403);
    });

    it('answers a public Host forwarded by a reverse proxy, since the token already stops DNS rebinding', async () => {
      const forwarded = await raw(instance.url, { body: INITIALIZE, headers: { Host: 'mcp.example.com', Authorization: `Bearer ${HTTP_TOKEN}` } });
      expect(forwarded.status).toBe(200);
      expect((await raw(instance.url, { body: INITIALIZE, headers: { Host: 'mcp.example.com' } })).status).toBe(401);
    });

    it('offers no GET stream and no other path', async () => {
      const auth = { Authorization: `Bearer ${HTTP_TOKEN}` };
      const get = await raw(instance.url, { method: 'GET', headers: { ...auth, Accept: 'text/event-stream' } });
      expect(get.status).toBe(405);
      expect(get.headers.allow).toContain('POST');
      expect((await raw(instance.url.replace(/\/mcp$/, '/other'), { body: INITIALIZE, headers: auth })).status).toBe(404);
      expect(instance.stderr).not.toContain(HTTP_TOKEN);
    });
  });

  describe('on loopback without a token', () => {
    let instance: Instance;
    beforeAll(async () => {
      instance = await startInstance(['--sandbox'], {});
    });
    afterAll(async () => {
      await instance?.stop();
    });

    it('answers a loopback client with no Authorization', async () => {
      const client = new Client({ name: 'loopback', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(instance.url)));
      try {
        const result = await callTool(client, 'list_workspaces');
        expect(result.isError).toBe(false);
        expect(result.text).toContain('Sandbox');
      } finally {
        await client.close();
      }
    });

    it('refuses a Host that is not loopback (DNS rebinding)', async () => {
      const port = new URL(instance.url).port;
      for (const host of [`attacker.example:${port}`, `127.0.0.1.attacker.example:${port}`]) {
        const rebound = await raw(instance.url, { body: INITIALIZE, headers: { Host: host } });
        expect(rebound.status, host).toBe(403);
      }
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
        expect((await raw(instance.url, { body: INITIALIZE, headers: { Host: host } })).status, host).toBe(200);
      }
    });

    it('refuses a cross-site Origin', async () => {
      const refused = await raw(instance.url, { body: INITIALIZE, headers: { Origin: 'https://evil.example' } });
      expect(refused.status).toBe(403);
    });
  });

  describe('refuses to start exposed', () => {
    it('will not listen on a public address without PROLIFIC_MCP_HTTP_TOKEN', async () => {
      for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
        const { code, stderr } = await startFailure(['--http', '--host', host, '--sandbox'], {});
        expect(code, host).toBe(2);
        expect(stderr).toContain(`Refusing to listen on ${host} without PROLIFIC_MCP_HTTP_TOKEN`);
      }
    });

    it('will not accept a short token, nor --host without --http', async () => {
      const short = await startFailure(['--http', '--host', '0.0.0.0', '--sandbox'], { PROLIFIC_MCP_HTTP_TOKEN: 'short' });
      expect(short.code).toBe(2);
      expect(short.stderr).toContain('at least 16 characters');
      const stray = await startFailure(['--host', '0.0.0.0'], {});
      expect(stray.code).toBe(2);
      expect(stray.stderr).toContain('--host and --port apply only with --http');
    });

    it('will not start with limits that cannot work', async () => {
      for (const [name, value, says] of [
        ['PROLIFIC_MCP_MAX_INFLIGHT', '0', 'at least 1'],
        ['PROLIFIC_MAX_CONCURRENCY', '0', 'at least 1'],
        ['PROLIFIC_MCP_DRAIN_SECONDS', 'soon', 'a whole number'],
        ['PROLIFIC_MCP_KEEPALIVE_MS', '0', 'at least 1'],
      ] as const) {
        const { code, stderr } = await startFailure(['--http', '--sandbox'], { [name]: value });
        expect(code, name).toBe(2);
        expect(stderr).toContain(`${name} must be ${says}`);
      }
    });

    it('listens on every interface once a token is set, and still requires it', async () => {
      const instance = await startInstance(['--host', '0.0.0.0', '--sandbox'], { PROLIFIC_MCP_HTTP_TOKEN: HTTP_TOKEN });
      try {
        expect(instance.stderr).toContain('bearer token required');
        const url = instance.url.replace('0.0.0.0', '127.0.0.1');
        expect((await raw(url, { body: INITIALIZE })).status).toBe(401);
        expect((await raw(url, { body: INITIALIZE, headers: { Authorization: `Bearer ${HTTP_TOKEN}` } })).status).toBe(200);
      } finally {
        await instance.stop();
      }
    });
  });
});
