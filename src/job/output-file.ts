import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ToolError } from '../errors.js';

/**
 * Files tools write for the person (exports): always inside the upload roots (see resolveInsideRoots), and
 * never over an existing file unless asked.
 */

/** Refused before anything is downloaded: an existing file without overwrite, or anything but a regular file. */
export async function checkTarget(target: string, spelled: string, overwrite: boolean): Promise<void> {
  const existing = await lstat(target).catch(() => undefined);
  if (!existing) return;
  if (!existing.isFile()) throw new ToolError(`file_path "${spelled}" exists and is not a regular file; choose another name.`);
  if (!overwrite) throw new ToolError(alreadyExists(spelled));
}

/**
 * Streams `stages` (a source, then any transforms) to disk. A new file is created exclusively, so a file that
 * appeared meanwhile is never replaced; a replacement is written beside the old file and renamed over it, so
 * a failed export never leaves half a file in its place. Either way a failure removes what was written.
 */
export async function writeTarget(
  target: string,
  spelled: string,
  overwrite: boolean,
  stages: (NodeJS.ReadableStream | NodeJS.ReadWriteStream)[],
  signal: AbortSignal,
): Promise<void> {
  const path = overwrite ? join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`) : target;
  const file = createWriteStream(path, { flags: 'wx' });
  try {
    await pipeline([...stages, file], { signal });
    if (overwrite) await rename(path, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && !overwrite) throw new ToolError(alreadyExists(spelled));
    await unlink(path).catch(() => undefined);
    throw error;
  }
}

function alreadyExists(spelled: string): string {
  return `file_path "${spelled}" already exists. Pass overwrite: true to replace it, or choose another name.`;
}
