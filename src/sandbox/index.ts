/**
 * The sandbox: a stateful imitation of Prolific's API (the parts AI Task Builder uses) and of the presigned
 * object storage beside it, served on two loopback ports. Nothing leaves the machine and no money moves.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { getResponse, type HttpHandler } from 'msw';

import { apiErrorResponse } from './errors.js';
import { FaultList, faultResponse, REPLACES_HANDLERS, type FaultKind, type FaultRule, type SandboxFaults } from './faults.js';
import { handlerIndex } from './handler-index.js';
import { Random } from './random.js';
import { createSandboxHandlers } from './handlers/index.js';
import { listenLoopback, type Answer, type LoopbackServer } from './http.js';
import { SandboxState } from './state.js';
import type { AnnotatorProfile } from './model.js';

export { parseFaultSpec, type FaultKind, type FaultRule, type SandboxFaults } from './faults.js';
export { createSandboxHandlers } from './handlers/index.js';
export { SandboxState } from './state.js';
export type { SandboxSettings } from './store.js';

export interface SandboxOptions {
  /** API port; 0 or undefined picks a free one. */
  port?: number;
  /** The accepted API token; default a random `sandbox-` + 32 hex. */
  token?: string;
  /** How long datasets and batches stay PROCESSING; default 1500 ms. */
  processingMs?: number;
  /** Time between simulated participants taking places after PUBLISH; default 300 ms. */
  participantIntervalMs?: number;
  /** Typical time a participant takes from start to submit (careful ones longer, careless ones less); default 600 ms. */
  completionMs?: number;
  /** Share of participants who return their place before submitting; default 0.05. */
  returnRate?: number;
  /** Share of participants who run past the maximum allowed time; default 0.03. */
  timeoutRate?: number;
  /** Seed for ids and answers; default 42. */
  seed?: number;
  /** How many workspaces the account has; default 1. */
  workspaces?: number;
  /** Available balance of each workspace and of the personal account, minor units; default 100000 (£1000). */
  balance?: number;
  /**
   * Datasets created without a schema are V3 (UNINITIALISED → PROCESSING → READY | ERROR), as on accounts the
   * API still offers them to; default false: they are V4 with no schema yet.
   */
  legacyDatasets?: boolean;
  /** Fault rules in force from the start; more can be added through `faults`. */
  faults?: FaultRule[];
  /** Keep the batch instructions endpoint working as before its 1 Sep 2026 sunset; default false (410 Gone). */
  legacyInstructions?: boolean;
  /**
   * The annotators, in the order they arrive (then round again), instead of a random mix: e.g. six careful,
   * three careless and four confusers, to rehearse a crowd whose make-up is known.
   */
  crowd?: AnnotatorProfile[];
  /**
   * Called with every exchange once its answer is ready, just before it is sent. For tests that check traffic
   * against a description of the API.
   */
  observe?: (exchange: SandboxExchange) => void;
}

export interface SandboxExchange {
  request: RecordedRequest;
  headers: Headers;
  /** A copy of the answer, free to read; absent when none was sent (a dropped connection). */
  response?: Response;
}

export interface RecordedRequest {
  method: string;
  url: string;
  origin: 'api' | 'storage';
  authorization: boolean;
  /** 0 until the answer is ready (an upload still streaming), and for good when a fault sent none. */
  status: number;
  /** The parsed body of a JSON request to the API (never upload bytes). */
  body?: unknown;
  /** The injected fault this request met. */
  fault?: FaultKind;
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:PORT; API paths start with /api/v1/. */
  baseUrl: string;
  /** The separate presigned-storage origin. */
  storageUrl: string;
  token: string;
  /** Every request seen, in arrival order. */
  requests: RecordedRequest[];
  state: SandboxState;
  /** Injected faults, applied at the transport so the handlers stay unaware of them. */
  faults: SandboxFaults;
  /**
   * Moves the sandbox's clock forward: processing that would end within `ms` has ended, participants who
   * would have come have come. For rehearsing long runs (a study of thousands of places) in no time.
   */
  advanceClock(ms: number): void;
  /**
   * The sandbox's clock (wall time plus every advance), which its timestamps and its answers' Date header follow:
   * for a client under test to judge "the last 24 hours" by the same clock after `advanceClock`.
   */
  now(): number;
  /** Ends pending fault delays and closes both listeners; the sandbox runs no other timers. */
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const token = options.token ?? `sandbox-${randomBytes(16).toString('hex')}`;
  const requests: RecordedRequest[] = [];
  const faults = new FaultList(new Random((options.seed ?? 42) ^ 0x5eed));
  for (const rule of options.faults ?? []) faults.add(rule);
  const closing = new AbortController();
  let skewMs = 0;
  let candidates: (request: Request) => HttpHandler[] = () => [];

