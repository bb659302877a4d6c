/** Settings read once at start-up, named as in Prolific's own CLI and MCP server. */
export interface Config {
  token?: string;
  baseUrl: string;
  workspaceId?: string;
  sandbox: boolean;
  readOnly: boolean;
  /** Publishing is refused above this total (minor units), whatever the confirmation. */
  maxPublishCost?: number;
  timeoutMs?: number;
  /** Retries of a request that is safe to repeat, after a transient failure. */
  maxRetries?: number;
  /** Folders upload_file may read from; empty means the working directory. */
  uploadRoots: string[];
  maxUploadBytes: number;
}

import { delimiter } from 'node:path';

export const DEFAULT_BASE_URL = 'https://api.prolific.com';
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);

export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const flags = new Set(argv.filter((arg) => arg.startsWith('--')));
  for (const flag of flags) {
    if (flag !== '--sandbox' && flag !== '--read-only') {
      throw new ConfigError(`Unknown option ${flag}. Options: --sandbox, --read-only; or the subcommand "sandbox [--port N]".`);
    }
  }
  const baseUrl = (env.PROLIFIC_URL?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, '');
  try {
    const parsed = new URL(baseUrl);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
  } catch {
    throw new ConfigError(`PROLIFIC_URL must be an http(s) URL such as ${DEFAULT_BASE_URL}.`);
  }
  return {
    token: env.PROLIFIC_TOKEN?.trim() || undefined,
    baseUrl,
    workspaceId: env.PROLIFIC_WORKSPACE_ID?.trim() || undefined,
    sandbox: flags.has('--sandbox') || TRUE.has((env.PROLIFIC_SANDBOX ?? '').toLowerCase()),
    // Only ever switched on: no other flag or variable turns write tools back on.
    readOnly: flags.has('--read-only') || TRUE.has((env.PROLIFIC_READ_ONLY ?? '').toLowerCase()),
    maxPublishCost: wholeNumber(env, 'PROLIFIC_MAX_PUBLISH_COST'),
    timeoutMs: wholeNumber(env, 'PROLIFIC_TIMEOUT_MS'),
    maxRetries: wholeNumber(env, 'PROLIFIC_MAX_RETRIES'),
    uploadRoots: (env.PROLIFIC_UPLOAD_ROOTS ?? '').split(delimiter).map((root) => root.trim()).filter(Boolean),
    maxUploadBytes: wholeNumber(env, 'PROLIFIC_MAX_UPLOAD_BYTES') ?? DEFAULT_MAX_UPLOAD_BYTES,
  };
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number (got "${raw}").`);
  return Number(raw);
}
