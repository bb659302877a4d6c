/**
 * Turning an uploaded file into datapoints, the way Prolific processes a dataset after the presigned PUT:
 * one datapoint per row, header row first, `META_` columns hidden but kept, `META_TASK_GROUP_ID` grouping
 * datapoints. Files are read as they stream in; only a bounded amount of row text is kept in memory.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

import { parse } from 'csv-parse';

import type { DatasetRecord } from './model.js';

export type UploadFormat = 'csv' | 'jsonl' | 'zip';

export const GROUP_COLUMN = 'META_TASK_GROUP_ID';

/** Row text kept per dataset (characters). Rows past it are counted and become tasks, but their cells read empty. */
const ROW_TEXT_BUDGET = 16 * 1024 * 1024;

export function uploadFormat(filename: string): UploadFormat | undefined {
  const match = /\.(csv|jsonl|zip)$/i.exec(filename);
  return match?.[1]?.toLowerCase() as UploadFormat | undefined;
}

export interface ParsedUpload {
  header: string[];
  rows: string[][];
  rowCount: number;
  groupIds: string[] | undefined;
  storedChars: number;
}

export interface UploadResult {
  /** The MD5 of the bytes received, which S3 returns as the ETag. */
  etag: string;
  bytes: number;
  /** The datapoints, or why processing will fail. */
  parsed: ParsedUpload | { failure: string };
}

/**
 * Reads the whole body (it must be read to the end, as S3 accepts any bytes) and parses it on the way. A
 * parse failure does not stop the reading: S3 stores the file and the dataset only fails later, in
 * processing. A broken connection rejects.
 */
export async function readUpload(
  body: ReadableStream<Uint8Array> | null,
  format: UploadFormat,
  dataset: DatasetRecord,
): Promise<UploadResult> {
  const hash = createHash('md5');
  let bytes = 0;
  const budget = dataset.rows.length < dataset.rowCount ? 0 : ROW_TEXT_BUDGET - dataset.storedChars;
  const parser = format === 'csv' ? new CsvRows(budget) : format === 'jsonl' ? new JsonLines(budget) : undefined;
  if (body) {
    for await (const chunk of Readable.fromWeb(body as NodeReadableStream<Uint8Array>)) {
      const bytesChunk = chunk as Buffer;
      hash.update(bytesChunk);
      bytes += bytesChunk.length;
      await parser?.write(bytesChunk);
    }
  }
  const etag = `"${hash.digest('hex')}"`;
  if (!parser) {
    // Zip datasets hold images the sandbox cannot look inside, so it fails them the way a broken archive would.
    return { etag, bytes, parsed: { failure: 'The sandbox cannot process .zip datasets; upload a .csv or .jsonl file.' } };
  }
  return { etag, bytes, parsed: await parser.finish() };
}

/** Adds a successfully parsed upload to the dataset's datapoints (later uploads append). */
export function appendUpload(dataset: DatasetRecord, upload: ParsedUpload): void {
  const indexes = upload.header.map((name) => {
    const existing = dataset.columns.findIndex((column) => column.name === name);
    if (existing >= 0) return existing;
    dataset.columns.push({ name, hidden: name.startsWith('META_') });
    return dataset.columns.length - 1;
  });
  const aligned = indexes.every((index, position) => index === position);
  for (const row of upload.rows) {
    if (aligned) {
      dataset.rows.push(row);
    } else {
      const remapped: string[] = [];
      row.forEach((value, position) => {
        remapped[indexes[position] ?? position] = value;
      });
      dataset.rows.push(Array.from(remapped, (value) => value ?? ''));
    }
  }
  if (upload.groupIds || dataset.groupIds) {
    const groupIds = dataset.groupIds ?? new Array<string>(dataset.rowCount).fill('');
    for (let i = 0; i < upload.rowCount; i += 1) groupIds.push(upload.groupIds?.[i] ?? '');
    dataset.groupIds = groupIds;
  }
  dataset.rowCount += upload.rowCount;
  dataset.storedChars += upload.storedChars;
}

/** Collects datapoints as a parser finds them, keeping row text within the budget. */
class DatapointSink {
  header: string[] = [];
  readonly rows: string[][] = [];
  rowCount = 0;
  groupIds: string[] | undefined;
  storedChars = 0;
  private groupColumn = -1;
  private full = false;

  constructor(private readonly budget: number) {}

