/**
 * Submissions: listed per study or across studies, and reviewed. Only a submission AWAITING REVIEW can be
 * approved or rejected; a rejection needs a category and a message of at least 100 characters. Once every
 * submission of a full study is reviewed, the study is COMPLETED.
 */
import { submissionBonuses } from '../bonuses.js';
import { badRequest } from '../errors.js';
import type { SubmissionRecord, SubmissionStatus } from '../model.js';
import { settleStudy } from '../study-lifecycle.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import { pagedList } from './paging.js';
import { apiRoute, json, readJson, type Route } from './route.js';
import { iso } from '../time.js';

const REVIEW_ACTIONS = ['APPROVE', 'REJECT'] as const;
const OTHER_ACTIONS = ['COMPLETE', 'RETURN', 'START', 'SCREEN_OUT', 'UNREJECT', 'UNRETURN'];
const REJECTION_CATEGORIES = [
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
const MIN_REJECTION_MESSAGE = 100;
const COUNTED_STATUSES: readonly string[] = [
  'ACTIVE',
  'APPROVED',
  'AWAITING REVIEW',
  'REJECTED',
  'RESERVED',
  'RETURNED',
  'TIMED-OUT',
  'PARTIALLY APPROVED',
  'SCREENED OUT',
];

export function submissionRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(state, 'GET', '/api/v1/studies/:studyId/submissions', ({ params, url }) => {
      const study = state.findStudy(params.studyId ?? '');
      return pagedList(url, state.submissionsOf(study.id).map(submissionShortView), 'offset');
    }),
    apiRoute(state, 'GET', '/api/v1/studies/:studyId/submissions/counts', ({ params }) => {
      const study = state.findStudy(params.studyId ?? '');
      const counts: Record<string, number> = Object.fromEntries(COUNTED_STATUSES.map((status) => [status, 0]));
      const submissions = state.submissionsOf(study.id);
      for (const submission of submissions) counts[submission.status] = (counts[submission.status] ?? 0) + 1;
      return json({ ...counts, TOTAL: submissions.length });
    }),
    apiRoute(state, 'GET', '/api/v1/submissions', ({ url }) => {
      const studyId = url.searchParams.get('study');
      const status = url.searchParams.get('status');
      let submissions = studyId ? [...state.submissionsOf(state.findStudy(studyId).id)] : [...state.submissions.values()];
      if (status) {
        const wanted = status.toUpperCase().replace(/_/g, ' ');
        submissions = submissions.filter((submission) => submission.status === wanted);
      }
      return pagedList(url, submissions.map(submissionShortView), 'page');
    }),
    apiRoute(state, 'POST', '/api/v1/submissions/bulk-approve', async ({ request }) => {
      const targets = bulkTargets(state, await readJson(request));
      for (const submission of targets) {
        if (submission.status === 'AWAITING REVIEW') submission.status = 'APPROVED';
      }
      for (const studyId of new Set(targets.map((submission) => submission.studyId))) {
        settleStudy(state, state.findStudy(studyId));
      }
      // The API documents a bare JSON string here: the approval is queued. The sandbox applies it at once.
      return json('Bulk approve in progress');
    }),
    apiRoute(state, 'GET', '/api/v1/submissions/:submissionId', ({ params }) =>
      json(submissionView(state, state.findSubmission(params.submissionId ?? ''))),
    ),
    apiRoute(state, 'POST', '/api/v1/submissions/:submissionId/transition', async ({ request, params }) => {
      const submission = state.findSubmission(params.submissionId ?? '');
      const fields = new Fields(await readJson(request));
      const actionValue = fields.raw('action');
      if (typeof actionValue === 'string' && OTHER_ACTIONS.includes(actionValue)) {
        throw badRequest({ action: [`The sandbox supports APPROVE and REJECT only (got ${actionValue}).`] });
      }
      const action = fields.choice('action', REVIEW_ACTIONS, { required: true });
      if (action === 'REJECT') {
        const message = fields.string('message', { required: true });
        if (message !== undefined && message.length < MIN_REJECTION_MESSAGE) {
          fields.fail('message', `Ensure this field has at least ${MIN_REJECTION_MESSAGE} characters (it has ${message.length}).`);
        }
        fields.choice('rejection_category', REJECTION_CATEGORIES, { required: true });
      }
      fields.done();
      const target: SubmissionStatus = action === 'APPROVE' ? 'APPROVED' : 'REJECTED';
      // The endpoint is idempotent: repeating the action that was already applied changes nothing.
      if (submission.status !== target) {
        if (submission.status !== 'AWAITING REVIEW') {
          throw badRequest(
            `Only submissions AWAITING REVIEW can be ${action === 'APPROVE' ? 'approved' : 'rejected'}; this one is ${submission.status}.`,
          );
        }
        submission.status = target;
        settleStudy(state, state.findStudy(submission.studyId));
      }
      return json(submissionView(state, submission));
    }),
  ];
}

function submissionShortView(submission: SubmissionRecord): Record<string, unknown> {
  return {
    id: submission.id,
    participant_id: submission.participantId,
    study_id: submission.studyId,
    status: submission.status,
    started_at: iso(submission.startedAt),
    completed_at: submission.completedAt === null ? null : iso(submission.completedAt),
    has_siblings: false,
    study_code: submission.studyCode,
    return_requested: null,
  };
}

function submissionView(state: SandboxState, submission: SubmissionRecord): Record<string, unknown> {
  return {
    id: submission.id,
    completed_at: submission.completedAt === null ? null : iso(submission.completedAt),
    entered_code: submission.studyCode,
    participant: submission.participantId,
    started_at: iso(submission.startedAt),
    status: submission.status,
    study_id: submission.studyId,
    bonus_payments: submissionBonuses(state, submission.id),
    return_requested: null,
  };
}

/** The submissions a bulk approval names: by id, or by study and participant ids. */
function bulkTargets(state: SandboxState, body: Record<string, unknown>): SubmissionRecord[] {
  const fields = new Fields(body);
  if (fields.has('submission_ids')) {
    const ids = fields.stringArray('submission_ids') ?? [];
    fields.done();
    const unknown = ids.filter((id) => !state.submissions.has(id));
    if (unknown.length > 0) throw badRequest({ submission_ids: [`Unknown submission ids: ${unknown.join(', ')}.`] });
    return ids.map((id) => state.findSubmission(id));
  }
  const studyId = fields.string('study_id', { required: true });
  const participantIds = fields.stringArray('participant_ids', { required: true });
  fields.done();
  const submissions = state.submissionsOf(state.findStudy(studyId ?? '').id);
  const wanted = new Set(participantIds);
  const found = submissions.filter((submission) => wanted.has(submission.participantId));
  const missing = [...wanted].filter((id) => !found.some((submission) => submission.participantId === id));
  if (missing.length > 0) {
    throw badRequest({ participant_ids: [`These participants have no submission in study ${studyId}: ${missing.join(', ')}.`] });
  }
  return found;
}
