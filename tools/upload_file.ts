import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId, waitArgs } from '../src/util/shapes.js';
import { fileSource } from '../src/job/upload-source.js';
import { uploadToDataset } from '../src/job/dataset-upload.js';

const cell = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()]);

export default defineTool({
  name: 'upload_file',
  toolset: 'run',
  title: 'Upload datapoints',
  description:
    'Add datapoints to a dataset from file_path (.csv/.jsonl on this machine) or rows (flat objects); give exactly one. A dataset without a schema gets one from the columns (all text; META_ hidden).',
  input: {
    dataset_id: prolificId('dataset'),
    file_path: z.string().min(1).max(4096).optional(),
    rows: z.array(z.record(z.string().min(1).max(200), cell)).min(1).max(50_000).optional(),
    filename: z
      .string()
      .regex(/^[\w][\w .-]{0,199}$/, 'must be a plain file name such as data.csv')
      .optional(),
    ...waitArgs,
    wait: z.boolean().default(true).describe('Wait until imported'),
  },
  // Counts, errors and schema_set pass through the loose output; naming them would cost tokens on every turn.
  output: {
    summary: z.string(),
    dataset_id: z.string(),
    status: z.string(),
    total_datapoint_count: z.number().optional(),
    timed_out: z.boolean().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { client, config, signal, progress, uploadRoots }) {
    if ((args.file_path === undefined) === (args.rows === undefined)) {
      throw new ToolError('Give exactly one of file_path (a local file) or rows (an array of flat objects).');
    }
    const source =
      args.rows !== undefined
        ? { rows: args.rows, ...(args.filename ? { filename: args.filename } : {}) }
        : {
            file: await fileSource(args.file_path as string, {
              roots: await uploadRoots('read'),
              maxBytes: config.maxUploadBytes,
              filename: args.filename,
            }),
          };
    return uploadToDataset(client, { signal, progress }, args.dataset_id, source, {
      wait: args.wait,
      timeoutMs: (args.timeout_seconds ?? 300) * 1000,
    });
  },
});
