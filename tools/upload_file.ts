import { z } from 'zod';
import { defineTool, ToolError } from '../src/tool.js';
import { prolificId, waitArgs } from '../src/shapes.js';
import { fileSource, rowsSource } from '../src/upload-source.js';
import { waitFor } from '../src/wait.js';

const cell = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()]);

export default defineTool({
  name: 'upload_file',
  title: 'Upload datapoints',
  description:
    'Upload datapoints into a dataset, from file_path (.csv/.jsonl/.zip on this machine) or rows (flat objects, sent as CSV); give exactly one. One row per datapoint; META_ columns are hidden from participants. Waits until the dataset is READY.',
  input: {
    dataset_id: prolificId('dataset'),
    file_path: z.string().min(1).max(4096).optional(),
    rows: z.array(z.record(z.string().min(1).max(200), cell)).min(1).max(50_000).optional(),
    filename: z
      .string()
      .regex(/^[\w][\w .-]{0,199}$/, 'must be a plain file name such as data.csv')
      .optional(),
    ...waitArgs,
  },
  output: {
    dataset_id: z.string(),
    status: z.string(),
    total_datapoint_count: z.number().optional(),
    filename: z.string(),
    bytes: z.number(),
    timed_out: z.boolean().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { client, config, signal, progress, uploadRoots }) {
    if ((args.file_path === undefined) === (args.rows === undefined)) {
      throw new ToolError('Give exactly one of file_path (a local file) or rows (an array of flat objects).');
    }
    const source =
      args.rows !== undefined
        ? await rowsSource(args.rows, args.filename)
        : await fileSource(args.file_path as string, {
            roots: await uploadRoots(),
            maxBytes: config.maxUploadBytes,
            filename: args.filename,
          });
    const target = await client.getUploadUrl(args.dataset_id, source.filename, signal);
    await progress(0, undefined, `Uploading ${source.filename} (${source.length} bytes)`);
    await client.putUpload(target.upload_url, source, signal);
    const done = { dataset_id: args.dataset_id, filename: source.filename, bytes: source.length };
    if (!args.wait) {
      const dataset = await client.getDataset(args.dataset_id, signal);
      return { ...done, status: dataset.status ?? 'unknown', total_datapoint_count: dataset.total_datapoint_count };
    }
    const { value: dataset, timedOut } = await waitFor(
      { signal, progress },
      {
        read: () => client.getDataset(args.dataset_id, signal),
        isFinal: (d) => d.status === 'READY' || d.status === 'ERROR',
        describe: (d) => `Dataset ${d.status}`,
        timeoutMs: (args.timeout_seconds ?? 300) * 1000,
      },
    );
    if (dataset.status === 'ERROR') {
      throw new ToolError(
        `The file was uploaded but Prolific could not turn it into datapoints (dataset ${args.dataset_id} is ERROR). Check that it has a header row and one row per datapoint, then upload to a new dataset.`,
      );
    }
    return {
      ...done,
      status: dataset.status ?? 'unknown',
      total_datapoint_count: dataset.total_datapoint_count,
      ...(timedOut ? { timed_out: true } : {}),
    };
  },
});
