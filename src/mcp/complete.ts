import type { ServerDeps } from './deps.js';

/** Completion for a batch id: the default workspace's batches starting with what was typed; none on failure. */
export async function completeBatchId(deps: ServerDeps, typed: string): Promise<string[]> {
  try {
    const workspace = await deps.resolveWorkspace(undefined);
    const { results } = await deps.getClient().listBatches(workspace);
    return results.map((batch) => batch.id).filter((id) => id.startsWith(typed)).slice(0, 100);
  } catch {
    return [];
  }
}
