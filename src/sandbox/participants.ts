/**
 * Simulated participants. While a study is ACTIVE and has a free place, a new participant takes one every
 * `participantIntervalMs` of active time and annotates one task group: groups are served in turn, so each
 * gets `annotators_per_task` participants. A participant holds a RESERVED then ACTIVE submission and then
 * either submits (responses for every task of the group and every instruction, and a submission AWAITING
 * REVIEW, or APPROVED when the completion code approves automatically), returns the place, or runs past the
 * maximum allowed time. A place given back is offered again and its task group goes to the next participant.
 *
 * Participants are people of the sandbox's population whom the study's filters admit (recruiting.ts). They
 * differ (answers.ts), each the same from study to study: most are careful, a few careless, a few click at
 * random, a few confuse one option for another, and the careless and random are quicker. A dataset may state
 * the answers (META_SANDBOX_ANSWER_<question> columns) so that answers fit the datapoints, or the qualities of
 * two responses compared (comparisons.ts). Everything is worked out from timestamps when the state is read,
 * events in time order, and every participant draws from their own seeded generator, so the outcome depends
 * only on the seed, the requests and the elapsed time.
 */
import { questionsOf } from './batch-items.js';
import { simulateAnswer } from './answers.js';
import { comparisonJudge } from './comparisons.js';
import type { AnnotatorProfile, BatchRecord, StudyRecord, SubmissionRecord, TaskPlan } from './model.js';
import { applyCodeActions } from './participant-groups.js';
import { populationOf } from './population.js';
import { taskGroupCount, taskId, tasksInGroup } from './processing.js';
import { derivedRandom } from './random.js';
import { nextParticipant } from './recruiting.js';
import type { SandboxStore } from './store.js';
import { statedAnswer } from './truth.js';
import { holdsPlace, publishIfDue, settleStudy } from './study-lifecycle.js';

/** Time taken relative to `completionMs`, by diligence: careless and random annotators rush. */
const PACE: Record<AnnotatorProfile['diligence'], [number, number]> = {
  careful: [0.8, 1.4],
  confuser: [0.8, 1.4],
  careless: [0.4, 0.7],
  random: [0.25, 0.5],
};

export function advanceStudies(state: SandboxStore, now: number): void {
  for (const study of state.studies.values()) {
    publishIfDue(state, study, now);
    runUntil(state, study, now);
    settleStudy(state, study);
  }
}

/** Plays the study's arrivals and endings up to `now`, earliest first, since each can free or fill a place. */
function runUntil(state: SandboxStore, study: StudyRecord, now: number): void {
  const submissions = state.submissionsOf(study.id);
  const inProgress = submissions.filter(isInProgress);
  let taken = submissions.filter(holdsPlace).length;
  const plan = state.batches.get(study.fields.data_collection_id)?.setup?.plan;
  for (;;) {
    const ending = inProgress.reduce<SubmissionRecord | undefined>((first, s) => (!first || s.finishesAt < first.finishesAt ? s : first), undefined);
    const places = study.fields.total_available_places;
    const arrival = plan && study.status === 'ACTIVE' && taken < places ? nextArrival(study) : Number.POSITIVE_INFINITY;
    if (ending && ending.finishesAt <= now && ending.finishesAt <= arrival) {
      const wasFull = taken >= places;
      inProgress.splice(inProgress.indexOf(ending), 1);
      finish(state, study, ending);
      if (!holdsPlace(ending)) {
        taken -= 1;
        study.reopenedGroups.push(ending.taskGroup);
        // The next participant comes one interval after the place is freed, not at a slot that passed while full.
        if (wasFull) study.nextArrivalActiveMs = Math.max(study.nextArrivalActiveMs, activeMsAt(study, ending.finishesAt) + interval(state));
      }
    } else if (plan && arrival <= now) {
      const submission = admit(state, study, plan, arrival);
      if (submission) {
        inProgress.push(submission);
        taken += 1;
      } else {
        // Nobody the filters admit is left for now: look again one interval after this read.
        study.nextArrivalActiveMs = activeMsAt(study, now) + interval(state);
      }
    } else {
      break;
    }
  }
  // A place is RESERVED for the first fifth of the participant's time, then ACTIVE.
  for (const submission of inProgress) {
    if (now >= submission.startedAt + (submission.finishesAt - submission.startedAt) / 5) submission.status = 'ACTIVE';
  }
}

/** Lets recruiting go on after places were added: the next participant comes one interval from now. */
export function reopenPlaces(state: SandboxStore, study: StudyRecord, now: number): void {
  if (study.status === 'AWAITING REVIEW') {
    study.status = 'ACTIVE';
    study.activeSince = now;
    study.activeMsBefore = study.nextArrivalActiveMs;
    study.nextArrivalActiveMs += interval(state);
  } else if (study.status === 'ACTIVE') {
    study.nextArrivalActiveMs = Math.max(study.nextArrivalActiveMs, activeMsAt(study, now) + interval(state));
  }
}

