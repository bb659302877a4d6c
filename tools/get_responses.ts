import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId } from '../src/util/shapes.js';
import type { BatchResponse } from '../src/prolific/types.js';
import { responseSnapshot } from '../src/job/response-snapshots.js';

/**
 * Both copies of a result (structured and text) count against the agent's context, so one page's records
 * stay under this many characters of JSON. Response records are dense with ids, about 2.4 characters per
 * o200k token, so the two copies together stay under 20,000 tokens.
 */
const PAGE_BUDGET_CHARS = 22_000;

export default defineTool({
  name: 'get_responses',
  toolset: 'run',
  title: 'Get responses',
  description:
    "Annotators' responses for a batch: one record per participant, task and instruction, filtered and paged (pass next_cursor back as cursor).",
  input: {
    batch_id: prolificId('batch'),
    instruction_id: prolificId('instruction').optional(),
    participant_id: prolificId('participant').optional(),
    task_id: prolificId('task').optional(),
    limit: z.int().min(1).max(1000).default(100),
    cursor: z.string().max(200).optional(),
  },
  output: {
    results: z.array(z.looseObject({ id: z.string(), task_id: z.string(), participant_id: z.string() })),
    total: z.number().describe('Matching records across all pages'),
    next_cursor: z.string().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    const filterKey = [args.batch_id, args.instruction_id, args.participant_id, args.task_id].join('|');
    const { offset, snapshot: walk } = args.cursor === undefined ? { offset: 0, snapshot: undefined } : decodeCursor(args.cursor, filterKey);
    // The API has no paging or filters for responses: it sends them all, so both happen here, on a snapshot
    // that the pages after this one read again rather than download.
    const { id: snapshot, results } = await responseSnapshot(client, args.batch_id, walk, signal);
    const matching = results.filter(
      (r: BatchResponse) =>
        (!args.instruction_id || r.response?.instruction_id === args.instruction_id) &&
        (!args.participant_id || r.participant_id === args.participant_id) &&
        (!args.task_id || r.task_id === args.task_id),
    );
    const page: BatchResponse[] = [];
    let size = 0;
    for (const record of matching.slice(offset, offset + args.limit)) {
      const length = JSON.stringify(record).length + 1;
      if (page.length > 0 && size + length > PAGE_BUDGET_CHARS) break;
      page.push(record);
      size += length;
    }
    const next = offset + page.length;
    return {
      results: page,
      total: matching.length,
      ...(next < matching.length ? { next_cursor: encodeCursor(next, filterKey, snapshot) } : {}),
    };
  },
});

/**
 * The cursor carries the offset, the filters it was made for (so it cannot be replayed against other ones) and
 * the snapshot of responses its page came from.
 */
function encodeCursor(offset: number, filterKey: string, snapshot: string): string {
  return Buffer.from(JSON.stringify({ o: offset, k: fingerprint(filterKey), s: snapshot })).toString('base64url');
}

function decodeCursor(cursor: string, filterKey: string): { offset: number; snapshot: string | undefined } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; k?: unknown; s?: unknown };
    if (Number.isInteger(parsed.o) && (parsed.o as number) >= 0 && parsed.k === fingerprint(filterKey)) {
      return { offset: parsed.o as number, snapshot: typeof parsed.s === 'string' ? parsed.s : undefined };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ToolError(
    'cursor is not a next_cursor from a get_responses call with these same batch_id and filters. Omit it to start from the first page.',
  );
}

function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 12);
}
