/**
 * Presigned storage URLs in the style of S3 query-string authentication: the signature and expiry travel in
 * the query, so the storage origin never needs (and refuses) a Prolific token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { SandboxStore } from './store.js';

/** Upload and report links live 15 minutes, like Prolific's. */
const PRESIGNED_TTL_SECONDS = 15 * 60;

export interface Presigned {
  url: string;
  expiresAt: string;
}

/**
 * With a `contentType`, the URL signs the Content-Type header as S3 does (`X-Amz-SignedHeaders=content-type;host`):
 * a PUT with any other Content-Type, or none, fails the signature check.
 */
export function presign(state: SandboxStore, method: 'GET' | 'PUT', path: string, contentType?: string, ttlSeconds = PRESIGNED_TTL_SECONDS): Presigned {
  const url = new URL(path, state.settings.storageOrigin);
  const now = state.now();
  const amzDate = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  url.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA256');
  url.searchParams.set('X-Amz-Credential', `SANDBOXACCESSKEY/${amzDate.slice(0, 8)}/eu-west-2/s3/aws4_request`);
  url.searchParams.set('X-Amz-Date', amzDate);
  url.searchParams.set('X-Amz-Expires', String(ttlSeconds));
  url.searchParams.set('X-Amz-SignedHeaders', contentType === undefined ? 'host' : 'content-type;host');
  const signed = { method, pathname: url.pathname, amzDate, expires: String(ttlSeconds), contentType };
  url.searchParams.set('X-Amz-Signature', signature(state, signed));
  const expiresAt = new Date(parseAmzDate(amzDate) + ttlSeconds * 1000).toISOString();
  return { url: url.href, expiresAt };
}

export interface PresignProblem {
  status: number;
  code: string;
  message: string;
}

/**
 * Why a request does not carry a valid, unexpired signature for this method and path (and Content-Type, when
 * signed); undefined when it does.
 */
export function checkPresigned(state: SandboxStore, method: string, url: URL, contentType: string | null): PresignProblem | undefined {
  const query = url.searchParams;
  const amzDate = query.get('X-Amz-Date') ?? '';
  const expires = query.get('X-Amz-Expires') ?? '';
  const given = query.get('X-Amz-Signature') ?? '';
  if (!query.get('X-Amz-Algorithm') || !amzDate || !expires || !given) {
    return { status: 403, code: 'AccessDenied', message: 'Access Denied' };
  }
  const signsContentType = (query.get('X-Amz-SignedHeaders') ?? '').split(';').includes('content-type');
  const expected = signature(state, {
    method,
    pathname: url.pathname,
    amzDate,
    expires,
    contentType: signsContentType ? (contentType ?? '') : undefined,
  });
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  if (state.now() > parseAmzDate(amzDate) + Number(expires) * 1000) {
    return { status: 403, code: 'AccessDenied', message: 'Request has expired' };
  }
  return undefined;
}

function signature(
  state: SandboxStore,
  signed: { method: string; pathname: string; amzDate: string; expires: string; contentType: string | undefined },
): string {
  const lines = [signed.method, signed.pathname, signed.amzDate, signed.expires];
  if (signed.contentType !== undefined) lines.push(`content-type:${signed.contentType}`);
  return createHmac('sha256', state.signingKey).update(lines.join('\n')).digest('hex');
}

function parseAmzDate(amzDate: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0);
}