function interval(state: SandboxStore): number {
  return Math.max(1, state.settings.participantIntervalMs);
}

/** The study's active time (time spent ACTIVE since publishing) at wall time `at`. */
function activeMsAt(study: StudyRecord, at: number): number {
  return study.status === 'ACTIVE' ? study.activeMsBefore + Math.max(0, at - study.activeSince) : study.activeMsBefore;
}

function nextArrival(study: StudyRecord): number {
  return Math.max(study.activeSince, study.activeSince + study.nextArrivalActiveMs - study.activeMsBefore);
}

function isInProgress(submission: SubmissionRecord): boolean {
  return submission.status === 'RESERVED' || submission.status === 'ACTIVE';
}

function admit(state: SandboxStore, study: StudyRecord, plan: TaskPlan, startedAt: number): SubmissionRecord | undefined {
  const recruit = nextParticipant(state, study);
  if (!recruit) return undefined;
  const { participantId } = recruit;
  const { completionMs, seed, returnRate, timeoutRate } = state.settings;
  const random = derivedRandom(seed, study.id, 'participant', study.arrivals);
  const id = random.objectId();
  const crowd = state.settings.crowd;
  const profile = crowd?.length ? (crowd[study.arrivals % crowd.length] as AnnotatorProfile) : (populationOf(seed).profiles[recruit.person] as AnnotatorProfile);
  const [slowest, fastest] = PACE[profile.diligence];
  const duration = completionMs * random.between(slowest, fastest);
  const returns = random.chance(returnRate);
  const returnAfter = duration * random.between(0.2, 0.9);
  const timesOut = random.chance(timeoutRate);
  // The study's maximum allowed time, on the sandbox's clock where `completionMs` stands for the estimated time.
  const allowed = completionMs * Math.max(2, study.fields.maximum_allowed_time / study.fields.estimated_completion_time);
  const outcome = returns ? 'return' : timesOut ? 'time-out' : 'submit';
  const submission: SubmissionRecord = {
    id,
    studyId: study.id,
    participantId,
    status: 'RESERVED',
    startedAt,
    finishesAt: startedAt + Math.round(outcome === 'return' ? returnAfter : outcome === 'time-out' ? allowed : duration),
    outcome,
    profile,
    completedAt: null,
    studyCode: null,
    taskGroup: study.reopenedGroups.shift() ?? study.nextGroup++ % Math.max(1, taskGroupCount(plan)),
  };
  state.addSubmission(submission);
  study.arrivals += 1;
  study.nextArrivalActiveMs += interval(state);
  return submission;
}

function finish(state: SandboxStore, study: StudyRecord, submission: SubmissionRecord): void {
  if (submission.outcome === 'return') {
    submission.status = 'RETURNED';
    return;
  }
  if (submission.outcome === 'time-out') {
    submission.status = 'TIMED-OUT';
    return;
  }
  const code = study.fields.completion_codes.find((candidate) => candidate.code_type === 'COMPLETED');
  const autoApprove = code?.actions.some((action) => action.action === 'AUTOMATICALLY_APPROVE') ?? false;
  submission.status = autoApprove ? 'APPROVED' : 'AWAITING REVIEW';
  submission.completedAt = submission.finishesAt;
  submission.studyCode = code?.code ?? null;
  applyCodeActions(state, study, submission);
  const batch = state.batches.get(study.fields.data_collection_id);
  if (batch) recordResponses(state, batch, submission);
}

/** Tasks are answered one after another across the participant's time, so each answer has its own time. */
function recordResponses(state: SandboxStore, batch: BatchRecord, submission: SubmissionRecord): void {
  const plan = batch.setup?.plan;
  if (!plan) return;
  const responses = state.responsesOf(batch.id);
  const seed = state.settings.seed;
  const tasks = tasksInGroup(plan, submission.taskGroup);
  const duration = submission.finishesAt - submission.startedAt;
  const judge = comparisonJudge(batch.setup && state.datasets.get(batch.setup.datasetId));
  tasks.forEach((task, position) => {
    const id = taskId(state, batch.id, task);
    const answeredAt = Math.round(submission.startedAt + (duration * (position + 1)) / tasks.length);
    for (const instruction of questionsOf(batch)) {
      const truth = derivedRandom(seed, batch.id, 'truth', task, instruction.id);
      const participant = derivedRandom(seed, submission.id, 'answer', task, instruction.id);
      const responseId = participant.uuid();
      responses.push({
        id: responseId,
        batchId: batch.id,
        participantId: submission.participantId,
        submissionId: submission.id,
        taskId: id,
        datapoint: task,
        createdAt: answeredAt,
        instructionId: instruction.id,
        type: instruction.fields.type,
        answer:
          judge?.(instruction.fields, task, participant, submission.profile) ??
          simulateAnswer(
            instruction.fields,
            truth,
            participant,
            submission.profile,
            `task-builder/${batch.id}/${responseId}`,
            statedAnswer(state, batch, task, instruction),
          ),
      });
    }
  });
}
