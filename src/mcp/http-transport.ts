/**
 * `--http`: the same tools and resources over Streamable HTTP at /mcp, stateless.
 *
 * Prolific holds all the state that matters, so the server keeps none of its own between requests: every POST
 * gets a fresh protocol server and transport (the SDK's stateless pattern), and any number of instances behind
 * an ordinary load balancer serve the same clients. What is shared within one process is what is the same for
 * every request (see createServerFactory): tool listings, resources, prompts, the API client (one keep-alive
 * connection pool and one upstream limiter) and the default-workspace look-up.
 *
 * Operations: /healthz and /readyz for load balancers, a cap on requests in flight, a drain on shutdown, and
 * one JSON access-log line per request.
 *
 * A fresh server never sees the client's `initialize`, so it knows no client capabilities and never sends the
 * client a request of its own (elicitation, roots/list): the answer would arrive as a later POST, perhaps at
 * another instance. publish_study therefore relies on confirm_total_cost, and uploads on the configured roots.
 *
 * Anything that may wait on Prolific is answered as an event stream carrying keep-alive comments, so that an
 * idle timeout on the way does not cut a long call. A client's notifications/cancelled arrives as a POST of its
 * own; it reaches the call it names when that call runs in this process (one instance, or sticky routing).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isLoopbackHost, type Config, type HttpSettings } from '../config.js';
import { log, logEvent } from '../util/log.js';
import { createServerFactory, SERVER_NAME, SERVER_VERSION } from './server.js';
import type { Catalogue } from './catalogue.js';
import { announcedTooLarge, answer, isJson, jsonError, readBody, type Refusal } from './http-body.js';

export const MCP_PATH = '/mcp';

export interface RunningHttpServer {
  /** e.g. http://127.0.0.1:8765/mcp */
  url: string;
  /**
   * Stops taking work (new requests and /readyz get 503 with Retry-After) and waits up to `ms` for the requests
   * in flight to finish; resolves with how many were still running when it gave up.
   */
  drain(ms: number): Promise<number>;
  close(): Promise<void>;
}

/** What the access log says of a request: never its arguments, which hold the user's data. */
interface Access {
  rpc?: string;
  tool?: string;
}

