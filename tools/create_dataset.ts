import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { datasetOut, prolificId, text } from '../src/util/shapes.js';
import { createOnce } from '../src/job/create-once.js';

const FIELD_TYPES = ['text', 'image_url', 'audio_url', 'video_url', 'metadata', 'task_group_id'] as const;

export default defineTool({
  name: 'create_dataset',
  toolset: 'run',
  title: 'Create dataset',
  description: 'Create an empty Task Builder dataset to hold datapoints. Next: upload_file.',
  input: {
    name: text(255),
    workspace_id: prolificId('workspace').optional().describe('Default: PROLIFIC_WORKSPACE_ID or the only workspace'),
    schema: z
      .strictObject({
        strict: z.boolean().optional().describe('Every field required'),
        fields: z.record(z.string(), z.strictObject({ type: z.enum(FIELD_TYPES), label: z.string().optional() })),
      })
      .optional()
      .describe('metadata, task_group_id (≤1) are hidden. Default: from first upload'),
  },
  output: datasetOut.shape,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { client, resolveWorkspace, signal }) {
    if (args.schema) {
      const types = Object.values(args.schema.fields).map((field) => field.type);
      if (types.length === 0) throw new ToolError('schema.fields is empty: give at least one column, e.g. {"text": {"type": "text"}}.');
      if (types.filter((type) => type === 'task_group_id').length > 1) {
        throw new ToolError('schema.fields has more than one task_group_id field; a dataset groups tasks by one column at most.');
      }
    }
    const schema = args.schema && { strict: args.schema.strict ?? false, fields: args.schema.fields };
    const workspace_id = await resolveWorkspace(args.workspace_id);
    return createOnce({
      what: `Creating dataset "${args.name}"`,
      // strict is sent even when false, as the CLI does: the API may require it.
      attempt: () => client.createDataset({ name: args.name, workspace_id, ...(schema ? { schema } : {}) }, signal),
      // The API cannot list datasets, so there is nothing to look for.
      find: async () => undefined,
      howToCheck: 'Datasets cannot be listed through the API; an unused empty dataset costs nothing, so calling create_dataset again is safe.',
    });
  },
});
