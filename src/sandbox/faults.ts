/**
 * Fault injection: rules that make the transport misbehave (error statuses, resets, stalls, cut-off or
 * malformed answers) so a client's retry rules can be proven against the sandbox. The msw handlers never
 * see a rule; index.ts applies them around the handlers and http.ts carries out resets and truncation.
 */
import { STATUS_CODES } from 'node:http';

import { apiErrorResponse, storageErrorResponse } from './errors.js';
import { Random } from './random.js';

export type FaultKind =
  /** Answer `status` (default 500) with the origin's error body; the request is not applied. */
  | 'status'
  /** Destroy the connection before the request is applied. */
  | 'reset-before'
  /** Apply the request, then destroy the connection instead of answering. */
  | 'reset-after'
  /** Apply the request, then wait `delayMs` before sending the answer. */
  | 'delay'
  /** Apply the request, send the headers with the full Content-Length and about half the body, then destroy the connection. */
  | 'truncate'
  /** Answer `status` (default 502) with an HTML error page, as a proxy would; the request is not applied. */
  | 'html'
  /** Answer `status` (default 200) with an empty body; the request is not applied. */
  | 'empty';

export interface FaultRule {
  kind: FaultKind;
  /** Matched against the request path; a string matches the pathname exactly, ignoring one trailing slash either way; a RegExp is tested against the pathname. */
  path: string | RegExp;
  /** Default: any method. */
  method?: string;
  /** Default: 'api'. */
  origin?: 'api' | 'storage';
  /** For 'status', 'html' and 'empty'. */
  status?: number;
  /** Seconds; adds a Retry-After header to a 'status' answer. */
  retryAfter?: number;
  /** For 'delay' (required). */
  delayMs?: number;
  /** How many matching requests this rule affects; default 1; Infinity = every one. */
  times?: number;
  /** The share of matching requests it affects, drawn from the sandbox's seeded randomness; default 1 (every one). */
  chance?: number;
}

export interface SandboxFaults {
  /** Rules are checked in the order added; the first rule with times left that matches applies. */
  add(rule: FaultRule): void;
  clear(): void;
  /** How many requests each rule has affected so far, in the order added. */
  readonly hits: number[];
}

const KINDS: ReadonlySet<string> = new Set<FaultKind>(['status', 'reset-before', 'reset-after', 'delay', 'truncate', 'html', 'empty']);

/** The kinds that answer in place of the handlers, so the request never reaches the state. */
export const REPLACES_HANDLERS: ReadonlySet<FaultKind> = new Set<FaultKind>(['status', 'reset-before', 'html', 'empty']);

export class FaultList implements SandboxFaults {
  private entries: { rule: FaultRule; hits: number }[] = [];

  /** Its own sequence, so that drawing for faults changes no id or answer the seed gives. */
  constructor(private readonly random = new Random(1)) {}

  add(rule: FaultRule): void {
    this.entries.push({ rule: checkRule(rule), hits: 0 });
  }

  clear(): void {
    this.entries = [];
  }

  get hits(): number[] {
    return this.entries.map((entry) => entry.hits);
  }

  /** The rule that applies to this request, counted as one of its `times`. */
  take(origin: 'api' | 'storage', method: string, pathname: string): FaultRule | undefined {
    const entry = this.entries.find(
      ({ rule, hits }) =>
        hits < (rule.times ?? 1) && matches(rule, origin, method, pathname) && (rule.chance === undefined || this.random.chance(rule.chance)),
    );
    if (!entry) return undefined;
    entry.hits += 1;
    return entry.rule;
  }
}

/** The answer a handler-replacing rule gives; undefined for 'reset-before', which gives none. */
export function faultResponse(rule: FaultRule, origin: 'api' | 'storage'): Response | undefined {
  switch (rule.kind) {
    case 'status': {
      const status = rule.status ?? 500;
      const reason = STATUS_CODES[status] ?? 'Error';
      const headers: Record<string, string> = rule.retryAfter === undefined ? {} : { 'Retry-After': String(rule.retryAfter) };
      if (origin === 'storage') {
        const response = storageErrorResponse(status, reason.replace(/[^A-Za-z]/g, ''), `${reason} (sandbox fault).`);
        for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
        return response;
      }
      // Django REST framework's throttling wording.
      const detail = status === 429 ? 'Request was throttled.' : `${reason} (sandbox fault).`;
      return apiErrorResponse(status, detail, headers);
    }
    case 'html': {
      const status = rule.status ?? 502;
      const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
      const page = [
        '<html>',
        `<head><title>${title}</title></head>`,
        '<body>',
        `<center><h1>${title}</h1></center>`,
        '<hr><center>nginx</center>',
        '</body>',
        '</html>',
        '',
      ].join('\r\n');
      return new Response(page, { status, headers: { 'Content-Type': 'text/html' } });
    }
    case 'empty':
      // Labelled JSON, as a misbehaving gateway does, so a client that trusts the Content-Type is caught out.
      return new Response(null, { status: rule.status ?? 200, headers: { 'Content-Type': 'application/json', 'Content-Length': '0' } });
    default:
      return undefined;
  }
}

