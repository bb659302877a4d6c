/**
 * V4 datasets: import jobs and the records they bring. A file is read when it is PUT (kept as records, within
 * the row-text budget), waits its turn behind earlier imports (`queued`), is `processing` for `processingMs`,
 * and is checked against the schema current when processing ends: `complete`, `partial` or `failed`. Without
 * a schema it parks in `pending_schema` until the first PATCH sets one. The append endpoint uses the same checks.
 *
 * The rules a record must pass (the API documents their existence, not their wording; these are the sandbox's):
 * - it is a JSON object (JSONL), or has as many fields as the header (CSV);
 * - with `strict`, it has a non-empty value for every schema field;
 * - values are strings; numbers and booleans are taken as text for `text`, `metadata` and `task_group_id`,
 *   while objects and arrays are refused everywhere;
 * - `image_url`, `audio_url` and `video_url` values are absolute http(s) URLs, audio ending .aac/.m4a/.mp3/.wav
 *   and video .mp4/.webm/.mov (the CLI's checks);
 * - it has a value for at least one shown field (text or a URL), or there would be nothing to annotate.
 * Keys outside the schema are dropped. A record identical to a stored one counts as accepted and a duplicate.
 */
import { groupField, isHiddenType } from './dataset-schema.js';
import type { DatasetRecord, DatasetSchema, ImportError, ImportJobRecord, ReceivedRecord, ReceivedRecords } from './model.js';
import type { SandboxStore } from './store.js';
import { addHeaderName, appendUpload, CsvRows, readBody, rowTextBudget, type RowSink } from './upload.js';
import { iso } from './time.js';

/** Errors listed per import; `rejected_count` keeps counting past it, as the API's list "can be shorter". */
const MAX_LISTED_ERRORS = 100;

const TERMINAL = new Set(['complete', 'partial', 'failed']);

export const IMPORT_CONTENT_TYPES = { csv: 'text/csv', jsonl: 'application/x-ndjson' } as const;

export type ImportFormat = keyof typeof IMPORT_CONTENT_TYPES;

export function importFormat(filename: string): ImportFormat | undefined {
  const match = /\.(csv|jsonl)$/i.exec(filename);
  return match?.[1]?.toLowerCase() as ImportFormat | undefined;
}

/** Reads a PUT body into records; returns S3's ETag. */
export async function readImport(
  body: ReadableStream<Uint8Array> | null,
  format: ImportFormat,
  dataset: DatasetRecord,
): Promise<{ etag: string; received: ReceivedRecords }> {
  const sink = new RecordSink(rowTextBudget(dataset));
  const parser = format === 'csv' ? new CsvRows(sink) : new RecordLines(sink);
  const { etag } = await readBody(body, parser);
  return { etag, received: await parser.finish() };
}

/** Splits a JSONL body (an append request) into records; blank lines are skipped. */
export function jsonlRecords(text: string): ReceivedRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map(parseLine);
}

/** An import job that is running blocks appends (409). */
export function runningImport(dataset: DatasetRecord): ImportJobRecord | undefined {
  return dataset.imports.find((job) => job.status === 'queued' || job.status === 'processing');
}

/** Gives a received import its turn after every import already scheduled on the dataset. */
export function scheduleImport(state: SandboxStore, dataset: DatasetRecord, job: ImportJobRecord): void {
  const now = state.now();
  const busyUntil = Math.max(now, ...dataset.imports.filter((other) => other !== job && !TERMINAL.has(other.status) && other.until).map((other) => other.until ?? 0));
  job.startsAt = busyUntil;
  job.until = busyUntil + state.settings.processingMs;
  job.status = busyUntil > now ? 'queued' : 'processing';
  job.updatedAt = now;
}

export function advanceImports(state: SandboxStore, now: number): void {
  for (const dataset of state.datasets.values()) {
    if (dataset.schemaVersion !== 4) continue;
    const scheduled = dataset.imports.filter((job) => job.until !== undefined && !TERMINAL.has(job.status));
    for (const job of scheduled.sort((a, b) => (a.until ?? 0) - (b.until ?? 0))) {
      if (now >= (job.until ?? 0)) {
        finishImport(dataset, job);
      } else if (now >= (job.startsAt ?? 0) && job.status === 'queued') {
        job.status = 'processing';
        job.updatedAt = job.startsAt ?? now;
      }
    }
  }
}

