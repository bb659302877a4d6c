import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId, studyOut } from '../src/util/shapes.js';
import type { StudyCost } from '../src/prolific/types.js';

/** Enough to review a batch's worth by hand; the counts cover the rest. */
const AWAITING_LISTED = 100;
const AWAITING = 'AWAITING REVIEW';

export default defineTool({
  name: 'get_study',
  toolset: 'run',
  title: 'Get study',
  description:
    'Status, places taken, spent so far, submissions counted by status, and those awaiting review (first 100, with seconds taken) for review_submissions.',
  input: { study_id: prolificId('study') },
  output: {
    ...studyOut.shape,
    submissions_by_status: z.record(z.string(), z.number()),
    awaiting_review: z.array(z.looseObject({ id: z.string(), participant_id: z.string() })),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, signal }) {
    const [study, counts, spent] = await Promise.all([
      client.getStudy(args.study_id, signal),
      client.getSubmissionCounts(args.study_id, signal),
      // What the places taken so far cost is a nicety for the person watching; a refusal must not hide the study.
      client.getStudyCost(args.study_id, false, signal).then(totalOf, () => undefined),
    ]);
    const submissions_by_status = Object.fromEntries(Object.entries(counts).filter(([status, count]) => count > 0 && status !== 'TOTAL'));
    // Every page is read, as the ones awaiting review may be anywhere in the list; none awaiting, none read.
    const awaiting = submissions_by_status[AWAITING] ? (await client.listSubmissions(args.study_id, signal)).results : [];
    const awaiting_review = awaiting
      .filter((submission) => submission.status === AWAITING)
      .slice(0, AWAITING_LISTED)
      .map((submission) => ({ id: submission.id, participant_id: submission.participant_id, ...timeTaken(submission) }));
    return { ...study, submissions_by_status, awaiting_review, ...(spent === undefined ? {} : { spent }) };
  },
});

/** Rewards, fees and tax of rewards and bonuses, in minor units; undefined when the answer carries no amount. */
function totalOf(cost: StudyCost): number | undefined {
  const amounts = [cost.rewards, cost.bonuses].flatMap((part) => [part?.rewards, part?.fees, part?.tax]).map((entry) => entry?.amount);
  const known = amounts.filter((amount): amount is number => typeof amount === 'number');
  return known.length ? known.reduce((sum, amount) => sum + amount, 0) : undefined;
}

/** Very quick submissions are the usual sign of careless work (rejection category TOO_QUICKLY). */
function timeTaken(submission: { started_at?: string; completed_at?: string | null }): { seconds?: number } {
  const started = Date.parse(submission.started_at ?? '');
  const completed = Date.parse(submission.completed_at ?? '');
  return Number.isFinite(started) && Number.isFinite(completed) ? { seconds: Math.round((completed - started) / 10) / 100 } : {};
}
