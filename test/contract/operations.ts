/**
 * Every operation of Prolific's API spec (test/contract/prolific-openapi.yaml, the older generated spec), each
 * either called by a ProlificClient method or skipped with a reason, and every endpoint the client calls that the
 * spec lacks, with the section of the 2026 digest (shared/reference/task-builder-2026.md) that describes it.
 * test/contract.test.ts fails when the spec, the client and this table disagree; test/support/contract.ts checks
 * every request and answer of the suite against the spec, allowing only the deviations listed here.
 *
 * Tests only: the product never imports it.
 */
import type { ProlificClient } from '../../src/prolific/client.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** `METHOD /path`, the path exactly as the spec (or the digest) writes it, `{name}` for each parameter. */
export type OperationKey = `${HttpMethod} /${string}`;
export type ClientMethod = keyof ProlificClient;

/**
 * Where the spec contradicts the 2026 API, one operation at a time. Only what is listed is let through: the rest
 * of the request and the answer is still checked against the spec.
 */
export interface Deviation {
  /** Why, with the digest section that says so. */
  reason: string;
  /** Answer statuses the 2026 API uses that the spec does not list; their bodies are not checked against it. */
  statuses?: number[];
  /**
   * Request fields whose spec schema is out of date, as JSON pointers: `/batch_items` in the body,
   * `/query/offset` for a query parameter; `*` matches any one segment.
   */
  requestFields?: string[];
  /** Answer-body fields (JSON pointers such as `/datasets/0/name`; `*` matches any one segment) likewise. */
  responseFields?: string[];
  /**
   * Places (request or answer, pointers as above) where the spec's `oneOf` has overlapping alternatives, so that a
   * valid value matches more than one: only that is let through; a value matching none is still flagged.
   */
  ambiguousOneOf?: string[];
}

/**
 * A skipped operation may list deviations too: the sandbox serves some of them (for tests acting as the researcher,
 * or ahead of a client method), and its answers are checked all the same.
 */
export type SpecEntry = { client: ClientMethod[]; deviations?: Deviation[] } | { skipped: string; deviations?: Deviation[] };

export interface OffSpecEntry {
  /** The client methods that call it; none while the sandbox serves it ahead of the client. */
  client: ClientMethod[];
  /** Why the endpoint is not in the spec, with the digest section that describes it. */
  reason: string;
}

const ADMIN = 'Workspaces, projects and their members are administered in the Prolific app; the server only lists them to pick one.';
const SCREENING =
  'Filter sets are not built by this server: a study takes its filters inline (create_study), checked against the catalogue (audience digest §1.7, §2).';
const DISTRIBUTION = 'The distribution of a custom group over other filters is not asked for; counts (count_participants) answer who may take part (audience digest §1.5).';
const GROUP_EDITS =
  'Each study\'s exclusion group is made whole, with its members, and not edited afterwards: changing it would change who may take that study, live (audience digest §3).';
const HOOKS = 'Webhooks need a public HTTPS receiver; an MCP server on a laptop polls instead (src/job/wait.ts).';
const SURVEYS = 'Prolific Surveys is a separate product from Task Builder.';
const COLLECTIONS =
  'Collections (digest §6: participants create the content, early access per workspace) are not built by this server; it runs batches.';
const MESSAGING = 'Messaging participants is not offered: reviews speak to participants through the rejection message only.';
const DEMOGRAPHICS = "Demographic exports are outside a Task Builder run's results (responses, report, labels).";
const CREDENTIALS = 'Credential pools are for external studies that hand out logins; Task Builder studies need none.';
const NOT_YET = 'No client method yet (issue 9 adds it).';

const FLAT_WORKSPACE: Deviation = {
  reason:
    'Groups are listed with a flat `workspace_id`, as the CLI sends it and "the real API" takes it (audience digest §3); the spec asks for a `filter` object instead.',
  requestFields: ['/query/workspace_id', '/query/filter'],
};

const INVALID_BATCH_ITEMS: Deviation = {
  reason:
    'A refused layout is answered 422 {"type":"INVALID_BATCH_ITEMS","issues":[…]}, not the usual error envelope (digest §2.3, §7 item 7); the client recognises it by its type.',
  statuses: [422],
};

const INSTRUCTIONS_SUNSET: Deviation = {
  reason:
    'Past its Sunset (1 Sep 2026) the endpoint may be gone (404, 410), and it answers 422 for a batch laid out with batch_items (digest §3.2); the client reads all three as "no legacy instructions".',
  statuses: [404, 410, 422],
};

