import { defineTool } from '../src/tool.js';
import { datasetOut, prolificId, text } from '../src/shapes.js';
import { createOnce } from '../src/create-once.js';

export default defineTool({
  name: 'create_dataset',
  title: 'Create dataset',
  description: 'Create an empty AI Task Builder dataset to hold datapoints. Next: upload_file.',
  input: {
    name: text(255),
    workspace_id: prolificId('workspace').optional().describe('Default: PROLIFIC_WORKSPACE_ID or the only workspace'),
  },
  output: datasetOut.shape,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { client, resolveWorkspace, signal }) {
    const workspace_id = await resolveWorkspace(args.workspace_id);
    return createOnce({
      what: `Creating dataset "${args.name}"`,
      attempt: () => client.createDataset({ name: args.name, workspace_id }, signal),
      // The API cannot list datasets, so there is nothing to look for.
      find: async () => undefined,
      howToCheck: 'Datasets cannot be listed through the API; an unused empty dataset costs nothing, so calling create_dataset again is safe.',
    });
  },
});
