/**
 * Item 1: what the tool catalogue costs in every conversation, on the exact tools/list result a host receives:
 * for each tool set alone, for the default sets, and for every set together, against the budgets below.
 * `npm run tokens` and the catalogue test print the same table.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { DEFAULT_TOOLSETS, TOOLSET_NAMES, type ToolsetName } from '../../src/toolsets.js';
import { count, figure, type Figure } from './report.js';
import { startServerProcess } from './server-process.js';

/** o200k tokens over the JSON of tools/list. */
export const BUDGETS = { default: 5500, all: 9000, tool: 800 };

export interface SetCost {
  /** A set alone, `default` (DEFAULT_TOOLSETS) or `all`. */
  set: ToolsetName | 'default' | 'all';
  tokens: number;
  tools: { name: string; tokens: number }[];
}

export function costOf(set: SetCost['set'], tools: Tool[]): SetCost {
  return {
    set,
    tokens: countTokens(JSON.stringify({ tools })),
    tools: tools.map((tool) => ({ name: tool.name, tokens: countTokens(JSON.stringify(tool)) })),
  };
}

/** `list` answers tools/list for a server started with those sets. */
export async function costPerSet(list: (toolsets: readonly ToolsetName[]) => Promise<Tool[]>): Promise<SetCost[]> {
  const costs: SetCost[] = [];
  for (const set of TOOLSET_NAMES) costs.push(costOf(set, await list([set])));
  costs.push(costOf('default', await list(DEFAULT_TOOLSETS)), costOf('all', await list(TOOLSET_NAMES)));
  return costs;
}

export function costTable(costs: SetCost[]): string {
  const budget = (set: SetCost['set']) => (set === 'default' ? `≤ ${BUDGETS.default}` : set === 'all' ? `≤ ${BUDGETS.all}` : '');
  const rows = costs.map((cost) => {
    const label = cost.set === 'default' ? `default (${DEFAULT_TOOLSETS.join(',')})` : cost.set;
    return `${label.padEnd(15)} ${String(cost.tools.length).padStart(5)} ${String(cost.tokens).padStart(7)}  ${budget(cost.set)}`;
  });
  const all = costs.find((cost) => cost.set === 'all');
  const sets = new Map(costs.flatMap((cost) => (TOOLSET_NAMES.includes(cost.set as ToolsetName) ? cost.tools.map((tool) => [tool.name, cost.set] as const) : [])));
  const tools = [...(all?.tools ?? [])]
    .sort((a, b) => b.tokens - a.tokens)
    .map((tool) => `${tool.name.padEnd(22)} ${(sets.get(tool.name) ?? '').padEnd(12)} ${String(tool.tokens).padStart(5)}`);
  return [`${'set'.padEnd(15)} tools  tokens  budget`, ...rows, '', `${'tool'.padEnd(22)} ${'set'.padEnd(12)} tokens (≤ ${BUDGETS.tool} each)`, ...tools].join('\n');
}

export interface Catalogue {
  figures: Figure[];
  costs: SetCost[];
}

export async function measureCatalogue(): Promise<Catalogue> {
  const costs = await costPerSet(async (toolsets) => {
    const server = await startServerProcess({ PROLIFIC_TOKEN: 'bench-not-used', PROLIFIC_TOOLSETS: toolsets.join(',') });
    try {
      return (await server.client.listTools()).tools;
    } finally {
      await server.close();
    }
  });
  const of = (set: SetCost['set']) => costs.find((cost) => cost.set === set)!;
  const largest = [...of('all').tools].sort((a, b) => b.tokens - a.tokens)[0] ?? { name: 'none', tokens: 0 };
  return {
    costs,
    figures: [
      figure(1, `tools/list, o200k tokens, default set (${of('default').tools.length} tools)`, of('default').tokens, count, `≤ ${count(BUDGETS.default)}`, (v) => v <= BUDGETS.default),
      figure(1, `tools/list, o200k tokens, every set (${of('all').tools.length} tools)`, of('all').tokens, count, `≤ ${count(BUDGETS.all)}`, (v) => v <= BUDGETS.all, {
        per_set: Object.fromEntries(costs.map((cost) => [cost.set, cost.tokens])),
      }),
      figure(1, `largest tool (${largest.name})`, largest.tokens, count, `≤ ${BUDGETS.tool}`, (v) => v <= BUDGETS.tool),
    ],
  };
}
