/** Settings read once at start-up, named as in Prolific's own CLI and MCP server. */
export interface Config {
  token?: string;
  baseUrl: string;
  workspaceId?: string;
  sandbox: boolean;
  /** With --sandbox: its instructions endpoint works as before the sunset, for rehearsing legacy batches. */
  sandboxLegacyInstructions?: boolean;
  readOnly: boolean;
  /** --toolsets, else PROLIFIC_TOOLSETS: the tool sets offered; undefined offers DEFAULT_TOOLSETS. */
  toolsets?: readonly ToolsetName[];
  /** Publishing is refused above this total (minor units), whatever the confirmation; undefined only when PROLIFIC_MAX_PUBLISH_COST=none. */
  maxPublishCost?: number;
  /**
   * PROLIFIC_MAX_SPEND_PER_DAY: publishing and bonuses are refused past this much spent in the last 24 hours
   * (minor units, fees and VAT included), as Prolific's own records show it.
   */
  maxSpendPerDay?: number;
  timeoutMs?: number;
  /** Retries of a request that is safe to repeat, after a transient failure. */
  maxRetries?: number;
  /** PROLIFIC_MAX_CONCURRENCY: requests to the Prolific API at once, from the whole process. */
  maxConcurrency?: number;
  /** Folders file paths may point into (positional arguments, then PROLIFIC_UPLOAD_ROOTS); empty means the client's roots or the working directory over stdio, and no files at all over HTTP. */
  uploadRoots: string[];
  maxUploadBytes: number;
  /** PROLIFIC_MCP_APPS=0 sets it false: no study dashboard for hosts that render MCP Apps. On otherwise. */
  apps?: boolean;
  /** Set by --http: serve Streamable HTTP instead of stdio. */
  http?: HttpSettings;
}

export interface HttpSettings {
  host: string;
  port: number;
  /** PROLIFIC_MCP_HTTP_TOKEN: the bearer token every request must carry; required off loopback. */
  token?: string;
  /** PROLIFIC_MCP_ALLOWED_ORIGINS: browser origins accepted besides loopback ones. */
  allowedOrigins: string[];
  /** PROLIFIC_MCP_MAX_INFLIGHT: requests served at once; more get 503 with Retry-After. */
  maxInFlight: number;
  /** PROLIFIC_MCP_DRAIN_SECONDS: how long SIGTERM waits for requests in flight before exiting. */
  drainSeconds: number;
  /** PROLIFIC_MCP_KEEPALIVE_MS: the gap between keep-alive comments on an answer still being worked on. */
  keepAliveMs: number;
}

import { delimiter } from 'node:path';
import { parseArgs } from 'node:util';
import { parseToolsets, type ToolsetName } from './toolsets.js';

export const DEFAULT_BASE_URL = 'https://api.prolific.com';
/** 200.00 in the account's currency, fees and VAT included: the desktop bundle's default too. */
export const DEFAULT_MAX_PUBLISH_COST = 20_000;
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 8765;
export const DEFAULT_MAX_INFLIGHT = 64;
/** Well inside the 60 s idle timeout of common load balancers and proxies. */
export const DEFAULT_KEEPALIVE_MS = 15_000;
/** Within Kubernetes' default 30 s grace period, with room to exit. */
export const DEFAULT_DRAIN_SECONDS = 25;
/** Shorter bearer tokens are guessable by anyone who can reach the port. */
const MIN_HTTP_TOKEN_LENGTH = 16;

const USAGE =
  'Usage: prolific-task-builder-mcp [--sandbox [--legacy-instructions]] [--read-only] [--toolsets run,results|all] [--http [--host 127.0.0.1] [--port 8765]] [UPLOAD_DIR...]; or the subcommand "sandbox [--port N]".';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values: flags, positionals } = parsed;
  const baseUrl = (env.PROLIFIC_URL?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, '');
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
  } catch {
    throw new ConfigError(`PROLIFIC_URL must be an http(s) URL such as ${DEFAULT_BASE_URL}.`);
  }
  const sandbox = flags.sandbox === true || TRUE.has((env.PROLIFIC_SANDBOX ?? '').toLowerCase());
  if (flags['legacy-instructions'] && !sandbox) throw new ConfigError(`--legacy-instructions applies only with --sandbox.\n${USAGE}`);
  return {
    token: env.PROLIFIC_TOKEN?.trim() || undefined,
    baseUrl,
    workspaceId: env.PROLIFIC_WORKSPACE_ID?.trim() || undefined,
    sandbox,
    ...(flags['legacy-instructions'] ? { sandboxLegacyInstructions: true } : {}),
    // Only ever switched on: no other flag or variable turns write tools back on.
    readOnly: flags['read-only'] === true || TRUE.has((env.PROLIFIC_READ_ONLY ?? '').toLowerCase()),
    ...toolsets(flags.toolsets, env),
    maxPublishCost: publishCap(env),
    maxSpendPerDay: wholeNumber(env, 'PROLIFIC_MAX_SPEND_PER_DAY'),
    timeoutMs: wholeNumber(env, 'PROLIFIC_TIMEOUT_MS'),
    maxRetries: wholeNumber(env, 'PROLIFIC_MAX_RETRIES'),
    maxConcurrency: atLeastOne(env, 'PROLIFIC_MAX_CONCURRENCY'),
    // Positional folders let an MCP Bundle pass a list of directories, which it can only expand into arguments.
    uploadRoots: [...positionals, ...(env.PROLIFIC_UPLOAD_ROOTS ?? '').split(delimiter)].map((root) => root.trim()).filter(Boolean),
    maxUploadBytes: wholeNumber(env, 'PROLIFIC_MAX_UPLOAD_BYTES') ?? DEFAULT_MAX_UPLOAD_BYTES,
    apps: !FALSE.has((env.PROLIFIC_MCP_APPS ?? '').trim().toLowerCase()),
    http: flags.http ? httpSettings(flags.host, flags.port, env) : undefined,
  };
}

