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
/** Buffers no upload is using, kept for the next one: uploads at once each take their own. */
const spare: Buffer[] = [];
const MAX_SPARE = 2 * BUFFERS;

export async function writeBody(req: ClientRequest, body: PutBody, length: number): Promise<void> {
  if (Buffer.isBuffer(body)) return void req.end(body);
  const sent = new Sent(req);
  if ('path' in body) return writeFile(sent, body.path, length);
  for await (const chunk of body) await sent.write(chunk as Buffer);
  await sent.end();
}

/**
 * The request's writes as promises. A request that fails or closes early leaves its write callbacks uncalled,
 * so every wait also ends with the request's failure.
 */
class Sent {
  private failure: Error | undefined;
  private readonly waits = new Set<(error: Error) => void>();

  constructor(private readonly req: ClientRequest) {
    const fail = (error?: Error) => {
      this.failure ??= error ?? new Error('the upload request ended before its body was sent');
      for (const wait of this.waits) wait(this.failure);
      this.waits.clear();
    };
    req.once('error', fail);
    req.once('close', () => fail());
  }

  /** Resolves once the socket has sent the chunk. */
  write(chunk: Buffer): Promise<void> {
    return this.wait((done) => this.req.write(chunk, () => done()));
  }

  /** Sends the chunk; `sent` runs once the socket has, and never if the request fails first. */
  writeThen(chunk: Buffer, sent: () => void): void {
    this.req.write(chunk, () => sent());
  }

  end(): Promise<void> {
    return this.wait((done) => this.req.end(done));
  }

  wait(start: (done: () => void) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      const onFailure = (error: Error) => reject(error);
      this.waits.add(onFailure);
      start(() => {
        this.waits.delete(onFailure);
        resolve();
      });
    });
  }
}

async function writeFile(sent: Sent, path: string, length: number): Promise<void> {
  const file = await open(path, 'r');
  const free: Buffer[] = [];
  const mine: Buffer[] = [];
  for (let i = 0; i < BUFFERS; i++) {
    const buffer = spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
    free.push(buffer);
    mine.push(buffer);
  }
  let released: (() => void) | undefined;
  try {
    for (let position = 0; position < length; ) {
      if (!free.length) await sent.wait((done) => (released = done));
      const buffer = free.pop()!;
      const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK_BYTES, length - position), position);
      // The size was checked before the upload began; a file that shrank since must not be sent short.
      if (bytesRead === 0) throw new Error(`the file ended at byte ${position} of ${length}: it changed during the upload`);
      position += bytesRead;
      sent.writeThen(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), () => {
        free.push(buffer);
        const wake = released;
        released = undefined;
        wake?.();
      });
    }
    await sent.end();
    // Only now is every buffer sent and free; after a failure the socket may still hold some, so none is kept.
    spare.push(...mine.slice(0, MAX_SPARE - spare.length));
  } finally {
    await file.close();
  }
}