export async function serveHttp(config: Config, settings: HttpSettings, catalogue: Catalogue): Promise<RunningHttpServer> {
  const newServer = createServerFactory(config, catalogue);
  const checkOrigin = originPolicy(settings);
  const checkToken = settings.token === undefined ? () => undefined : bearerCheck(settings.token);
  // A bearer token already defeats DNS rebinding (a page cannot know it), and a token-guarded loopback server may
  // sit behind a reverse proxy that forwards the public Host; without one, only loopback names are answered.
  const checkHost = isLoopbackHost(settings.host) && settings.token === undefined;
  const calls = new RunningCalls();
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;
  const busy = { 'Retry-After': '1' };

  const handle = async (req: IncomingMessage, res: ServerResponse, path: string, access: Access): Promise<void> => {
    // Probes carry no credentials and learn nothing but the version: a load balancer's view of the process.
    if (path === '/healthz' || path === '/readyz') return probe(req, res, path, draining);
    if (path !== MCP_PATH) {
      return answer(req, res, { status: 404, message: `Not found: the MCP endpoint is ${MCP_PATH}.` });
    }
    // A web page whose name was re-pointed at 127.0.0.1 (DNS rebinding) still sends its own name as Host.
    const host = hostnameOf(req.headers.host);
    if (checkHost && (host === undefined || !isLoopbackHost(host))) {
      return refuse(req, res, { status: 403, message: `Host "${req.headers.host ?? ''}" is not a loopback name; this server only answers on loopback.` });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !checkOrigin(origin)) {
      return refuse(req, res, {
        status: 403,
        message: `Origin ${origin} is not allowed. Loopback origins are; add others to PROLIFIC_MCP_ALLOWED_ORIGINS.`,
      });
    }
    if (origin !== undefined) corsHeaders(res, origin);
    // Browsers send the CORS preflight without credentials, so it is answered before the token is checked.
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Last-Event-ID',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const unauthorised = checkToken(req.headers.authorization);
    if (unauthorised) return refuse(req, res, unauthorised);
    if (req.method !== 'POST') {
      // Every client tries a GET event stream once, and the spec has it take 405 for an answer.
      return answer(req, res, {
        status: 405,
        message: 'Method not allowed: this server is stateless, so it offers no GET event stream and no session to DELETE; POST each message.',
        headers: { Allow: 'POST, OPTIONS' },
      });
    }
    if (draining) {
      return answer(req, res, { status: 503, message: 'This instance is shutting down; send the request again (another instance will take it).', headers: { ...busy, Connection: 'close' } });
    }
    // Beyond the cap, an instance says so at once rather than queueing without bound; a balancer tries another.
    if (inFlight >= settings.maxInFlight) {
      return answer(req, res, { status: 503, message: `This instance is at its limit of ${settings.maxInFlight} requests in flight (PROLIFIC_MCP_MAX_INFLIGHT); try again shortly.`, headers: busy });
    }
    inFlight += 1;
    let server: ReturnType<typeof newServer> | undefined;
    let transport: StreamableHTTPServerTransport | undefined;
    let unregister: (() => void) | undefined;
    // Closing when the response ends (or the client goes away) aborts whatever the request was still doing.
    const close = () => {
      void transport?.close();
      void server?.close();
    };
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
      unregister?.();
      close();
    });
    const body = isJson(req) ? await readBody(req) : undefined;
    if (body?.refusal) return answer(req, res, body.refusal);
    nameForLog(body?.message, access);
    const messages = Array.isArray(body?.message) ? (body.message as unknown[]) : [body?.message];
    const caller = callerOf(req);
    for (const id of cancelledIds(messages)) calls.cancel(caller, id);
    server = newServer();
    // A plain JSON answer costs less than an event stream, and will do for what never waits on Prolific.
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !mayWait(messages),
      keepAliveMs: settings.keepAliveMs,
    });
    unregister = calls.register(caller, requestIds(messages), close);
    await server.connect(transport);
    await transport.handleRequest(req, res, body?.message);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const url = req.url ?? '/';
    const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
    const access: Access = {};
    res.on('close', () => {
      // A balancer probes all day; only a probe that fails is worth a line.
      if (res.statusCode === 200 && (path === '/healthz' || path === '/readyz')) return;
      logEvent({
        event: 'http',
        method: req.method,
        path: path.slice(0, 200),
        ...access,
        status: res.statusCode,
        ...(res.writableFinished ? {} : { aborted: true }),
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    handle(req, res, path, access).catch((error: unknown) => {
      log(`http: ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) jsonError(res, { status: 500, message: 'Internal server error.' });
      else res.end();
    });
  };
  const httpServer = createHttpServer(onRequest);
  // Node says "100 Continue" to every "Expect: 100-continue" unless told otherwise: a body announced too large
  // is refused instead, before the client sends any of it.
  httpServer.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!announcedTooLarge(req)) res.writeContinue();
    onRequest(req, res);
  });
  // Longer than the 60 s idle timeout of common load balancers, so that none reuses a connection being closed.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(settings.port, settings.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = settings.host.includes(':') && !settings.host.startsWith('[') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${shownHost}:${port}${MCP_PATH}`,
    drain: async (ms) => {
      draining = true;
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          drained = resolve;
          timer = setTimeout(resolve, ms);
        });
        clearTimeout(timer);
      }
      return inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}

/** GET /healthz: the process is alive. GET /readyz: it takes work (503 once it is draining). */
function probe(req: IncomingMessage, res: ServerResponse, path: string, draining: boolean): void {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return jsonError(res, { status: 405, message: 'Probes answer GET.', headers: { Allow: 'GET, HEAD' } });
  }
  const ready = path === '/healthz' || !draining;
  const status = path === '/healthz' ? 'ok' : ready ? 'ready' : 'draining';
  res.writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...(ready ? {} : { 'Retry-After': '1' }) });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ status, name: SERVER_NAME, version: SERVER_VERSION }));
}

interface RpcMessage {
  id?: unknown;
  method?: unknown;
  params?: { requestId?: unknown };
}

/** Requests answered from what the process holds, without a word to Prolific. */
const LOCAL_METHODS = new Set(['initialize', 'ping', 'tools/list', 'prompts/list', 'resources/templates/list', 'logging/setLevel']);

function mayWait(messages: unknown[]): boolean {
  return messages.some((one) => {
    const { id, method } = (one ?? {}) as RpcMessage;
    return id !== undefined && typeof method === 'string' && !LOCAL_METHODS.has(method);
  });
}

