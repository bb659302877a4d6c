/**
 * What the sandbox stores. Records hold internal facts (timestamps in ms, row data, task plans); the API
 * shapes are built from them by the view functions next to each handler.
 */

export type ProcessingStatus = 'UNINITIALISED' | 'PROCESSING' | 'READY' | 'ERROR';

export type StudyStatus =
  | 'UNPUBLISHED'
  | 'SCHEDULED'
  | 'PUBLISHING'
  | 'ACTIVE'
  | 'AWAITING REVIEW'
  | 'PAUSED'
  | 'COMPLETED';

export type SubmissionStatus =
  | 'RESERVED'
  | 'ACTIVE'
  | 'TIMED-OUT'
  | 'AWAITING REVIEW'
  | 'APPROVED'
  | 'RETURNED'
  | 'REJECTED'
  | 'SCREENED OUT';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
}

/** Money lives in wallets: one per workspace and one personal wallet for studies without a project. */
export interface WalletRecord {
  id: string;
  initialBalance: number;
}

export interface WorkspaceRecord {
  id: string;
  title: string;
  description: string;
  wallet: WalletRecord;
}

export interface ProjectRecord {
  id: string;
  title: string;
  description: string;
  workspaceId: string;
}

/** A processing step that has started and will end, evaluated lazily from the clock. */
export interface PendingOutcome {
  until: number;
  outcome: 'READY' | 'ERROR';
  reason?: string;
}

export const DATASET_FIELD_TYPES = ['text', 'image_url', 'audio_url', 'video_url', 'metadata', 'task_group_id'] as const;

export type DatasetFieldType = (typeof DATASET_FIELD_TYPES)[number];

/** A V4 dataset's schema: the columns a datapoint has, and which are shown, hidden or group tasks. */
export interface DatasetSchema {
  strict: boolean;
  fields: Record<string, { type: DatasetFieldType; label?: string }>;
}

export type ImportStatus = 'uninitialised' | 'queued' | 'processing' | 'complete' | 'partial' | 'failed' | 'pending_schema';

export interface ImportError {
  record_index: number;
  field?: string;
  reason: string;
}

/** One upload into a V4 dataset: created with its upload URL, filled by the PUT, then processed in turn. */
export interface ImportJobRecord {
  id: string;
  datasetId: string;
  filename: string;
  createdAt: number;
  updatedAt: number;
  status: ImportStatus;
  /** When processing starts (after earlier imports) and ends; the file is read at the PUT, checked at the end. */
  startsAt?: number;
  until?: number;
  /** The received file's records, kept until processing ends; or why the file cannot be read at all. */
  received?: ReceivedRecords;
  acceptedCount?: number;
  duplicateCount?: number;
  rejectedCount?: number;
  errors?: ImportError[];
  reason?: string;
}

/** One record of a V4 file or append: its fields, or why it cannot be read. */
export type ReceivedRecord = { fields: Record<string, unknown> } | { malformed: string };

/**
 * A received V4 file: its records, plus a count of those past the row-text budget, which are accepted
 * unchecked with empty cells (as V3 rows past it are); or why the file cannot be read at all.
 */
export type ReceivedRecords = { records: ReceivedRecord[]; unchecked: number } | { failure: string };

export interface MigrationRecord {
  id: string;
  createdAt: number;
  schemaRevision: number;
  reprocessedCount: number;
}

export interface DatasetRecord {
  id: string;
  name: string;
  workspaceId: string;
  createdAt: number;
  createdBy: string;
  /** 3: legacy, tracked by `status`; 4: described by `schema`, filled by import jobs. */
  schemaVersion: 3 | 4;
  /** V4 only; null until a schema is set. */
  schema: DatasetSchema | null;
  /** V4 only: every import job, oldest first. */
  imports: ImportJobRecord[];
  /** V4 only: how many schemas have been set (a migration job's `schema_version`). */
  schemaRevision: number;
  /** V4 only: the schema changes after the first. */
  migrations?: MigrationRecord[];
  /** V4 only: the stored datapoints' values, so that a record sent again is accepted but not stored twice. */
  seen?: Set<string>;
  /** V3 only: the processing state of the last upload. */
  status: ProcessingStatus;
  pending?: PendingOutcome;
  /** Why the last processing failed, shown while the status is ERROR. */
  failureReason?: string;
  filename: string | null;
  /** Column names in first-seen order; `META_` columns are kept but never shown to participants. */
  columns: DatasetColumn[];
  /** Row values aligned with `columns` (shorter rows mean empty trailing cells); see `rowCount`. */
  rows: string[][];
  /** Datapoints received, which can exceed `rows.length` when a huge upload outgrew the memory budget. */
  rowCount: number;
  /** META_TASK_GROUP_ID of every datapoint ('' when the row had none); absent when no file had that column. */
  groupIds?: string[];
  /** Characters held in `rows`, to keep a 1 GiB upload from exhausting memory. */
  storedChars: number;
  /** The datapoint count the API reports: it changes only when processing finishes. */
  totalDatapointCount: number;
}

