import { open } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * Writing an upload's body to a request whose every write says when the socket has sent it (node:http's
 * `write(chunk, callback)`), so that a file goes out through a few buffers used again and again.
 *
 * A file read as a stream gets a fresh buffer for every read; they are garbage as soon as they are sent, but
 * V8 collects memory outside its heap only once tens of megabytes of it have piled up, so a large upload held
 * some 35 MB more than it needed. Here a buffer is read into again only after its last bytes have left.
 */

/** What a PUT sends: bytes in memory, a stream, or a file on disk (read in place, from the start). */
export type PutBody = Buffer | Readable | { path: string };

const CHUNK_BYTES = 256 * 1024;
/** Enough in flight to keep the socket busy while the next read runs. */
const BUFFERS = 4;

export async function writeBody(req: ClientRequest, body: PutBody, length: number): Promise<void> {
  if (Buffer.isBuffer(body)) return void req.end(body);
  // A request that fails or closes early leaves its write callbacks uncalled: every wait races this.
  const gone = new Promise<never>((_, reject) => {
    const fail = (error?: Error) => reject(error ?? new Error('the upload request ended before its body was sent'));
    req.once('error', fail);
    req.once('close', () => fail());
  });
  gone.catch(() => undefined);
  const settle = <T>(step: Promise<T>) => Promise.race([step, gone]);
  if ('path' in body) return writeFile(req, body.path, length, settle);
  for await (const chunk of body) await settle(new Promise<void>((resolve) => req.write(chunk as Buffer, () => resolve())));
  await settle(new Promise<void>((resolve) => req.end(resolve)));
}

async function writeFile(req: ClientRequest, path: string, length: number, settle: <T>(step: Promise<T>) => Promise<T>): Promise<void> {
  const file = await open(path, 'r');
  try {
    const free: Buffer[] = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafeSlow(CHUNK_BYTES));
    const waiting: ((buffer: Buffer) => void)[] = [];
    const take = () => new Promise<Buffer>((resolve) => (free.length ? resolve(free.pop()!) : waiting.push(resolve)));
    const give = (buffer: Buffer) => (waiting.length ? waiting.shift()!(buffer) : free.push(buffer));
    for (let position = 0; position < length; ) {
      const buffer = await settle(take());
      const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK_BYTES, length - position), position);
      // The size was checked before the upload began; a file that shrank since must not be sent short.
      if (bytesRead === 0) throw new Error(`the file ended at byte ${position} of ${length}: it changed during the upload`);
      position += bytesRead;
      req.write(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), () => give(buffer));
    }
    await settle(new Promise<void>((resolve) => req.end(resolve)));
  } finally {
    await file.close();
  }
}
