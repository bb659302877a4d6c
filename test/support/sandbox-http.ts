/**
 * Driving a sandbox over real HTTP, as a researcher's tools would: raw requests with the token, and the steps
 * that get a study going (a READY dataset and batch, a study body). For tests of the sandbox itself.
 */
import { expect } from 'vitest';

import type { RunningSandbox, SandboxOptions } from '../../src/sandbox/index.js';

// No returns or time-outs, so that every place submits and counts are exact.
export const FAST: SandboxOptions = { legacyDatasets: true, processingMs: 30, participantIntervalMs: 10, completionMs: 20, workspaces: 2, returnRate: 0, timeoutRate: 0 };

export const CSV = [
  'text,META_SOURCE',
  '"I loved it, would buy again",shop',
  'Terrible service,shop',
  'It was fine,forum',
  'Best purchase this year,forum',
  'Never again,review',
  'Okay I guess,review',
].join('\n');

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(sandbox: RunningSandbox, method: string, path: string, body?: unknown, token: string | null = sandbox.token): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Token ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(sandbox.baseUrl + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const multipleChoice = {
  type: 'multiple_choice',
  description: 'What is the sentiment?',
  answer_limit: 1,
  options: [
    { label: 'Positive', value: 'positive' },
    { label: 'Neutral', value: 'neutral' },
    { label: 'Negative', value: 'negative' },
  ],
};
export const freeText = { type: 'free_text', description: 'Why?', validation: { type: 'string', min: 5, max: 200 } };

/** A dataset uploaded and READY, returning its id. */
export async function readyDataset(sandbox: RunningSandbox, workspaceId: string, csv = CSV): Promise<string> {
  const dataset = await call(sandbox, 'POST', '/api/v1/data-collection/datasets', { name: 'd', workspace_id: workspaceId });
  const link = await call(sandbox, 'GET', `/api/v1/data-collection/datasets/${dataset.body.id}/upload-url/data.csv`);
  const put = await fetch(link.body.upload_url, { method: 'PUT', body: csv, headers: { 'Content-Type': 'text/csv' } });
  expect(put.status).toBe(200);
  await until(
    () => call(sandbox, 'GET', `/api/v1/data-collection/datasets/${dataset.body.id}/status`),
    (reply) => reply.body.status === 'READY',
  );
  return dataset.body.id;
}

export async function newBatch(sandbox: RunningSandbox, workspaceId: string, datasetId?: string): Promise<string> {
  const batch = await call(sandbox, 'POST', '/api/v1/data-collection/batches', {
    name: 'Sentiment',
    workspace_id: workspaceId,
    ...(datasetId ? { dataset_id: datasetId } : {}),
    task_details: { task_name: 'Rate sentiment', task_introduction: '<p>Read.</p>', task_steps: '<ol><li>Pick</li></ol>' },
  });
  expect(batch.status).toBe(201);
  return batch.body.id;
}

/** Lays the batch out as one body page of these questions, the way the API takes them since the sunset. */
export async function layout(sandbox: RunningSandbox, batchId: string, questions: unknown[]): Promise<Reply> {
  const reply = await call(sandbox, 'PATCH', `/api/v1/data-collection/batches/${batchId}`, {
    batch_items: [{ rows: [{ columns: [{ items: questions }] }] }],
  });
  expect(reply.status).toBe(200);
  return reply;
}

export async function readyBatch(sandbox: RunningSandbox, workspaceId: string, tasksPerGroup = 2): Promise<string> {
  const batchId = await newBatch(sandbox, workspaceId, await readyDataset(sandbox, workspaceId));
  await layout(sandbox, batchId, [multipleChoice, freeText]);
  const setup = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${batchId}/setup`, { tasks_per_group: tasksPerGroup });
  expect(setup.status).toBe(202);
  await until(
    () => call(sandbox, 'GET', `/api/v1/data-collection/batches/${batchId}/status`),
    (reply) => reply.body.status === 'READY',
  );
  return batchId;
}

export function studyBody(batchId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Rate some reviews',
    description: '<p>Label the sentiment of short reviews.</p>',
    reward: 150,
    estimated_completion_time: 5,
    data_collection_method: 'AI_TASK_BUILDER_BATCH',
    data_collection_id: batchId,
    ...extra,
  };
}
