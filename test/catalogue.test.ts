import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { offlineServer, startEnv, type TestEnv } from './support/env.js';
import { BUDGETS, costPerSet, costTable, type SetCost } from '../scripts/bench/catalogue.js';

const WALKTHROUGH = ['create_dataset', 'upload_file', 'create_batch', 'set_instructions', 'setup_batch', 'create_study', 'publish_study', 'get_responses'];
const LIFECYCLE = ['get_batch', 'list_batches', 'update_batch', 'duplicate_batch', 'sync_batch', 'get_dataset', 'get_study', 'transition_study', 'list_workspaces'];
const LABELS = ['summarize_responses', 'export_labels', 'export_batch', 'rerun_contested', 'review_submissions'];
const AUDIENCE = ['find_filters', 'count_participants', 'pay_bonuses'];
const EVALUATIONS = ['create_comparison', 'rank_models'];
const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;

describe('tool catalogue', () => {
  let env: TestEnv;
  let tools: Tool[];
  beforeAll(async () => {
    env = await startEnv();
    tools = (await env.client.listTools()).tools;
  });
  afterAll(async () => {
    await env.close();
  });

  it('offers every walkthrough step, lifecycle, labelling, audience and evaluation tool, by exactly these names', () => {
    expect(tools.map((t) => t.name).sort()).toEqual([...WALKTHROUGH, ...LIFECYCLE, ...LABELS, ...AUDIENCE, ...EVALUATIONS].sort());
  });

  it('declares all four annotations on every tool, a title, and input and output schemas', () => {
    for (const tool of tools) {
      for (const hint of HINTS) expect(typeof tool.annotations?.[hint], `${tool.name}.${hint}`).toBe('boolean');
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
  });

  it('marks exactly the tools that change nothing as read-only, and the spending ones as destructive', () => {
    const readOnly = tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name).sort();
    expect(readOnly).toEqual(['count_participants', 'find_filters', 'get_batch', 'get_dataset', 'get_responses', 'get_study', 'list_batches', 'list_workspaces', 'rank_models', 'summarize_responses']);
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const spends of ['publish_study', 'pay_bonuses']) {
      expect(byName.get(spends)?.annotations, spends).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true });
    }
    // Approving pays and rejecting is final; the exports may replace a local file (overwrite).
    expect(byName.get('review_submissions')?.annotations?.destructiveHint).toBe(true);
    expect(byName.get('export_labels')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: true });
    expect(byName.get('export_batch')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: true });
    expect(byName.get('set_instructions')?.annotations?.destructiveHint).toBe(true);
    for (const tool of tools) {
      if (tool.annotations?.readOnlyHint) expect(tool.annotations.destructiveHint, tool.name).toBe(false);
    }
  });

  it(`keeps tools/list within its token budgets: default sets ${BUDGETS.default}, every set ${BUDGETS.all}, any one tool ${BUDGETS.tool}`, async () => {
    // Counting is deterministic, so this holds in CI; every description change, and every new tool, is weighed here.
    const costs = await costPerSet(async (toolsets) => {
      const server = await offlineServer({ toolsets });
      try {
        return (await server.client.listTools()).tools;
      } finally {
        await server.close();
      }
    });
    console.info(`tools/list, o200k tokens per tool set:\n${costTable(costs)}`);
    const of = (set: SetCost['set']) => costs.find((cost) => cost.set === set)!;
    expect(of('default').tokens).toBeLessThanOrEqual(BUDGETS.default);
    expect(of('all').tokens).toBeLessThanOrEqual(BUDGETS.all);
    expect(of('all').tools.map((tool) => tool.name).sort()).toEqual(tools.map((tool) => tool.name).sort());
    for (const tool of of('all').tools) expect(tool.tokens, tool.name).toBeLessThanOrEqual(BUDGETS.tool);
  });

  it('matches the reviewed schema snapshot (every change to what an agent sees is reviewed)', async () => {
    await expect(JSON.stringify(tools, null, 2) + '\n').toMatchFileSnapshot('__snapshots__/tools.json');
  });
});

describe('--read-only', () => {
  it('lists only read-only tools, and a write tool cannot be called', async () => {
    const env = await startEnv({ config: { readOnly: true } });
    try {
      const { tools } = await env.client.listTools();
      expect(tools.length).toBe(10);
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
      const before = env.sandbox.requests.length;
      const result = await env.client.callTool({ name: 'create_dataset', arguments: { name: 'x' } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('read-only');
      expect(env.sandbox.requests.length).toBe(before);
    } finally {
      await env.close();
    }
  });
});
