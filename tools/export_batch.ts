import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId } from '../src/util/shapes.js';
import { resolveInsideRoots } from '../src/job/upload-source.js';
import { checkTarget, writeTarget } from '../src/job/output-file.js';
import { waitFor } from '../src/job/wait.js';
import { createOnce } from '../src/job/create-once.js';
import { zipEntries } from '../src/util/zip-entries.js';

/** Prolific builds exports out of band; a batch of many thousand responses takes minutes. */
const TIMEOUT_MS = 10 * 60_000;
const LISTED = 100;

export default defineTool({
  name: 'export_batch',
  toolset: 'results',
  title: 'Export batch',
  description:
    "Save Prolific's ZIP export of a batch (JSONL responses, batch.json, uploads), optionally one study's, to a local .zip inside the upload roots; lists its entries.",
  input: {
    batch_id: prolificId('batch'),
    file_path: z.string().min(1).max(4096),
    study_id: prolificId('study').optional(),
    overwrite: z.boolean().default(false),
  },
  output: {
    file_path: z.string(),
    entries: z.array(z.looseObject({ name: z.string() })),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run(args, { client, signal, progress, uploadRoots }) {
    if (extname(args.file_path).toLowerCase() !== '.zip') {
      throw new ToolError(`file_path must end in .zip: Prolific's export is a ZIP archive, saved as it is (got "${basename(args.file_path)}").`);
    }
    const target = await resolveInsideRoots(args.file_path, await uploadRoots('write'), 'write');
    await checkTarget(target, args.file_path, args.overwrite);

    const request = () => client.requestBatchExport(args.batch_id, args.study_id ? { study_id: args.study_id } : {}, signal);
    // Asking again while the job generates returns that job rather than another, so a lost answer is asked again.
    let job = await createOnce({
      what: `Requesting an export of batch ${args.batch_id}`,
      attempt: request,
      find: request,
      howToCheck: 'Call export_batch again: while that export generates, Prolific returns it rather than starting another.',
    });
    if (job.status === 'generating' && job.export_id) {
      const exportId = job.export_id;
      const waited = await waitFor(
        { signal, progress },
        {
          read: () => client.getBatchExport(args.batch_id, exportId, signal),
          isFinal: (value) => value.status !== 'generating',
          describe: (value) => `Export ${value.status}`,
          timeoutMs: TIMEOUT_MS,
        },
      );
      if (waited.timedOut) {
        throw new ToolError(
          `Export ${exportId} of batch ${args.batch_id} is still generating after ${TIMEOUT_MS / 60_000} minutes. Call export_batch again with the same arguments: Prolific returns the same job while it generates.`,
        );
      }
      job = waited.value;
    }
    if (job.status === 'failed') {
      throw new ToolError(`Prolific could not generate the export${job.export_id ? ` ${job.export_id}` : ''} of batch ${args.batch_id}. Call export_batch again to retry; a failed job is never reused.`);
    }
    if (job.status !== 'complete' || typeof job.url !== 'string') {
      throw new ToolError(`Prolific's export of batch ${args.batch_id} answered status "${job.status}" without a download link; nothing was saved. Try again later.`);
    }
    const download = await client.openDownload(job.url, signal);
    try {
      await writeTarget(target, args.file_path, args.overwrite, [download], signal);
    } catch (error) {
      if (signal.aborted || error instanceof ToolError) throw error;
      // undici's messages can quote the request; the kind of failure is enough.
      const code = (error as { code?: string }).code ?? (error as Error).name;
      throw new ToolError(`The download of the export broke off (${code}); nothing was saved. Call export_batch again.`);
    }
    const { size: bytes } = await stat(target);
    try {
      const entries = await zipEntries(target, signal);
      return {
        file_path: target,
        bytes,
        entries: entries.slice(0, LISTED),
        ...(entries.length > LISTED ? { entries_total: entries.length } : {}),
      };
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      return { file_path: target, bytes, entries: [], warning: `The export was saved as Prolific sent it, but its entries could not be read (${reason}).` };
    }
  },
});
