import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RunningSandbox } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';
import { RecordingStdioTransport } from './support/recording-stdio.js';
import { FAST, INSTRUCTIONS, ROWS, callTool, ok } from './support/env.js';

const BIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const TOKEN = 'stdio-test-token-3f9a7c21e8d44b0f9d6e';

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
}

describe('the built binary over real stdio', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" (npm test does it first).`);
  });

  describe('against a sandbox acting as the live API', () => {
    let sandbox: RunningSandbox;
    let transport: RecordingStdioTransport;
    let client: Client;

    beforeAll(async () => {
      sandbox = await startCheckedSandbox({ ...FAST, token: TOKEN }, { requests: true });
      transport = new RecordingStdioTransport(process.execPath, [BIN], baseEnv({ PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: TOKEN }));
      client = new Client({ name: 'stdio-test', version: '1.0.0' });
      await client.connect(transport);
    });
    afterAll(async () => {
      await client.close();
      await sandbox.close();
    });

    it('completes the whole walkthrough', async () => {
      const dataset = ok(await callTool(client, 'create_dataset', { name: 'Stdio' }));
      ok(await callTool(client, 'upload_file', { dataset_id: dataset.id, rows: ROWS }));
      const batch = ok(
        await callTool(client, 'create_batch', {
          name: 'Stdio batch',
          dataset_id: dataset.id,
          task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' },
        }),
      );
      ok(await callTool(client, 'set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
      ok(await callTool(client, 'setup_batch', { batch_id: batch.id, tasks_per_group: 4 }));
      const study = ok(
        await callTool(client, 'create_study', { batch_id: batch.id, name: 'S', description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: 2 }),
      );
      ok(await callTool(client, 'publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
      let total = 0;
      for (let i = 0; i < 100 && total < 16; i++) {
        total = ok(await callTool(client, 'get_responses', { batch_id: batch.id })).total;
        if (total < 16) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(total).toBe(16);
      const report = await client.readResource({ uri: `prolific://batches/${batch.id}/report` });
      expect((report.contents[0] as { text: string }).text.split('\n')[0]).toContain('text');
      const bad = await callTool(client, 'get_batch', { batch_id: '../../x' });
      expect(bad.isError).toBe(true);
    });

    it('wrote nothing but JSON-RPC messages on stdout', () => {
      expect(transport.stdoutLines.length).toBeGreaterThan(10);
      expect(transport.invalidLines).toEqual([]);
    });

    it('never let the token out: not on stdout, not on stderr, not to storage', () => {
      expect(transport.stdoutLines.join('\n')).not.toContain(TOKEN);
      expect(transport.stderr).not.toContain(TOKEN);
      expect(sandbox.requests.filter((r) => r.origin === 'storage').every((r) => !r.authorization)).toBe(true);
    });
  });

  it('--sandbox needs no token and labels every result as sandbox data', async () => {
    const transport = new RecordingStdioTransport(process.execPath, [BIN, '--sandbox'], baseEnv({}));
    const client = new Client({ name: 'stdio-sandbox-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = await callTool(client, 'list_workspaces');
      expect(result.isError).toBe(false);
      expect(result.text).toContain('Sandbox');
      expect(transport.stderr).toContain('sandbox mode');
      // PROLIFIC_MAX_PUBLISH_COST is unset here, so the default cap is in force, and said so.
      expect(transport.stderr).toContain('spending cap: a publish or bonus payment is refused above 20000 at a time');
      expect(transport.invalidLines).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
