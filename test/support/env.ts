import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { createServer } from '../../src/mcp/server.js';
import { loadCatalogue } from '../../src/mcp/catalogue.js';
import { TOOLSET_NAMES } from '../../src/toolsets.js';
import { ProlificClient } from '../../src/prolific/client.js';
import type { Config } from '../../src/config.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { contractChecker } from './contract.js';

/**
 * Sandbox timings short enough for tests, long enough that PROCESSING is really observed. Every participant
 * submits (no returns or time-outs) unless a test asks for them, so place and response counts are exact.
 */
export const FAST: SandboxOptions = { processingMs: 60, participantIntervalMs: 15, completionMs: 30, returnRate: 0, timeoutRate: 0 };

export interface ToolOutcome {
  isError: boolean;
  text: string;
  data: Record<string, any>;
  raw: CallToolResult;
}

export interface TestEnv {
  client: Client;
  sandbox: RunningSandbox;
  /** A scratch folder inside the upload roots. */
  dir: string;
  call(name: string, args?: Record<string, unknown>): Promise<ToolOutcome>;
  close(): Promise<void>;
}

/**
 * A real MCP Client, linked in memory to a real server, which talks HTTP to a sandbox on loopback. `close()`
 * throws if any request or answer disagreed with the API spec (test/support/contract.ts). Every tool set is on
 * unless `config.toolsets` says otherwise (undefined: the default sets).
 */
export async function startEnv(
  options: {
    sandbox?: SandboxOptions;
    /** Another env's sandbox: a second server (or a restarted one) on the same account. Its traffic is checked by that env. */
    shared?: TestEnv;
    config?: Partial<Config>;
    capabilities?: ClientCapabilities;
    retryBaseMs?: number;
  } = {},
): Promise<TestEnv> {
  // Only the server's ProlificClient talks to this sandbox, so its requests are checked as well as the answers.
  const contract = await contractChecker({ requests: true });
  const sandbox = options.shared?.sandbox ?? (await startSandbox({ ...FAST, ...options.sandbox, observe: contract.observe }));
  const dir = await mkdtemp(join(tmpdir(), 'prolific-mcp-test-'));
  const config: Config = {
    baseUrl: sandbox.baseUrl,
    token: sandbox.token,
    sandbox: false,
    readOnly: false,
    uploadRoots: [dir],
    maxUploadBytes: 10 * 1024 * 1024,
    toolsets: TOOLSET_NAMES,
    ...options.config,
  };
  // Real backoff starts at a second; tests keep the same rules on a faster clock.
  const client = config.token
    ? new ProlificClient({
        baseUrl: config.baseUrl,
        token: config.token,
        timeoutMs: config.timeoutMs,
        retries: config.maxRetries,
        maxConcurrency: config.maxConcurrency,
        retryBaseMs: options.retryBaseMs ?? 20,
      })
    : undefined;
  const server = createServer({ config, client, catalogue: await loadCatalogue() });
  const mcpClient = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await mcpClient.connect(clientSide);
  return {
    client: mcpClient,
    sandbox,
    dir,
    // Every tool result of every in-memory test passes here, so the whole suite guards the token.
    call: async (name, args = {}) => {
      const outcome = await callTool(mcpClient, name, args);
      if (JSON.stringify(outcome.raw).includes(sandbox.token)) throw new Error(`${name} leaked the API token in its result`);
      return outcome;
    },
    async close() {
      await mcpClient.close();
      await server.close();
      await client?.close();
      if (!options.shared) await sandbox.close();
      await rm(dir, { recursive: true, force: true });
      await contract.assertClean();
    },
  };
}

/**
 * A real MCP Client, linked in memory to a server with no API behind it (no token): for what a server offers
 * (tools, prompts, instructions) under a config, and for calls that must be refused before any request.
 */
