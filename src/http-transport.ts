/**
 * `--http`: the same tools and resources over Streamable HTTP at /mcp, stateless.
 *
 * Prolific holds all the state that matters, so the server keeps none of its own between requests: every POST
 * gets a fresh MCP server and transport (the SDK's stateless pattern), and any number of instances behind an
 * ordinary load balancer serve the same clients. What is shared within one process is only what is safe to
 * share: the API client (one keep-alive connection pool) and the default-workspace look-up.
 *
 * A fresh server never sees the client's `initialize`, so it knows no client capabilities and never sends the
 * client a request of its own (elicitation, roots/list): the answer would arrive as a later POST, perhaps at
 * another instance. publish_study therefore relies on confirm_total_cost, and uploads on the configured roots.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isLoopbackHost, type Config, type HttpSettings } from './config.js';
import { log } from './log.js';
import { createServer, createServerDeps } from './server.js';

export const MCP_PATH = '/mcp';

export interface RunningHttpServer {
  /** e.g. http://127.0.0.1:8765/mcp */
  url: string;
  close(): Promise<void>;
}

interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

export async function serveHttp(config: Config, settings: HttpSettings): Promise<RunningHttpServer> {
  const deps = createServerDeps(config);
  const checkOrigin = originPolicy(settings);
  const checkToken = settings.token === undefined ? () => undefined : bearerCheck(settings.token);
  // A bearer token already defeats DNS rebinding (a page cannot know it), and a token-guarded loopback server may
  // sit behind a reverse proxy that forwards the public Host; without one, only loopback names are answered.
  const checkHost = isLoopbackHost(settings.host) && settings.token === undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Wrong paths and methods are answered without a log line: load balancers' health checks meet them all day.
    if (new URL(req.url ?? '/', 'http://host').pathname !== MCP_PATH) {
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
    const server = createServer({ config, deps });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    // Closing when the response ends (or the client goes away) aborts whatever the request was still doing.
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const httpServer = createHttpServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`http: ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) jsonError(res, { status: 500, message: 'Internal server error.' });
      else res.end();
    });
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
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}

/** A refusal on security grounds, logged so that probing shows. */
function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  log(`http: refused ${req.method} ${req.url} from ${req.socket.remoteAddress}: ${refusal.status} ${refusal.message}`);
  answer(req, res, refusal);
}

function answer(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  // The request is drained so the connection can be reused; its body is never read into memory.
  req.resume();
  jsonError(res, refusal);
}

function jsonError(res: ServerResponse, { status, message, headers }: Refusal): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
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
