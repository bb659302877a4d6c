/** A non-2xx answer from the Prolific API, with the parts a person needs to act on it. */
export class ProlificApiError extends Error {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly detail: string;
  /** From a Retry-After header, when the API sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, method: string, path: string, detail: string, retryAfterMs?: number) {
    super(`Prolific API ${method} ${path} answered ${status}: ${detail}`);
    this.name = 'ProlificApiError';
    this.status = status;
    this.method = method;
    this.path = path;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The request never got a usable answer: connection refused, timeout, or a body that is not what the API documents. */
export class ProlificNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProlificNetworkError';
  }
}

/**
 * Prolific answers errors in two shapes (`{error:{detail}}` and `{message, detail}`), and `detail` may be a
 * string, a list, or `{field: [messages]}`. Flatten whichever arrives into one readable line.
 */
export function describeErrorBody(body: unknown, fallback: string): string {
  if (body === null || typeof body !== 'object') {
    return typeof body === 'string' && body.trim() ? truncate(body.trim()) : fallback;
  }
  const record = body as Record<string, unknown>;
  const inner = (record.error && typeof record.error === 'object' ? record.error : record) as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof inner.title === 'string' && inner.detail === undefined) parts.push(inner.title);
  if (typeof record.message === 'string') parts.push(record.message);
  const detail = flattenDetail(inner.detail ?? record.detail);
  if (detail) parts.push(detail);
  return parts.length ? truncate(parts.join(' — ')) : fallback;
}

function flattenDetail(detail: unknown): string {
  if (detail === undefined || detail === null) return '';
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map(flattenDetail).filter(Boolean).join('; ');
  if (typeof detail === 'object') {
    return Object.entries(detail as Record<string, unknown>)
      .map(([field, messages]) => `${field}: ${flattenDetail(messages)}`)
      .join('; ');
  }
  return String(detail);
}

function truncate(text: string): string {
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
