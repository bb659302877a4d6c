/**
 * The yardstick for HTTP throughput: the SDK's own stateless Streamable HTTP pattern (a fresh McpServer and
 * transport per POST) with one tool, get_batch, making the same two upstream calls as ours through the same
 * API client, unbounded. Reads PROLIFIC_URL and PROLIFIC_TOKEN; prints "listening on URL" on stderr, as the real server does.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { ProlificClient } from '../../src/prolific/client.js';

// A minimal server has no upstream limiter: it sends as many requests at once as it has calls to serve.
const api = new ProlificClient({ baseUrl: process.env.PROLIFIC_URL ?? '', token: process.env.PROLIFIC_TOKEN ?? '', maxConcurrency: Infinity });

function getServer(): McpServer {
  const server = new McpServer({ name: 'minimal-http', version: '1.0.0' });
  server.registerTool('get_batch', { description: 'A batch with its instructions.', inputSchema: { batch_id: z.string() } }, async ({ batch_id }, extra) => {
    const [batch, instructions] = await Promise.all([api.getBatch(batch_id, extra.signal), api.getInstructions(batch_id, extra.signal)]);
    return { content: [{ type: 'text', text: JSON.stringify({ ...batch, instructions: instructions.body.results }) }] };
  });
  return server;
}

const http = createServer(async (req, res) => {
  const server = getServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
});
http.listen(0, '127.0.0.1', () => {
  process.stderr.write(`listening on http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp\n`);
});
process.on('SIGTERM', () => process.exit(0));
