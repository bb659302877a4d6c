/**
 * Batch exports: a ZIP of a batch's responses and uploaded files, built out of band. A job is `generating`
 * for as long as a batch takes to process, then `complete`; its ZIP is made once, when it completes, and
 * served byte for byte from then on.
 *
 * Prolific documents the ZIP's entries (`responses-by-submission.jsonl`, `responses-by-task.jsonl`,
 * `batch.json`, `README.md`, `files/`) but not the layout of a line or of batch.json. The sandbox invents
 * plausible ones, described in its README.md entry; clients should read them defensively. The files under
 * `files/` are short placeholders, not files of the size the answers claim.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';

import { questionsOf } from './batch-items.js';
import type { BatchRecord, ExportFilter, ExportJob, ResponseRecord } from './model.js';
import type { SandboxStore } from './store.js';

/** Settles a job whose time has come: its ZIP is built from the batch as it is now. */
export function settleExport(state: SandboxStore, job: ExportJob): ExportJob {
  if (job.status === 'generating' && state.now() >= job.readyAt) {
    job.zip = exportZip(state, state.findBatch(job.batchId), job);
    job.status = 'complete';
  }
  return job;
}

function exportZip(state: SandboxStore, batch: BatchRecord, job: ExportJob): Uint8Array {
  const responses = state.responsesOf(batch.id).filter((response) => matches(state, response, job.filter));
  const dataset = batch.setup ? state.datasets.get(batch.setup.datasetId) : undefined;
  const columns = dataset?.columns.map((column) => column.name) ?? [];
  const answer = (response: ResponseRecord) => ({
    instruction_id: response.instructionId,
    type: response.type,
    answer: response.answer,
    created_at: new Date(response.createdAt).toISOString(),
  });

  const bySubmission = new Map<string, ResponseRecord[]>();
  const byTask = new Map<string, ResponseRecord[]>();
  for (const response of responses) {
    group(bySubmission, response.submissionId, response);
    group(byTask, response.taskId, response);
  }
  const submissionLines = [...bySubmission].map(([submissionId, records]) => {
    const submission = state.submissions.get(submissionId);
    const tasks = new Map<string, ResponseRecord[]>();
    for (const record of records) group(tasks, record.taskId, record);
    return {
      submission_id: submissionId,
      participant_id: records[0]?.participantId,
      study_id: submission?.studyId,
      status: submission?.status,
      tasks: [...tasks].map(([taskId, answers]) => ({ task_id: taskId, responses: answers.map(answer) })),
    };
  });
  const taskLines = [...byTask].map(([taskId, records]) => {
    const row = dataset?.rows[records[0]?.datapoint ?? -1] ?? [];
    return {
      task_id: taskId,
      datapoint: Object.fromEntries(columns.map((name, index) => [name, row[index] ?? ''])),
      responses: records.map((record) => ({ submission_id: record.submissionId, participant_id: record.participantId, ...answer(record) })),
    };
  });
  const files: Zippable = {};
  for (const response of responses) {
    if (response.type !== 'file_upload') continue;
    for (const item of response.answer) {
      if (typeof item.file_key === 'string') files[item.file_key] = strToU8(`Sandbox placeholder for ${String(item.file_name ?? item.file_key)}.\n`);
    }
  }
  const batchJson = {
    batch: {
      id: batch.id,
      name: batch.name,
      workspace_id: batch.workspaceId,
      created_at: new Date(batch.createdAt).toISOString(),
      dataset_id: batch.setup?.datasetId ?? batch.datasetId,
      task_details: batch.taskDetails,
    },
    instructions: questionsOf(batch).map((instruction) => ({ id: instruction.id, ...instruction.fields })),
    export: { export_id: job.id, filter: job.filter, created_at: new Date(job.createdAt).toISOString() },
  };
  const lines = (records: unknown[]) => strToU8(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  // The job's own time, not the clock's, so the same job always makes the same bytes.
  return zipSync(
    {
      'responses-by-submission.jsonl': lines(submissionLines),
      'responses-by-task.jsonl': lines(taskLines),
      'batch.json': strToU8(`${JSON.stringify(batchJson, null, 2)}\n`),
      'README.md': strToU8(README),
      // A folder entry, files/, then one entry per upload under it.
      files,
    },
    { level: 6, mtime: new Date(job.createdAt) },
  );
}

function matches(state: SandboxStore, response: ResponseRecord, filter: ExportFilter | null): boolean {
  if (!filter) return true;
  if (filter.study_id && state.submissions.get(response.submissionId)?.studyId !== filter.study_id) return false;
  if (filter.from && response.createdAt < Date.parse(filter.from)) return false;
  return !(filter.to && response.createdAt > Date.parse(filter.to));
}

function group<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const README = `# Batch export (Prolific sandbox)

- responses-by-submission.jsonl: one JSON object per participant submission:
  submission_id, participant_id, study_id, status, tasks[{task_id, responses[]}].
- responses-by-task.jsonl: one JSON object per task, for comparing raters:
  task_id, datapoint (the dataset row, by column), responses[{submission_id, participant_id, ...}].
- batch.json: the batch, its instructions, and this export's filter.
- files/: files participants uploaded, by file_key (placeholders in the sandbox).

Each response is {instruction_id, type, answer[], created_at}. These layouts are the sandbox's own.
`;
