/**
 * The sandbox's records: the account, its workspaces and everything created through the API, with the ids
 * they are given. The rules that move them on in time (processing, imports, participants, money) work on
 * this store; SandboxState (state.ts) runs those rules, so the store itself knows none of them.
 */
import { randomBytes } from 'node:crypto';

import { AudienceRecords } from './audience-model.js';
import { notFound } from './errors.js';
import type {
  AnnotatorProfile,
  BatchRecord,
  ExportJob,
  InstructionFields,
  InstructionRecord,
  DatasetRecord,
  ProjectRecord,
  ResponseRecord,
  StudyRecord,
  SubmissionRecord,
  UserRecord,
  WalletRecord,
  WorkspaceRecord,
} from './model.js';
import { derivedRandom, Random } from './random.js';

export interface SandboxSettings {
  /** Origin of the API, e.g. http://127.0.0.1:PORT. */
  apiOrigin: string;
  /** Origin of the presigned object storage. */
  storageOrigin: string;
  token: string;
  processingMs: number;
  participantIntervalMs: number;
  completionMs: number;
  /** Share of participants who return their place before submitting. */
  returnRate: number;
  /** Share of participants who run past the study's maximum allowed time. */
  timeoutRate: number;
  seed: number;
  workspaces: number;
  /** Starting balance of every wallet (each workspace and the personal one), minor units. */
  balance: number;
  /** The instructions endpoint works as before its sunset (for tests of legacy batches); otherwise it is gone. */
  legacyInstructions: boolean;
  /** Datasets created without a schema are V3 (status READY) rather than V4 awaiting a schema. */
  legacyDatasets: boolean;
  /** Annotator profiles taken in arrival order instead of drawn at random. */
  crowd?: AnnotatorProfile[];
  now: () => number;
}

const WORKSPACE_TITLES = ['My workspace', 'Research team', 'Client projects', 'Pilot studies'];

export class SandboxStore {
  readonly random: Random;
  /** Signs presigned storage URLs; random per run so that old URLs never verify against a new sandbox. */
  readonly signingKey = randomBytes(32);
  readonly user: UserRecord;
  readonly personalWallet: WalletRecord;
  readonly workspaces = new Map<string, WorkspaceRecord>();
  readonly projects = new Map<string, ProjectRecord>();
  readonly datasets = new Map<string, DatasetRecord>();
  readonly batches = new Map<string, BatchRecord>();
  readonly studies = new Map<string, StudyRecord>();
  /** All submissions of all studies, in arrival order. */
  readonly submissions = new Map<string, SubmissionRecord>();
  private readonly submissionsByStudy = new Map<string, SubmissionRecord[]>();
  /** Batch export jobs by export id; a deleted job is removed. */
  readonly exports = new Map<string, ExportJob>();
  /** batch/instruction/column count → the dataset column stating its answers, or -1 (see truth.ts). */
  readonly answerColumns = new Map<string, number>();
  /** Response records per batch id, in the order participants submitted them. */
  readonly responses = new Map<string, ResponseRecord[]>();
  /** Participant groups, bonuses and each study's search for participants. */
  readonly audience = new AudienceRecords();
  private sequence = 0;
  private layoutSequence = 0;

  constructor(readonly settings: SandboxSettings) {
    this.random = new Random(settings.seed);
    this.user = { id: this.newObjectId(), email: 'researcher@sandbox.invalid', name: 'Sandbox Researcher' };
    this.personalWallet = { id: this.newObjectId(), initialBalance: settings.balance };
    for (let i = 0; i < settings.workspaces; i += 1) {
      const workspace: WorkspaceRecord = {
        id: this.newObjectId(),
        title: WORKSPACE_TITLES[i] ?? `Workspace ${i + 1}`,
        description: 'A sandbox workspace: nothing here costs real money.',
        wallet: { id: this.newObjectId(), initialBalance: settings.balance },
      };
      this.workspaces.set(workspace.id, workspace);
      const project: ProjectRecord = {
        id: this.newObjectId(),
        title: 'Default project',
        description: '',
        workspaceId: workspace.id,
      };
      this.projects.set(project.id, project);
    }
  }

  now(): number {
    return this.settings.now();
  }

  /** Ids of objects created through the API: sequential timestamps keep them sorted by creation. */
  newUuid(): string {
    this.sequence += 1;
    return this.random.uuid(this.sequence * 1000 + this.random.int(1000));
  }

  /**
   * Ids of layout pages, rows, columns and content items, drawn apart from `random` so that laying questions
   * out on a page leaves every other id, and so every simulated answer, as it would otherwise be.
   */
  newLayoutId(): string {
    this.layoutSequence += 1;
    return derivedRandom(this.settings.seed, 'layout', this.layoutSequence).uuid();
  }

  newObjectId(): string {
    this.sequence += 1;
    return this.random.objectId(this.sequence * 60 + this.random.int(60));
  }

  /** A question of `batch`, from legacy instructions or a batch_items layout alike. */
  newInstruction(batch: BatchRecord, fields: InstructionFields): InstructionRecord {
    return { id: this.newUuid(), createdAt: this.now(), createdBy: this.user.id, batchId: batch.id, fields };
  }

  findWorkspace(id: string): WorkspaceRecord {
    return this.workspaces.get(id) ?? throwNotFound('Workspace', id);
  }

  findProject(id: string): ProjectRecord {
    return this.projects.get(id) ?? throwNotFound('Project', id);
  }

  findDataset(id: string): DatasetRecord {
    return this.datasets.get(id) ?? throwNotFound('Dataset', id);
  }

  findBatch(id: string): BatchRecord {
    return this.batches.get(id) ?? throwNotFound('Batch', id);
  }

  findStudy(id: string): StudyRecord {
    return this.studies.get(id) ?? throwNotFound('Study', id);
  }

  findSubmission(id: string): SubmissionRecord {
    return this.submissions.get(id) ?? throwNotFound('Submission', id);
  }

  addSubmission(submission: SubmissionRecord): void {
    this.submissions.set(submission.id, submission);
    const list = this.submissionsByStudy.get(submission.studyId);
    if (list) list.push(submission);
    else this.submissionsByStudy.set(submission.studyId, [submission]);
  }

  /** A study's submissions in arrival order. */
  submissionsOf(studyId: string): readonly SubmissionRecord[] {
    return this.submissionsByStudy.get(studyId) ?? [];
  }

  responsesOf(batchId: string): ResponseRecord[] {
    let list = this.responses.get(batchId);
    if (!list) {
      list = [];
      this.responses.set(batchId, list);
    }
    return list;
  }
}

function throwNotFound(what: string, id: string): never {
  throw notFound(what, id);
}
