import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { RunningSandbox } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';
import { RecordingStdioTransport } from './support/recording-stdio.js';
import { FAST, callTool } from './support/env.js';

const BIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const TOKEN = 'bad-input-token-6d2f0c9a41e7b3';
const UNKNOWN_ID = '0199aaaa-0000-7000-8000-000000000000';
const MEGABYTE = 'x'.repeat(1024 * 1024);

type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[]; enum?: unknown[]; anyOf?: Schema[] };

/** Arguments that pass validation, so each mutation below is the only thing wrong with a call. */
const VALID: Record<string, Record<string, unknown>> = {
  list_workspaces: {},
  create_dataset: { name: 'D' },
  upload_file: { dataset_id: UNKNOWN_ID, rows: [{ a: 1 }] },
  get_dataset: { dataset_id: UNKNOWN_ID },
  create_batch: { name: 'B', task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' } },
  set_instructions: { batch_id: UNKNOWN_ID, instructions: [{ type: 'free_text', description: 'Q' }] },
  setup_batch: { batch_id: UNKNOWN_ID },
  get_batch: { batch_id: UNKNOWN_ID },
  list_batches: {},
  update_batch: { batch_id: UNKNOWN_ID, name: 'N' },
  duplicate_batch: { batch_id: UNKNOWN_ID },
  create_study: { batch_id: UNKNOWN_ID, name: 'S', description: 'D', reward: 100, estimated_completion_time: 5 },
  publish_study: { study_id: UNKNOWN_ID },
  get_study: { study_id: UNKNOWN_ID },
  transition_study: { study_id: UNKNOWN_ID, action: 'PAUSE' },
  get_responses: { batch_id: UNKNOWN_ID },
  summarize_responses: { batch_id: UNKNOWN_ID },
  export_labels: { batch_id: UNKNOWN_ID, file_path: 'labels.csv' },
  sync_batch: { batch_id: UNKNOWN_ID },
  export_batch: { batch_id: UNKNOWN_ID, file_path: 'batch.zip' },
  rerun_contested: { batch_id: UNKNOWN_ID, below_confidence: 0.9, annotators_per_task: 3, reward: 100, estimated_completion_time: 5 },
  review_submissions: { study_id: UNKNOWN_ID, action: 'APPROVE' },
  find_filters: { query: 'first language' },
  count_participants: { filters: [] },
  pay_bonuses: { study_id: UNKNOWN_ID },
  create_comparison: { name: 'C', rows: [{ prompt: 'P', model: 'm1', output: 'x' }, { prompt: 'P', model: 'm2', output: 'y' }] },
  rank_models: { batch_id: UNKNOWN_ID },
};

function wrongType(schema: Schema): unknown {
  switch (schema.type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return '12';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    default:
      return 'not an object';
  }
}

/** Malformed values for one field, each a mistake a model could make or an injected prompt could steer it to. */
function badValues(name: string, schema: Schema): [string, unknown][] {
  const values: [string, unknown][] = [['wrong type', wrongType(schema)]];
  // update_batch's batch_items takes null on purpose: it clears the layout.
  if (!schema.anyOf?.some((option) => option.type === 'null')) values.push(['null', null]);
  if (schema.type === 'string') {
    values.push(['empty', ''], ['1 MB', MEGABYTE], ['control characters', 'a\u0000b\u001b[31m']);
    if (name.endsWith('_id') || name === 'project') values.push(['path traversal', '../../api/v1/studies'], ['unicode id', 'ïd-🙂']);
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    values.push(['negative', -1], ['fractional', 1.5], ['huge', 1e12], ['NaN-like', 'NaN']);
  }
  return values;
}

describe('a corpus of malformed arguments over real stdio', () => {
  let sandbox: RunningSandbox;
  let transport: RecordingStdioTransport;
  let client: Client;
  let tools: Tool[];

  beforeAll(async () => {
    sandbox = await startCheckedSandbox({ ...FAST, token: TOKEN }, { requests: true });
    transport = new RecordingStdioTransport(process.execPath, [BIN], {
      PATH: process.env.PATH,
      PROLIFIC_URL: sandbox.baseUrl,
      PROLIFIC_TOKEN: TOKEN,
      PROLIFIC_TOOLSETS: 'all',
    });
    client = new Client({ name: 'bad-input', version: '1.0.0' });
    await client.connect(transport);
    tools = (await client.listTools()).tools;
  });
  afterAll(async () => {
    await client.close();
    await sandbox.close();
  });

  it('has valid base arguments for every tool', () => {
    expect(Object.keys(VALID).sort()).toEqual(tools.map((t) => t.name).sort());
  });

  it('answers every malformed call with an isError result that names the problem, and keeps answering', async () => {
    let calls = 0;
    for (const tool of tools) {
      const schema = tool.inputSchema as Schema;
      const base = VALID[tool.name] ?? {};
      const cases: [string, Record<string, unknown>, string][] = [['unknown field', { ...base, rewardd: 1 }, 'rewardd']];
      for (const field of schema.required ?? []) {
        const { [field]: _dropped, ...rest } = base;
        cases.push([`missing ${field}`, rest, field]);
      }
      for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) {
        for (const [label, value] of badValues(field, fieldSchema)) cases.push([`${field}: ${label}`, { ...base, [field]: value }, field]);
      }
      for (const [label, args, named] of cases) {
        const result = await callTool(client, tool.name, args);
        calls++;
        const where = `${tool.name} / ${label}`;
        expect(result.isError, where).toBe(true);
        expect(result.text, where).toContain(named);
        expect(result.text.length, where).toBeLessThan(4000);
        expect(result.text, where).not.toMatch(/\n\s+at .+:\d+:\d+/);
      }
    }
    expect(calls).toBeGreaterThan(300);
    const { tools: again } = await client.listTools();
    expect(again).toHaveLength(tools.length);
  });

  it('turned none of them into a request that changed anything', () => {
    const writes = sandbox.requests.filter((r) => r.method !== 'GET');
    expect(writes).toEqual([]);
  });

  it('kept stdout pure JSON-RPC and the token out of everything it wrote', () => {
    expect(transport.invalidLines).toEqual([]);
    expect(transport.stdoutLines.join('\n')).not.toContain(TOKEN);
    expect(transport.stderr).not.toContain(TOKEN);
  });
});
