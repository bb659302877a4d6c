/**
 * The sandbox's whole world: the account, its workspaces and everything created through the API. Time-driven
 * changes (processing finishing, participants arriving and submitting) are not run by timers: `advance()`
 * works them out from the clock whenever the state is read, so nothing needs cancelling and a run depends
 * only on the seed, the requests and the elapsed time.
 */
import { randomBytes } from 'node:crypto';

import { AudienceRecords } from './audience-model.js';
import { notFound } from './errors.js';
import type {
  AnnotatorProfile,
  BatchRecord,
  InstructionRecord,
  OptionValue,
  DatasetRecord,
  ProjectRecord,
  ResponseRecord,
  StudyRecord,
  SubmissionRecord,
  UserRecord,
  WalletRecord,
  WorkspaceRecord,
} from './model.js';
import { questionsOf } from './batch-items.js';
import type { ExportJob } from './exports.js';
import { hiddenChoices } from './answers.js';
import { walletBalance } from './money.js';
import { columnFor } from '../question-key.js';
import { advanceStudies } from './participants.js';
import { advanceImports } from './imports.js';
import { advanceBatches, advanceDatasets } from './processing.js';
import { derivedRandom, Random } from './random.js';

/** Dataset columns that state a task's answers in the sandbox: META_SANDBOX_ANSWER_<question key>. */
const ANSWER_PREFIX = 'META_SANDBOX_ANSWER';

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

export class SandboxState {
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
  /** batch/instruction/column count → the dataset column stating its answers, or -1. */
  private readonly answerColumns = new Map<string, number>();
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

  /** Brings every time-driven status up to the present. Handlers call it before reading or writing. */
  advance(): void {
    const now = this.now();
    advanceDatasets(this, now);
    advanceImports(this, now);
    advanceBatches(this, now);
    advanceStudies(this, now);
  }

  /**
   * Makes a workspace's available balance (the personal account's, for a study without a project) exactly
   * `minor` from now on, as a top-up or a spend elsewhere would; for rehearsing a publish it cannot pay.
   */
  setBalance(workspaceId: string | undefined, minor: number): void {
    this.advance();
    const wallet = workspaceId === undefined ? this.personalWallet : this.findWorkspace(workspaceId).wallet;
    wallet.initialBalance += minor - walletBalance(this, wallet).available;
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

  /**
   * The option values a choice instruction hides for one task (datapoint index): what reliable annotators
   * give. Tests read it to check the statistics against the truth; the API never shows it.
   */
  hiddenAnswer(batchId: string, task: number, instructionId: string): OptionValue[] {
    const batch = this.findBatch(batchId);
    const instruction = questionsOf(batch).find((candidate) => candidate.id === instructionId);
    if (!instruction) return [];
    const options = instruction.fields.options ?? [];
    const hidden =
      this.statedAnswer(batch, task, instruction) ??
      hiddenChoices(instruction.fields, derivedRandom(this.settings.seed, batch.id, 'truth', task, instruction.id));
    return hidden.map((index) => options[index]?.value).filter((value) => value !== undefined);
  }

  /**
   * The option indexes the batch's dataset states for a task in a META_SANDBOX_ANSWER_<question> column
   * (values separated by ";"), a sandbox convenience so that simulated answers fit the datapoints; undefined
   * when there is no such column or the cell names no option.
   */
  statedAnswer(batch: BatchRecord, task: number, instruction: InstructionRecord): number[] | undefined {
    const options = instruction.fields.options;
    if (!options?.length) return undefined;
    const dataset = batch.setup ? this.datasets.get(batch.setup.datasetId) : undefined;
    if (!dataset) return undefined;
    const key = `${batch.id}/${instruction.id}/${dataset.columns.length}`;
    let column = this.answerColumns.get(key);
    if (column === undefined) {
      const names = dataset.columns.map((c) => c.name);
      const choices = questionsOf(batch).filter((q) => q.fields.options?.length).length;
      const name = columnFor(names, ANSWER_PREFIX, instruction.fields.description, choices === 1);
      column = name === undefined ? -1 : names.indexOf(name);
      this.answerColumns.set(key, column);
    }
    if (column < 0) return undefined;
    const cell = dataset.rows[task]?.[column] ?? '';
    const indexes = cell
      .split(';')
      .map((value) => options.findIndex((option) => String(option.value).toLowerCase() === value.trim().toLowerCase()))
      .filter((index) => index >= 0);
    return indexes.length ? [...new Set(indexes)].sort((a, b) => a - b) : undefined;
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
