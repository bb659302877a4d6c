/**
 * Participant groups (digest §3): named sets of Prolific ids in a workspace, which studies admit or exclude
 * through the `participant_group_allowlist` / `participant_group_blocklist` filters. Membership is read as each
 * participant comes (recruiting.ts), so a change applies to published studies at once. A study's completion
 * code can also add or remove whoever submits with it (`ADD_TO_PARTICIPANT_GROUP` / `REMOVE_FROM_PARTICIPANT_GROUP`
 * actions naming `participant_group`), which makes the study a "feeder" of the group.
 *
 * The sandbox's choices where the docs are silent: a participant id must look like one (24 hexadecimal
 * characters) but need not belong to anyone; a deleted group is kept and shown with `is_deleted: true`, has no
 * members' effect on studies, and refuses changes.
 */
import { badRequest } from './errors.js';
import type { ParticipantGroupRecord } from './audience-model.js';
import type { CompletionCode, StudyRecord, SubmissionRecord } from './model.js';
import type { SandboxStore } from './store.js';

const PARTICIPANT_ID_FORMAT = /^[0-9a-f]{24}$/;
const GROUP_ACTIONS = ['ADD_TO_PARTICIPANT_GROUP', 'REMOVE_FROM_PARTICIPANT_GROUP'];

/** Whether `id` looks like a Prolific participant id (an ObjectId); whether anyone has it does not matter. */
export function isParticipantId(id: string): boolean {
  return PARTICIPANT_ID_FORMAT.test(id);
}

/** The ids of a `participant_ids` list, once each, or a 400 naming those that are not Prolific ids. */
export function participantIds(value: unknown, field = 'participant_ids'): string[] {
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string')) throw badRequest({ [field]: ['Expected a list of Prolific participant ids.'] });
  const bad = (value as string[]).filter((id) => !isParticipantId(id));
  if (bad.length > 0) {
    throw badRequest({ [field]: [`${bad.map((id) => `"${id}"`).join(', ')}: not Prolific participant ids (24 hexadecimal characters).`] });
  }
  return [...new Set(value as string[])];
}

export function liveGroup(group: ParticipantGroupRecord): ParticipantGroupRecord {
  if (group.deleted) throw badRequest(`Participant group ${group.id} has been deleted; it can no longer change.`);
  return group;
}

export function addMembers(state: SandboxStore, group: ParticipantGroupRecord, ids: readonly string[]): void {
  const now = state.now();
  for (const id of ids) if (!group.members.has(id)) group.members.set(id, now);
}

/** The actions of completion codes that name a participant group, with their code. */
function groupActions(codes: readonly CompletionCode[]): { code: string | null; codeType: string; action: string; groupId: string }[] {
  return codes.flatMap((code) =>
    code.actions
      .filter((action) => GROUP_ACTIONS.includes(String(action.action)) && typeof action.participant_group === 'string')
      .map((action) => ({ code: code.code, codeType: code.code_type, action: String(action.action), groupId: action.participant_group as string })),
  );
}

/** Applies the group actions of the code a participant submitted with. */
export function applyCodeActions(state: SandboxStore, study: StudyRecord, submission: SubmissionRecord): void {
  const code = study.fields.completion_codes.find((candidate) => candidate.code === submission.studyCode && candidate.code_type === 'COMPLETED');
  if (!code) return;
  for (const action of groupActions([code])) {
    const group = state.audience.groups.get(action.groupId);
    if (!group || group.deleted) continue;
    if (action.action === 'ADD_TO_PARTICIPANT_GROUP') addMembers(state, group, [submission.participantId]);
    else group.members.delete(submission.participantId);
  }
}

/** The studies whose completion codes change the group's members, as the group's `feeder_studies`. */
export function feederStudies(state: SandboxStore, groupId: string): Record<string, unknown>[] {
  const feeders: Record<string, unknown>[] = [];
  for (const study of state.studies.values()) {
    const actions = groupActions(study.fields.completion_codes).filter((action) => action.groupId === groupId);
    if (actions.length === 0) continue;
    feeders.push({
      id: study.id,
      name: study.fields.name,
      internal_name: study.fields.internal_name,
      status: study.status,
      feeder_completion_codes: actions.map((action) => ({ code: action.code, code_type: action.codeType, action: action.action })),
    });
  }
  return feeders;
}
