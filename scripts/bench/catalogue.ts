/** Item 1: what the tool catalogue costs in every conversation, on the exact tools/list result a host receives. */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { count, figure, type Figure } from './report.js';
import { startServerProcess } from './server-process.js';

export interface Catalogue {
  figures: Figure[];
  perTool: { name: string; tokens: number }[];
}

export async function measureCatalogue(): Promise<Catalogue> {
  const server = await startServerProcess({ PROLIFIC_TOKEN: 'bench-not-used' });
  let tools: Tool[];
  try {
    tools = (await server.client.listTools()).tools;
  } finally {
    await server.close();
  }
  const perTool = tools.map((tool) => ({ name: tool.name, tokens: countTokens(JSON.stringify(tool)) })).sort((a, b) => b.tokens - a.tokens);
  const total = countTokens(JSON.stringify({ tools }));
  const largest = perTool[0] ?? { name: 'none', tokens: 0 };
  return {
    perTool,
    figures: [
      figure(1, `tools/list, o200k tokens (${tools.length} tools)`, total, count, '≤ 9,000', (v) => v <= 9000, {
        mean_per_tool: Math.round(total / Math.max(1, tools.length)),
      }),
      figure(1, `largest tool (${largest.name})`, largest.tokens, count, '≤ 1,000', (v) => v <= 1000),
    ],
  };
}
