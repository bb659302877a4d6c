import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { RecordingStdioTransport } from './support/recording-stdio.js';
import { FAST, INSTRUCTIONS, ROWS, callTool, ok, readyBatch, startEnv, type TestEnv, submittedStudy } from './support/env.js';

const BIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const TOKEN = 'progress-test-token-8b2e61c0d94f4a7e';
/** Long enough that the first status read after an upload or setup request still sees PROCESSING on a busy machine. */
const SANDBOX = { ...FAST, processingMs: 1000 };

/**
 * Calls a tool with a progressToken and returns the progress it was sent, in order. Over stdio they are read from
 * the wire itself: the SDK client runs notification handlers a microtask late and drops a tool's last notification
 * when the result arrives in the same chunk, which says nothing about what the server sent.
 */
async function withProgress(client: Client, name: string, args: Record<string, unknown>, wire?: RecordingStdioTransport): Promise<Progress[]> {
  const updates: Progress[] = [];
  const before = wire?.stdoutLines.length ?? 0;
  const result = (await client.callTool({ name, arguments: args }, undefined, { onprogress: (update) => updates.push(update) })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  if (!wire) return updates;
  return wire.stdoutLines
    .slice(before)
    .map((line) => JSON.parse(line) as { method?: string; params?: Progress })
    .filter((message) => message.method === 'notifications/progress')
    .map((message) => message.params as Progress);
}

/** The spec: each value greater than the one before; a total, when given, is never below the progress. */
function expectIncreasing(updates: Progress[]): void {
  for (const [i, update] of updates.entries()) {
    if (i > 0) expect(update.progress, `update ${i} of ${JSON.stringify(updates)}`).toBeGreaterThan(updates[i - 1]!.progress);
    if (update.total !== undefined) expect(update.total).toBeGreaterThanOrEqual(update.progress);
  }
}

/** Uploads and sets up a batch, checking the progress of both waits. */
async function checkWaits(client: Client, wire?: RecordingStdioTransport): Promise<void> {
  const dataset = ok(await callTool(client, 'create_dataset', { name: 'Progress' }));
  const upload = await withProgress(client, 'upload_file', { dataset_id: dataset.id, rows: ROWS }, wire);
  // The upload step, the first status read and the final one: three only when the wait really polled.
  expect(upload.length, JSON.stringify(upload)).toBeGreaterThanOrEqual(3);
  expect(upload[0]?.message).toContain('Uploading');
  expectIncreasing(upload);

  const batch = ok(
    await callTool(client, 'create_batch', {
      name: 'Progress batch',
      dataset_id: dataset.id,
      task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' },
    }),
  );
  ok(await callTool(client, 'set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
  const setup = await withProgress(client, 'setup_batch', { batch_id: batch.id }, wire);
  expect(setup.length, JSON.stringify(setup)).toBeGreaterThanOrEqual(2);
  expectIncreasing(setup);
}

describe('progress notifications strictly increase', () => {
  describe('in memory', () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv({ sandbox: SANDBOX });
    });
    afterAll(() => env.close());

    it('for upload_file and setup_batch', () => checkWaits(env.client));
  });

  describe('in memory, for a tool that mixes its own steps with waits', () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv({ sandbox: { ...SANDBOX, seed: 11, participantIntervalMs: 1, completionMs: 1 } });
    });
    afterAll(() => env.close());

    // rerun_contested reports its steps 0..3 around two waits, each of which counts its reads from 1.
    it('for rerun_contested', async () => {
      const rows = Array.from({ length: 40 }, (_, i) => ({ text: `Review ${i}`, META_ID: `r${i}` }));
      const ready = await readyBatch(env, 5, { rows });
      await submittedStudy(env, { batch_id: ready.batchId, name: 'Round 1', annotators_per_task: 3 });
      const rerun = await withProgress(env.client, 'rerun_contested', {
        batch_id: ready.batchId,
        method: 'majority',
        below_confidence: 1,
        annotators_per_task: 3,
        reward: 100,
        estimated_completion_time: 5,
      });
      expect(rerun.length, JSON.stringify(rerun)).toBeGreaterThanOrEqual(6);
      expectIncreasing(rerun);
    }, 60_000);
  });

  describe('over the built binary\'s stdio', () => {
    let sandbox: RunningSandbox;
    let client: Client;
    let transport: RecordingStdioTransport;
    beforeAll(async () => {
      if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" (npm test does it first).`);
      sandbox = await startSandbox({ ...SANDBOX, token: TOKEN });
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: TOKEN, PROLIFIC_TOOLSETS: 'run,results' };
      client = new Client({ name: 'progress-test', version: '1.0.0' });
      transport = new RecordingStdioTransport(process.execPath, [BIN], env);
      await client.connect(transport);
    });
    afterAll(async () => {
      await client.close();
      await sandbox.close();
    });

    it('for upload_file and setup_batch', () => checkWaits(client, transport));
  });
});
