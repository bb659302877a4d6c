import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ConfigError, readConfig, type Config } from '../src/config.js';
import { TOOLSET_NAMES, type ToolsetName } from '../src/toolsets.js';
import { builtListing } from '../src/mcp/catalogue.js';
import { allTools } from '../tools/index.js';
import { RecordingStdioTransport } from './support/recording-stdio.js';
import { callTool, offlineServer } from './support/env.js';

const BIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const RECORD_LOADS = fileURLToPath(new URL('./support/record-loads.mjs', import.meta.url));
const DIST = new URL('../dist/', import.meta.url).href;

const RUN = [
  'list_workspaces', 'create_dataset', 'upload_file', 'get_dataset', 'create_batch', 'set_instructions', 'setup_batch', 'get_batch',
  'create_study', 'publish_study', 'get_study', 'transition_study', 'get_responses',
];
const BATCHES = ['list_batches', 'update_batch', 'duplicate_batch', 'sync_batch'];
const RESULTS = ['summarize_responses', 'export_labels', 'export_batch', 'rerun_contested', 'review_submissions'];

/** What a server offers under a config: its tools, its instructions, and the text of each of its prompts. */
async function offered(config: Partial<Config>) {
  const server = await offlineServer(config);
  try {
    const tools = (await server.client.listTools()).tools.map((tool) => tool.name);
    const instructions = server.client.getInstructions() ?? '';
    const prompts: Record<string, string> = {};
    const listed = server.client.getServerCapabilities()?.prompts ? (await server.client.listPrompts()).prompts : [];
    for (const prompt of listed) {
      const args = { data: 'reviews.csv', question: 'Is it positive?', labels: 'yes,no', budget: '£40', batch_id: 'b1', study_id: 's1' };
      const wanted = Object.fromEntries((prompt.arguments ?? []).map((arg) => [arg.name, args[arg.name as keyof typeof args]]));
      const { messages } = await server.client.getPrompt({ name: prompt.name, arguments: wanted });
      prompts[prompt.name] = messages.map((message) => (message.content.type === 'text' ? message.content.text : '')).join('\n');
    }
    return { tools, instructions, prompts };
  } finally {
    await server.close();
  }
}

