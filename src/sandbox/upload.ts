/**
 * Turning an uploaded file into datapoints, the way Prolific processes a dataset after the presigned PUT:
 * one datapoint per row, header row first, `META_` columns hidden but kept, `META_TASK_GROUP_ID` grouping
 * datapoints. Files are read as they stream in; only a bounded amount of row text is kept in memory.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

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
  const budget = rowTextBudget(dataset);
  const parser = format === 'csv' ? new CsvRows(new DatapointSink(budget)) : format === 'jsonl' ? new JsonLines(budget) : undefined;
  const { etag, bytes } = await readBody(body, parser);
  if (!parser) {
    // Zip datasets hold images the sandbox cannot look inside, so it fails them the way a broken archive would.
    return { etag, bytes, parsed: { failure: 'The sandbox cannot process .zip datasets; upload a .csv or .jsonl file.' } };
  }
  return { etag, bytes, parsed: await parser.finish() };
}

/** Reads a PUT body to its end, feeding the parser, and returns what S3 would: the MD5 ETag, and the size. */
export async function readBody(
  body: ReadableStream<Uint8Array> | null,
  parser: { write(chunk: Buffer): Promise<void> } | undefined,
): Promise<{ etag: string; bytes: number }> {
  const hash = createHash('md5');
  let bytes = 0;
  if (body) {
    for await (const chunk of Readable.fromWeb(body as NodeReadableStream<Uint8Array>)) {
      const bytesChunk = chunk as Buffer;
      hash.update(bytesChunk);
      bytes += bytesChunk.length;
      await parser?.write(bytesChunk);
    }
  }
  return { etag: `"${hash.digest('hex')}"`, bytes };
}

