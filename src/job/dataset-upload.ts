/**
 * Putting datapoints into a dataset and waiting until Prolific has taken them, for V4 datasets (one import job
 * per upload, checked against the schema) and legacy V3 ones (poll the dataset until READY). upload_file calls
 * it, and so can any tool that needs rows in a dataset.
 */
import type { Readable } from 'node:stream';
import type { ProlificClient } from '../prolific/client.js';
import { ProlificApiError } from '../prolific/errors.js';
import type { Dataset, DatasetImport, DatasetSchema, RecordError } from '../prolific/types.js';
import { ToolError } from '../errors.js';
import type { StepContext } from './context.js';
import { rowColumns, rowsSource, type FlatRow, type UploadSource } from './upload-source.js';
import { waitFor } from './wait.js';

/** The append endpoint's limit per request. */
export const MAX_APPEND_ROWS = 1000;
/** Rejected records a result lists; the counts cover the rest. */
const LISTED_ERRORS = 5;
/** How much of a file is read to find its header or first record. */
const HEAD_BYTES = 1 << 20;
const FIRST_HEAD_BYTES = 64 << 10;

export type DatapointsSource = { file: UploadSource } | { rows: FlatRow[]; filename?: string };

export interface UploadOutcome {
  /** First in the result, so that a partial import is the first thing read. */
  summary: string;
  dataset_id: string;
  /** The import's status (V4) or the dataset's (V3); `appended` when the rows went through the append endpoint. */
  status: string;
  total_datapoint_count?: number;
  filename?: string;
  bytes?: number;
  import_id?: string;
  accepted_count?: number;
  rejected_count?: number;
  duplicate_count?: number;
  errors?: RecordError[];
  /** The schema this upload gave a dataset that had none. */
  schema_set?: DatasetSchema;
  timed_out?: boolean;
}

type Context = Pick<StepContext, 'signal' | 'progress'>;

interface Options {
  wait: boolean;
  timeoutMs: number;
}

/**
 * Puts a file or rows into the dataset, giving a V4 dataset without a schema one from the columns first, and
 * (with `wait`) follows the import to its end. A partial import returns normally, its counts and first errors in
 * the outcome; a failed one, or an append that took no row, throws a ToolError that says why.
 */
export async function uploadToDataset(
  client: ProlificClient,
  context: Context,
  datasetId: string,
  source: DatapointsSource,
  options: Options,
): Promise<UploadOutcome> {
  const dataset = await client.getDataset(datasetId, context.signal);
  if (!isV4(dataset)) {
    const file = 'file' in source ? source.file : await rowsSource(source.rows, source.filename);
    return uploadV3(client, context, datasetId, file, options);
  }
  let schemaSet: DatasetSchema | undefined;
  if (!dataset.schema) {
    schemaSet = inferSchema(await columnsOf(source));
    await client.updateDataset(datasetId, { schema: schemaSet }, context.signal);
  }
  const said = schemaSet ? { schema_set: schemaSet } : {};
  if ('rows' in source && appendable(dataset, source)) {
    const appended = await append(client, context, datasetId, source.rows);
    if (appended) return { ...appended, ...said, summary: withSchemaNote(appended.summary, schemaSet) };
  }
  const file = 'file' in source ? source.file : await rowsSource(source.rows, source.filename ?? 'datapoints.jsonl');
  const outcome = await uploadV4(client, context, datasetId, file, options);
  return { ...outcome, ...said, summary: withSchemaNote(outcome.summary, schemaSet) };
}

/** V4 datasets say `schema_version: 4`; a dataset without a version or a V3 status is taken as V4 too. */
function isV4(dataset: Dataset): boolean {
  return dataset.schema_version === undefined ? dataset.status === undefined : dataset.schema_version >= 4;
}

/**
 * Rows go through the append endpoint only into a dataset that already has a complete import: setup needs one,
 * and whether appended rows count as one is not documented. A filename asks for a file, and the endpoint takes
 * at most 1,000 records and none while an import runs.
 */
