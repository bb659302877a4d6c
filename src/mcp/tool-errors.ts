import type { z } from 'zod';
import { ProlificApiError, ProlificNetworkError, describeBatchItemsIssue, ISSUE_INDEXES, type BatchItemsIssue } from '../prolific/errors.js';
import { ToolError } from '../errors.js';
import { redact } from '../util/log.js';

/**
 * Turns any failure inside a tool into the text of an `isError` result: what went wrong, quoted from
 * Prolific where it came from Prolific, and the next step. Never a stack trace, never a secret.
 */
export function describeFailure(error: unknown, tool: string, signal: AbortSignal): string {
  return redact(explain(error, tool, signal));
}

function explain(error: unknown, tool: string, signal: AbortSignal): string {
  if (signal.aborted) return `${tool} was cancelled; nothing further was sent to Prolific after the cancellation.`;
  if (error instanceof ToolError) return error.message;
  if (error instanceof ProlificApiError) return explainApiError(error, tool);
  if (error instanceof ProlificNetworkError) {
    return `${error.message} Check PROLIFIC_URL and the network, then call ${tool} again. If ${tool} creates or changes something, check first with a get_/list_ tool whether it already took effect.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${tool} failed unexpectedly: ${message}`;
}

function explainApiError(error: ProlificApiError, tool: string): string {
  if (error.batchItemsIssues) return explainLayoutRefusal(error, error.batchItemsIssues, tool);
  const quoted = `Prolific answered ${error.status} to ${error.method} ${error.path}: ${error.detail.replace(/[.\s]+$/, '')}`;
  switch (error.status) {
    case 400:
    case 422:
      return `${quoted}. Correct the arguments it names and call ${tool} again.`;
    case 401:
      return `${quoted}. The API token was not accepted: set PROLIFIC_TOKEN to a valid token (Prolific → Settings → API tokens) and restart the server, or start it with --sandbox to rehearse.`;
    case 403:
      return `${quoted}. This token's account may not do that here: check the workspace and your role in it.`;
    case 404:
      return `${quoted}. ${whereIdsComeFrom(error.path)}`;
    case 405:
      return `${quoted}. This endpoint does not accept that method; this is a bug in the server, please report it.`;
    case 429: {
      const seconds = Math.ceil((error.retryAfterMs ?? 0) / 1000);
      const wait = error.retryAfterMs === undefined ? 'a minute' : `${seconds} second${seconds === 1 ? '' : 's'}, as Prolific asked`;
      const retried = error.retried ? ` (retried ${error.retried} time${error.retried === 1 ? '' : 's'} with backoff)` : '';
      return `${quoted}. Prolific is rate-limiting this account${retried}; wait ${wait}, then call ${tool} again.`;
    }
    default:
      return error.status >= 500
        ? `${quoted}. Prolific had a server error. Reads are safe to retry; if ${tool} creates or changes something, first check whether it took effect.`
        : `${quoted}.`;
  }
}

/**
 * Names the tool that shows real ids of the kind the path asks for. A hint that named one tool for every kind
 * sent agents to list_batches for a study, and to a tool that the default tool set does not even offer.
 */
function whereIdsComeFrom(path: string): string {
  const fresh = 'The id must come from this account; a sandbox starts empty, so ids from an earlier run are gone.';
  if (/\/data-collection\/batches\//.test(path)) return `Check the batch id. ${fresh} list_batches (batches tool set) shows this workspace's batches.`;
  if (/\/data-collection\/datasets\//.test(path)) return `Check the dataset id (create_dataset or a batch's dataset_id gives one). ${fresh}`;
  if (/\/studies\//.test(path)) return `Check the study id (create_study gives one). ${fresh}`;
  if (/\/(workspaces|projects)\//.test(path)) return `Check the id: list_workspaces shows the workspaces and projects of this account. ${fresh}`;
  return `Check the ids in the arguments. ${fresh}`;
}

/** Each issue at its place in the layout, so every one can be fixed in one go. */
function explainLayoutRefusal(error: ProlificApiError, issues: BatchItemsIssue[], tool: string): string {
  const lines = issues.slice(0, 20).map((issue) => `- ${describeBatchItemsIssue(issue)}`);
  if (issues.length > 20) lines.push(`- …and ${issues.length - 20} more`);
  if (!lines.length) lines.push('- (Prolific listed no issues)');
  return [
    `Prolific refused the layout (INVALID_BATCH_ITEMS, ${error.status} to ${error.method} ${error.path}):`,
    ...lines,
    `${ISSUE_INDEXES} Correct those items and call ${tool} again.`,
  ].join('\n');
}

/** Names every offending field, so a model can fix its call in one go. */
export function describeInvalidArguments(error: z.ZodError, tool: string): string {
  const lines = error.issues.slice(0, 20).map((issue) => {
    const path = issue.path.length ? formatPath(issue.path) : 'arguments';
    return `- ${path}: ${redact(issue.message)}`;
  });
  const more = error.issues.length > 20 ? `\n- …and ${error.issues.length - 20} more` : '';
  return `Invalid arguments for ${tool}:\n${lines.join('\n')}${more}\nFix these fields and call ${tool} again.`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
