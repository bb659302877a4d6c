import { ProlificClient } from '../prolific/client.js';
import type { Config } from '../config.js';
import { ToolError } from '../errors.js';

/** What tools and resources share: the API client, the settings, and the default workspace. */
export interface ServerDeps {
  readonly config: Config;
  getClient(): ProlificClient;
  resolveWorkspace(explicit: string | undefined, signal?: AbortSignal): Promise<string>;
}

export function createServerDeps(config: Config, injected?: ProlificClient): ServerDeps {
  let client = injected;
  let defaultWorkspace: Promise<string> | undefined;
  const getClient = (): ProlificClient => {
    if (client) return client;
    if (!config.token) {
      throw new ToolError(
        'No Prolific API token is configured. Set PROLIFIC_TOKEN in this server\'s environment (Prolific → Settings → API tokens) and restart it, or start it with --sandbox (or PROLIFIC_SANDBOX=1) to rehearse against the built-in imitation of the API.',
      );
    }
    client = new ProlificClient({
      baseUrl: config.baseUrl,
      token: config.token,
      timeoutMs: config.timeoutMs,
      retries: config.maxRetries,
      maxConcurrency: config.maxConcurrency,
    });
    return client;
  };
  const resolveWorkspace = async (explicit: string | undefined, signal?: AbortSignal): Promise<string> => {
    if (explicit) return explicit;
    if (config.workspaceId) return config.workspaceId;
    defaultWorkspace ??= findOnlyWorkspace(getClient(), signal);
    // A failed look-up is not cached, so the next call tries again.
    return defaultWorkspace.catch((error: unknown) => {
      defaultWorkspace = undefined;
      throw error;
    });
  };
  return { config, getClient, resolveWorkspace };
}

async function findOnlyWorkspace(client: ProlificClient, signal?: AbortSignal): Promise<string> {
  const { results } = await client.listWorkspaces(signal);
  if (results.length === 1 && results[0]) return results[0].id;
  if (results.length === 0) throw new ToolError('This Prolific account has no workspace. Create one in the Prolific app first.');
  const listing = results.map((w) => `${w.id} (${w.title})`).join(', ');
  throw new ToolError(
    `This account has ${results.length} workspaces: ${listing}. Pass workspace_id, or set PROLIFIC_WORKSPACE_ID to choose a default.`,
  );
}
