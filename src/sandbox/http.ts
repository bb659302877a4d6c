/**
 * The loopback bridge: a node:http server on 127.0.0.1 that turns each request into a Fetch `Request`,
 * lets the sandbox answer it, and streams the Fetch `Response` back, or breaks the connection when an
 * injected fault says so.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

import { log } from '../util/log.js';
import { apiErrorResponse } from './errors.js';

/** API calls are small JSON documents; anything larger is refused rather than held in memory. */
const MAX_BUFFERED_BODY = 16 * 1024 * 1024;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection']);

export interface LoopbackOptions {
  port: number;
  /** Read bodies whole (API calls) or pass them on as streams (uploads, which can be 1 GiB). */
  body: 'buffer' | 'stream';
  dispatch: (request: Request) => Promise<Answer>;
}

export interface Answer {
  /** Absent: destroy the connection without answering. */
  response?: Response;
  /** Send the headers and about half of the body, then destroy the connection. */
  truncate?: boolean;
}

export interface LoopbackServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * msw clones every request it routes, and cloning tees the body: the copy nobody reads would keep every
 * chunk of an upload in memory. A streamed request's clone therefore carries no body.
 */
class StreamedRequest extends Request {
  override clone = (): Request => new Request(this.url, { method: this.method, headers: this.headers });
}

export async function listenLoopback(options: LoopbackOptions): Promise<LoopbackServer> {
  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    void serve(req, res, options, origin);
  });
  server.listen(options.port, '127.0.0.1');
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, options: LoopbackOptions, origin: string): Promise<void> {
  let streamedBody: ReadableStream<Uint8Array> | undefined;
  try {
    const method = req.method ?? 'GET';
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] ?? '';
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, req.rawHeaders[i + 1] ?? '');
    }
    const url = origin + (req.url ?? '/');
    let request: Request;
    if (method === 'GET' || method === 'HEAD') {
      request = new Request(url, { method, headers });
    } else if (options.body === 'stream') {
      streamedBody = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
      request = new StreamedRequest(url, { method, headers, body: streamedBody, duplex: 'half' } as RequestInit);
    } else {
      const body = await readWhole(req);
      if (body === undefined) {
        await send(res, apiErrorResponse(413, `Request bodies are limited to ${MAX_BUFFERED_BODY} bytes.`), method);
        req.destroy();
        return;
      }
      request = new Request(url, { method, headers, body });
    }
    const answer = await options.dispatch(request);
    if (!answer.response) {
      req.socket.destroy();
      return;
    }
    await (answer.truncate ? sendHalf(res, answer.response, method) : send(res, answer.response, method));
  } catch (error) {
    // A client that hung up is not a sandbox failure.
    if (res.destroyed) return;
    log(`sandbox http: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (!res.headersSent) {
      await send(res, apiErrorResponse(500, 'The sandbox failed to handle this request.'), req.method ?? 'GET').catch(() => {});
    } else {
      res.destroy();
    }
  }
  // An answer given before the body was read (a refused upload): read the rest and drop it, chunk by chunk.
  if (streamedBody && !req.complete && !streamedBody.locked) {
    try {
      for await (const chunk of streamedBody as unknown as AsyncIterable<Uint8Array>) void chunk;
    } catch {
      // The client went away; nothing left to drain.
    }
  }
}

async function readWhole(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BUFFERED_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function send(res: ServerResponse, response: Response, method: string): Promise<void> {
  res.writeHead(response.status, headerRecord(response));
  if (!response.body || method === 'HEAD') {
    res.end();
    return;
  }
  // A body of known length (every JSON answer) goes out in one write: piping it through a web stream cost a
  // third of the sandbox's time per request. It is held as one chunk, which is sent as it is, uncopied.
  if (response.headers.has('content-length')) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    return;
  }
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res);
}

/** An answer cut off in transit: headers promising the whole body, half of it, then a dropped connection. */
async function sendHalf(res: ServerResponse, response: Response, method: string): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { ...headerRecord(response), 'content-length': String(body.length) });
  // Without this, an empty half would leave the headers unsent too.
  res.flushHeaders();
  if (method !== 'HEAD') {
    await new Promise<void>((resolve) => {
      // A client that hangs up first may leave the write callback uncalled.
      res.once('close', resolve);
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => resolve());
    });
  }
  res.socket?.destroy();
}

function headerRecord(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}
