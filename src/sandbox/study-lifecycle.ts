/**
 * The study state machine: which action leads where, what publishing checks (money), and when a study
 * finishes on its own (all places filled and submitted → AWAITING REVIEW; all reviewed → COMPLETED).
 */
import { badRequest } from './errors.js';
import type { StudyRecord, StudyStatus, SubmissionRecord, SubmissionStatus } from './model.js';
import { formatMoney, studyCost, walletBalance, walletName, walletOf } from './money.js';
import type { SandboxStore } from './store.js';

export const STUDY_ACTIONS = ['PUBLISH', 'SCHEDULE_PUBLISH', 'CANCEL_PUBLISH', 'PAUSE', 'START', 'STOP'] as const;
export type StudyAction = (typeof STUDY_ACTIONS)[number];

const TRANSITIONS: Record<StudyStatus, Partial<Record<StudyAction, StudyStatus>>> = {
  UNPUBLISHED: { PUBLISH: 'ACTIVE', SCHEDULE_PUBLISH: 'SCHEDULED' },
  SCHEDULED: { CANCEL_PUBLISH: 'UNPUBLISHED' },
  PUBLISHING: {},
  ACTIVE: { PAUSE: 'PAUSED', STOP: 'COMPLETED' },
  PAUSED: { START: 'ACTIVE', STOP: 'COMPLETED' },
  'AWAITING REVIEW': {},
  COMPLETED: {},
};

const IN_PROGRESS: readonly SubmissionStatus[] = ['RESERVED', 'ACTIVE'];

/** A returned or timed-out submission gives its place back for someone else to take. */
export function holdsPlace(submission: SubmissionRecord): boolean {
  return submission.status !== 'RETURNED' && submission.status !== 'TIMED-OUT';
}

/** Applies an action at the current time, or throws a 400 naming the status and the actions it allows. */
export function transitionStudy(state: SandboxStore, study: StudyRecord, action: StudyAction, publishAt: number | undefined): void {
  const now = state.now();
  const target = TRANSITIONS[study.status][action];
  if (!target) {
    const allowed = Object.keys(TRANSITIONS[study.status]);
    throw badRequest(
      `Cannot ${action} a study whose status is ${study.status}. ` +
        (allowed.length ? `Allowed actions from ${study.status}: ${allowed.join(', ')}.` : `No action is possible from ${study.status}.`),
    );
  }
  switch (action) {
    case 'PUBLISH':
      requireFunds(state, study);
      openStudy(study, now);
      return;
    case 'SCHEDULE_PUBLISH':
      if (publishAt === undefined) throw badRequest({ publish_at: ['This field is required to schedule a study.'] });
      if (publishAt <= now) throw badRequest({ publish_at: ['The publish time must be in the future.'] });
      requireFunds(state, study);
      study.publishAt = publishAt;
      study.status = 'SCHEDULED';
      return;
    case 'CANCEL_PUBLISH':
      study.publishAt = null;
      study.status = 'UNPUBLISHED';
      return;
    case 'PAUSE':
      study.activeMsBefore += now - study.activeSince;
      study.status = 'PAUSED';
      return;
    case 'START':
      study.activeSince = now;
      study.status = 'ACTIVE';
      return;
    case 'STOP':
      if (study.status === 'ACTIVE') study.activeMsBefore += now - study.activeSince;
      study.status = 'COMPLETED';
      return;
  }
}

/** Publishes a scheduled study once its time has come; without the funds by then it falls back to a draft. */
export function publishIfDue(state: SandboxStore, study: StudyRecord, now: number): void {
  if (study.status !== 'SCHEDULED' || study.publishAt === null || now < study.publishAt) return;
  const at = study.publishAt;
  study.publishAt = null;
  if (shortfall(state, study) === undefined) {
    openStudy(study, at);
  } else {
    study.status = 'UNPUBLISHED';
  }
}

/** Moves a study on when its submissions say so. */
export function settleStudy(state: SandboxStore, study: StudyRecord): void {
  if (study.status !== 'ACTIVE' && study.status !== 'AWAITING REVIEW') return;
  const submissions = state.submissionsOf(study.id);
  if (submissions.some((submission) => IN_PROGRESS.includes(submission.status))) return;
  const awaiting = submissions.some((submission) => submission.status === 'AWAITING REVIEW');
  if (study.status === 'ACTIVE' && submissions.filter(holdsPlace).length >= study.fields.total_available_places) {
    study.status = awaiting ? 'AWAITING REVIEW' : 'COMPLETED';
  } else if (study.status === 'AWAITING REVIEW' && !awaiting) {
    study.status = 'COMPLETED';
  }
}

function openStudy(study: StudyRecord, at: number): void {
  study.status = 'ACTIVE';
  study.publishedAt = at;
  study.activeSince = at;
  study.activeMsBefore = 0;
}

function requireFunds(state: SandboxStore, study: StudyRecord): void {
  const problem = shortfall(state, study);
  if (problem) throw badRequest(problem);
}

function shortfall(state: SandboxStore, study: StudyRecord): string | undefined {
  const cost = studyCost(study.fields.reward, study.fields.total_available_places);
  const wallet = walletOf(state, study);
  const { available } = walletBalance(state, wallet);
  if (cost.total <= available) return undefined;
  return (
    `Insufficient funds: this study costs ${formatMoney(cost.total)} ` +
    `(${formatMoney(cost.rewards)} rewards + ${formatMoney(cost.fees)} fees + ${formatMoney(cost.tax)} VAT) ` +
    `but the available balance of ${walletName(state, wallet)} is ${formatMoney(available)}. ` +
    'Add funds, or reduce the reward or the number of places.'
  );
}
