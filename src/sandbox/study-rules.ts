/**
 * What a Task Builder study must look like to be created: required fields, a READY batch behind it, a
 * reward at or above the minimum hourly rate, and the documented defaults for everything else.
 */
import { readFilters, workspaceOf } from './eligibility.js';
import { studyFilterSet } from './filter-sets.js';
import type { CompletionCode, StudyFields } from './model.js';
import { CURRENCY, formatMoney, hourlyRate, REWARD_RATES } from './money.js';
import { taskGroupCount } from './processing.js';
import type { SandboxStore } from './store.js';
import { Fields } from './validate.js';

/** `DC_TOOL` is the older name for AI_TASK_BUILDER_BATCH that some documents still show. */
const BATCH_METHODS = ['AI_TASK_BUILDER_BATCH', 'DC_TOOL'];
const DEVICES = ['desktop', 'tablet', 'mobile'];
const PERIPHERALS = ['audio', 'camera', 'download', 'microphone'];
const ID_OPTIONS = ['question', 'url_parameters', 'not_required'] as const;
const CODE_ACTIONS_FOR_COMPLETED = ['MANUALLY_REVIEW', 'AUTOMATICALLY_APPROVE'];

/** The shortest maximum_allowed_time the API accepts for an estimated time, in minutes. */
function minimumAllowedTime(estimatedMinutes: number): number {
  return Math.ceil(2 + 2 * estimatedMinutes + 2 * Math.sqrt(estimatedMinutes));
}

/** The API defaults to an unstated maximum; ten times the estimate is the sandbox's generous stand-in. */
function defaultMaximumTime(estimatedMinutes: number): number {
  return Math.max(minimumAllowedTime(estimatedMinutes), 10 * estimatedMinutes);
}

/**
 * A draft's fields in request form, so that an update can be validated as a whole new body. Derived values
 * (maximum time, places) are left out so that they follow the fields they derive from.
 */
export function draftBody(state: SandboxStore, fields: StudyFields): Record<string, unknown> {
  const { annotators_per_task: annotators, ...rest } = fields;
  const body: Record<string, unknown> = { ...rest, data_collection_metadata: { annotators_per_task: annotators } };
  if (fields.maximum_allowed_time === defaultMaximumTime(fields.estimated_completion_time)) delete body.maximum_allowed_time;
  const plan = state.batches.get(fields.data_collection_id)?.setup?.plan;
  if (plan && fields.total_available_places === taskGroupCount(plan) * annotators) delete body.total_available_places;
  return body;
}

/** Validates a create body (or a draft's fields merged with an update) into the fields to store. */
export function validateStudy(state: SandboxStore, body: Record<string, unknown>): StudyFields {
  const fields = new Fields(body);
  const name = fields.string('name', { required: true });
  const internalName = fields.string('internal_name', { blank: true });
  const description = fields.string('description', { required: true });
  const reward = fields.integer('reward', { required: true, min: 1 });
  const estimated = fields.integer('estimated_completion_time', { required: true, min: 1 });
  const maximumTime = fields.integer('maximum_allowed_time', { min: 1 });
  const places = fields.integer('total_available_places', { min: 1 });
  const idOption = fields.choice('prolific_id_option', ID_OPTIONS);
  const devices = fields.stringArray('device_compatibility', { allowed: DEVICES });
  const peripherals = fields.stringArray('peripheral_requirements', { allowed: PERIPHERALS });
  const filters = fields.array('filters');
  const filterSetId = fields.string('filter_set_id');
  const filterSetVersion = fields.integer('filter_set_version', { min: 1 });
  const projectId = fields.string('project');
  const studyLabels = fields.stringArray('study_labels');
  const contentWarnings = fields.stringArray('content_warnings');
  const submissionsConfig = fields.object('submissions_config');
  const annotators = fields.object('data_collection_metadata')?.integer('annotators_per_task', { min: 1 }) ?? 1;

  if (filterSetId !== undefined && filters?.length) fields.fail('filter_set_id', 'Use either filters or filter_set_id, not both.');
  const workspaceId = workspaceOf(state, projectId, fields.raw('data_collection_id'));
  if (filters) readFilters(state, workspaceId, filters, fields);
  const setVersion = filterSetId === undefined ? null : studyFilterSet(state, fields, filterSetId, filterSetVersion, workspaceId);
  if (projectId !== undefined && !state.projects.has(projectId)) fields.fail('project', `Project ${projectId} does not exist.`);
  if (estimated !== undefined && maximumTime !== undefined && maximumTime < minimumAllowedTime(estimated)) {
    fields.fail(
      'maximum_allowed_time',
      `Ensure this value is at least ${minimumAllowedTime(estimated)} minutes for an estimated completion time of ${estimated}.`,
    );
  }
  if (reward !== undefined && estimated !== undefined) {
    const minimum = REWARD_RATES[CURRENCY].min_reward_per_hour;
    const rate = hourlyRate(reward, estimated);
    if (rate < minimum) {
      fields.fail(
        'reward',
        `A reward of ${formatMoney(reward)} for ${estimated} minutes pays ${formatMoney(Math.floor(rate))} per hour, ` +
          `below the minimum of ${formatMoney(minimum)} per hour. Raise the reward to at least ` +
          `${formatMoney(Math.ceil((minimum * estimated) / 60))} or shorten the estimated time.`,
      );
    }
  }
  const groups = batchTaskGroups(state, fields);
  const completionCodes = readCompletionCodes(state, fields);
  fields.done();

  const estimatedMinutes = estimated ?? 1;
  return {
    name: name ?? '',
    internal_name: internalName ?? null,
    description: description ?? '',
    reward: reward ?? 0,
    estimated_completion_time: estimatedMinutes,
    maximum_allowed_time: maximumTime ?? defaultMaximumTime(estimatedMinutes),
    total_available_places: places ?? groups * annotators,
    prolific_id_option: idOption ?? 'not_required',
    device_compatibility: devices ?? [],
    peripheral_requirements: peripherals ?? [],
    filters: filters ?? [],
    filter_set_id: filterSetId ?? null,
    filter_set_version: setVersion,
    project: projectId ?? null,
    data_collection_method: String(fields.raw('data_collection_method')),
    data_collection_id: String(fields.raw('data_collection_id')),
    annotators_per_task: annotators,
    completion_codes: completionCodes,
    submissions_config: {
      max_submissions_per_participant: 1,
      max_concurrent_submissions: -1,
      ...(submissionsConfig ? (fields.raw('submissions_config') as Record<string, unknown>) : {}),
    },
    study_labels: studyLabels ?? ['ai_annotation'],
    content_warnings: contentWarnings ?? [],
    metadata: fields.raw('metadata') ?? null,
  };
}