describe('choosing tool sets', () => {
  it('reads --toolsets and PROLIFIC_TOOLSETS, the option first, with all and default', () => {
    expect(readConfig([], {}).toolsets).toBeUndefined();
    expect(readConfig([], { PROLIFIC_TOOLSETS: ' ' }).toolsets).toBeUndefined();
    expect(readConfig(['--toolsets', 'results,run'], {}).toolsets).toEqual(['run', 'results']);
    expect(readConfig([], { PROLIFIC_TOOLSETS: 'all' }).toolsets).toEqual(TOOLSET_NAMES);
    expect(readConfig(['--toolsets=batches'], { PROLIFIC_TOOLSETS: 'all' }).toolsets).toEqual(['batches']);
    expect(readConfig(['--toolsets', 'default, Results'], {}).toolsets).toEqual(['run', 'results']);
  });

  it('refuses an unknown or empty choice, naming every set', () => {
    for (const [argv, env] of [[['--toolsets', 'run,reslts'], {}], [[], { PROLIFIC_TOOLSETS: 'everything' }], [['--toolsets', ','], {}]] as const) {
      let error: unknown;
      try {
        readConfig(argv, env);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('run, batches, results, audience, evaluations; or all for every set');
    }
  });

  it('offers the run set by default, each set its own tools, and every tool with all', async () => {
    expect((await offered({})).tools).toEqual(RUN);
    expect((await offered({ toolsets: ['run', 'results'] })).tools).toEqual([...RUN, ...RESULTS].sort(byCatalogueOrder));
    expect((await offered({ toolsets: ['batches'] })).tools).toEqual(BATCHES);
    expect((await offered({ toolsets: ['evaluations'] })).tools).toEqual(['create_comparison', 'rank_models']);
    expect((await offered({ toolsets: TOOLSET_NAMES })).tools).toEqual(allTools.map((tool) => tool.name));
    for (const tool of allTools) expect(TOOLSET_NAMES, tool.name).toContain(tool.toolset);
  });

  it('applies --read-only on top of any choice', async () => {
    expect((await offered({ readOnly: true, toolsets: ['results'] })).tools).toEqual(['summarize_responses']);
    const every = await offered({ readOnly: true, toolsets: TOOLSET_NAMES });
    expect(every.tools).toEqual(allTools.filter((tool) => tool.annotations.readOnlyHint).map((tool) => tool.name));
  });

  it('names in its instructions the sets that are off, and how to turn them on', async () => {
    const byDefault = (await offered({})).instructions;
    expect(byDefault).toContain('Tool sets off on this server: batches (');
    expect(byDefault).toContain('; results (');
    expect(byDefault).toContain('--toolsets run,batches (or PROLIFIC_TOOLSETS=run,batches)');
    expect(byDefault).toContain('; audience (');
    expect(byDefault).toContain('; evaluations (');
    expect((await offered({ toolsets: TOOLSET_NAMES })).instructions).not.toContain('Tool sets off');
    const readOnly = (await offered({ readOnly: true, toolsets: ['run', 'results'] })).instructions;
    expect(readOnly).toContain('Tool sets off on this server: batches (');
    expect(readOnly).not.toContain('results (');
    // The walkthrough is named only where its tools are offered.
    expect(readOnly).not.toContain('create_dataset');
    expect((await offered({ toolsets: ['results'] })).instructions).not.toContain('create_dataset');
  });

  it('refuses a call to a tool of a set that is off, saying which set and how to turn it on', async () => {
    const server = await offlineServer({ toolsets: ['run', 'batches'] });
    try {
      const result = await callTool(server.client, 'summarize_responses', { batch_id: 'b1' });
      expect(result.isError).toBe(true);
      expect(result.text).toBe(
        'summarize_responses is in the results tool set, which is off on this server. Ask the person to restart the server with it added: --toolsets run,batches,results (or PROLIFIC_TOOLSETS=run,batches,results).',
      );
      // A tool of a set that is on is called as ever (here it explains the missing token).
      expect((await callTool(server.client, 'update_batch', { batch_id: 'b1', name: 'x' })).text).toContain('PROLIFIC_TOKEN');
    } finally {
      await server.close();
    }
  });

  it('offers only prompts whose tools are offered, and names no tool that is not', async () => {
    const every = allTools.map((tool) => tool.name);
    const choices: Partial<Config>[] = [
      {},
      { toolsets: ['run', 'results'] },
      { toolsets: TOOLSET_NAMES },
      { toolsets: ['results'] },
      { toolsets: ['batches'] },
      { readOnly: true },
      { readOnly: true, toolsets: TOOLSET_NAMES },
    ];
    const promptsBy = new Map<string, string[]>();
    for (const config of choices) {
      const { tools, prompts } = await offered(config);
      promptsBy.set(JSON.stringify(config), Object.keys(prompts));
      for (const [prompt, text] of Object.entries(prompts)) {
        const named = every.filter((name) => new RegExp(`\\b${name}\\b`).test(text));
        expect(named.filter((name) => !tools.includes(name)), `${prompt} under ${JSON.stringify(config)}`).toEqual([]);
      }
    }
    expect(promptsBy.get('{}')).toEqual(['run_annotation_job']);
    expect(promptsBy.get(JSON.stringify({ toolsets: TOOLSET_NAMES }))).toEqual(['run_annotation_job', 'review_annotation_quality']);
    expect(promptsBy.get(JSON.stringify({ readOnly: true, toolsets: TOOLSET_NAMES }))).toEqual(['review_annotation_quality']);
    expect(promptsBy.get(JSON.stringify({ toolsets: ['batches'] }))).toEqual([]);
    // Without the results set, the whole-job prompt says how to get labels rather than naming tools it lacks.
    expect((await offered({})).prompts.run_annotation_job).toContain('results tool set, which is off on this server');
  });
});

describe('tool sets in the built server, over real stdio', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" (npm test does it first).`);
  });

  it('takes --toolsets over PROLIFIC_TOOLSETS, and calls only the tools it lists', async () => {
    const transport = new RecordingStdioTransport(process.execPath, [BIN, '--toolsets', 'run,results'], { PATH: process.env.PATH, PROLIFIC_TOOLSETS: 'all' });
    const client = new Client({ name: 'toolsets-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(allTools.filter((tool) => ['run', 'results'].includes(tool.toolset)).map((tool) => tool.name));
      const off = await callTool(client, 'update_batch', { batch_id: 'b1' });
      expect(off.isError).toBe(true);
      expect(off.text).toContain('batches tool set, which is off');
      expect((await callTool(client, 'summarize_responses', { batch_id: 'b1' })).text).toContain('PROLIFIC_TOKEN');
    } finally {
      await client.close();
    }
  });

  it('stops at start on an unknown set, naming the sets on stderr', async () => {
    const failure = await promisify(execFile)(process.execPath, [BIN, '--toolsets', 'run,audiences'], { env: { PATH: process.env.PATH } }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain('--toolsets names unknown tool set "audiences". Tool sets: run, batches, results, audience, evaluations');
  });

  it('serves the listing the build wrote, which is the one the tool modules make', () => {
    const built = JSON.parse(readFileSync(new URL('tools/listing.json', DIST), 'utf8')) as unknown;
    expect(built).toEqual(JSON.parse(JSON.stringify(builtListing(allTools))));
  });

  describe('answers tools/list without loading a tool, the sandbox, the statistics, zip or CSV code', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'prolific-loads-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const NOT_AT_START = [/dist\/tools\/(?!index)[a-z_]+\.js$/, /dist\/src\/(sandbox|stats|job)\//, /node_modules\/(fflate|csv-parse|csv-stringify|undici|msw|@modelcontextprotocol\/ext-apps)\//, /study-dashboard/];

    for (const toolsets of [['run'], TOOLSET_NAMES] as ToolsetName[][]) {
      it(`with --toolsets ${toolsets.join(',')}; a tool's module is loaded at its first call`, async () => {
        const record = join(dir, `${toolsets.join('-')}.txt`);
        const transport = new RecordingStdioTransport(process.execPath, ['--import', RECORD_LOADS, BIN, '--toolsets', toolsets.join(',')], {
          PATH: process.env.PATH,
          RECORD_LOADS: record,
        });
        const client = new Client({ name: 'loads', version: '1.0.0' });
        await client.connect(transport);
        try {
          const { tools } = await client.listTools();
          expect(tools.length).toBe(allTools.filter((tool) => toolsets.includes(tool.toolset)).length);
          const atStart = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
          expect(atStart).toContain(`${DIST}src/mcp/server.js`);
          expect(atStart.filter((url) => NOT_AT_START.some((pattern) => pattern.test(url)))).toEqual([]);
          await callTool(client, 'get_batch', { batch_id: 'b1' });
          const afterCall = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
          expect(afterCall).toContain(`${DIST}tools/get_batch.js`);
          expect(afterCall.filter((url) => /dist\/tools\/[a-z_]+\.js$/.test(url))).toEqual([`${DIST}tools/get_batch.js`]);
        } finally {
          await client.close();
        }
      });
    }
  });
});

function byCatalogueOrder(a: string, b: string): number {
  const order = allTools.map((tool) => tool.name);
  return order.indexOf(a) - order.indexOf(b);
}
