/** One problem Prolific found in a `batch_items` layout; indexes are 0-based, `type` is the item's type. */
export interface BatchItemsIssue {
  page?: number;
  row?: number;
  column?: number;
  item?: number;
  type?: string;
  field?: string;
  message: string;
}

/** A non-2xx answer from the Prolific API, with the parts a person needs to act on it. */
export class ProlificApiError extends Error {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly detail: string;
  /** From a Retry-After header, when the API sent one. */
  readonly retryAfterMs: number | undefined;
  /** Set when the body was an INVALID_BATCH_ITEMS layout refusal (sent with 422, or 400). */
  readonly batchItemsIssues: BatchItemsIssue[] | undefined;
  /** How many times the request was sent again before this answer was given up on. */
  retried = 0;

  constructor(status: number, method: string, path: string, detail: string, retryAfterMs?: number, batchItemsIssues?: BatchItemsIssue[]) {
    super(`Prolific API ${method} ${path} answered ${status}: ${detail}`);
    this.name = 'ProlificApiError';
    this.status = status;
    this.method = method;
    this.path = path;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
    this.batchItemsIssues = batchItemsIssues;
  }
}

/**
 * The issues of a layout refusal, recognised by its `type` rather than its status: the docs say 422, the CLI's
 * tests serve it with 400. Undefined for any other body.
 */
export function batchItemsIssues(body: unknown): BatchItemsIssue[] | undefined {
  if (body === null || typeof body !== 'object' || (body as { type?: unknown }).type !== 'INVALID_BATCH_ITEMS') return undefined;
  const issues = (body as { issues?: unknown }).issues;
  return (Array.isArray(issues) ? issues : []).map((raw): BatchItemsIssue => {
    const issue = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const index = (key: string) => (typeof issue[key] === 'number' ? { [key]: issue[key] as number } : {});
    const word = (key: string) => (typeof issue[key] === 'string' ? { [key]: issue[key] as string } : {});
    return {
      ...index('page'),
      ...index('row'),
      ...index('column'),
      ...index('item'),
      ...word('type'),
      ...word('field'),
      message: typeof issue.message === 'string' ? issue.message : 'invalid',
    };
  });
}

/** How to read describeBatchItemsIssue's locations. */
export const ISSUE_INDEXES = 'Indexes count from 0: page P, row R, column C, item I is batch_items[P].rows[R].columns[C].items[I].';

/** `page 0, row 1, column 0, item 2 (dataset_field, field "x"): message`, indexes 0-based as Prolific sends them. */
export function describeBatchItemsIssue(issue: BatchItemsIssue): string {
  const where = (['page', 'row', 'column', 'item'] as const)
    .filter((key) => issue[key] !== undefined)
    .map((key) => `${key} ${issue[key]}`)
    .join(', ');
  const what = [issue.type, issue.field === undefined ? undefined : `field "${issue.field}"`].filter(Boolean).join(', ');
  return `${where || 'batch_items'}${what ? ` (${what})` : ''}: ${issue.message}`;
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
  const issues = batchItemsIssues(body);
  if (issues) {
    return truncate(`INVALID_BATCH_ITEMS: ${issues.length ? issues.map(describeBatchItemsIssue).join('; ') : 'the layout was refused without details'}`);
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