export async function offlineServer(config: Partial<Config> = {}): Promise<{ client: Client; close(): Promise<void> }> {
  const server = createServer({
    config: { baseUrl: 'https://api.prolific.com', sandbox: false, readOnly: false, uploadRoots: [], maxUploadBytes: 0, ...config },
    catalogue: await loadCatalogue(),
  });
  const client = new Client({ name: 'offline-test', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolOutcome> {
  const raw = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = raw.content
    .filter((item) => item.type === 'text')
    .map((item) => (item as { text: string }).text)
    .join('\n');
  return { isError: raw.isError === true, text, data: (raw.structuredContent ?? {}) as Record<string, any>, raw };
}

/** Fails the test with the tool's own message when a call that should succeed did not. */
export function ok(outcome: ToolOutcome): Record<string, any> {
  if (outcome.isError) throw new Error(`tool failed: ${outcome.text}`);
  return outcome.data;
}

/** A request straight to the sandbox API, past the MCP server: for checking what the sandbox itself answers. */
export async function sandboxApi(
  env: TestEnv,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(env.sandbox.baseUrl + path, {
    method,
    headers: { Authorization: `Token ${env.sandbox.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** Polls get_study until every place has submitted (AWAITING REVIEW) or about 10 s pass; returns the last read. */
export async function untilSubmitted(env: Pick<TestEnv, 'call'>, studyId: string): Promise<Record<string, any>> {
  let study: Record<string, any> = {};
  for (let i = 0; i < 400; i++) {
    study = ok(await env.call('get_study', { study_id: studyId }));
    if (study.status === 'AWAITING REVIEW') break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return study;
}

/**
 * create_study with these fields (a short description, reward 100 and 5 minutes unless given), publish_study with
 * the quoted total, then untilSubmitted: a study whose places have all submitted. Returns the draft and the last read.
 */
export async function submittedStudy(
  env: Pick<TestEnv, 'call'>,
  fields: Record<string, unknown> & { batch_id: string; name: string },
): Promise<{ study: Record<string, any>; submitted: Record<string, any> }> {
  const study = ok(await env.call('create_study', { description: 'D', reward: 100, estimated_completion_time: 5, ...fields }));
  ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
  return { study, submitted: await untilSubmitted(env, study.id) };
}

export const INSTRUCTIONS = [
  {
    type: 'multiple_choice',
    description: 'What is the sentiment of this review?',
    options: [
      { label: 'Positive', value: 'positive' },
      { label: 'Neutral', value: 'neutral' },
      { label: 'Negative', value: 'negative' },
    ],
    answer_limit: 1,
  },
  { type: 'free_text', description: 'Why?', validation: { type: 'string', min: 2, max: 200 } },
];

export const ROWS = [
  { text: 'Great product, works as described.', META_ID: 'r1' },
  { text: 'Broke after two days.', META_ID: 'r2' },
  { text: 'It is fine I guess.', META_ID: 'r3' },
  { text: 'Absolutely love it!', META_ID: 'r4' },
];

/** Runs the walkthrough up to a READY batch: dataset, upload, batch, instructions, setup. */
export async function readyBatch(
  env: Pick<TestEnv, 'call'>,
  tasksPerGroup = 2,
  content: { rows?: Record<string, unknown>[]; instructions?: unknown[] } = {},
): Promise<{ datasetId: string; batchId: string; instructions: { id: string }[] }> {
  const dataset = ok(await env.call('create_dataset', { name: 'Reviews' }));
  ok(await env.call('upload_file', { dataset_id: dataset.id, rows: content.rows ?? ROWS }));
  const batch = ok(
    await env.call('create_batch', {
      name: 'Sentiment',
      dataset_id: dataset.id,
      task_details: { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: '<ol><li>Read</li><li>Rate</li></ol>' },
    }),
  );
  const set = ok(await env.call('set_instructions', { batch_id: batch.id, instructions: content.instructions ?? INSTRUCTIONS }));
  ok(await env.call('setup_batch', { batch_id: batch.id, tasks_per_group: tasksPerGroup }));
  return { datasetId: dataset.id, batchId: batch.id, instructions: set.instructions };
}