/** Row text the dataset may still keep; none once a file has outgrown it, so later rows never misalign. */
export function rowTextBudget(dataset: DatasetRecord): number {
  return dataset.rows.length < dataset.rowCount ? 0 : ROW_TEXT_BUDGET - dataset.storedChars;
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

/** Where the CSV reader puts what it reads; `R` is what the sink makes of the whole file. */
export interface RowSink<R> {
  readonly header: string[];
  addColumn(name: string): number;
  /** Whether the next row's text would still be kept; past the budget only counts (and `keptColumn`) are. */
  readonly keepsText: boolean;
  /** The column whose values are kept for every row, or -1. */
  readonly keptColumn: number;
  count(keptValue: string | undefined): void;
  add(values: string[]): void;
  /** A record of the wrong length. Without this, such a record fails the whole file. */
  reject?(reason: string): void;
  result(): R | { failure: string };
}

/** Adds a header name, refusing blank and repeated ones. */
export function addHeaderName(header: string[], name: string): number {
  const trimmed = name.trim();
  if (!trimmed) throw new ParseFailure(`Column ${header.length + 1} of the header has no name.`);
  if (header.includes(trimmed)) throw new ParseFailure(`The header names column "${trimmed}" twice.`);
  header.push(trimmed);
  return header.length - 1;
}

/** Collects datapoints as a parser finds them, keeping row text within the budget. */
class DatapointSink implements RowSink<ParsedUpload> {
  header: string[] = [];
  readonly rows: string[][] = [];
  rowCount = 0;
  groupIds: string[] | undefined;
  storedChars = 0;
  private groupColumn = -1;
  private full = false;

  constructor(private readonly budget: number) {}

  addColumn(name: string): number {
    const index = addHeaderName(this.header, name);
    if (this.header[index] === GROUP_COLUMN) {
      this.groupColumn = index;
      this.groupIds = new Array<string>(this.rowCount).fill('');
    }
    return index;
  }

  get keepsText(): boolean {
    return !this.full;
  }

  get keptColumn(): number {
    return this.groupColumn;
  }

  /** A row past the budget: counted, with its group id. */
  count(groupId: string | undefined): void {
    this.rowCount += 1;
    if (this.groupIds) this.groupIds.push(groupId?.trim() ?? '');
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
export class ParseFailure extends Error {}

export interface RowParser<R> {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<R | { failure: string }>;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

const enum Field {
  /** Before the first byte of a field. */
  Start,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: its end, or the first half of an escaped `""`. */
  QuoteInQuoted,
}

/**
 * RFC 4180 CSV read byte by byte as it streams in: records end at LF or CRLF, a field may be quoted (with
 * `""` for a quote, and line breaks inside), a UTF-8 BOM is dropped, empty lines are skipped, and every record
 * must have as many fields as the header. Only the cells that are kept are decoded, so a 1 GiB file is read
 * at hundreds of MB/s (csv-parse managed about 20 MB/s, a minute of sandbox time for such an upload).
 */
export class CsvRows<R> implements RowParser<R> {
  private failure: string | undefined;
  private started = false;
  private state = Field.Start;
  /** After a CR, an LF completes the same line break. */
  private afterCr = false;
  /** The current field's bytes from earlier chunks, kept only when it is decoded, and their length. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private quoted = false;
  private escapedQuote = false;
  /** Fields of the current record; decoded only while row text is kept (always for the header). */
  private values: string[] = [];
  private fieldIndex = 0;
  private decodeRecord = true;
  private keptValue: string | undefined;
  /** An empty line is one empty, unquoted field; it is skipped rather than counted. */
  private emptyLine = false;
  private records = 0;
  private header: string[] | undefined;

  constructor(private readonly sink: RowSink<R>) {}

  async write(chunk: Buffer): Promise<void> {
    if (this.failure !== undefined) return;
    let i = 0;
    if (!this.started) {
      this.started = true;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    let fieldStart = i;
    const n = chunk.length;
    while (i < n) {
      if (this.state === Field.Quoted) {
        const quote = chunk.indexOf(QUOTE, i);
        if (quote < 0) break;
        i = quote + 1;
        this.state = Field.QuoteInQuoted;
        continue;
      }
      if (this.state === Field.Start) {
        const byte = chunk[i];
        if (this.afterCr) {
          this.afterCr = false;
          if (byte === LF) {
            i += 1;
            continue;
          }
        }
        fieldStart = i;
        this.quoted = byte === QUOTE;
        this.escapedQuote = false;
        if (this.quoted) {
          this.state = Field.Quoted;
          i += 1;
          continue;
        }
        this.state = Field.Unquoted;
      }
      if (this.state === Field.QuoteInQuoted) {
        const byte = chunk[i];
        if (byte === QUOTE) {
          this.escapedQuote = true;
          this.state = Field.Quoted;
          i += 1;
          continue;
        }
        if (byte !== COMMA && byte !== LF && byte !== CR) {
          return this.fail(`record ${this.records + 1} has text after the closing quote of field ${this.fieldIndex + 1}.`);
        }
      } else {
        while (i < n) {
          const byte = chunk[i];
          if (byte === COMMA || byte === LF || byte === CR) break;
          if (byte === QUOTE) {
            return this.fail(`record ${this.records + 1} has a quote inside unquoted field ${this.fieldIndex + 1}.`);
          }
          i += 1;
        }
        if (i === n) break;
      }
      const delimiter = chunk[i];
      this.endField(chunk, fieldStart, i);
      this.state = Field.Start;
      i += 1;
      if (delimiter === COMMA) continue;
      this.afterCr = delimiter === CR;
      this.endRecord();
      if (this.failure !== undefined) return;
    }
    if (this.state !== Field.Start) {
      if (this.decodesField()) this.parts.push(chunk.subarray(fieldStart));
      this.partsLength += n - fieldStart;
    }
  }

  async finish(): Promise<R | { failure: string }> {
    if (this.failure === undefined) {
      if (this.state === Field.Quoted) {
        this.fail(`record ${this.records + 1} opens a quote that is never closed.`);
      } else if (this.state !== Field.Start || this.fieldIndex > 0) {
        // A last line without its line break, or a last field left empty after a comma.
        if (this.state === Field.Start) this.quoted = this.escapedQuote = false;
        this.endField(Buffer.alloc(0), 0, 0);
        this.endRecord();
      }
    }
    return this.failure !== undefined ? { failure: this.failure } : this.sink.result();
  }

  private decodesField(): boolean {
    return this.decodeRecord || this.fieldIndex === this.sink.keptColumn;
  }

  /** The field ends at `end` (exclusive) in `chunk`; it began at `start`, or in an earlier chunk. */
  private endField(chunk: Buffer, start: number, end: number): void {
    if (this.fieldIndex === 0) this.emptyLine = !this.quoted && end === start && this.partsLength === 0;
    if (this.decodesField()) {
      const tail = chunk.subarray(start, end);
      const bytes = this.parts.length ? Buffer.concat([...this.parts, tail], this.partsLength + tail.length) : tail;
      let text = bytes.toString('utf8');
      if (this.quoted) text = text.slice(1, -1);
      if (this.escapedQuote) text = text.replaceAll('""', '"');
      if (this.decodeRecord) this.values.push(text);
      else this.keptValue = text;
    }
    this.parts = [];
    this.partsLength = 0;
    this.fieldIndex += 1;
  }

  private endRecord(): void {
    const fields = this.fieldIndex;
    const empty = fields === 1 && this.emptyLine;
    const values = this.values;
    const kept = this.keptValue;
    this.fieldIndex = 0;
    this.values = [];
    this.keptValue = undefined;
    if (empty) return;
    this.records += 1;
    try {
      if (!this.header) {
        for (const name of values) this.sink.addColumn(name);
        this.header = values;
      } else if (fields !== this.header.length) {
        const problem = `has ${fields} field${fields === 1 ? '' : 's'}, but the header has ${this.header.length}.`;
        if (!this.sink.reject) throw new ParseFailure(`record ${this.records} ${problem}`);
        this.sink.reject(`The record ${problem}`);
      } else if (this.decodeRecord) {
        this.sink.add(values);
      } else {
        this.sink.count(kept);
      }
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
      return;
    }
    this.decodeRecord = this.sink.keepsText;
  }

  private fail(reason: string): void {
    this.failure ??= `The CSV file could not be read: ${reason}`;
  }
}

/** JSON Lines: one object per line; columns are the keys in first-seen order. */
class JsonLines implements RowParser<ParsedUpload> {
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