function requestIds(messages: unknown[]): (string | number)[] {
  return messages.flatMap((one) => {
    const { id, method } = (one ?? {}) as RpcMessage;
    return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number') ? [id] : [];
  });
}

function cancelledIds(messages: unknown[]): (string | number)[] {
  return messages.flatMap((one) => {
    const { method, params } = (one ?? {}) as RpcMessage;
    const id = params?.requestId;
    return method === 'notifications/cancelled' && (typeof id === 'string' || typeof id === 'number') ? [id] : [];
  });
}

/**
 * Who sent a request, as near as a stateless server can tell: JSON-RPC ids are only unique per client, and
 * every SDK client counts from 0, so an id alone would let one client's cancel stop another's call. The
 * bearer token, the address and any forwarded-for chain together tell the clients apart.
 */
function callerOf(req: IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-for'];
  return createHash('sha256')
    .update([req.headers.authorization ?? '', req.socket.remoteAddress ?? '', Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')].join('\n'))
    .digest('base64url');
}

/**
 * The requests this process is serving, by caller and id. A cancel that names more than one (two clients
 * behind one address with the same id) is ignored rather than guessed at: stopping the wrong call would leave
 * its client waiting for an answer that never comes.
 */
class RunningCalls {
  private readonly byKey = new Map<string, Set<() => void>>();

  register(caller: string, ids: (string | number)[], stop: () => void): () => void {
    const keys = ids.map((id) => this.key(caller, id));
    for (const key of keys) {
      const stops = this.byKey.get(key) ?? new Set();
      stops.add(stop);
      this.byKey.set(key, stops);
    }
    return () => {
      for (const key of keys) {
        const stops = this.byKey.get(key);
        stops?.delete(stop);
        if (stops?.size === 0) this.byKey.delete(key);
      }
    };
  }

  /** Ends the named call: its handlers' signals abort, and its answer stream closes without an answer, as the spec has it. */
  cancel(caller: string, id: string | number): void {
    const stops = this.byKey.get(this.key(caller, id));
    if (stops?.size === 1) for (const stop of stops) stop();
    else if (stops && stops.size > 1) log(`http: a cancel for request ${JSON.stringify(id)} matches ${stops.size} calls in flight; none was stopped`);
  }

  private key(caller: string, id: string | number): string {
    return `${caller} ${typeof id} ${id}`;
  }
}

const NAME = /^[A-Za-z0-9_/.-]{1,64}$/;

/** The JSON-RPC method and the tool's name, when they look like names; nothing from the arguments. */
function nameForLog(message: unknown, access: Access): void {
  const first = (Array.isArray(message) ? message[0] : message) as { method?: unknown; params?: { name?: unknown } } | undefined;
  if (typeof first?.method !== 'string') return;
  access.rpc = NAME.test(first.method) ? first.method : '(other)';
  if (first.method === 'tools/call') {
    const name = first.params?.name;
    access.tool = typeof name === 'string' && NAME.test(name) ? name : '(other)';
  }
}

/** A refusal on security grounds, logged so that probing shows. */
function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  log(`http: refused ${req.method} ${req.url} from ${req.socket.remoteAddress}: ${refusal.status} ${refusal.message}`);
  answer(req, res, refusal);
}

function corsHeaders(res: ServerResponse, origin: string): void {
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

/** Loopback origins on any port (the Inspector's page, a local tool), plus the configured list; never "null". */
function originPolicy(settings: HttpSettings): (origin: string) => boolean {
  const allowed = new Set(settings.allowedOrigins);
  return (origin) => {
    if (allowed.has(origin)) return true;
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin && isLoopbackHost(url.hostname);
    } catch {
      return false;
    }
  };
}

/** Compares digests, which have one length, so the time taken says nothing about the token. */
function bearerCheck(token: string): (authorization: string | undefined) => Refusal | undefined {
  const expected = createHash('sha256').update(token).digest();
  const challenge = { 'WWW-Authenticate': 'Bearer realm="prolific-task-builder-mcp"' };
  return (authorization) => {
    const given = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    if (given === undefined) {
      return { status: 401, message: 'Unauthorized: send "Authorization: Bearer <PROLIFIC_MCP_HTTP_TOKEN>".', headers: challenge };
    }
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      return { status: 401, message: 'Unauthorized: the bearer token is not this server\'s PROLIFIC_MCP_HTTP_TOKEN.', headers: challenge };
    }
    return undefined;
  };
}