function finishImport(dataset: DatasetRecord, job: ImportJobRecord): void {
  const received = job.received ?? { failure: 'Nothing was uploaded.' };
  delete job.received;
  job.updatedAt = job.until ?? job.updatedAt;
  if ('failure' in received || !dataset.schema) {
    job.status = 'failed';
    job.reason = 'failure' in received ? received.failure : 'The dataset has no schema.';
    return;
  }
  const outcome = ingest(dataset, received.records, received.unchecked, MAX_LISTED_ERRORS);
  job.acceptedCount = outcome.accepted;
  job.duplicateCount = outcome.duplicates;
  job.rejectedCount = outcome.rejected;
  if (outcome.rejected === 0) {
    job.status = 'complete';
    return;
  }
  job.errors = outcome.errors;
  if (outcome.accepted > 0) {
    job.status = 'partial';
  } else {
    job.status = 'failed';
    job.reason = `All ${outcome.rejected} records were rejected; errors says why.`;
  }
}

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: ImportError[];
}

/**
 * Checks records against the dataset's schema and appends the accepted ones after the stored datapoints (a
 * duplicate of a stored one is accepted but not stored again). `unchecked` more records were past the budget.
 */
export function ingest(dataset: DatasetRecord, records: ReceivedRecord[], unchecked: number, maxErrors: number): IngestOutcome {
  const schema = dataset.schema as DatasetSchema;
  const names = Object.keys(schema.fields);
  const group = groupField(schema);
  const groupIndex = group === undefined ? -1 : names.indexOf(group);
  const seen = (dataset.seen ??= new Set());
  const rows: string[][] = [];
  const groupIds: string[] = [];
  const outcome: IngestOutcome = { accepted: unchecked, duplicates: 0, rejected: 0, errors: [] };
  let storedChars = 0;
  records.forEach((record, index) => {
    const checked = checkRecord(record, schema, index);
    if ('reason' in checked) {
      outcome.rejected += 1;
      if (outcome.errors.length < maxErrors) outcome.errors.push(checked);
      return;
    }
    outcome.accepted += 1;
    const key = JSON.stringify(checked);
    if (seen.has(key)) {
      outcome.duplicates += 1;
      return;
    }
    seen.add(key);
    rows.push(checked);
    if (groupIndex >= 0) groupIds.push(checked[groupIndex]?.trim() ?? '');
    storedChars += checked.reduce((sum, value) => sum + value.length, 0);
  });
  const rowCount = rows.length + unchecked;
  if (rowCount > 0) {
    appendUpload(dataset, {
      header: names,
      // Rows past an earlier budget overflow are counted only, or they would sit at the wrong index.
      rows: dataset.rows.length < dataset.rowCount ? [] : rows,
      rowCount,
      groupIds: groupIndex >= 0 ? [...groupIds, ...new Array<string>(unchecked).fill('')] : undefined,
      storedChars,
    });
  }
  dataset.totalDatapointCount = dataset.rowCount;
  return outcome;
}

const AUDIO = /\.(aac|m4a|mp3|wav)$/i;
const VIDEO = /\.(mp4|webm|mov)$/i;