const BATCH_DATASET_FILENAME: Deviation = {
  reason:
    "A batch's dataset with nothing uploaded yet has no filename, and V4 datasets have none at all (digest §1.5, §2.1: datasets[] items differ by source); the sandbox sends null where the spec requires a string.",
  responseFields: ['/datasets/*/filename', '/results/*/datasets/*/filename'],
};

const LIMIT_OFFSET: Deviation = {
  reason:
    'Lists page: the client asks for the next `offset` (and `limit`) when an answer counts more than it holds and names no next link, as the CLI does (digest §5); the spec lists no paging parameters.',
  requestFields: ['/query/limit', '/query/offset'],
};

const FILTER_LIST: Deviation = {
  reason:
    "The spec's filter list item is a oneOf whose plain and detailed alternatives overlap (every detail field is optional), so every filter matches two of them (audience digest §1.1).",
  ambiguousOneOf: ['/results/*'],
};

const FILTER_GROUPS: Deviation = {
  reason:
    'Filters may be "and"/"or" groups, {filter_id, selected_filters}, nested (audience digest §1.2): newer than the spec, whose filter is a select or a range filter only.',
  requestFields: ['/filters/*'],
  responseFields: ['/filters/*', '/results/*/filters/*'],
};

export const SPEC_OPERATIONS: Record<OperationKey, SpecEntry> = {
  // Account and workspaces
  'GET /api/v1/users/me/': { client: ['getMe'] },
  'GET /api/v1/workspaces/': { client: ['listWorkspaces'] },
  'POST /api/v1/workspaces/': { skipped: ADMIN },
  'GET /api/v1/workspaces/{workspace_id}/': { skipped: 'list_workspaces already returns every workspace whole.' },
  'PATCH /api/v1/workspaces/{workspace_id}/': { skipped: ADMIN },
  'GET /api/v1/workspaces/{workspace_id}/balance/': { client: ['getWorkspaceBalance'] },
  'GET /api/v1/workspaces/{workspace_id}/projects/': { client: ['listProjects'] },
  'POST /api/v1/workspaces/{workspace_id}/projects/': { skipped: ADMIN },
  'GET /api/v1/projects/{project_id}/': { client: ['getProject'] },
  'PATCH /api/v1/projects/{project_id}/': { skipped: ADMIN },
  'GET /api/v1/projects/{project_id}/studies/': { skipped: 'Studies are listed across the account (GET /studies/); projects are optional for batch studies (digest §5).' },
  'POST /api/v1/invitations/': { skipped: ADMIN },
  'GET /api/v1/reward-recommendations/': { client: ['getRewardRecommendations'] },

  // Screening
  'GET /api/v1/filters/': { client: ['listFilters'], deviations: [FILTER_LIST] },
  'GET /api/v1/filters/{id}/distribution/': { skipped: DISTRIBUTION },
  'POST /api/v1/eligibility-count/': { client: ['countEligible'], deviations: [FILTER_GROUPS] },
  'GET /api/v1/filter-sets/': { skipped: SCREENING, deviations: [FILTER_GROUPS] },
  'POST /api/v1/filter-sets/': { skipped: SCREENING, deviations: [FILTER_GROUPS] },
  'GET /api/v1/filter-sets/{id}/': { skipped: SCREENING, deviations: [FILTER_GROUPS] },
  'DELETE /api/v1/filter-sets/{id}/': { skipped: SCREENING },
  'PATCH /api/v1/filter-sets/{id}/': { skipped: SCREENING, deviations: [FILTER_GROUPS] },
  'POST /api/v1/filter-sets/{id}/clone/': { skipped: SCREENING, deviations: [FILTER_GROUPS] },
  'POST /api/v1/filter-sets/{id}/lock/': { skipped: SCREENING, deviations: [FILTER_GROUPS] },
  'POST /api/v1/filter-sets/{id}/unlock/': { skipped: SCREENING, deviations: [FILTER_GROUPS] },
  'GET /api/v1/participant-groups/': { client: ['listParticipantGroups'], deviations: [FLAT_WORKSPACE] },
  'POST /api/v1/participant-groups/': { client: ['createParticipantGroup'] },
  'GET /api/v1/participant-groups/{id}/': { client: ['getParticipantGroup'] },
  'DELETE /api/v1/participant-groups/{id}/': { client: ['deleteParticipantGroup'] },
  'PATCH /api/v1/participant-groups/{id}/': { client: ['renameParticipantGroup'] },
  'GET /api/v1/participant-groups/{id}/participants/': { client: ['listParticipantGroupMembers'] },
  'POST /api/v1/participant-groups/{id}/participants/': { skipped: GROUP_EDITS },
  'DELETE /api/v1/participant-groups/{id}/participants/': { skipped: GROUP_EDITS },
  'POST /api/v1/researchers/participants/': { skipped: 'Test participants preview a study by hand in the Prolific app; the sandbox simulates participants instead.' },

  // Webhooks
  'GET /api/v1/hooks/event-types/': { skipped: HOOKS },
  'GET /api/v1/hooks/secrets/': { skipped: HOOKS },
  'POST /api/v1/hooks/secrets/': { skipped: HOOKS },
  'GET /api/v1/hooks/subscriptions/': { skipped: HOOKS },
  'POST /api/v1/hooks/subscriptions/': { skipped: HOOKS },
  'GET /api/v1/hooks/subscriptions/{subscription_id}/': { skipped: HOOKS },
  'POST /api/v1/hooks/subscriptions/{subscription_id}/': { skipped: HOOKS },
  'DELETE /api/v1/hooks/subscriptions/{subscription_id}/': { skipped: HOOKS },
  'PATCH /api/v1/hooks/subscriptions/{subscription_id}/': { skipped: HOOKS },
  'GET /api/v1/hooks/subscriptions/{subscription_id}/events/': { skipped: HOOKS },

  // Surveys
  'GET /api/v1/surveys/': { skipped: SURVEYS },
  'POST /api/v1/surveys/': { skipped: SURVEYS },
  'GET /api/v1/surveys/{survey_id}': { skipped: SURVEYS },
  'DELETE /api/v1/surveys/{survey_id}': { skipped: SURVEYS },
  'GET /api/v1/surveys/{survey_id}/responses/': { skipped: SURVEYS },
  'POST /api/v1/surveys/{survey_id}/responses/': { skipped: SURVEYS },
  'DELETE /api/v1/surveys/{survey_id}/responses/': { skipped: SURVEYS },
  'GET /api/v1/surveys/{survey_id}/responses/summary/': { skipped: SURVEYS },
  'GET /api/v1/surveys/{survey_id}/responses/{response_id}': { skipped: SURVEYS },
  'DELETE /api/v1/surveys/{survey_id}/responses/{response_id}': { skipped: SURVEYS },

  // Task Builder: datasets
  'POST /api/v1/data-collection/datasets': {
    client: ['createDataset'],
    deviations: [
      {
        reason: 'A dataset may be created with a V4 schema, and a V4 dataset has no V3 status (digest §1.2, §1.3, §1.5).',
        requestFields: ['/schema'],
        responseFields: ['/status'],
      },
    ],
  },
  'GET /api/v1/data-collection/datasets/{dataset_id}/upload-url/{filename}': { client: ['getUploadUrl'] },
  'GET /api/v1/data-collection/datasets/{dataset_id}/status': {
    skipped: 'The dataset itself (GET /datasets/{id}, off the spec) carries the V3 status along with the counts, so one read does (digest §1.5, §1.7).',
  },

  // Task Builder: batches
  'GET /api/v1/data-collection/batches': { client: ['listBatches'], deviations: [BATCH_DATASET_FILENAME] },
  'POST /api/v1/data-collection/batches': { client: ['createBatch'], deviations: [BATCH_DATASET_FILENAME, INVALID_BATCH_ITEMS] },
  'GET /api/v1/data-collection/batches/{batch_id}': { client: ['getBatch'], deviations: [BATCH_DATASET_FILENAME] },
  'PATCH /api/v1/data-collection/batches/{batch_id}': { client: ['updateBatch'], deviations: [BATCH_DATASET_FILENAME, INVALID_BATCH_ITEMS] },
  'GET /api/v1/data-collection/batches/{batch_id}/status': { skipped: 'The batch object carries the same status; get_batch reads it there with the counts.' },
  'POST /api/v1/data-collection/batches/{batch_id}/setup': {
    client: ['setupBatch'],
    deviations: [{ reason: 'The API answers 202 with an empty body, as the CLI requires; the spec says 204 (digest §2.4, §7 item 9).', statuses: [202] }],
  },
  'POST /api/v1/data-collection/batches/{batch_id}/duplicate': { client: ['duplicateBatch'], deviations: [BATCH_DATASET_FILENAME] },
  'GET /api/v1/data-collection/batches/{batch_id}/instructions': { client: ['getLegacyInstructions'], deviations: [INSTRUCTIONS_SUNSET] },
  'POST /api/v1/data-collection/batches/{batch_id}/instructions': { client: ['writeInstructions'], deviations: [INSTRUCTIONS_SUNSET] },
  'PUT /api/v1/data-collection/batches/{batch_id}/instructions': { client: ['writeInstructions'], deviations: [INSTRUCTIONS_SUNSET] },
  'GET /api/v1/data-collection/batches/{batch_id}/responses': { client: ['getResponses'] },
  'GET /api/v1/data-collection/batches/{batch_id}/report/': { client: ['getReport'] },
  'POST /api/v1/data-collection/batches/{batch_id}/export': {
    client: ['requestBatchExport'],
    deviations: [
      {
        reason: 'The newest docs answer 202 {status:"generating", export_id} and take an optional study_id (and from, to) query; the spec lists only 200 and no query (digest §4.3, §7 item 10).',
        statuses: [202],
        requestFields: ['/query/study_id'],
      },
    ],
  },
  'GET /api/v1/data-collection/batches/{batch_id}/export/{export_id}': { client: ['getBatchExport'] },

  // Task Builder: collections
  'GET /api/v1/data-collection/collections': { skipped: COLLECTIONS },
  'POST /api/v1/data-collection/collections': { skipped: COLLECTIONS },
  'GET /api/v1/data-collection/collections/{collection_id}': { skipped: COLLECTIONS },
  'PUT /api/v1/data-collection/collections/{collection_id}': { skipped: COLLECTIONS },
  'GET /api/v1/data-collection/collections/{collection_id}/responses': { skipped: COLLECTIONS },
  'POST /api/v1/data-collection/collections/{collection_id}/export': { skipped: COLLECTIONS },
  'GET /api/v1/data-collection/collections/{collection_id}/export/{export_id}': { skipped: COLLECTIONS },

  // Studies
  'GET /api/v1/studies/': { client: ['listStudies'], deviations: [LIMIT_OFFSET, FILTER_GROUPS] },
  'POST /api/v1/studies/': { client: ['createStudy'], deviations: [FILTER_GROUPS] },
  'GET /api/v1/studies/{id}/': { client: ['getStudy'], deviations: [FILTER_GROUPS] },
  'PATCH /api/v1/studies/{id}/': {
    skipped: 'A draft is created whole by create_study; a published study changes only through transitions.',
    deviations: [FILTER_GROUPS],
  },
  'DELETE /api/v1/studies/{id}/': { skipped: 'Deleting is left to the Prolific app: nothing an agent does should destroy a study.' },
  'POST /api/v1/studies/{id}/transition/': { client: ['transitionStudy'] },
  'POST /api/v1/studies/{id}/test-study': { skipped: 'Test runs happen in the sandbox, which simulates participants, not on the live API.' },
  'POST /api/v1/studies/{id}/clone/': { skipped: 'duplicate_batch copies the Task Builder batch; the study is then created for it.' },
  'GET /api/v1/studies/{id}/access-details-progress/': { skipped: 'Access details (taskflow URLs) cannot be combined with a Task Builder study (digest §5).' },
  'GET /api/v1/studies/{id}/cost/': { client: ['getStudyCost'] },
  'GET /api/v1/studies/{id}/submissions/': { client: ['listSubmissions'], deviations: [LIMIT_OFFSET] },
  'GET /api/v1/studies/{id}/submissions/counts/': { client: ['getSubmissionCounts'] },
  'GET /api/v1/studies/{id}/credentials/report/': { skipped: CREDENTIALS },
  'GET /api/v1/studies/{id}/export/': { skipped: DEMOGRAPHICS },
  'POST /api/v1/studies/{id}/demographic-export/': { skipped: DEMOGRAPHICS },
  'GET /api/v1/studies/{id}/demographic-export-history/': { skipped: DEMOGRAPHICS },
  'GET /api/v1/studies/{study_id}/predicted-recruitment-time/': {
    skipped: 'Gone from the live spec and the docs (digest §5, §7 item 15).',
  },
  'POST /api/v1/studies/predicted-recruitment-time/': { skipped: 'Gone from the live spec and the docs (digest §5, §7 item 15).' },
  'POST /api/v1/study-cost-calculator/': { client: ['quoteCost'] },
  'GET /.well-known/study/jwks.json': { skipped: 'Keys for checking study JWTs on an external study site; Task Builder studies run on Prolific.' },

  // Submissions
  'GET /api/v1/submissions/': { skipped: "A study's submissions are listed under the study (GET /studies/{id}/submissions/)." },
  'GET /api/v1/submissions/{id}/': { client: ['getSubmission'] },
  'POST /api/v1/submissions/{id}/transition/': { client: ['transitionSubmission'] },
  'POST /api/v1/submissions/{id}/request-return/': { skipped: 'Asking a participant to return is a conversation; reviews approve or reject.' },
  'GET /api/v1/submissions/{id}/demographics/': { skipped: DEMOGRAPHICS },
  'POST /api/v1/submissions/bulk-approve/': { client: ['bulkApprove'] },
  'POST /api/v1/submissions/bonus-payments/': { client: ['createBonusPayments'] },
  'POST /api/v1/bulk-bonus-payments/{id}/pay/': { client: ['payBonusPayments'] },
  'GET /api/v1/messages/': { skipped: MESSAGING },
  'POST /api/v1/messages/': { skipped: MESSAGING },
  'POST /api/v1/messages/bulk/': { skipped: MESSAGING },
  'POST /api/v1/messages/participant-group/': { skipped: MESSAGING },
  'GET /api/v1/messages/unread/': { skipped: MESSAGING },
  'GET /api/v1/credentials/': { skipped: CREDENTIALS },
  'POST /api/v1/credentials/': { skipped: CREDENTIALS },
  'PATCH /api/v1/credentials/{credential_pool_id}/': { skipped: CREDENTIALS },
};