function appendable(dataset: Dataset, source: { rows: FlatRow[]; filename?: string }): boolean {
  const imports = dataset.imports ?? [];
  return (
    source.filename === undefined &&
    source.rows.length <= MAX_APPEND_ROWS &&
    imports.some((job) => job.status === 'complete') &&
    !imports.some((job) => job.status === 'queued' || job.status === 'processing')
  );
}

/**
 * The schema a header implies, as for V3 files: every column shown as text, `META_` columns kept as metadata and
 * `META_TASK_GROUP_ID` grouping tasks. Not strict, so records may leave columns empty.
 */
export function inferSchema(columns: string[]): DatasetSchema {
  const fields: DatasetSchema['fields'] = {};
  for (const name of columns) {
    fields[name] = { type: name === 'META_TASK_GROUP_ID' ? 'task_group_id' : name.startsWith('META_') ? 'metadata' : 'text' };
  }
  return { strict: false, fields };
}

function withSchemaNote(summary: string, schema: DatasetSchema | undefined): string {
  if (!schema) return summary;
  return `${summary} The dataset had no schema, so one was set from the columns (${Object.keys(schema.fields).length} fields; see schema_set).`;
}

/**
 * Rows through the append endpoint. Undefined when an import started meanwhile (409): the rows then go as a
 * file, whose import waits its turn, rather than failing the call.
 */
async function append(client: ProlificClient, context: Context, datasetId: string, rows: FlatRow[]): Promise<UploadOutcome | undefined> {
  let result;
  try {
    result = await client.appendDatapoints(datasetId, rows, context.signal);
  } catch (error) {
    if (error instanceof ProlificApiError && error.status === 409) return undefined;
    throw error;
  }
  const errors = result.errors ?? [];
  const rejected = result.rejected_count ?? errors.length;
  const accepted = result.accepted_count ?? rows.length - rejected;
  const dataset = await client.getDataset(datasetId, context.signal);
  const outcome: UploadOutcome = {
    summary: counts(accepted, rejected, errors),
    dataset_id: datasetId,
    status: 'appended',
    total_datapoint_count: dataset.total_datapoint_count,
    accepted_count: accepted,
    rejected_count: rejected,
    ...(errors.length ? { errors: errors.slice(0, LISTED_ERRORS) } : {}),
  };
  if (accepted === 0 && rejected > 0) throw new ToolError(`No row was appended: ${outcome.summary}`);
  return outcome;
}

async function uploadV4(client: ProlificClient, context: Context, datasetId: string, file: UploadSource, options: Options): Promise<UploadOutcome> {
  if (!/\.(csv|jsonl)$/i.test(file.filename)) {
    throw new ToolError(`${file.filename}: a V4 dataset takes .csv or .jsonl files.`);
  }
  const { target, done } = await send(client, context, datasetId, file);
  const importId = target.import_id;
  if (!importId) {
    return { ...done, status: 'uploaded', summary: 'Uploaded, but Prolific gave no import id to follow: check get_dataset for the import.' };
  }
  const read = () => client.getDatasetImport(datasetId, importId, context.signal);
  let job = await read();
  let timedOut = false;
  if (options.wait) {
    const deadline = Date.now() + options.timeoutMs;
    const follow = async () => {
      const outcome = await waitFor(context, {
        read,
        isFinal: (j) => isTerminal(j) || j.status === 'pending_schema',
        describe: (j) => `Import ${j.status}`,
        timeoutMs: Math.max(0, deadline - Date.now()),
      });
      job = outcome.value;
      timedOut = outcome.timedOut;
    };
    await follow();
    if (job.status === 'pending_schema') {
      // The dataset lost its schema race (another upload, or an API that parks before the PATCH lands).
      const dataset = await client.getDataset(datasetId, context.signal);
      if (!dataset.schema) await client.updateDataset(datasetId, { schema: inferSchema(await headerColumns(file)) }, context.signal);
      await follow();
    }
  }
  return importOutcome(client, context, { ...done, import_id: importId }, job, timedOut);
}

