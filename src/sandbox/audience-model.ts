/**
 * What the sandbox stores about who may take part: participant groups, and how far each study has got through
 * the population looking for participants.
 * Kept apart from model.ts so that these records, and the state that holds them, need nothing else.
 */

export interface ParticipantGroupRecord {
  id: string;
  name: string;
  description: string | null;
  workspaceId: string;
  createdAt: number;
  /** Deleting keeps the record (the API shows `is_deleted`); a deleted group has no effect on eligibility. */
  deleted: boolean;
  /** Participant id → when they were added, in the order they were added. */
  members: Map<string, number>;
}

/** How far a published study has got through the population in its search for participants. */
export interface RecruitmentRecord {
  /** The next person (population index) to offer a place to. */
  cursor: number;
  /** 1: the first walk, which passes some people by; 2: later walks, which offer every eligible person a place. */
  pass: 1 | 2;
  /** Everyone who took a place, returned ones included: nobody takes the same study twice. */
  taken: Set<string>;
}

export class AudienceRecords {
  readonly groups = new Map<string, ParticipantGroupRecord>();
  /** By study id, from the study's first arrival on. */
  readonly recruitment = new Map<string, RecruitmentRecord>();
}