/** The task groups of the READY batch the study points at (reporting why not, otherwise). */
function batchTaskGroups(state: SandboxStore, fields: Fields): number {
  const method = fields.raw('data_collection_method');
  if (method === undefined || method === null) {
    fields.fail(
      'data_collection_method',
      'This field is required: the sandbox runs AI Task Builder studies only (data_collection_method "AI_TASK_BUILDER_BATCH").',
    );
  } else if (typeof method !== 'string' || !BATCH_METHODS.includes(method)) {
    fields.fail('data_collection_method', `"${String(method)}" is not supported by the sandbox: use "AI_TASK_BUILDER_BATCH".`);
  }
  const batchId = fields.string('data_collection_id', { required: true });
  if (batchId === undefined) return 0;
  const batch = state.batches.get(batchId);
  if (!batch) {
    fields.fail('data_collection_id', `Batch ${batchId} does not exist.`);
    return 0;
  }
  const plan = batch.status === 'READY' ? batch.setup?.plan : undefined;
  if (!plan) {
    fields.fail('data_collection_id', `Batch ${batchId} is ${batch.status}; it must be READY (set up) before a study can use it.`);
    return 0;
  }
  return taskGroupCount(plan);
}

function readCompletionCodes(state: SandboxStore, fields: Fields): CompletionCode[] {
  const raw = fields.array('completion_codes');
  if (!raw) {
    return [
      {
        code: state.random.hex(8).toUpperCase(),
        code_type: 'COMPLETED',
        actions: [{ action: 'MANUALLY_REVIEW' }],
        actor: 'participant',
      },
    ];
  }
  const codes: CompletionCode[] = [];
  raw.forEach((value, index) => {
    const item = fields.nested(`completion_codes[${index}]`, value);
    if (!item) return;
    const codeValue = item.raw('code');
    if (codeValue !== null && (typeof codeValue !== 'string' || !codeValue.trim())) {
      item.fail('code', 'Provide a code (a non-empty string), or null.');
    }
    const codeType = item.string('code_type', { required: true });
    const actions = item.array('actions', { required: true }) ?? [];
    const actor = item.choice('actor', ['participant', 'researcher'] as const) ?? 'participant';
    actions.forEach((action, actionIndex) => {
      const parsed = item.nested(`actions[${actionIndex}]`, action);
      parsed?.string('action', { required: true });
    });
    if (codeType === undefined) return;
    codes.push({
      code: typeof codeValue === 'string' ? codeValue : null,
      code_type: codeType,
      actions: actions.filter((action): action is Record<string, unknown> => typeof action === 'object' && action !== null),
      actor,
    });
  });
  const values = codes.map((code) => code.code).filter((code) => code !== null);
  if (new Set(values).size !== values.length) fields.fail('completion_codes', 'Each code must be unique within the study.');
  const completed = codes.filter(
    (code) =>
      code.code_type === 'COMPLETED' && code.actions.some((action) => CODE_ACTIONS_FOR_COMPLETED.includes(String(action.action))),
  );
  if (completed.length !== 1) {
    fields.fail(
      'completion_codes',
      'AI Task Builder studies need exactly one code with code_type COMPLETED and a MANUALLY_REVIEW or AUTOMATICALLY_APPROVE action.',
    );
  }
  return codes;
}
