import { defineTool } from '../src/tool.js';
import { datasetOut, prolificId } from '../src/shapes.js';

export default defineTool({
  name: 'get_dataset',
  title: 'Get dataset',
  description: 'A dataset with its status (UNINITIALISED, PROCESSING, READY, ERROR) and datapoint count.',
  input: { dataset_id: prolificId('dataset') },
  output: datasetOut.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    return client.getDataset(args.dataset_id, signal);
  },
});
