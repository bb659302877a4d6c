import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ServerDeps } from '../src/mcp/deps.js';
import { readResource } from './read.js';
import { completeBatchId } from '../src/mcp/complete.js';

/**
 * `prolific://batches/{batch_id}/report`: the batch's CSV report, the original datapoints with response
 * columns appended. The API hands out a presigned link; the download goes there without the token.
 */
export function registerReportResource(mcp: McpServer, deps: ServerDeps): void {
  mcp.registerResource(
    'batch-report',
    new ResourceTemplate('prolific://batches/{batch_id}/report', { list: undefined, complete: { batch_id: (value) => completeBatchId(deps, value) } }),
    {
      title: 'AI Task Builder batch report',
      description: 'CSV of the dataset with the annotators\' responses appended.',
      mimeType: 'text/csv',
    },
    async (uri, variables, extra) =>
      readResource(uri, extra.signal, async () => {
        const client = deps.getClient();
        const report = await client.getReport(String(variables.batch_id), extra.signal);
        const csv = await client.downloadReport(report.url, extra.signal);
        return { contents: [{ uri: uri.href, mimeType: 'text/csv', text: csv }] };
      }),
  );
}
