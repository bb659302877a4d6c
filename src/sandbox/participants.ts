/**
 * Simulated participants. While a study is ACTIVE a new participant takes a place every
 * `participantIntervalMs` of active time, up to the study's places; each annotates one task group (groups
 * are served in turn, so each gets `annotators_per_task` participants), holds a RESERVED then ACTIVE
 * submission for `completionMs`, and submits: responses for every task of the group and every instruction,
 * and a submission AWAITING REVIEW (or APPROVED when the completion code says to approve automatically).
 *
 * Everything is computed from timestamps when the state is read, and every participant draws from their
 * own seeded generator, so the outcome depends only on the seed and the elapsed time.
 */
import { simulateAnswer } from './answers.js';
import type { BatchRecord, StudyRecord, SubmissionRecord } from './model.js';
import { taskGroupCount, taskId, tasksInGroup } from './processing.js';
import { derivedRandom } from './random.js';
import type { SandboxState } from './state.js';
import { publishIfDue, settleStudy } from './study-lifecycle.js';

export function advanceStudies(state: SandboxState, now: number): void {
  for (const study of state.studies.values()) {
    publishIfDue(state, study, now);
    if (study.status === 'ACTIVE') admitParticipants(state, study, now);
    for (const submission of state.submissionsOf(study.id)) progress(state, study, submission, now);
    settleStudy(state, study);
  }
}

function admitParticipants(state: SandboxState, study: StudyRecord, now: number): void {
  const interval = Math.max(1, state.settings.participantIntervalMs);
  const activeMs = study.activeMsBefore + (now - study.activeSince);
  const due = Math.min(study.fields.total_available_places, Math.floor(activeMs / interval));
  const batch = state.batches.get(study.fields.data_collection_id);
  const plan = batch?.setup?.plan;
  if (!plan) return;
  const groups = Math.max(1, taskGroupCount(plan));
  while (study.arrivals < due) {
    const arrival = study.arrivals;
    const startedAt = Math.max(study.activeSince, study.activeSince + (arrival + 1) * interval - study.activeMsBefore);
    const random = derivedRandom(state.settings.seed, study.id, 'participant', arrival);
    const submission: SubmissionRecord = {
      id: random.objectId(),
      studyId: study.id,
      participantId: random.objectId(),
      status: 'RESERVED',
      startedAt,
      finishesAt: startedAt + state.settings.completionMs,
      completedAt: null,
      studyCode: null,
      taskGroup: arrival % groups,
    };
    state.addSubmission(submission);
    study.arrivals += 1;
  }
}

/** A place is RESERVED for the first fifth of the participant's time, then ACTIVE until they submit. */
function progress(state: SandboxState, study: StudyRecord, submission: SubmissionRecord, now: number): void {
  if (submission.status !== 'RESERVED' && submission.status !== 'ACTIVE') return;
  if (now >= submission.finishesAt) {
    submit(state, study, submission);
  } else if (now >= submission.startedAt + state.settings.completionMs / 5) {
    submission.status = 'ACTIVE';
  }
}

function submit(state: SandboxState, study: StudyRecord, submission: SubmissionRecord): void {
  const code = study.fields.completion_codes.find((candidate) => candidate.code_type === 'COMPLETED');
  const autoApprove = code?.actions.some((action) => action.action === 'AUTOMATICALLY_APPROVE') ?? false;
  submission.status = autoApprove ? 'APPROVED' : 'AWAITING REVIEW';
  submission.completedAt = submission.finishesAt;
  submission.studyCode = code?.code ?? null;
  const batch = state.batches.get(study.fields.data_collection_id);
  if (batch) recordResponses(state, batch, submission);
}

function recordResponses(state: SandboxState, batch: BatchRecord, submission: SubmissionRecord): void {
  const plan = batch.setup?.plan;
  if (!plan) return;
  const responses = state.responsesOf(batch.id);
  const seed = state.settings.seed;
  for (const task of tasksInGroup(plan, submission.taskGroup)) {
    const id = taskId(state, batch.id, task);
    for (const instruction of batch.instructions) {
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
        createdAt: submission.completedAt ?? submission.finishesAt,
        instructionId: instruction.id,
        type: instruction.fields.type,
        answer: simulateAnswer(instruction.fields, truth, participant, `task-builder/${batch.id}/${responseId}`),
      });
    }
  }
}
