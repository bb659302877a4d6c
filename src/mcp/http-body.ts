/**
 * The request body and the answers that refuse a request: a body read only within its bound, and a refusal
 * sent either after draining the rest or, for a body too large, with the connection closed instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The SDK's own bound on a request body, kept now that the body is read here. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface Refusal {
  status: number;
  /** JSON-RPC error code; -32000 unless said. */
  code?: number;
  message: string;
  headers?: Record<string, string>;
  /** The rest of the body is left unread and the connection closed after the answer, rather than drained. */
  close?: boolean;
}

/** The SDK reads a JSON body itself unless given one; anything else it refuses with its own status (415). */
export function isJson(req: IncomingMessage): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/** A Content-Length over the bound: refused without reading a byte of the body. */
export function announcedTooLarge(req: IncomingMessage): boolean {
  return Number(req.headers['content-length']) > MAX_BODY_BYTES;
}

/**
 * Reads the body here rather than through the SDK's web-stream conversion, which costs more per request than
 * the rest of a call, and so that the access log can name the method. Same bound, same answers.
 */
export function readBody(req: IncomingMessage): Promise<{ message?: unknown; refusal?: Refusal }> {
  // Draining the rest would let a client hold the connection for as many bytes as it cares to send.
  const tooLarge = { refusal: { status: 413, message: `Payload Too Large: Request body must not exceed ${MAX_BODY_BYTES} bytes`, close: true } };
  if (announcedTooLarge(req)) return Promise.resolve(tooLarge);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      resolve(tooLarge);
    };
    req.on('data', onData);
    req.on('error', reject);
    // A client gone before the end of its body is answered with nothing; settling here frees what was read.
    req.on('close', () => resolve({ refusal: { status: 400, message: 'The request body ended early.' } }));
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      try {
        resolve({ message: JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown });
      } catch {
        resolve({ refusal: { status: 400, code: -32700, message: 'Parse error: Invalid JSON' } });
      }
    });
  });
}

export function answer(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  if (refusal.close) return answerAndClose(req, res, refusal);
  // The request is drained so the connection can be reused; its body is never read into memory.
  req.resume();
  jsonError(res, refusal);
}

/** After a refusal sent with the body unread: how much more is dropped, for how long, before the connection is cut. */
const LINGER = { bytes: MAX_BODY_BYTES, ms: 1000 };

/**
 * Sends the whole answer, then closes the connection instead of draining the body. Closing on a client still
 * sending would reset the connection under its answer, so for a moment (and a bounded number of bytes) what
 * arrives is dropped, as web servers' lingering close does; ending the answer then lets Node close it.
 */
function answerAndClose(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  const text = errorBody(refusal);
  res.writeHead(refusal.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...refusal.headers, Connection: 'close' });
  res.write(text);
  let left = LINGER.bytes;
  const end = () => {
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(end, LINGER.ms);
  req.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) end();
  });
  req.on('end', end);
  req.resume();
}

export function jsonError(res: ServerResponse, refusal: Refusal): void {
  res.writeHead(refusal.status, { 'Content-Type': 'application/json', ...refusal.headers });
  res.end(errorBody(refusal));
}

function errorBody({ code = -32000, message }: Refusal): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
}
