import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { ToolError } from '../errors.js';

/** What gets PUT to the presigned URL: a body that can be produced again for a retry, and its exact length. */
export interface UploadSource {
  filename: string;
  contentType: string;
  length: number;
  body: () => Readable | Buffer;
  /** For a file: where it is, so that an upload can read it in place. */
  path?: string;
  rows?: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.jsonl': 'application/x-ndjson',
  '.zip': 'application/zip',
};

export type FlatRow = Record<string, string | number | boolean | null>;

/** The union of the rows' keys in first-seen order: the header a file of them has. */
export function rowColumns(rows: FlatRow[]): string[] {
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
  return columns;
}

/**
 * Rows become JSON Lines (a .jsonl filename; values keep their types) or RFC 4180 CSV with the union of keys as
 * header. csv-stringify is loaded here, on first use, so that starting the server does not pay for it.
 */
export async function rowsSource(rows: FlatRow[], filename = 'datapoints.csv'): Promise<UploadSource> {
  const extension = extname(filename).toLowerCase();
  if (extension === '.jsonl') {
    rowColumns(rows);
    const jsonl = Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    return { filename, contentType: CONTENT_TYPES['.jsonl'] as string, length: jsonl.length, body: () => jsonl, rows: rows.length };
  }
  if (extension !== '.csv') {
    throw new ToolError(`filename must end in .csv or .jsonl when uploading rows (got "${filename}").`);
  }
  const columns = rowColumns(rows);
  const { stringify } = await import('csv-stringify/sync');
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
  const real = await resolveInsideRoots(filePath, options.roots, 'read');
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
    path: real,
  };
}

/**
 * Where a `file_path` argument really points, refused unless it lies inside one of the allowed roots (the
 * upload roots: PROLIFIC_UPLOAD_ROOTS, else the client's roots, else the working directory) after symlinks
 * are resolved, and no part of it below the root is hidden. A file to `read` must exist; a file to `write`
 * need not, but its folder must, and the result is that real folder joined with the file's name.
 */
export async function resolveInsideRoots(filePath: string, roots: string[], use: 'read' | 'write'): Promise<string> {
  if (filePath.includes('\0')) throw new ToolError('file_path contains a NUL byte.');
  const spelled = filePath.startsWith('file://') ? fileURLToPath(filePath) : filePath.replace(/^~(?=$|\/)/, homedir());
  const realRoots = await Promise.all(roots.map(async (root) => realpath(resolve(root)).catch(() => resolve(root))));
  const rootList = realRoots.join(', ');
  const candidate = resolve(realRoots[0] ?? process.cwd(), spelled);
  const name = basename(candidate);
  const inside = (path: string) => realRoots.find((r) => path === r || path.startsWith(r.endsWith(sep) ? r : r + sep));
  const outside = () => {
    const purpose = use === 'read' ? 'upload from' : 'write to';
    return new ToolError(
      `file_path "${filePath}" is outside the folders this server may ${purpose} (${rootList}). Use a path inside one of them, or ask the person running this server to widen them (PROLIFIC_UPLOAD_ROOTS).`,
    );
  };
  let real: string;
  try {
    real = use === 'read' ? await realpath(candidate) : join(await realpath(dirname(candidate)), name);
  } catch {
    // Whether a path outside the roots exists is none of the caller's business (over HTTP, the server's files).
    if (!inside(candidate)) throw outside();
    const missing = use === 'read' ? candidate : dirname(candidate);
    throw new ToolError(`file_path "${filePath}": ${missing} does not exist. Allowed folders: ${rootList}.`);
  }
  const root = inside(real);
  if (!root || (use === 'write' && real === root)) throw outside();
  if (relative(root, real).split(sep).some((segment) => segment.startsWith('.'))) {
    throw new ToolError(`file_path "${filePath}" is a hidden file or inside a hidden folder; those are never ${use === 'read' ? 'uploaded' : 'written'}.`);
  }
  return real;
}
