import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId, text } from '../src/util/shapes.js';
import { ProlificNetworkError } from '../src/prolific/errors.js';
import type { ProlificClient } from '../src/prolific/client.js';
import type { Submission } from '../src/prolific/types.js';

const CATEGORIES = [
  'TOO_QUICKLY',
  'TOO_SLOWLY',
  'FAILED_INSTRUCTIONS',
  'INCOMP_LONGITUDINAL',
  'FAILED_CHECK',
  'LOW_EFFORT',
  'MALINGERING',
  'NO_CODE',
  'BAD_CODE',
  'NO_DATA',
  'UNSUPP_DEVICE',
  'OTHER',
] as const;
const MIN_MESSAGE = 100;
/** Prolific recommends at most 1,000 ids per bulk-approve request. */
const BULK_LIMIT = 1000;
/** Listed in full up to this many; beyond, counted. */
const LISTED = 100;
const AWAITING = 'AWAITING REVIEW';

const ids = (what: string) => z.array(prolificId(what)).min(1).max(10_000);

export default defineTool({
  name: 'review_submissions',
  toolset: 'results',
  title: 'Approve or reject submissions',
  description:
    'APPROVE (pays) or REJECT submissions AWAITING REVIEW, chosen by submission_ids or participant_ids; APPROVE with neither approves all awaiting. REJECT needs rejection_category and a message (100+ characters) the participant reads. Neither can be undone.',
  input: {
    study_id: prolificId('study'),
    action: z.enum(['APPROVE', 'REJECT']),
    submission_ids: ids('submission').optional(),
    participant_ids: ids('participant').optional(),
    rejection_category: z.enum(CATEGORIES).optional(),
    message: text(5000).optional(),
  },
  output: {
    changed: z.array(z.looseObject({ id: z.string(), status: z.string() })),
    submissions_by_status: z.record(z.string(), z.number()),
    message: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    if (args.submission_ids && args.participant_ids) {
      throw new ToolError('Give submission_ids or participant_ids, not both.');
    }
    const reject = args.action === 'REJECT';
    if (reject) {
      if (!args.submission_ids && !args.participant_ids) {
        throw new ToolError('REJECT needs submission_ids or participant_ids: rejections are decided one participant at a time.');
      }
      const problems: string[] = [];
      if (!args.rejection_category) problems.push(`rejection_category: required for REJECT, one of ${CATEGORIES.join(', ')}`);
      if (!args.message || args.message.length < MIN_MESSAGE) {
        problems.push(
          `message: required for REJECT, at least ${MIN_MESSAGE} characters (got ${args.message?.length ?? 0}); explain to the participant what was wrong`,
        );
      }
      if (problems.length) throw new ToolError(`Nothing was rejected. ${problems.join('; ')}.`);
    } else if (args.rejection_category || args.message) {
      throw new ToolError('rejection_category and message are for REJECT only; nothing was approved. Leave them out to approve.');
    }

    const before = (await client.listSubmissions(args.study_id, signal)).results;
    const targets = select(before, args.submission_ids, args.participant_ids, args.study_id);
    const due = targets.filter((submission) => submission.status === AWAITING);
    const failures: string[] = [];
    let lostAnswer: string | undefined;
    if (reject) {
      for (const submission of due) {
        const failure = await rejectOne(client, submission.id, args.rejection_category as string, args.message as string, signal);
        if (failure) failures.push(`${submission.id}: ${failure}`);
      }
    } else {
      for (let start = 0; start < due.length; start += BULK_LIMIT) {
        const chunk = due.slice(start, start + BULK_LIMIT).map((submission) => submission.id);
        try {
          await client.bulkApprove({ submission_ids: chunk }, signal);
        } catch (error) {
          // A lost answer may still have queued the approval; the statuses read next tell.
          if (!(error instanceof ProlificNetworkError)) throw error;
          lostAnswer = error.message;
        }
      }
    }

    const after = new Map((await client.listSubmissions(args.study_id, signal)).results.map((submission) => [submission.id, submission]));
    const changed = due.filter((submission) => after.get(submission.id)?.status !== AWAITING);
    const pending = due.length - changed.length;
    const skipped = targets.filter((submission) => submission.status !== AWAITING);
    const submissions_by_status: Record<string, number> = {};
    for (const submission of after.values()) submissions_by_status[submission.status] = (submissions_by_status[submission.status] ?? 0) + 1;

    const done = reject ? 'rejected' : 'approved';
    const parts = [`${changed.length} of ${due.length} submissions awaiting review ${changed.length === 1 ? 'was' : 'were'} ${done}.`];
    if (skipped.length) parts.push(`${skipped.length} chosen were not awaiting review and were left as they are.`);
    if (lostAnswer) parts.push(`Prolific's answer to the approval was lost (${lostAnswer}); these figures were read afterwards.`);
    if (pending && !reject) {
      parts.push(`${pending} still show AWAITING REVIEW: Prolific approves in the background; check with get_study, and call again for any left (approving twice is harmless).`);
    }
    if (failures.length) parts.push(`Failed: ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? `; and ${failures.length - 5} more` : ''}.`);
    if ((failures.length || lostAnswer) && changed.length === 0) {
      throw new ToolError(`${parts.join(' ')}${failures.length ? ' Correct what Prolific names, then call review_submissions again.' : ''}`);
    }
    return {
      changed: changed.slice(0, LISTED).map((submission) => ({
        id: submission.id,
        participant_id: submission.participant_id,
        status: after.get(submission.id)?.status ?? 'unknown',
      })),
      ...(changed.length > LISTED ? { changed_total: changed.length } : {}),
      ...(skipped.length
        ? { skipped: skipped.slice(0, LISTED).map((s) => ({ id: s.id, participant_id: s.participant_id, status: s.status })) }
        : {}),
      submissions_by_status,
      message: parts.join(' '),
    };
  },
});

