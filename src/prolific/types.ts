/**
 * Shapes of the Prolific API objects this project reads. Only the fields the server relies on are typed;
 * everything else the API sends is kept and passed through untouched.
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

export type StudyAction = 'PUBLISH' | 'PAUSE' | 'START' | 'STOP' | 'SCHEDULE_PUBLISH' | 'CANCEL_PUBLISH';

export interface ApiObject {
  [key: string]: unknown;
}

export type DatasetFieldType = 'text' | 'image_url' | 'audio_url' | 'video_url' | 'metadata' | 'task_group_id';

/** A V4 dataset's columns: `metadata` and `task_group_id` fields are hidden from participants. */
export type DatasetSchema = {
  strict: boolean;
  fields: Record<string, { type: DatasetFieldType; label?: string }>;
};

export type ImportStatus = 'uninitialised' | 'queued' | 'processing' | 'complete' | 'partial' | 'failed' | 'pending_schema';

/** One upload into a V4 dataset. Counts are optional; `accepted_count` includes duplicates. */
export interface DatasetImport extends ApiObject {
  import_id: string;
  status: ImportStatus;
  filename?: string;
  accepted_count?: number;
  duplicate_count?: number;
  rejected_count?: number;
  written_count?: number;
  errors?: RecordError[];
  reason?: string;
}

/** A record an import or append refused; `record_index` counts from 0. */
export interface RecordError extends ApiObject {
  record_index: number;
  field?: string;
  reason: string;
}

/** V4 datasets (`schema_version` 4) have `schema` and `imports`; V3 ones have `status` instead. */
export interface Dataset extends ApiObject {
  id: string;
  name: string;
  schema_version?: number;
  schema?: DatasetSchema | null;
  imports?: DatasetImport[];
  status?: ProcessingStatus;
  total_datapoint_count?: number;
  workspace_id?: string;
  /** Present when a PATCH changed an existing schema. */
  migration_job_id?: string;
}

/** V4 adds `import_id`, `content_type` (send it as the PUT's Content-Type) and `file_key`. */
export interface UploadUrl extends ApiObject {
  upload_url: string;
  expires_at: string;
  http_method: string;
  dataset_id: string;
  import_id?: string;
  content_type?: string;
  file_key?: string;
}

/** The append answer's field names are not documented; these are the import job's, read when present. */
export interface AppendResult extends ApiObject {
  accepted_count?: number;
  rejected_count?: number;
  errors?: RecordError[];
}

export interface TaskDetails {
  task_name: string;
  task_introduction: string;
  task_steps: string;
}

export interface Batch extends ApiObject {
  id: string;
  name: string;
  status: ProcessingStatus;
  workspace_id?: string;
  datasets?: { id: string; total_datapoint_count?: number; filename?: string }[];
  total_task_count?: number;
  total_instruction_count?: number;
  total_task_groups?: number;
  task_details?: TaskDetails;
  /** The saved layout, with an id on every page, row, column and item; null for a legacy batch. */
  batch_items?: ApiObject[] | null;
  auto_sync_enabled?: boolean;
  tasks_per_group?: number;
}

/** A job adding a dataset's new datapoints to a READY batch as tasks. */
export interface BatchSync extends ApiObject {
  sync_id: string;
  batch_id?: string;
  status: 'queued' | 'processing' | 'complete' | 'failed' | (string & {});
  tasks_created?: number;
  datapoints_processed?: number;
  groups_created?: number;
  groups_expanded?: number;
  reason?: string;
}

export interface Instruction extends ApiObject {
  id: string;
  type: string;
  description: string;
}

export interface Study extends ApiObject {
  id: string;
  name: string;
  status: StudyStatus;
  reward: number;
  total_available_places: number;
  places_taken?: number;
  data_collection_id?: string;
  /** Who may take part: filter objects (see Filter); [] is everyone. */
  filters?: ApiObject[] | null;
  published_at?: string | null;
  /** All places, fees and VAT included, minor units. */
  total_cost?: number | null;
}

/** Each part may be missing or null: the spec marks every one nullable. */
export interface StudyCostBreakdown {
  rewards?: { amount?: number; currency?: string } | null;
  fees?: { amount?: number; currency?: string } | null;
  tax?: { amount?: number; currency?: string } | null;
}

export interface StudyCost extends ApiObject {
  rewards?: StudyCostBreakdown | null;
  bonuses?: StudyCostBreakdown | null;
}

export interface Submission extends ApiObject {
  id: string;
  participant_id: string;
  status: string;
  started_at?: string;
  completed_at?: string | null;
}

/** One submission read on its own: the participant is `participant` there, not `participant_id`. */
export interface SubmissionDetail extends ApiObject {
  id: string;
  status: string;
}

export interface BatchResponse extends ApiObject {
  id: string;
  batch_id: string;
  participant_id: string;
  task_id: string;
  response: { instruction_id: string; type: string; answer: unknown[] };
}

export interface Report extends ApiObject {
  url: string;
  expires_at: string;
  http_method: string;
}

export interface Workspace extends ApiObject {
  id: string;
  title: string;
}

export interface Project extends ApiObject {
  id: string;
  title: string;
  /** The workspace's id; some answers nest it as an object. */
  workspace?: string | { id?: string };
}

/** Minor units. */
export interface WorkspaceBalance extends ApiObject {
  currency_code?: string;
  total_balance?: number;
  available_balance?: number;
}

/**
 * An export job: `generating` with its `export_id`, `complete` with a presigned `url` (valid about an hour),
 * or `failed`. Older answers to the request were `complete` at once, without an `export_id`.
 */
export interface BatchExport extends ApiObject {
  status: string;
  export_id?: string;
  url?: string;
  expires_at?: string;
}

export interface User extends ApiObject {
  id: string;
  currency_code?: string;
}

export interface RewardRecommendation extends ApiObject {
  currency?: string;
  min_reward_per_hour?: number;
  recommended_reward_per_hour?: number;
}

/** Advisory headers the API attaches (the instructions endpoint is being sunset). */
export interface Deprecation {
  deprecation: string;
  sunset?: string;
}

export interface ListResult<T> {
  results: T[];
  meta?: { count?: number };
}

/** Submissions counted by status (`TOTAL` among them); a status Prolific leaves out counts as none. */
export type SubmissionCounts = Record<string, number>;

/** One entry of the filter catalogue (GET /filters/): a select filter has `choices` (id → label), a range `min`/`max`. */
export interface Filter extends ApiObject {
  filter_id: string;
  title?: string;
  description?: string;
  question?: string;
  type: 'select' | 'range' | (string & {});
  /** select: ChoiceID, ParticipantID, StudyID or ParticipantGroupID; range: integer, float or date. */
  data_type?: string;
  choices?: Record<string, string> | null;
  min?: number | string | null;
  max?: number | string | null;
}

/** An answer of GET /filters/search/: ranked, at most three matching choices each. */
export interface FilterSearchPage extends ApiObject {
  results: (Filter & { choices_included?: boolean })[];
  meta?: { count?: number };
}

export interface ParticipantGroup extends ApiObject {
  id: string;
  name: string;
  workspace_id?: string | null;
  description?: string | null;
  participant_count?: number;
}

/** A bonus set up but not yet paid; amounts in minor units. */
export interface BulkBonus extends ApiObject {
  id: string;
  study?: string;
  amount?: number;
  fees?: number;
  vat?: number;
  total_amount: number;
}

/** What the legacy instructions endpoint said: its list, or undefined when it no longer serves the batch. */
export interface LegacyInstructions {
  results: Instruction[] | undefined;
  deprecation?: Deprecation;
}
