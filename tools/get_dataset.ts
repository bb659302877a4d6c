import { defineTool } from '../src/mcp/tool.js';
import { datasetOut, prolificId } from '../src/util/shapes.js';

/** Imports a result shows; the latest matter, and a dataset fed row by row can have hundreds. */
const SHOWN_IMPORTS = 5;

export default defineTool({
  name: 'get_dataset',
  toolset: 'run',
  title: 'Get dataset',
  description: 'A dataset: datapoint count, schema and latest imports (V3: status).',
  input: { dataset_id: prolificId('dataset') },
  output: datasetOut.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    const dataset = await client.getDataset(args.dataset_id, signal);
    if (!dataset.imports) return dataset;
    const latest = dataset.imports.slice(-SHOWN_IMPORTS).map(({ import_id, status, filename, accepted_count, rejected_count, reason, errors }) => ({
      import_id,
      status,
      filename,
      accepted_count,
      rejected_count,
      ...(reason ? { reason } : {}),
      ...(errors?.length ? { errors: errors.slice(0, 3) } : {}),
    }));
    const older = dataset.imports.length - latest.length;
    return { ...dataset, imports: latest, ...(older > 0 ? { older_imports: older } : {}) };
  },
});
