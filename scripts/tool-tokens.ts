/**
 * `npm run tokens`: what the tool catalogue costs in every conversation, counted with the o200k tokenizer on
 * the exact tools/list result a client receives.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { createServer } from '../src/mcp/server.js';

const server = createServer({
  config: { baseUrl: 'https://api.prolific.com', sandbox: false, readOnly: false, uploadRoots: [], maxUploadBytes: 0 },
});
const client = new Client({ name: 'token-count', version: '1.0.0' });
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
await client.connect(clientSide);
const { tools } = await client.listTools();
const rows = tools.map((tool) => ({ name: tool.name, tokens: countTokens(JSON.stringify(tool)) })).sort((a, b) => b.tokens - a.tokens);
const total = countTokens(JSON.stringify({ tools }));
for (const row of rows) console.log(`${row.name.padEnd(20)} ${String(row.tokens).padStart(5)}`);
console.log(`${'total'.padEnd(20)} ${String(total).padStart(5)}  (${tools.length} tools, mean ${Math.round(total / tools.length)}; budget 6500 in all, 1000 each)`);
await client.close();
