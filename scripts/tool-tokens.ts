/**
 * `npm run tokens`: what the tool catalogue costs in every conversation, per tool set and per tool, counted with
 * the o200k tokenizer on the exact tools/list result a client receives.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createServer } from '../src/mcp/server.js';
import { loadCatalogue } from '../src/mcp/catalogue.js';
import { costPerSet, costTable } from './bench/catalogue.js';

const catalogue = await loadCatalogue();
const costs = await costPerSet(async (toolsets) => {
  const server = createServer({
    config: { baseUrl: 'https://api.prolific.com', sandbox: false, readOnly: false, uploadRoots: [], maxUploadBytes: 0, toolsets },
    catalogue,
  });
  const client = new Client({ name: 'token-count', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
});
console.log(costTable(costs));
