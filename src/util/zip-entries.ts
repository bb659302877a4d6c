import { createReadStream } from 'node:fs';

export type ZipEntry = {
  name: string;
  /** Bytes once extracted. */
  size: number;
  /** For JSON Lines entries: how many lines have content (the line layouts are not documented, so none is parsed). */
  records?: number;
};

const NEWLINE = 10;

/**
 * The entries of a ZIP on disk, read as a stream so its size never matters to memory. An entry whose size
 * the archive states (in its local header) is skipped over; one written by a streaming zipper states none
 * and is extracted to count it, as are JSON Lines entries, to count their records. fflate is loaded here,
 * on first use, so starting the server costs nothing for it.
 */
export async function zipEntries(path: string, signal: AbortSignal): Promise<ZipEntry[]> {
  const { Unzip, UnzipInflate } = await import('fflate');
  const entries: ZipEntry[] = [];
  let failure: Error | undefined;
  const unzip = new Unzip((file) => {
    const entry: ZipEntry = { name: file.name, size: file.originalSize ?? 0 };
    entries.push(entry);
    const jsonl = file.name.toLowerCase().endsWith('.jsonl');
    if (file.originalSize !== undefined && !jsonl) return;
    let size = 0;
    let records = 0;
    let lineHasContent = false;
    file.ondata = (error, data, final) => {
      if (error) {
        failure ??= error;
        return;
      }
      size += data.length;
      if (jsonl) {
        for (const byte of data) {
          if (byte === NEWLINE) {
            if (lineHasContent) records++;
            lineHasContent = false;
          } else if (byte > 32) {
            lineHasContent = true;
          }
        }
      }
      if (final) {
        entry.size = size;
        if (jsonl) entry.records = records + (lineHasContent ? 1 : 0);
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  for await (const chunk of createReadStream(path, { signal })) {
    unzip.push(chunk as Buffer);
    if (failure) throw failure;
  }
  unzip.push(new Uint8Array(0), true);
  if (failure) throw failure;
  return entries;
}