/**
 * Gets an upload URL and PUTs the file there with the Content-Type the URL was issued for (V4 signs it), or
 * the file's own where none is given (V3).
 */
async function send(client: ProlificClient, context: Context, datasetId: string, file: UploadSource) {
  const target = await client.getUploadUrl(datasetId, file.filename, context.signal);
  await context.progress(0, undefined, `Uploading ${file.filename} (${file.length} bytes)`);
  await client.putUpload(target.upload_url, { ...file, contentType: target.content_type || file.contentType }, context.signal);
  return { target, done: { dataset_id: datasetId, filename: file.filename, bytes: file.length } };
}

function isTerminal(job: DatasetImport): boolean {
  return job.status === 'complete' || job.status === 'partial' || job.status === 'failed';
}

async function importOutcome(
  client: ProlificClient,
  context: Context,
  done: { dataset_id: string; filename: string; bytes: number; import_id: string },
  job: DatasetImport,
  timedOut: boolean,
): Promise<UploadOutcome> {
  const errors = job.errors ?? [];
  const rejected = job.rejected_count ?? errors.length;
  // Counts are optional on import jobs; written_count leaves out the duplicates accepted_count includes.
  const written = typeof job.written_count === 'number' ? job.written_count + (job.duplicate_count ?? 0) : undefined;
  const accepted = job.accepted_count ?? written;
  const listed = errors.length ? { errors: errors.slice(0, LISTED_ERRORS) } : {};
  if (job.status === 'failed') {
    const first = errors.length ? ` ${counts(accepted, rejected, errors)}` : '';
    throw new ToolError(
      `Import ${done.import_id} of ${done.filename} failed: ${job.reason ?? 'no reason given'}.${first} Fix the file and call upload_file again.`,
    );
  }
  const base = { ...done, status: job.status, ...(timedOut ? { timed_out: true } : {}) };
  if (!isTerminal(job)) {
    const next = job.status === 'pending_schema' ? 'It waits for the dataset to get a schema.' : 'Follow it with get_dataset.';
    return { ...base, summary: `Uploaded; the import is ${job.status}. ${next}` };
  }
  const dataset = await client.getDataset(done.dataset_id, context.signal);
  const tally = {
    accepted_count: accepted,
    rejected_count: rejected,
    ...(job.duplicate_count ? { duplicate_count: job.duplicate_count } : {}),
  };
  let summary = counts(accepted, rejected, errors, job.duplicate_count);
  if (job.status === 'partial') {
    summary += ' Setup needs a complete import: upload the fixed records (or the whole file again; rows already stored are not stored twice).';
  }
  return { summary, ...base, total_datapoint_count: dataset.total_datapoint_count, ...tally, ...listed };
}

/** "8 accepted, 2 rejected. Rejected: record 3 (text): reason; …" with record indexes from 0, as the API counts. */
function counts(accepted: number | undefined, rejected: number, errors: RecordError[], duplicates = 0): string {
  const dup = duplicates ? ` (${duplicates} already stored)` : '';
  const head = `${accepted ?? 'An unreported number'} accepted${dup}, ${rejected} rejected.`;
  if (rejected === 0) return head;
  const first = errors
    .slice(0, 3)
    .map((e) => `record ${e.record_index}${e.field ? ` (${e.field})` : ''}: ${e.reason.replace(/\.$/, '')}`)
    .join('; ');
  return `${head}${first ? ` Rejected: ${first}${errors.length > 3 || rejected > 3 ? '; …' : ''}.` : ''}`;
}