export interface DatasetColumn {
  name: string;
  hidden: boolean;
}

export interface TaskDetails {
  task_name: string;
  task_introduction: string;
  task_steps: string;
}

/**
 * How a set-up batch's tasks form task groups. Task i is datapoint i. Chunked plans shuffle tasks with an
 * affine permutation (position p < shuffled holds task (multiplier·p + offset) mod shuffled) so that a dataset with
 * millions of rows needs no per-task memory.
 */
export type TaskPlan =
  | {
      kind: 'chunked';
      taskCount: number;
      tasksPerGroup: number;
      /** Tasks shuffled at setup; tasks a sync added after them keep their order, topping up the last group first. */
      shuffled: number;
      multiplier: number;
      offset: number;
    }
  /** `keys[g]` is group g's task group key, '' for a datapoint that had none (a group of its own). */
  | { kind: 'grouped'; taskCount: number; groups: number[][]; keys: string[] };

export interface BatchSetup {
  datasetId: string;
  /** As asked at setup; a task_group_id key overrides it in the plan. */
  tasksPerGroup: number;
  plan: TaskPlan;
}

export interface BatchRecord {
  id: string;
  name: string;
  workspaceId: string;
  createdAt: number;
  createdBy: string;
  datasetId: string | null;
  taskDetails: TaskDetails;
  status: ProcessingStatus;
  pending?: PendingOutcome;
  /** Present from the moment setup was accepted: instructions and dataset are frozen from then on. */
  setup?: BatchSetup;
  instructions: InstructionRecord[];
  /** Page layouts, the instructions endpoint's replacement; a batch has these or instructions, never both. */
  batchItems?: BatchPageRecord[];
  autoSync: boolean;
  /** Sync jobs in the order they were asked for; each starts when the one before it has ended. */
  syncs: SyncRecord[];
}

export type DisplayPosition = 'intro' | 'body' | 'outro';

/** One page of a batch_items layout. Question items are stored like instructions, so responses cite their ids. */
export interface BatchPageRecord {
  id: string;
  displayPosition: DisplayPosition;
  rows: BatchRowRecord[];
}

export interface BatchRowRecord {
  id: string;
  columns: BatchColumnRecord[];
}

export interface BatchColumnRecord {
  id: string;
  items: LayoutItemRecord[];
}

export type LayoutItemRecord = InstructionRecord | ContentRecord;

/** An item that shows something (a datapoint's field, text, a picture) and asks nothing. */
export interface ContentRecord {
  id: string;
  content: ContentFields;
}

export type ContentFields =
  | { type: 'dataset_field'; field: string }
  | { type: 'rich_text'; content: string; content_format: 'html' | 'markdown' }
  | { type: 'image'; url: string; alt_text: string; caption?: string };

export interface SyncRecord {
  id: string;
  datasetId: string;
  createdAt: number;
  /** When it leaves `queued` (the sync before it has ended) and when it ends. */
  startsAt: number;
  endsAt: number;
  /** Set when it ended: what it added. */
  result?: { tasksCreated: number; datapointsProcessed: number; groupsCreated: number; groupsExpanded: number };
}

export type InstructionType =
  | 'multiple_choice'
  | 'multiple_choice_with_free_text'
  | 'free_text'
  | 'free_text_with_unit'
  | 'file_upload'
  | 'video_narration';

export type OptionValue = string | number | boolean;

export interface ChoiceOption {
  label: string;
  value: OptionValue;
  heading?: string;
  exclusive?: boolean;
}

export interface ValidationRule {
  type: 'number' | 'string';
  min?: number | null;
  max?: number | null;
}

