/**
 * What the sandbox stores about who may take part and what was paid beyond rewards: participant groups, filter
 * sets, bulk bonuses and their payments, and how far each study has got through the population looking for
 * participants.
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

/** A reusable set of filters (digest §2); every change makes a new version, and studies keep the one they took. */
export interface FilterSetRecord {
  id: string;
  workspaceId: string;
  name: string | null;
  description: string | null;
  createdAt: number;
  /** Version n is `versions[n - 1]`: its name, description and filters as they were then. */
  versions: { name: string | null; description: string | null; filters: unknown[] }[];
  locked: boolean;
  deleted: boolean;
}

/** One line of a bulk bonus: whom it pays, on which submission, how much in minor units. */
export interface BonusLine {
  participantId: string;
  submissionId: string;
  amount: number;
}

/** A bonus set up on a study (step 1); it pays nothing until paid (step 2). */
export interface BulkBonusRecord {
  id: string;
  studyId: string;
  createdAt: number;
  lines: BonusLine[];
  /** Minor units, as the API reports them: what participants receive, the fees, the VAT on the fees, the sum. */
  amount: number;
  fees: number;
  vat: number;
  total: number;
}

/**
 * One pay call. Every call pays, as on Prolific, where paying the same bulk bonus twice pays it twice (digest
 * §5.2). The money leaves the available balance at once and the wallet when the payment settles.
 */
export interface BonusPaymentRecord {
  bulkId: string;
  studyId: string;
  paidAt: number;
  settlesAt: number;
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
  readonly filterSets = new Map<string, FilterSetRecord>();
  readonly bulkBonuses = new Map<string, BulkBonusRecord>();
  /** Every pay call, oldest first. */
  readonly bonusPayments: BonusPaymentRecord[] = [];
  /** By study id, from the study's first arrival on. */
  readonly recruitment = new Map<string, RecruitmentRecord>();
}