/** The record's values in schema order, or why it is rejected. */
function checkRecord(record: ReceivedRecord, schema: DatasetSchema, index: number): string[] | ImportError {
  if ('malformed' in record) return { record_index: index, reason: record.malformed };
  const values: string[] = [];
  let shown = false;
  for (const [name, field] of Object.entries(schema.fields)) {
    const raw = record.fields[name];
    const reject = (reason: string): ImportError => ({ record_index: index, field: name, reason });
    if (raw !== null && typeof raw === 'object') return reject(`Expected a string, got ${Array.isArray(raw) ? 'an array' : 'an object'}.`);
    const isText = field.type === 'text' || field.type === 'metadata' || field.type === 'task_group_id';
    if ((typeof raw === 'number' || typeof raw === 'boolean') && !isText) return reject(`Expected a URL string, got a ${typeof raw}.`);
    const value = raw === undefined || raw === null ? '' : String(raw);
    if (!value.trim()) {
      if (schema.strict) return reject(raw === undefined || raw === null ? 'Missing: a strict schema needs every field.' : 'Empty: a strict schema needs every field.');
      values.push('');
      continue;
    }
    if (!isText) {
      const problem = urlProblem(value, field.type);
      if (problem) return reject(problem);
    }
    if (!isHiddenType(field.type)) shown = true;
    values.push(value);
  }
  if (!shown) return { record_index: index, reason: 'No value for any shown field (text or URL): there would be nothing to annotate.' };
  return values;
}

function urlProblem(value: string, type: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `Expected an absolute URL, got "${value.slice(0, 80)}".`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Expected an http(s) URL.';
  if (type === 'audio_url' && !AUDIO.test(url.pathname)) return 'An audio URL must end in .aac, .m4a, .mp3 or .wav.';
  if (type === 'video_url' && !VIDEO.test(url.pathname)) return 'A video URL must end in .mp4, .webm or .mov.';
  return undefined;
}

function parseLine(line: string): ReceivedRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { malformed: 'Not valid JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { malformed: 'Not a JSON object.' };
  return { fields: value as Record<string, unknown> };
}

/** Records as they are read, their text kept within the budget; past it they are counted. */
class RecordSink implements RowSink<{ records: ReceivedRecord[]; unchecked: number }> {
  readonly header: string[] = [];
  readonly records: ReceivedRecord[] = [];
  readonly keptColumn = -1;
  private unchecked = 0;
  private chars = 0;

  constructor(private readonly budget: number) {}

  get keepsText(): boolean {
    return this.chars < this.budget;
  }

  addColumn(name: string): number {
    return addHeaderName(this.header, name);
  }

  count(): void {
    this.unchecked += 1;
  }

  add(values: string[]): void {
    this.keep({ fields: Object.fromEntries(this.header.map((name, i) => [name, values[i] ?? ''])) }, values.join('').length);
  }

  keep(record: ReceivedRecord, chars: number): void {
    if (!this.keepsText) {
      this.count();
      return;
    }
    this.chars += chars;
    this.records.push(record);
  }

  reject(reason: string): void {
    this.records.push({ malformed: reason });
  }

  result(): { records: ReceivedRecord[]; unchecked: number } | { failure: string } {
    if (this.records.length + this.unchecked === 0) return { failure: 'The file has no records.' };
    return { records: this.records, unchecked: this.unchecked };
  }
}

/** JSON Lines read as they stream in: each non-blank line one record, kept as its object. */
class RecordLines {
  private readonly decoder = new TextDecoder();
  private pending = '';

  constructor(private readonly sink: RecordSink) {}

  async write(chunk: Buffer): Promise<void> {
    const lines = (this.pending + this.decoder.decode(chunk, { stream: true })).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  async finish(): Promise<ReceivedRecords> {
    this.line(this.pending + this.decoder.decode());
    return this.sink.result();
  }

  private line(text: string): void {
    if (!text.trim()) return;
    if (this.sink.keepsText) this.sink.keep(parseLine(text), text.length);
    else this.sink.count();
  }
}

export function importView(job: ImportJobRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    dataset_id: job.datasetId,
    import_id: job.id,
    type: 'file_upload',
    filename: job.filename,
    status: job.status,
    created_at: iso(job.createdAt),
    updated_at: iso(job.updatedAt),
    processing_started_at: job.startsAt !== undefined && job.status !== 'queued' ? iso(job.startsAt) : null,
  };
  if (job.acceptedCount !== undefined) {
    view.accepted_count = job.acceptedCount;
    view.duplicate_count = job.duplicateCount ?? 0;
    view.rejected_count = job.rejectedCount ?? 0;
    view.written_count = job.acceptedCount - (job.duplicateCount ?? 0);
  }
  if (job.errors) view.errors = job.errors;
  if (job.reason) view.reason = job.reason;
  return view;
}