  async function dispatch(request: Request, origin: 'api' | 'storage'): Promise<Answer> {
    const record: RecordedRequest = {
      method: request.method,
      url: request.url,
      origin,
      authorization: request.headers.has('authorization'),
      status: 0,
    };
    const answer = await answerRequest(request, record);
    options.observe?.({ request: record, headers: request.headers, response: answer.response?.clone() });
    return answer;
  }

  async function answerRequest(request: Request, record: RecordedRequest): Promise<Answer> {
    const { origin } = record;
    if (origin === 'api' && /json/i.test(request.headers.get('content-type') ?? '')) {
      record.body = parseOrText(await request.clone().text());
    }
    const fault = faults.take(origin, request.method, new URL(request.url).pathname);
    if (fault) record.fault = fault.kind;
    requests.push(record);
    if (fault && REPLACES_HANDLERS.has(fault.kind)) {
      const response = faultResponse(fault, origin);
      if (response) record.status = response.status;
      return { response };
    }
    const response =
      (await getResponse(candidates(request), request)) ?? apiErrorResponse(404, `There is no endpoint at ${new URL(request.url).pathname}.`);
    if (fault?.kind === 'reset-after') return {};
    if (fault?.kind === 'delay') {
      const ended = await sleep(fault.delayMs ?? 0, true, { signal: closing.signal }).catch(() => false);
      // Closing destroys the connection anyway; there is no one left to answer.
      if (!ended) return {};
    }
    record.status = response.status;
    return { response, truncate: fault?.kind === 'truncate' };
  }

  const api = await listenLoopback({ port: options.port ?? 0, body: 'buffer', dispatch: (request) => dispatch(request, 'api') });
  let storage: LoopbackServer;
  try {
    storage = await listenLoopback({ port: 0, body: 'stream', dispatch: (request) => dispatch(request, 'storage') });
  } catch (error) {
    await api.close();
    throw error;
  }
  const state = new SandboxState({
    apiOrigin: api.origin,
    storageOrigin: storage.origin,
    token,
    processingMs: options.processingMs ?? 1500,
    participantIntervalMs: options.participantIntervalMs ?? 300,
    completionMs: options.completionMs ?? 600,
    returnRate: options.returnRate ?? 0.05,
    timeoutRate: options.timeoutRate ?? 0.03,
    seed: options.seed ?? 42,
    workspaces: Math.max(1, options.workspaces ?? 1),
    balance: options.balance ?? 100000,
    legacyInstructions: options.legacyInstructions ?? false,
    legacyDatasets: options.legacyDatasets ?? false,
    ...(options.crowd?.length ? { crowd: options.crowd } : {}),
    now: () => Date.now() + skewMs,
  });
  candidates = handlerIndex(createSandboxHandlers(state));
  return {
    baseUrl: api.origin,
    storageUrl: storage.origin,
    token,
    requests,
    state,
    faults,
    advanceClock: (ms) => {
      skewMs += Math.max(0, ms);
    },
    now: () => state.now(),
    close: async () => {
      closing.abort();
      await Promise.all([api.close(), storage.close()]);
    },
  };
}

function parseOrText(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