/**
 * `[METHOD] PATH [KIND] [status=N] [retry-after=S] [delay-ms=MS] [times=N|inf] [chance=P] [origin=api|storage]`, as the
 * CLI's --fault takes it; KIND may be left out when status= makes it 'status'. A PATH with any of
 * \^$.*+?()[]{}| is a regular expression anchored as ^(?:PATH)$; any other PATH matches exactly, ignoring
 * a trailing slash.
 */
export function parseFaultSpec(spec: string): FaultRule {
  const words = spec.trim().split(/\s+/);
  const method = words[0] && !words[0].startsWith('/') ? words.shift() : undefined;
  const path = words.shift() ?? '';
  if (!path.startsWith('/')) throw new Error(`Fault "${spec}" needs a path starting with /.`);
  let kind: string | undefined;
  const options: Partial<FaultRule> = {};
  for (const word of words) {
    const [key = '', value] = word.split('=', 2);
    const number = value === 'inf' ? Infinity : value ? Number(value) : NaN;
    if (value === undefined && kind === undefined) kind = key;
    else if (key === 'origin') options.origin = value as 'api' | 'storage';
    else if (key === 'status') options.status = number;
    else if (key === 'retry-after') options.retryAfter = number;
    else if (key === 'delay-ms') options.delayMs = number;
    else if (key === 'times') options.times = number;
    else if (key === 'chance') options.chance = number;
    else throw new Error(`Fault "${spec}": unknown option "${word}".`);
  }
  if (kind === undefined && options.status === undefined) throw new Error(`Fault "${spec}" needs a kind.`);
  return checkRule({
    kind: (kind ?? 'status') as FaultKind,
    path: /[\\^$.*+?()[\]{}|]/.test(path) ? new RegExp(`^(?:${path})$`) : path,
    ...(method ? { method } : {}),
    ...options,
  });
}

function checkRule(rule: FaultRule): FaultRule {
  const problem = (what: string): Error => new Error(`Fault rule for ${String(rule.path)}: ${what}.`);
  if (!KINDS.has(rule.kind)) throw problem(`unknown kind "${rule.kind}" (one of ${[...KINDS].join(', ')})`);
  if (rule.origin !== undefined && rule.origin !== 'api' && rule.origin !== 'storage') throw problem('origin must be api or storage');
  // Error pages need a status that may carry a body; only an empty answer may pretend to succeed.
  const lowest = rule.kind === 'empty' ? 200 : 400;
  if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= lowest && rule.status <= 599)) {
    throw problem(`status must be an integer from ${lowest} to 599`);
  }
  if (rule.kind === 'delay' && !(Number.isFinite(rule.delayMs) && (rule.delayMs ?? 0) >= 0)) {
    throw problem('a delay fault needs delayMs ≥ 0');
  }
  if (rule.retryAfter !== undefined && !(Number.isInteger(rule.retryAfter) && rule.retryAfter >= 0)) {
    throw problem('retryAfter must be a whole number of seconds');
  }
  if (rule.chance !== undefined && !(Number.isFinite(rule.chance) && rule.chance >= 0 && rule.chance <= 1)) {
    throw problem('chance must be a number from 0 to 1');
  }
  if (rule.times !== undefined && !(rule.times === Infinity || (Number.isInteger(rule.times) && rule.times >= 0))) {
    throw problem('times must be a whole number or Infinity');
  }
  return { ...rule };
}

function matches(rule: FaultRule, origin: 'api' | 'storage', method: string, pathname: string): boolean {
  if ((rule.origin ?? 'api') !== origin) return false;
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  // search() ignores lastIndex, so a /g expression matches every time rather than every other.
  if (typeof rule.path !== 'string') return pathname.search(rule.path) >= 0;
  return withoutTrailingSlash(rule.path) === withoutTrailingSlash(pathname);
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
