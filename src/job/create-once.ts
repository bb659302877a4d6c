import type { ProlificClient } from '../prolific/client.js';
import { ProlificNetworkError } from '../prolific/errors.js';
import type { ApiObject, Batch, Study } from '../prolific/types.js';
import { ToolError } from '../errors.js';

/**
 * Runs a request that creates or spends exactly once. When its answer is lost (connection reset, timeout,
 * a truncated body) the request may or may not have taken effect, so it is never sent again blindly:
 * `find` looks for what it would have created, and either that is returned or the caller is told how to
 * check before trying again. A lost answer must never become two studies or two publishes.
 */
export async function createOnce<T>(options: {
  what: string;
  attempt: () => Promise<T>;
  find: () => Promise<T | undefined>;
  howToCheck: string;
}): Promise<T> {
  try {
    return await options.attempt();
  } catch (error) {
    if (!(error instanceof ProlificNetworkError)) throw error;
    const found = await options.find().catch(() => undefined);
    if (found !== undefined) return found;
    throw new ToolError(`${options.what} got no answer (${error.message}) and may or may not have taken effect. ${options.howToCheck}`, { cause: error });
  }
}

/**
 * Starts a batch's setup once: a lost answer is settled by reading the batch, whose status leaves UNINITIALISED
 * as soon as setup has begun.
 */
export async function setupOnce(
  client: ProlificClient,
  batchId: string,
  body: { dataset_id: string; tasks_per_group?: number },
  signal: AbortSignal,
): Promise<void> {
  await createOnce({
    what: `Setting up batch ${batchId}`,
    attempt: () => client.setupBatch(batchId, body, signal).then(() => true),
    find: async () => ((await client.getBatch(batchId, signal)).status === 'UNINITIALISED' ? undefined : true),
    howToCheck: 'The batch still shows UNINITIALISED, so setup did not start; it is safe to try again.',
  });
}

/** Allowance for the clocks of this machine and Prolific's disagreeing. */
const CLOCK_SKEW_MS = 2 * 60_000;

/** Records created since `since`, allowing for clock skew. */
export function createdSince(record: ApiObject, since: number): boolean {
  const stamp = createdAt(record);
  return Number.isFinite(stamp) && stamp >= since - CLOCK_SKEW_MS;
}

/** The newest batch with this name in the workspace, created since the attempt began. */
export async function newestNamed(
  client: ProlificClient,
  workspaceId: string,
  name: string,
  since: number,
  signal: AbortSignal,
): Promise<Batch | undefined> {
  const { results } = await client.listBatches(workspaceId, signal);
  return newest(results.filter((batch) => batch.name === name && createdSince(batch, since)));
}

/** How many of the newest same-named drafts are read in full when looking for a lost create. */
const STUDY_CANDIDATES = 5;

/** The newest draft study with this name on this batch, created since the attempt began. */
export async function findCreatedStudy(
  client: ProlificClient,
  wanted: { name: string; batchId: string; since: number },
  signal: AbortSignal,
): Promise<Study | undefined> {
  const { results } = await client.listStudies(signal);
  // The short form's status may be null; the full read settles it.
  const draft = (study: Study) => study.status === 'UNPUBLISHED';
  const candidates = newestFirst(results.filter((study) => study.name === wanted.name && (draft(study) || !study.status)));
  // The list's short form may lack the batch and the creation date, so each candidate is read in full.
  const full = await Promise.all(candidates.slice(0, STUDY_CANDIDATES).map((study) => client.getStudy(study.id, signal)));
  return newestFirst(full.filter((study) => draft(study) && study.data_collection_id === wanted.batchId && createdSince(study, wanted.since)))[0];
}

function newest<T extends ApiObject>(records: T[]): T | undefined {
  return newestFirst(records)[0];
}

/**
 * By creation date, newest first. Prolific lists newest first, so records of the same date, or without
 * one (a list's short form), keep their order in the list.
 */
function newestFirst<T extends ApiObject>(records: readonly T[]): T[] {
  const stamp = (record: T): number => {
    const time = createdAt(record);
    return Number.isFinite(time) ? time : Number.NEGATIVE_INFINITY;
  };
  return records
    .map((record, index) => ({ record, index, time: stamp(record) }))
    .sort((a, b) => (a.time === b.time ? a.index - b.index : b.time - a.time))
    .map(({ record }) => record);
}

/** Batches say created_at, studies date_created. */
function createdAt(record: ApiObject): number {
  return Date.parse(String(record.created_at ?? record.date_created ?? ''));
}
