/**
 * Error responses in the two dialects the sandbox speaks: Prolific's JSON error body on the API origin, and
 * S3's XML error document on the presigned-storage origin.
 */
import { HttpResponse } from 'msw';

/** `detail` as the API sends it: a sentence, or `{field: [messages]}` for validation errors. */
export type ErrorDetail = string | Record<string, string[]>;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Thrown by handlers and helpers; the route wrapper turns it into the API's error body. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    readonly detail: ErrorDetail,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
  }
}

export function badRequest(detail: ErrorDetail): ApiError {
  return new ApiError(400, detail);
}

export function notFound(what: string, id: string): ApiError {
  return new ApiError(404, `${what} ${id} was not found.`);
}

export function apiErrorResponse(status: number, detail: ErrorDetail, headers: Record<string, string> = {}): Response {
  const body = {
    error: {
      status,
      // Prolific's internal codes are not documented beyond one 400 example (140001); these follow its pattern.
      error_code: 140000 + (status - 400) * 100 + 1,
      title: TITLES[status] ?? 'Error',
      detail,
    },
  };
  return HttpResponse.json(body, { status, headers });
}

/** S3's error document, as presigned uploads and downloads report failures. */
export function storageErrorResponse(status: number, code: string, message: string): Response {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>SANDBOX</RequestId></Error>`;
  return new HttpResponse(xml, { status, headers: { 'Content-Type': 'application/xml' } });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