function parseCommandLine(argv: readonly string[]) {
  const parsed = parseArgs({
    args: [...argv],
    options: {
      sandbox: { type: 'boolean' },
      'legacy-instructions': { type: 'boolean' },
      'read-only': { type: 'boolean' },
      toolsets: { type: 'string' },
      http: { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (!parsed.values.http && (parsed.values.host !== undefined || parsed.values.port !== undefined)) {
    throw new Error('--host and --port apply only with --http.');
  }
  return parsed;
}

/** The option wins over the variable, so that a command line can change what the environment chose; an empty variable counts as unset. */
function toolsets(flag: string | undefined, env: NodeJS.ProcessEnv): Pick<Config, 'toolsets'> {
  const [value, source] = flag !== undefined ? [flag, '--toolsets'] : [env.PROLIFIC_TOOLSETS?.trim(), 'PROLIFIC_TOOLSETS'];
  if (!value && flag === undefined) return {};
  try {
    return { toolsets: parseToolsets(value ?? '', source) };
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function httpSettings(hostFlag: string | undefined, portFlag: string | undefined, env: NodeJS.ProcessEnv): HttpSettings {
  const host = hostFlag?.trim() || DEFAULT_HTTP_HOST;
  let port = DEFAULT_HTTP_PORT;
  if (portFlag !== undefined) {
    port = Number(portFlag);
    if (!/^\d+$/.test(portFlag) || port > 65535) throw new ConfigError(`--port must be a whole number from 0 to 65535 (got "${portFlag}").`);
  }
  const token = env.PROLIFIC_MCP_HTTP_TOKEN?.trim() || undefined;
  if (token !== undefined && token.length < MIN_HTTP_TOKEN_LENGTH) {
    throw new ConfigError(`PROLIFIC_MCP_HTTP_TOKEN must be at least ${MIN_HTTP_TOKEN_LENGTH} characters; generate one with: openssl rand -hex 32`);
  }
  if (!isLoopbackHost(host) && token === undefined) {
    throw new ConfigError(
      `Refusing to listen on ${host} without PROLIFIC_MCP_HTTP_TOKEN: anyone who can reach that address could use this server's Prolific token and spend its balance. Set PROLIFIC_MCP_HTTP_TOKEN (e.g. openssl rand -hex 32) and send it as "Authorization: Bearer <token>", or keep the default --host ${DEFAULT_HTTP_HOST}.`,
    );
  }
  const allowedOrigins = (env.PROLIFIC_MCP_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map((origin) => {
      try {
        const url = new URL(origin);
        if (url.origin === 'null' || url.href.replace(/\/$/, '') !== url.origin) throw new Error();
        return url.origin;
      } catch {
        throw new ConfigError(`PROLIFIC_MCP_ALLOWED_ORIGINS must list origins such as https://app.example.com, separated by commas (got "${origin}").`);
      }
    });
  const maxInFlight = atLeastOne(env, 'PROLIFIC_MCP_MAX_INFLIGHT') ?? DEFAULT_MAX_INFLIGHT;
  const drainSeconds = wholeNumber(env, 'PROLIFIC_MCP_DRAIN_SECONDS') ?? DEFAULT_DRAIN_SECONDS;
  const keepAliveMs = atLeastOne(env, 'PROLIFIC_MCP_KEEPALIVE_MS') ?? DEFAULT_KEEPALIVE_MS;
  return { host, port, token, allowedOrigins, maxInFlight, drainSeconds, keepAliveMs };
}

/** localhost, 127.0.0.0/8 and ::1: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** A cap unless it is switched off by name: an unset or empty variable (a bundle's blank field) keeps the default. */
function publishCap(env: NodeJS.ProcessEnv): number | undefined {
  if (env.PROLIFIC_MAX_PUBLISH_COST?.trim().toLowerCase() === 'none') return undefined;
  try {
    return wholeNumber(env, 'PROLIFIC_MAX_PUBLISH_COST') ?? DEFAULT_MAX_PUBLISH_COST;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message.replace(/\.$/, '')}; or "none" for no cap.`);
  }
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number (got "${raw}").`);
  return Number(raw);
}

function atLeastOne(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = wholeNumber(env, name);
  if (value === 0) throw new ConfigError(`${name} must be at least 1.`);
  return value;
}
