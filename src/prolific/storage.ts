import type { Readable } from 'node:stream';
import { describeErrorBody } from './errors.js';
import { ProlificTransport, apiError } from './transport.js';

/** Presigned object storage: uploads and downloads sent to signed URLs, never with the token. */
export abstract class StorageApi extends ProlificTransport {
  /**
   * Sends a file to a presigned storage URL. The URL carries its own signature, so the Prolific token must
   * never go with it. Object storage refuses chunked uploads, hence the exact length. A `path` (the file that
   * `body` would stream) is sent from disk directly.
   */
  async putUpload(
    uploadUrl: string,
    upload: { body: () => Readable | Buffer; path?: string; length: number; contentType: string },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.withRetries(signal, async () => {
      const answer = await this.sendPut(uploadUrl, {
        headers: { 'content-type': upload.contentType, 'content-length': String(upload.length) },
        // A file is read in place through reused buffers rather than as a stream of new ones.
        body: upload.path === undefined ? upload.body() : { path: upload.path },
        length: upload.length,
        signal,
      });
      if (answer.status >= 300) {
        throw apiError(answer, 'PUT', 'the presigned upload URL', describeErrorBody(answer.text, 'upload refused'));
      }
    });
  }

  /** Downloads a presigned report link, without the token. */
  async downloadReport(url: string, signal?: AbortSignal): Promise<string> {
    return this.withRetries(signal, async () => {
      const answer = await this.send(url, 'GET', { headers: {}, signal });
      if (answer.status >= 300) {
        throw apiError(answer, 'GET', 'the presigned report URL', describeErrorBody(answer.text, 'download refused'));
      }
      return answer.text;
    });
  }

  /**
   * Opens a presigned download without the token and hands over its body unread, so that a large ZIP goes
   * to disk in pieces. Only the opening is retried: a body half read cannot be taken back.
   */
  async openDownload(url: string, signal?: AbortSignal): Promise<Readable> {
    return this.withRetries(signal, async () => {
      const answer = await this.send(url, 'GET', { headers: {}, signal, stream: true });
      if (!answer.stream) throw apiError(answer, 'GET', 'the presigned download URL', describeErrorBody(answer.text, 'download refused'));
      return answer.stream;
    });
  }

  /**
   * The first line of a presigned report (its CSV header), without downloading the rest: enough to see which
   * columns the dataset has when a report of a big batch runs to tens of megabytes.
   */
  async reportHeader(url: string, signal?: AbortSignal): Promise<string> {
    return firstLine(await this.openDownload(url, signal));
  }
}

/** Reads up to the first line break (at most 1 MiB); leaving the loop destroys the body, so the rest is never read. */
async function firstLine(body: Readable): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += String(chunk);
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
    if (text.length > FIRST_LINE_LIMIT) break;
  }
  return text;
}

const FIRST_LINE_LIMIT = 1 << 20;