/** The study's submissions the call names (all awaiting review when it names none); unknown ids are refused. */
function select(
  submissions: readonly Submission[],
  submissionIds: string[] | undefined,
  participantIds: string[] | undefined,
  studyId: string,
): Submission[] {
  if (submissionIds) {
    const byId = new Map(submissions.map((submission) => [submission.id, submission]));
    const unknown = submissionIds.filter((id) => !byId.has(id));
    if (unknown.length) {
      throw new ToolError(
        `submission_ids: ${listed(unknown)} ${unknown.length === 1 ? 'is not a submission' : 'are not submissions'} of study ${studyId}; nothing was changed. get_study lists those awaiting review.`,
      );
    }
    return [...new Set(submissionIds)].map((id) => byId.get(id) as Submission);
  }
  if (participantIds) {
    const wanted = new Set(participantIds);
    const unknown = [...wanted].filter((id) => !submissions.some((submission) => submission.participant_id === id));
    if (unknown.length) {
      throw new ToolError(
        `participant_ids: ${listed(unknown)} took no part in study ${studyId}; nothing was changed. get_study lists the submissions awaiting review.`,
      );
    }
    return submissions.filter((submission) => wanted.has(submission.participant_id));
  }
  return submissions.filter((submission) => submission.status === AWAITING);
}

/**
 * One rejection, sent once: the transition is not repeated blindly after a lost answer, the submission's
 * status says whether it took effect. Returns why it failed, if it did.
 */
async function rejectOne(client: ProlificClient, id: string, category: string, message: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    await client.transitionSubmission(id, { action: 'REJECT', rejection_category: category, message }, signal);
    return undefined;
  } catch (error) {
    if (signal.aborted) throw error;
    if (error instanceof ProlificNetworkError) {
      const now = await client.getSubmission(id, signal).catch(() => undefined);
      if (now?.status === 'REJECTED') return undefined;
    }
    return error instanceof Error ? error.message : String(error);
  }
}

function listed(values: string[]): string {
  return values.length > 5 ? `${values.slice(0, 5).join(', ')} and ${values.length - 5} more` : values.join(', ');
}
