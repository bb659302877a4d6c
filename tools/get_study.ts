import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';
import { audienceOut, prolificId, studyOut } from '../src/util/shapes.js';
import type { StudyCost } from '../src/prolific/types.js';
import { viewAudience } from '../src/job/audience.js';
import { partTotal } from '../src/job/spending.js';

/** Enough to review a batch's worth by hand; the counts cover the rest. */
const AWAITING_LISTED = 100;
const AWAITING = 'AWAITING REVIEW';

export default defineTool({
  name: 'get_study',
  toolset: 'run',
  title: 'Get study',
  description:
    'Status, places taken, spent so far (rewards and bonuses apart), who may take part and who was left out, submissions counted by status, and those awaiting review (first 100, with seconds taken) for review_submissions.',
  input: { study_id: prolificId('study') },
  output: {
    ...studyOut.shape,
    submissions_by_status: z.record(z.string(), z.number()),
    awaiting_review: z.array(z.looseObject({ id: z.string(), participant_id: z.string() })),
    audience: audienceOut.optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    const [study, counts, cost] = await Promise.all([
      client.getStudy(args.study_id, signal),
      client.getSubmissionCounts(args.study_id, signal),
      // What the places taken so far cost is a nicety for the person watching; a refusal must not hide the study.
      client.getStudyCost(args.study_id, false, signal).catch(() => undefined),
    ]);
    const spent = cost && spentOn(cost);
    const workspace = study.data_collection_id ? await client.getBatch(study.data_collection_id, signal).then((batch) => batch.workspace_id, () => undefined) : undefined;
    const audience = (await viewAudience({ client, signal }, study, workspace)).view;
    const submissions_by_status = Object.fromEntries(Object.entries(counts).filter(([status, count]) => count > 0 && status !== 'TOTAL'));
    // Every page is read, as the ones awaiting review may be anywhere in the list; none awaiting, none read.
    const awaiting = submissions_by_status[AWAITING] ? (await client.listSubmissions(args.study_id, signal)).results : [];
    const awaiting_review = awaiting
      .filter((submission) => submission.status === AWAITING)
      .slice(0, AWAITING_LISTED)
      .map((submission) => ({ id: submission.id, participant_id: submission.participant_id, ...timeTaken(submission) }));
    return { ...study, submissions_by_status, awaiting_review, audience, ...(spent === undefined ? {} : spent) };
  },
});

/**
 * Spent in all, and on rewards and on bonuses apart, each with its fees and tax, in minor units; undefined when
 * the answer carries no amount.
 */
function spentOn(cost: StudyCost): { spent: number; spent_on: { rewards: number; bonuses: number } } | undefined {
  const rewards = partTotal(cost.rewards);
  const bonuses = partTotal(cost.bonuses);
  if (rewards === undefined && bonuses === undefined) return undefined;
  return { spent: (rewards ?? 0) + (bonuses ?? 0), spent_on: { rewards: rewards ?? 0, bonuses: bonuses ?? 0 } };
}

/** Very quick submissions are the usual sign of careless work (rejection category TOO_QUICKLY). */
function timeTaken(submission: { started_at?: string; completed_at?: string | null }): { seconds?: number } {
  const started = Date.parse(submission.started_at ?? '');
  const completed = Date.parse(submission.completed_at ?? '');
  return Number.isFinite(started) && Number.isFinite(completed) ? { seconds: Math.round((completed - started) / 10) / 100 } : {};
}
