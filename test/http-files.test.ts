/**
 * File paths over HTTP: a remote caller must never reach the server's own files. Under --http, uploads and
 * exports work only inside configured upload roots, and without any they are refused; inline rows still work.
 * Over stdio nothing changed: the working directory stays the fallback.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RunningSandbox } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';
import { FAST, ROWS, callTool, ok } from './support/env.js';
import { BIN, startInstance, type Instance } from './support/http-instance.js';
import { RecordingStdioTransport } from './support/recording-stdio.js';

const PROLIFIC_TOKEN = 'http-files-prolific-token-7c2e94b1d05a';
const HTTP_TOKEN = 'http-files-bearer-token-4f8a1c6e2d9b7305';
const SECRET_ROW = 'server-side secret row';

describe('file paths over HTTP', () => {
  let sandbox: RunningSandbox;
  /** The server's working directory, holding a file no remote caller should reach. */
  let cwd: string;
  let allowed: string;

  const uploads = () => sandbox.requests.filter((request) => request.origin === 'storage').length;

  async function httpClient(instance: Instance): Promise<Client> {
    const client = new Client({ name: 'http-files', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(instance.url), { requestInit: { headers: { Authorization: `Bearer ${HTTP_TOKEN}` } } }),
    );
    return client;
  }

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" (npm test does it first).`);
    sandbox = await startCheckedSandbox({ ...FAST, token: PROLIFIC_TOKEN }, { requests: true });
    cwd = await mkdtemp(join(tmpdir(), 'prolific-mcp-http-files-'));
    allowed = join(cwd, 'allowed');
    await mkdir(allowed);
    await writeFile(join(cwd, 'private.csv'), `text\n${SECRET_ROW}\n`);
    await writeFile(join(allowed, 'shared.csv'), 'text\nshared row\n');
  });
  afterAll(async () => {
    await sandbox?.close();
    await rm(cwd, { recursive: true, force: true });
  });

  describe('with no upload roots configured', () => {
    let instance: Instance;
    let client: Client;
    beforeAll(async () => {
      instance = await startInstance([], { PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN, PROLIFIC_MCP_HTTP_TOKEN: HTTP_TOKEN, PROLIFIC_TOOLSETS: 'all' }, { cwd });
      client = await httpClient(instance);
    });
    afterAll(async () => {
      await client?.close();
      await instance?.stop();
    });

    it('says at start that file paths are refused', () => {
      expect(instance.stderr).toContain('file paths (uploads, exports) are refused');
      expect(instance.stderr).toContain('PROLIFIC_UPLOAD_ROOTS');
    });

    it("refuses the server's own files, relative or absolute, and sends nothing", async () => {
      const dataset = ok(await callTool(client, 'create_dataset', { name: 'Remote' }));
      const before = uploads();
      for (const file_path of ['private.csv', join(cwd, 'private.csv'), join(allowed, 'shared.csv')]) {
        const refused = await callTool(client, 'upload_file', { dataset_id: dataset.id, file_path });
        expect(refused.isError, file_path).toBe(true);
        expect(refused.text, file_path).toContain('PROLIFIC_UPLOAD_ROOTS');
        expect(refused.text, file_path).toContain('rows');
      }
      expect(uploads()).toBe(before);
      expect(ok(await callTool(client, 'get_dataset', { dataset_id: dataset.id })).total_datapoint_count ?? 0).toBe(0);
    });

    it('refuses to write exports into the working directory', async () => {
      const batchId = 'a1b2c3d4e5f6a7b8c9d0e1f2';
      for (const [tool, file_path] of [
        ['export_labels', 'labels.csv'],
        ['export_batch', 'export.zip'],
      ] as const) {
        const refused = await callTool(client, tool, { batch_id: batchId, file_path });
        expect(refused.isError, tool).toBe(true);
        expect(refused.text, tool).toContain('PROLIFIC_UPLOAD_ROOTS');
        // An export takes no rows: the way to do without a file is to read the results.
        expect(refused.text, tool).toContain('summarize_responses');
        expect(refused.text, tool).not.toContain('rows');
        expect(existsSync(join(cwd, file_path)), tool).toBe(false);
      }
    });

    it('still takes inline rows', async () => {
      const dataset = ok(await callTool(client, 'create_dataset', { name: 'Inline' }));
      const uploaded = ok(await callTool(client, 'upload_file', { dataset_id: dataset.id, rows: ROWS }));
      expect(uploaded).toMatchObject({ status: 'complete', total_datapoint_count: ROWS.length });
    });
  });

  describe('with PROLIFIC_UPLOAD_ROOTS', () => {
    let instance: Instance;
    let client: Client;
    beforeAll(async () => {
      instance = await startInstance(
        [],
        { PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN, PROLIFIC_MCP_HTTP_TOKEN: HTTP_TOKEN, PROLIFIC_UPLOAD_ROOTS: allowed, PROLIFIC_TOOLSETS: 'all' },
        { cwd },
      );
      client = await httpClient(instance);
    });
    afterAll(async () => {
      await client?.close();
      await instance?.stop();
    });

    it('says which folders at start, reads inside them and nowhere else', async () => {
      expect(instance.stderr).toContain(`file paths (uploads, exports): only inside ${allowed}`);
      const dataset = ok(await callTool(client, 'create_dataset', { name: 'Rooted' }));
      const inside = ok(await callTool(client, 'upload_file', { dataset_id: dataset.id, file_path: 'shared.csv' }));
      expect(inside).toMatchObject({ status: 'complete', total_datapoint_count: 1 });
      const outside = await callTool(client, 'upload_file', { dataset_id: dataset.id, file_path: join(cwd, 'private.csv') });
      expect(outside.isError).toBe(true);
      expect(outside.text).toContain('outside the folders');
      expect(outside.text).toContain('ask the person running this server to widen them (PROLIFIC_UPLOAD_ROOTS)');
      // A remote caller never learns which of the server's files exist: a missing one outside is refused in the same words.
      const missing = await callTool(client, 'upload_file', { dataset_id: dataset.id, file_path: join(cwd, 'missing.csv') });
      expect(missing.isError).toBe(true);
      expect(missing.text).toContain('outside the folders');
      expect(missing.text).not.toContain('does not exist');
      const missingInside = await callTool(client, 'upload_file', { dataset_id: dataset.id, file_path: 'missing.csv' });
      expect(missingInside.text).toContain('does not exist');
    });
  });

  it('over stdio, still falls back to the working directory', async () => {
    const transport = new RecordingStdioTransport(
      process.execPath,
      [BIN],
      { PATH: process.env.PATH, HOME: process.env.HOME, PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN, PROLIFIC_TOOLSETS: 'all' },
      { cwd },
    );
    const client = new Client({ name: 'stdio-files', version: '1.0.0' });
    await client.connect(transport);
    try {
      const dataset = ok(await callTool(client, 'create_dataset', { name: 'Local' }));
      const uploaded = ok(await callTool(client, 'upload_file', { dataset_id: dataset.id, file_path: 'private.csv' }));
      expect(uploaded).toMatchObject({ status: 'complete', total_datapoint_count: 1 });
      expect(transport.stderr).not.toContain('file paths (uploads, exports)');
    } finally {
      await client.close();
    }
  });
});