async function uploadV3(client: ProlificClient, context: Context, datasetId: string, file: UploadSource, options: Options): Promise<UploadOutcome> {
  const { done } = await send(client, context, datasetId, file);
  let dataset: Dataset;
  let timedOut = false;
  if (options.wait) {
    const outcome = await waitFor(context, {
      read: () => client.getDataset(datasetId, context.signal),
      isFinal: (d) => d.status === 'READY' || d.status === 'ERROR',
      describe: (d) => `Dataset ${d.status}`,
      timeoutMs: options.timeoutMs,
    });
    dataset = outcome.value;
    timedOut = outcome.timedOut;
  } else {
    dataset = await client.getDataset(datasetId, context.signal);
  }
  if (dataset.status === 'ERROR') {
    throw new ToolError(
      `The file was uploaded but Prolific could not turn it into datapoints (dataset ${datasetId} is ERROR). Check that it has a header row and one row per datapoint, then upload to a new dataset.`,
    );
  }
  const status = dataset.status ?? 'unknown';
  const count = dataset.total_datapoint_count;
  return {
    summary: status === 'READY' ? `Dataset READY with ${count ?? '?'} datapoints.` : `Dataset ${status}.`,
    ...done,
    status,
    total_datapoint_count: count,
    ...(timedOut ? { timed_out: true } : {}),
  };
}

async function columnsOf(source: DatapointsSource): Promise<string[]> {
  return 'rows' in source ? rowColumns(source.rows) : headerColumns(source.file);
}

/**
 * The CSV header, or the keys of the first JSONL record, read from the start of the file: 64 KiB first, more
 * (up to 1 MiB) only when the first record runs past it, since every byte read here is garbage afterwards.
 */
async function headerColumns(file: UploadSource): Promise<string[]> {
  // Loaded on first use, so that starting the server pays nothing for it.
  const { parse } = await import('csv-parse/sync');
  for (let limit = FIRST_HEAD_BYTES; ; limit *= 4) {
    const head = await readHead(file.body(), Math.min(limit, HEAD_BYTES));
    const whole = head.length < limit || limit >= HEAD_BYTES;
    try {
      return columnsFrom(file.filename, head.toString('utf8').replace(/^\uFEFF/, ''), whole, parse);
    } catch (error) {
      if (whole || !(error instanceof ToolError)) throw error;
    }
  }
}

/** `whole` says the text is all there is to read: otherwise a first record without its line end may be cut. */
function columnsFrom(filename: string, head: string, whole: boolean, parseCsv: typeof import('csv-parse/sync').parse): string[] {
  const fail = (why: string) =>
    new ToolError(`The dataset has no schema, and none could be inferred from ${filename}: ${why} Create the dataset with a schema instead.`);
  if (!whole && !head.includes('\n')) throw fail('its first record is longer than 1 MiB.');
  if (/\.jsonl$/i.test(filename)) {
    const line = head.split('\n').find((text) => text.trim());
    let first: unknown;
    try {
      first = line === undefined ? undefined : JSON.parse(line);
    } catch {
      throw fail('its first line is not valid JSON.');
    }
    if (typeof first !== 'object' || first === null || Array.isArray(first) || Object.keys(first).length === 0) {
      throw fail('its first line is not a JSON object with keys.');
    }
    return Object.keys(first);
  }
  if (!/\.csv$/i.test(filename)) throw fail('only .csv and .jsonl files can go into a V4 dataset.');
  let records: string[][];
  try {
    records = parseCsv(head.slice(0, lastLineEnd(head)), { to: 1, relax_column_count: true });
  } catch {
    throw fail('its header row cannot be read as CSV.');
  }
  const header = (records[0] ?? []).map((name) => name.trim());
  if (header.length === 0 || header.some((name) => !name)) throw fail('its header row has an empty column name.');
  return header;
}

/** Up to the last line break, so that a record cut by the read limit is left out; the whole text if it has none. */
function lastLineEnd(text: string): number {
  const end = text.lastIndexOf('\n');
  return end < 0 ? text.length : end + 1;
}

async function readHead(body: Readable | Buffer, max: number): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body.subarray(0, max);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= max) break;
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max);
}
