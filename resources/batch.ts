import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ServerDeps } from '../src/mcp/deps.js';
import { completeBatchId } from '../src/mcp/complete.js';
import { readResource } from './read.js';

/** `prolific://batches/{batch_id}`: the batch with its status, datasets and instructions, as JSON. */
export function registerBatchResource(mcp: McpServer, deps: ServerDeps): void {
  const template = new ResourceTemplate('prolific://batches/{batch_id}', {
    list: async (extra) => {
      const client = deps.getClient();
      const workspace = await deps.resolveWorkspace(undefined, extra.signal);
      const { results } = await client.listBatches(workspace, extra.signal);
      return {
        resources: results.map((batch) => ({
          uri: `prolific://batches/${batch.id}`,
          name: batch.name,
          description: `AI Task Builder batch, status ${batch.status}`,
          mimeType: 'application/json',
        })),
      };
    },
    complete: {
      batch_id: (value) => completeBatchId(deps, value),
    },
  });
  mcp.registerResource(
    'batch',
    template,
    {
      title: 'AI Task Builder batch',
      description: 'A batch with its status, datasets and questions (layout items or legacy instructions).',
      mimeType: 'application/json',
    },
    async (uri, variables, extra) =>
      readResource(uri, extra.signal, async () => {
        const batchId = String(variables.batch_id);
        // Loaded on first read, as the tools are: the layout schemas it brings cost a start-up nothing needs then.
        const { readBatch } = await import('../src/job/batch-items.js');
        const { batch, questions } = await readBatch(deps.getClient(), batchId, extra.signal);
        const body = { ...batch, instructions: questions };
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
      }),
  );
}