/** Endpoints the client calls that the spec lacks. */
export const OFF_SPEC: Record<OperationKey, OffSpecEntry> = {
  'GET /api/v1/data-collection/datasets/{dataset_id}': {
    client: ['getDataset'],
    reason: 'Reading one dataset is documented (digest §1.5) but missing from the old spec, which has only its status.',
  },
  'PATCH /api/v1/data-collection/datasets/{dataset_id}': {
    client: ['updateDataset'],
    reason: "Setting a V4 dataset's schema (digest §1.4) postdates the old spec.",
  },
  'GET /api/v1/data-collection/datasets/{dataset_id}/imports/{import_id}': {
    client: ['getDatasetImport'],
    reason: 'V4 uploads are followed as import jobs (digest §1.6 step 3), which the old spec lacks.',
  },
  'POST /api/v1/data-collection/datasets/{dataset_id}/datapoints': {
    client: ['appendDatapoints'],
    reason: 'The synchronous JSONL append of V4 datasets (digest §1.8) postdates the old spec.',
  },
  'POST /api/v1/data-collection/batches/{batch_id}/sync': {
    client: ['syncBatch'],
    reason: "Syncing a READY batch's new datapoints into tasks is new with V4 datasets (digest §2.5, §7 item 10).",
  },
  'GET /api/v1/data-collection/batches/{batch_id}/syncs/{sync_id}': {
    client: ['getBatchSync'],
    reason: 'The sync job, followed to complete or failed (digest §2.5, §7 item 10).',
  },
  'GET /api/v1/filters/search/': {
    client: ['searchFilters'],
    reason: 'Ranked keyword search over the filter catalogue: in the docs, newer than the live spec of 2026-08-18 (audience digest §1.6); the client reads a 404 as an API without it.',
  },
  'GET /api/v1/filters/{filter_id}/choices/': {
    client: [],
    reason: "A filter's choices, flat and paged: in the docs, newer than the live spec of 2026-08-18 (audience digest §1.6).",
  },
  'GET /api/v1/filters/{filter_id}/choices/search/': {
    client: [],
    reason: "Keyword search over one filter's choices: in the docs, newer than the live spec of 2026-08-18 (audience digest §1.6).",
  },
  'GET /api/v1/data-collection/batches/{batch_id}/task-groups': {
    client: ['listTaskGroups'],
    reason: "A bare array of task group ids, which the CLI reads for the preview URL; not in the public spec (digest §2.6, §7 item 11).",
  },
};

/** ProlificClient members that send no request to the API, and why. */
export const NOT_OPERATIONS: Record<string, string> = {
  constructor: 'builds the client',
  close: 'releases the connection pool',
  putUpload: 'sends the file to the presigned storage URL, not to the API (digest §1.6 step 2)',
  downloadReport: 'reads the presigned report URL, not the API (digest §4.2)',
  reportHeader: 'reads the first line of the presigned report URL, not the API (digest §4.2)',
  openDownload: 'reads a presigned download URL (the batch export ZIP), not the API (digest §4.3)',
  readAll: 'the request core (transport.ts) under every list method',
  nextPage: 'the request core (transport.ts) under every list method',
  followLink: 'the request core (transport.ts) under every list method',
  json: 'the request core (transport.ts) under every endpoint method',
  call: 'the request core (transport.ts) under every endpoint method',
  send: 'the request core (transport.ts) under every endpoint method',
  sendPut: 'the request core (transport.ts) under putUpload: presigned storage, not the API',
  withRetries: 'the request core (transport.ts) under every endpoint method',
  serverNow: "Prolific's clock from the Date header of the latest answer (transport.ts); sends nothing",
};