export interface UnitOption {
  label: string;
  value: OptionValue;
  validation?: ValidationRule;
}

/** The fields a client sent for one instruction, already validated for its type. */
export interface InstructionFields {
  type: InstructionType;
  description: string;
  helper_text?: string | null;
  placeholder_text_input?: string | null;
  answer_limit?: number;
  disable_dropdown?: boolean | null;
  options?: ChoiceOption[];
  validation?: ValidationRule | null;
  unit_options?: UnitOption[];
  default_unit?: string | null;
  unit_position?: 'prefix' | 'suffix';
  accepted_file_types?: string[];
  max_file_size_mb?: number;
  min_file_count?: number;
  max_file_count?: number;
  /** video_narration's own fields, which no source documents: kept as sent. */
  extra?: Record<string, unknown>;
}

export interface InstructionRecord {
  id: string;
  createdAt: number;
  createdBy: string;
  batchId: string;
  fields: InstructionFields;
}

export interface CompletionCode {
  code: string | null;
  code_type: string;
  actions: Record<string, unknown>[];
  actor: 'participant' | 'researcher' | null;
}

export interface StudyRecord {
  id: string;
  createdAt: number;
  status: StudyStatus;
  /** Everything the client set, already validated and defaulted (name, reward, completion_codes, …). */
  fields: StudyFields;
  publishedAt: number | null;
  publishAt: number | null;
  /** Active time accumulated before the current ACTIVE stretch, for pacing participants across pauses. */
  activeMsBefore: number;
  /** When the current ACTIVE stretch began; meaningful only while ACTIVE. */
  activeSince: number;
  /** How many simulated participants have taken a place so far, including those who gave it back. */
  arrivals: number;
  /** The active time at which the next participant may take a free place. */
  nextArrivalActiveMs: number;
  /** Task groups are served in turn; this counts the turns. */
  nextGroup: number;
  /** Task groups whose participant gave the place back, served again before new turns. */
  reopenedGroups: number[];
}

export interface StudyFields {
  name: string;
  internal_name: string | null;
  description: string;
  reward: number;
  estimated_completion_time: number;
  maximum_allowed_time: number;
  total_available_places: number;
  prolific_id_option: string;
  device_compatibility: string[];
  peripheral_requirements: string[];
  filters: unknown[];
  filter_set_id: string | null;
  /** The version of the filter set the study takes its filters from (digest §1.7). */
  filter_set_version: number | null;
  project: string | null;
  data_collection_method: string;
  data_collection_id: string;
  annotators_per_task: number;
  completion_codes: CompletionCode[];
  submissions_config: Record<string, unknown>;
  study_labels: string[];
  content_warnings: string[];
  metadata: unknown;
}

/**
 * How a simulated participant annotates: with probability `reliability` they give a task's hidden answer,
 * otherwise any answer at random. Random clickers have a reliability of 0.
 */
export interface AnnotatorProfile {
  diligence: 'careful' | 'careless' | 'random' | 'confuser';
  /** The chance of giving the hidden answer. */
  reliability: number;
  /** Confusers: which other option they give instead, as a share of the way round the options (0–1). */
  shift?: number;
}

export interface SubmissionRecord {
  id: string;
  studyId: string;
  participantId: string;
  status: SubmissionStatus;
  startedAt: number;
  /** When the simulated participant submits, returns the place or times out (or did). */
  finishesAt: number;
  /** What happens at `finishesAt`. */
  outcome: 'submit' | 'return' | 'time-out';
  profile: AnnotatorProfile;
  completedAt: number | null;
  studyCode: string | null;
  /** Index of the task group this participant annotates. */
  taskGroup: number;
}

export interface AnswerItem {
  [key: string]: unknown;
}

export interface ResponseRecord {
  id: string;
  batchId: string;
  participantId: string;
  submissionId: string;
  taskId: string;
  datapoint: number;
  createdAt: number;
  instructionId: string;
  type: InstructionType;
  answer: AnswerItem[];
}

export interface ExportFilter {
  study_id?: string;
  from?: string;
  to?: string;
}

export interface ExportJob {
  id: string;
  batchId: string;
  /** Null when the request named no filter, as the job list shows it. */
  filter: ExportFilter | null;
  createdAt: number;
  readyAt: number;
  status: 'generating' | 'complete' | 'failed';
  zip?: Uint8Array;
}