  addColumn(name: string): number {
    const trimmed = name.trim();
    if (!trimmed) throw new ParseFailure(`Column ${this.header.length + 1} of the header has no name.`);
    if (this.header.includes(trimmed)) throw new ParseFailure(`The header names column "${trimmed}" twice.`);
    this.header.push(trimmed);
    if (trimmed === GROUP_COLUMN) {
      this.groupColumn = this.header.length - 1;
      this.groupIds = new Array<string>(this.rowCount).fill('');
    }
    return this.header.length - 1;
  }

  add(values: string[]): void {
    this.rowCount += 1;
    if (this.groupIds) this.groupIds.push(values[this.groupColumn]?.trim() ?? '');
    if (this.full) return;
    const size = values.reduce((sum, value) => sum + value.length, 0);
    if (this.storedChars + size > this.budget) {
      this.full = true;
      return;
    }
    this.storedChars += size;
    this.rows.push(values);
  }

  result(): ParsedUpload | { failure: string } {
    if (this.header.length === 0) return { failure: 'The file is empty: expected a header row and at least one datapoint.' };
    if (this.rowCount === 0) return { failure: 'The file has a header row but no datapoints.' };
    return {
      header: this.header,
      rows: this.rows,
      rowCount: this.rowCount,
      groupIds: this.groupIds,
      storedChars: this.storedChars,
    };
  }
}

/** A problem with the file's content (as opposed to the connection). */
class ParseFailure extends Error {}

interface RowParser {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<ParsedUpload | { failure: string }>;
}

class CsvRows implements RowParser {
  private readonly sink: DatapointSink;
  private readonly parser = parse({ bom: true, skip_empty_lines: true });
  private failure: string | undefined;
  private readonly ended: Promise<void>;

  constructor(budget: number) {
    this.sink = new DatapointSink(budget);
    this.parser.on('data', (record: string[]) => {
      if (this.failure !== undefined) return;
      try {
        if (this.sink.header.length === 0) {
          for (const name of record) this.sink.addColumn(name);
        } else {
          this.sink.add(record);
        }
      } catch (error) {
        this.fail(error);
      }
    });
    this.ended = new Promise((resolve) => {
      this.parser.on('end', resolve);
      // A destroyed parser (after a failure) emits 'close' but never 'end'.
      this.parser.on('close', resolve);
      this.parser.on('error', (error) => {
        this.fail(error);
        resolve();
      });
    });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure !== undefined) return;
    if (!this.parser.write(chunk)) {
      await Promise.race([once(this.parser, 'drain'), this.ended]);
    }
  }

  async finish(): Promise<ParsedUpload | { failure: string }> {
    if (this.failure === undefined) this.parser.end();
    await this.ended;
    return this.failure !== undefined ? { failure: this.failure } : this.sink.result();
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = `The CSV file could not be read: ${error instanceof Error ? error.message : String(error)}`;
    this.parser.destroy();
  }
}

/** JSON Lines: one object per line; columns are the keys in first-seen order. */
class JsonLines implements RowParser {
  private readonly sink: DatapointSink;
  private readonly decoder = new TextDecoder();
  private pending = '';
  private lineNumber = 0;
  private failure: string | undefined;

  constructor(budget: number) {
    this.sink = new DatapointSink(budget);
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure !== undefined) return;
    const lines = (this.pending + this.decoder.decode(chunk, { stream: true })).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  async finish(): Promise<ParsedUpload | { failure: string }> {
    if (this.failure === undefined) this.line(this.pending + this.decoder.decode());
    return this.failure !== undefined ? { failure: this.failure } : this.sink.result();
  }

  private line(text: string): void {
    if (this.failure !== undefined) return;
    this.lineNumber += 1;
    const trimmed = text.trim();
    if (!trimmed) return;
    try {
      let object: unknown;
      try {
        object = JSON.parse(trimmed);
      } catch {
        throw new ParseFailure(`Line ${this.lineNumber} is not valid JSON.`);
      }
      if (typeof object !== 'object' || object === null || Array.isArray(object)) {
        throw new ParseFailure(`Line ${this.lineNumber} is not a JSON object.`);
      }
      const values: string[] = [];
      for (const [key, value] of Object.entries(object)) {
        const existing = this.sink.header.indexOf(key.trim());
        const index = existing >= 0 ? existing : this.sink.addColumn(key);
        values[index] = typeof value === 'string' ? value : JSON.stringify(value);
      }
      this.sink.add(Array.from({ length: this.sink.header.length }, (_, i) => values[i] ?? ''));
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
    }
  }
}
