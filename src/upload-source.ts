import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { ToolError } from './tool.js';

/** What gets PUT to the presigned URL: a body that can be produced again for a retry, and its exact length. */
export interface UploadSource {
  filename: string;
  contentType: string;
  length: number;
  body: () => Readable | Buffer;
  rows?: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.jsonl': 'application/jsonl',
  '.zip': 'application/zip',
};

export type FlatRow = Record<string, string | number | boolean | null>;

/** Rows become RFC 4180 CSV; the header is the union of keys in first-seen order. */
export function rowsSource(rows: FlatRow[], filename = 'datapoints.csv'): UploadSource {
  if (extname(filename).toLowerCase() !== '.csv') {
    throw new ToolError(`filename must end in .csv when uploading rows (got "${filename}").`);
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  if (columns.length === 0) throw new ToolError('rows have no columns: give each row at least one key.');
  const csv = Buffer.from(stringify(rows, { header: true, columns, cast: { boolean: (value) => String(value) } }));
  return { filename, contentType: 'text/csv', length: csv.length, body: () => csv, rows: rows.length };
}

/**
 * A local file, confined to the allowed roots after every symlink is resolved, streamed from disk so its size
 * never matters to memory.
 */
export async function fileSource(
  filePath: string,
  options: { roots: string[]; maxBytes: number; filename?: string },
): Promise<UploadSource> {
  if (filePath.includes('\0')) throw new ToolError('file_path contains a NUL byte.');
  const spelled = filePath.startsWith('file://') ? fileURLToPath(filePath) : filePath.replace(/^~(?=$|\/)/, homedir());
  const roots = await Promise.all(options.roots.map(async (root) => realpath(resolve(root)).catch(() => resolve(root))));
  const rootList = roots.join(', ');
  const candidate = isAbsolute(spelled) ? spelled : resolve(roots[0] ?? process.cwd(), spelled);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new ToolError(`file_path "${filePath}" does not exist (looked for ${candidate}). Allowed folders: ${rootList}.`);
  }
  const root = roots.find((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep));
  if (!root) {
    throw new ToolError(
      `file_path "${filePath}" is outside the folders this server may upload from (${rootList}). Move the file into one of them, or widen them with PROLIFIC_UPLOAD_ROOTS (or the client's roots).`,
    );
  }
  if (relative(root, real).split(sep).some((segment) => segment.startsWith('.'))) {
    throw new ToolError(`file_path "${filePath}" is a hidden file or inside a hidden folder; those are never uploaded.`);
  }
  const extension = extname(real).toLowerCase();
  if (!CONTENT_TYPES[extension]) {
    throw new ToolError(`file_path "${filePath}" is not a .csv, .jsonl or .zip file, the formats a dataset accepts.`);
  }
  const info = await stat(real);
  if (!info.isFile()) throw new ToolError(`file_path "${filePath}" is not a regular file.`);
  if (info.size === 0) throw new ToolError(`file_path "${filePath}" is empty.`);
  if (info.size > options.maxBytes) {
    throw new ToolError(
      `file_path "${filePath}" is ${info.size} bytes, over the ${options.maxBytes}-byte limit (PROLIFIC_MAX_UPLOAD_BYTES).`,
    );
  }
  const filename = options.filename ?? basename(real);
  if (extname(filename).toLowerCase() !== extension) {
    throw new ToolError(`filename "${filename}" must keep the file's extension (${extension}).`);
  }
  return {
    filename,
    contentType: CONTENT_TYPES[extension] as string,
    length: info.size,
    body: () => createReadStream(real),
  };
}
