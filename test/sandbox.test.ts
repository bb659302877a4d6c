import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningSandbox, SandboxOptions } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';
import { call, CSV, FAST, freeText, layout, multipleChoice, newBatch, readyBatch, readyDataset, studyBody, until } from './support/sandbox-http.js';

describe('sandbox', () => {
  let sandbox: RunningSandbox;
  let workspaceId: string;

  beforeAll(async () => {
    sandbox = await startCheckedSandbox(FAST, { requests: false });
    const workspaces = await call(sandbox, 'GET', '/api/v1/workspaces/');
    workspaceId = workspaces.body.results[0].id;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('binds loopback and refuses requests without a valid token, in the API error shape', async () => {
    expect(sandbox.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.storageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.storageUrl).not.toBe(sandbox.baseUrl);
    const missing = await call(sandbox, 'GET', '/api/v1/users/me/', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(typeof missing.body.error.error_code).toBe('number');
    expect(typeof missing.body.error.detail).toBe('string');
    expect((await call(sandbox, 'GET', '/api/v1/users/me/', undefined, 'wrong')).status).toBe(401);
  });

  it('answers 404 for unknown paths and ids, 405 for a wrong method, with or without a trailing slash', async () => {
    expect((await call(sandbox, 'GET', '/api/v1/nothing-here/')).status).toBe(404);
    expect((await call(sandbox, 'GET', '/api/v1/studies/0123456789abcdef01234567/')).status).toBe(404);
    expect((await call(sandbox, 'GET', '/api/v1/data-collection/batches/nope')).status).toBe(404);
    const wrong = await call(sandbox, 'DELETE', '/api/v1/workspaces/');
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.status).toBe(405);
    expect((await call(sandbox, 'GET', '/api/v1/users/me')).status).toBe(200);
  });

  it('describes the account: user, workspaces, default projects and balances', async () => {
    const me = await call(sandbox, 'GET', '/api/v1/users/me/');
    expect(me.body).toMatchObject({ currency_code: 'GBP', available_balance: 100000, balance: 100000 });
    expect(me.body.id).toMatch(/^[0-9a-f]{24}$/);
    const workspaces = await call(sandbox, 'GET', '/api/v1/workspaces/');
    expect(workspaces.body.meta.count).toBe(2);
    expect(workspaces.body.results[0]).toMatchObject({ id: workspaceId, owner: me.body.id });
    const projects = await call(sandbox, 'GET', `/api/v1/workspaces/${workspaceId}/projects/`);
    expect(projects.body.results).toEqual([expect.objectContaining({ title: 'Default project', workspace: workspaceId })]);
    const balance = await call(sandbox, 'GET', `/api/v1/workspaces/${workspaceId}/balance/`);
    expect(balance.body).toMatchObject({ currency_code: 'GBP', total_balance: 100000, available_balance: 100000 });
    const rates = await call(sandbox, 'GET', `/api/v1/reward-recommendations/?workspace_id=${workspaceId}&currency=GBP`);
    expect(rates.body).toEqual([{ currency: 'GBP', min_reward_per_hour: 600, recommended_reward_per_hour: 900 }]);
  });

  it('runs the whole walkthrough: dataset, upload, batch, instructions, setup, study, publish, responses, report', async () => {
    // 1. Dataset
    const created = await call(sandbox, 'POST', '/api/v1/data-collection/datasets', { name: 'Reviews', workspace_id: workspaceId });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Reviews', status: 'UNINITIALISED', workspace_id: workspaceId, total_datapoint_count: 0 });
    const datasetId: string = created.body.id;
    expect(datasetId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // 2. Upload URL
    const link = await call(sandbox, 'GET', `/api/v1/data-collection/datasets/${datasetId}/upload-url/reviews.csv`);
    expect(link.status).toBe(201);
    expect(link.body).toMatchObject({ http_method: 'PUT', dataset_id: datasetId });
    expect(link.body.upload_url.startsWith(sandbox.storageUrl)).toBe(true);
    expect(new URL(link.body.upload_url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const expiresIn = Date.parse(link.body.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60 * 1000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60 * 1000);

    // 3. Upload: the token is refused on storage; the plain presigned PUT works
    const withToken = await fetch(link.body.upload_url, {
      method: 'PUT',
      body: CSV,
      headers: { Authorization: `Token ${sandbox.token}`, 'Content-Type': 'text/csv' },
    });
    expect(withToken.status).toBe(400);
    expect(await withToken.text()).toContain('Only one auth mechanism allowed');
    const upload = await fetch(link.body.upload_url, { method: 'PUT', body: CSV, headers: { 'Content-Type': 'text/csv' } });
    expect(upload.status).toBe(200);
    expect(upload.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    const storageRequests = sandbox.requests.filter((request) => request.origin === 'storage');
    expect(storageRequests.map((request) => [request.authorization, request.status])).toEqual([
      [true, 400],
      [false, 200],
    ]);
    expect((await call(sandbox, 'GET', `/api/v1/data-collection/datasets/${datasetId}/status`)).body.status).toBe('PROCESSING');
    await until(
      () => call(sandbox, 'GET', `/api/v1/data-collection/datasets/${datasetId}/status`),
      (reply) => reply.body.status === 'READY',
    );
    const dataset = await call(sandbox, 'GET', `/api/v1/data-collection/datasets/${datasetId}`);
    expect(dataset.body).toMatchObject({ status: 'READY', total_datapoint_count: 6, filename: 'reviews.csv' });

    // 4. Batch
    const batchId = await newBatch(sandbox, workspaceId, datasetId);
    const batch = await call(sandbox, 'GET', `/api/v1/data-collection/batches/${batchId}`);
    expect(batch.body).toMatchObject({
      status: 'UNINITIALISED',
      workspace_id: workspaceId,
      datasets: [{ id: datasetId, total_datapoint_count: 6, filename: 'reviews.csv' }],
      total_task_count: 0,
      total_instruction_count: 0,
      task_details: { task_name: 'Rate sentiment' },
    });
    const listed = await call(sandbox, 'GET', `/api/v1/data-collection/batches?workspace_id=${workspaceId}`);
    expect(listed.body.results.map((item: { id: string }) => item.id)).toContain(batchId);

    // 6. Questions, in the batch's layout
    const laidOut = await layout(sandbox, batchId, [multipleChoice, freeText]);
    const questions = laidOut.body.batch_items[0].rows[0].columns[0].items;
    expect(questions).toHaveLength(2);
    expect(questions[0]).toMatchObject({ id: expect.any(String), type: 'multiple_choice', answer_limit: 1 });
    expect(laidOut.body.total_instruction_count).toBe(2);

    // 7. Setup
    const setup = await fetch(`${sandbox.baseUrl}/api/v1/data-collection/batches/${batchId}/setup`, {
      method: 'POST',
      headers: { Authorization: `Token ${sandbox.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tasks_per_group: 2 }),
    });
    expect(setup.status).toBe(202);
    expect(await setup.text()).toBe('');
    expect((await call(sandbox, 'GET', `/api/v1/data-collection/batches/${batchId}/status`)).body.status).toBe('PROCESSING');
    const ready = await until(
      () => call(sandbox, 'GET', `/api/v1/data-collection/batches/${batchId}`),
      (reply) => reply.body.status === 'READY',
    );
    expect(ready.body).toMatchObject({ total_task_count: 6, total_task_groups: 3, total_instruction_count: 2 });

    // 8. Study (the reward must clear the minimum hourly rate)
    const cheap = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { reward: 40 }));
    expect(cheap.status).toBe(400);
    expect(cheap.body.error.detail.reward[0]).toMatch(/minimum/);
    const study = await call(
      sandbox,
      'POST',
      '/api/v1/studies/',
      studyBody(batchId, { data_collection_metadata: { annotators_per_task: 2 } }),
    );
    expect(study.status).toBe(201);
    expect(study.body).toMatchObject({
      status: 'UNPUBLISHED',
      total_available_places: 6,
      places_taken: 0,
      published_at: null,
      data_collection_method: 'AI_TASK_BUILDER_BATCH',
      data_collection_id: batchId,
      data_collection_metadata: { annotators_per_task: 2 },
      currency_code: 'GBP',
      completion_codes: [expect.objectContaining({ code_type: 'COMPLETED', actions: [{ action: 'MANUALLY_REVIEW' }] })],
    });
    const studyId: string = study.body.id;
    expect(studyId).toMatch(/^[0-9a-f]{24}$/);

    // Cost: 6 × 150 = 900 rewards + 300 fee + 60 VAT
    const cost = await call(sandbox, 'POST', '/api/v1/study-cost-calculator/', { reward: 150, total_available_places: 6 });
    expect(cost.body).toEqual({ total_cost: 1260 });
    expect(study.body.total_cost).toBe(1260);
    const projected = await call(sandbox, 'GET', `/api/v1/studies/${studyId}/cost/?is_projected=true`);
    expect(projected.body.rewards).toEqual({
      rewards: { amount: 900, currency: 'GBP' },
      fees: { amount: 300, currency: 'GBP' },
      tax: { amount: 60, currency: 'GBP' },
    });

    // 9. Publish: funds come from the personal balance (no project)
    const published = await call(sandbox, 'POST', `/api/v1/studies/${studyId}/transition/`, { action: 'PUBLISH' });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('ACTIVE');
    expect(published.body.published_at).not.toBeNull();
    expect((await call(sandbox, 'GET', '/api/v1/users/me/')).body).toMatchObject({ available_balance: 100000 - 1260, balance: 100000 });

    const finished = await until(
      () => call(sandbox, 'GET', `/api/v1/studies/${studyId}/`),
      (reply) => reply.body.status === 'AWAITING REVIEW',
    );
    expect(finished.body).toMatchObject({ places_taken: 6, number_of_submissions: 6 });
    const submissions = await call(sandbox, 'GET', `/api/v1/studies/${studyId}/submissions/`);
    expect(submissions.body.results).toHaveLength(6);
    for (const submission of submissions.body.results) {
      expect(submission).toMatchObject({ status: 'AWAITING REVIEW', study_code: study.body.completion_codes[0].code });
      expect(submission.participant_id).toMatch(/^[0-9a-f]{24}$/);
      expect(Date.parse(submission.completed_at)).toBeGreaterThan(Date.parse(submission.started_at));
    }
    const counts = await call(sandbox, 'GET', `/api/v1/studies/${studyId}/submissions/counts/`);
    expect(counts.body).toMatchObject({ 'AWAITING REVIEW': 6, TOTAL: 6, APPROVED: 0 });
    const bySubmissionsList = await call(sandbox, 'GET', `/api/v1/submissions/?study=${studyId}`);
    expect(bySubmissionsList.body).toMatchObject({ meta: { count: 6 }, _links: { next: { href: null } } });

    // 10. Responses: 6 participants × 2 tasks × 2 instructions; every task annotated twice
    const responses = await call(sandbox, 'GET', `/api/v1/data-collection/batches/${batchId}/responses`);
    expect(responses.body.meta.count).toBe(24);
    const [choiceId, textId] = questions.map((item: { id: string }) => item.id);
    const perTask = new Map<string, Set<string>>();
    for (const record of responses.body.results) {
      expect(record).toMatchObject({ batch_id: batchId });
      expect(submissions.body.results.map((s: { id: string }) => s.id)).toContain(record.submission_id);
      if (record.response.instruction_id === choiceId) {
        expect(record.response.type).toBe('multiple_choice');
        expect(record.response.answer).toHaveLength(1);
        expect(['positive', 'neutral', 'negative']).toContain(record.response.answer[0].value);
      } else {
        expect(record.response.instruction_id).toBe(textId);
        expect(record.response.answer[0].value.length).toBeGreaterThanOrEqual(5);
      }
      perTask.set(record.task_id, (perTask.get(record.task_id) ?? new Set()).add(record.participant_id));
    }
    expect(perTask.size).toBe(6);
    expect([...perTask.values()].every((participants) => participants.size === 2)).toBe(true);

    // The CSV report: presigned, token refused, original columns then the response columns
    const report = await call(sandbox, 'GET', `/api/v1/data-collection/batches/${batchId}/report/`);
    expect(report.body.http_method).toBe('GET');
    expect(report.body.url.startsWith(sandbox.storageUrl)).toBe(true);
    expect((await fetch(report.body.url, { headers: { Authorization: `Token ${sandbox.token}` } })).status).toBe(400);
    const csv = await fetch(report.body.url);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('text,META_SOURCE,participant_id,submission_id,task_id,What is the sentiment?,Why?');
    expect(lines).toHaveLength(1 + 12);
    expect(lines.slice(1).some((line) => line.startsWith('"I loved it, would buy again",shop,'))).toBe(true);

    // Review: approving everything completes the study and spends the money
    const approve = await call(sandbox, 'POST', '/api/v1/submissions/bulk-approve/', {
      submission_ids: submissions.body.results.map((s: { id: string }) => s.id),
    });
    expect(approve.status).toBe(200);
    expect((await call(sandbox, 'GET', `/api/v1/studies/${studyId}/`)).body.status).toBe('COMPLETED');
    expect((await call(sandbox, 'GET', '/api/v1/users/me/')).body).toMatchObject({
      available_balance: 100000 - 1260,
      balance: 100000 - 1260,
    });
  });

  it('records JSON bodies of API requests', () => {
    const create = sandbox.requests.find((request) => request.method === 'POST' && request.url.endsWith('/datasets'));
    expect(create).toMatchObject({ origin: 'api', authorization: true, status: 201, body: { name: 'Reviews' } });
  });

  it('refuses setup without a READY dataset or without questions, and freezes the layout after setup', async () => {
    const noDataset = await newBatch(sandbox, workspaceId);
    const refusedNoDataset = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${noDataset}/setup`, {});
    expect(refusedNoDataset.status).toBe(400);
    expect(refusedNoDataset.body.error.detail).toMatch(/dataset/i);

    const empty = await call(sandbox, 'POST', '/api/v1/data-collection/datasets', { name: 'empty', workspace_id: workspaceId });
    const notReady = await newBatch(sandbox, workspaceId, empty.body.id);
    await layout(sandbox, notReady, [multipleChoice]);
    const refusedNotReady = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${notReady}/setup`, {});
    expect(refusedNotReady.status).toBe(400);
    expect(refusedNotReady.body.error.detail).toContain('UNINITIALISED');

    const noInstructions = await newBatch(sandbox, workspaceId, await readyDataset(sandbox, workspaceId));
    const refusedNoInstructions = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${noInstructions}/setup`, {});
    expect(refusedNoInstructions.status).toBe(400);
    expect(refusedNoInstructions.body.error.detail).toMatch(/instruction/i);
    const badGroup = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${noInstructions}/setup`, { tasks_per_group: 0 });
    expect(badGroup.body.error.detail).toHaveProperty('tasks_per_group');

    const batchId = await readyBatch(sandbox, workspaceId);
    const frozen = await call(sandbox, 'PATCH', `/api/v1/data-collection/batches/${batchId}`, {
      batch_items: [{ rows: [{ columns: [{ items: [freeText] }] }] }],
    });
    expect(frozen.status).toBe(400);
    expect(JSON.stringify(frozen.body.error.detail)).toMatch(/no longer be changed/);
    expect((await call(sandbox, 'PATCH', `/api/v1/data-collection/batches/${batchId}`, { batch_items: null })).status).toBe(400);
    const legacy = await call(sandbox, 'PUT', `/api/v1/data-collection/batches/${batchId}/instructions`, { instructions: [] });
    expect(legacy.status).toBe(422);
    expect(legacy.headers.get('deprecation')).toBe('true');
    const again = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${batchId}/setup`, {});
    expect(again.body.error.detail).toMatch(/already been set up/);
  });

  it('with legacyInstructions, validates instructions field by field, appends on POST, replaces on PUT, freezes after setup', async () => {
    const legacy = await startCheckedSandbox({ ...FAST, legacyInstructions: true }, { requests: false });
    const sandbox = legacy;
    const workspaceId = (await call(sandbox, 'GET', '/api/v1/workspaces/')).body.results[0].id;
    const batchId = await newBatch(sandbox, workspaceId);
    const path = `/api/v1/data-collection/batches/${batchId}/instructions`;
    const invalid = await call(sandbox, 'POST', path, {
      instructions: [
        { type: 'multiple_choice', description: 'x', answer_limit: 5, options: [{ label: 'A', value: 'a' }] },
        { type: 'multiple_choice_with_free_text', description: 'y', answer_limit: 1, options: [{ label: 'A', value: 'a' }] },
        { type: 'free_text_with_unit', description: 'z', unit_options: [{ label: 'kg', value: 'kg' }], default_unit: 'lb' },
        { type: 'file_upload', description: 'f', min_file_count: 3, max_file_count: 2 },
        { type: 'drawing', description: '' },
      ],
    });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.body.error.detail).sort()).toEqual([
      'instructions[0].answer_limit',
      'instructions[1].options[0].heading',
      'instructions[2].default_unit',
      'instructions[2].unit_position',
      'instructions[3].max_file_count',
      'instructions[4].description',
      'instructions[4].type',
    ]);
    const first = await call(sandbox, 'POST', path, { instructions: [multipleChoice] });
    await call(sandbox, 'POST', path, { instructions: [freeText] });
    expect((await call(sandbox, 'GET', path)).body.meta.count).toBe(2);
    const kept = { ...multipleChoice, id: first.body[0].id, description: 'Sentiment?' };
    const replaced = await call(sandbox, 'PUT', path, { instructions: [kept, { type: 'free_text', description: 'New' }] });
    expect(replaced.status).toBe(200);
    expect(replaced.body.map((item: { id: string }) => item.id)[0]).toBe(first.body[0].id);
    expect(replaced.body.map((item: { description: string }) => item.description)).toEqual(['Sentiment?', 'New']);
    expect(replaced.headers.get('deprecation')).toBe('true');

    const setUp = await newBatch(sandbox, workspaceId, await readyDataset(sandbox, workspaceId));
    await call(sandbox, 'POST', `/api/v1/data-collection/batches/${setUp}/instructions`, { instructions: [freeText] });
    expect((await call(sandbox, 'POST', `/api/v1/data-collection/batches/${setUp}/setup`, {})).status).toBe(202);
    const frozenPost = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${setUp}/instructions`, { instructions: [freeText] });
    expect(frozenPost.status).toBe(400);
    expect(frozenPost.body.error.detail).toMatch(/no longer be changed/);
    expect(frozenPost.headers.get('sunset')).toBe('Tue, 01 Sep 2026 23:59:59 GMT');
    await legacy.close();
  });

  it('fails datasets that cannot be processed, and checks presigned signatures and lengths', async () => {
    const dataset = await call(sandbox, 'POST', '/api/v1/data-collection/datasets', { name: 'bad', workspace_id: workspaceId });
    const id: string = dataset.body.id;
    expect((await call(sandbox, 'GET', `/api/v1/data-collection/datasets/${id}/upload-url/data.xlsx`)).status).toBe(400);
    const link = await call(sandbox, 'GET', `/api/v1/data-collection/datasets/${id}/upload-url/data.csv`);
    const tampered = new URL(link.body.upload_url);
    tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(tampered, { method: 'PUT', body: CSV })).status).toBe(403);
    const unsized = await fetch(link.body.upload_url, {
      method: 'PUT',
      body: new Blob([CSV]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(unsized.status).toBe(411);
    await fetch(link.body.upload_url, { method: 'PUT', body: 'text,META_SOURCE\n' });
    const failed = await until(
      () => call(sandbox, 'GET', `/api/v1/data-collection/datasets/${id}`),
      (reply) => reply.body.status !== 'PROCESSING',
    );
    expect(failed.body.status).toBe('ERROR');
  });

  it('groups tasks by META_TASK_GROUP_ID and reads JSONL uploads', async () => {
    const dataset = await call(sandbox, 'POST', '/api/v1/data-collection/datasets', { name: 'jsonl', workspace_id: workspaceId });
    const link = await call(sandbox, 'GET', `/api/v1/data-collection/datasets/${dataset.body.id}/upload-url/items.jsonl`);
    const lines = ['a', 'b', 'c', 'd', 'e'].map((text, i) => JSON.stringify({ text, META_TASK_GROUP_ID: i < 3 ? 'g1' : 'g2' }));
    expect((await fetch(link.body.upload_url, { method: 'PUT', body: lines.join('\n') })).status).toBe(200);
    await until(
      () => call(sandbox, 'GET', `/api/v1/data-collection/datasets/${dataset.body.id}`),
      (reply) => reply.body.status === 'READY',
    );
    const batchId = await newBatch(sandbox, workspaceId, dataset.body.id);
    await layout(sandbox, batchId, [freeText]);
    await call(sandbox, 'POST', `/api/v1/data-collection/batches/${batchId}/setup`, { tasks_per_group: 1 });
    const ready = await until(
      () => call(sandbox, 'GET', `/api/v1/data-collection/batches/${batchId}`),
      (reply) => reply.body.status === 'READY',
    );
    expect(ready.body).toMatchObject({ total_task_count: 5, total_task_groups: 2 });
  });

  it('allows only the documented study transitions', async () => {
    const batchId = await readyBatch(sandbox, workspaceId);
    const study = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { total_available_places: 50 }));
    const transition = (action: string, extra: Record<string, unknown> = {}) =>
      call(sandbox, 'POST', `/api/v1/studies/${study.body.id}/transition/`, { action, ...extra });
    const illegal = await transition('PAUSE');
    expect(illegal.status).toBe(400);
    expect(illegal.body.error.detail).toContain('UNPUBLISHED');
    expect(illegal.body.error.detail).toContain('PUBLISH');
    expect((await transition('SCHEDULE_PUBLISH')).status).toBe(400);
    const later = new Date(Date.now() + 3600_000).toISOString();
    expect((await transition('SCHEDULE_PUBLISH', { publish_at: later })).body.status).toBe('SCHEDULED');
    expect((await transition('CANCEL_PUBLISH')).body.status).toBe('UNPUBLISHED');
    expect((await transition('PUBLISH')).body.status).toBe('ACTIVE');
    const paused = await transition('PAUSE');
    expect(paused.body.status).toBe('PAUSED');
    const takenWhilePaused = paused.body.places_taken;
    await new Promise((resolve) => setTimeout(resolve, 60));
    const stillPaused = await call(sandbox, 'GET', `/api/v1/studies/${study.body.id}/`);
    expect(stillPaused.body.places_taken).toBe(takenWhilePaused);
    expect((await transition('START')).body.status).toBe('ACTIVE');
    expect((await transition('STOP')).body.status).toBe('COMPLETED');
    expect((await transition('START')).status).toBe(400);
    expect((await transition('FLY')).body.error.detail).toHaveProperty('action');
  });

  it('enforces the rejection rules and reviews only submissions awaiting review', async () => {
    const batchId = await readyBatch(sandbox, workspaceId);
    const study = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId));
    await call(sandbox, 'POST', `/api/v1/studies/${study.body.id}/transition/`, { action: 'PUBLISH' });
    await until(
      () => call(sandbox, 'GET', `/api/v1/studies/${study.body.id}/`),
      (reply) => reply.body.status === 'AWAITING REVIEW',
    );
    const submissions = (await call(sandbox, 'GET', `/api/v1/studies/${study.body.id}/submissions/`)).body.results;
    const [first, second, third] = submissions.map((s: { id: string }) => s.id);
    const review = (id: string, body: Record<string, unknown>) => call(sandbox, 'POST', `/api/v1/submissions/${id}/transition/`, body);
    const longMessage = 'The answers do not follow the instructions given in the task description. '.repeat(2);
    const short = await review(first, { action: 'REJECT', message: 'Bad.', rejection_category: 'LOW_EFFORT' });
    expect(short.status).toBe(400);
    expect(short.body.error.detail).toHaveProperty('message');
    const uncategorised = await review(first, { action: 'REJECT', message: longMessage });
    expect(uncategorised.body.error.detail).toHaveProperty('rejection_category');
    const rejected = await review(first, { action: 'REJECT', message: longMessage, rejection_category: 'LOW_EFFORT' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('REJECTED');
    expect((await review(first, { action: 'APPROVE' })).status).toBe(400);
    expect((await review(second, { action: 'APPROVE' })).body.status).toBe('APPROVED');
    expect((await review(second, { action: 'APPROVE' })).status).toBe(200);
    expect((await call(sandbox, 'GET', `/api/v1/studies/${study.body.id}/`)).body.status).toBe('AWAITING REVIEW');
    await review(third, { action: 'APPROVE' });
    expect((await call(sandbox, 'GET', `/api/v1/studies/${study.body.id}/`)).body.status).toBe('COMPLETED');
  });

  it('updates and duplicates batches, and refuses unknown workspaces and datasets', async () => {
    expect(
      (await call(sandbox, 'POST', '/api/v1/data-collection/datasets', { name: 'x', workspace_id: '0123456789abcdef01234567' })).status,
    ).toBe(404);
    const missingFields = await call(sandbox, 'POST', '/api/v1/data-collection/datasets', {});
    expect(Object.keys(missingFields.body.error.detail).sort()).toEqual(['name', 'workspace_id']);
    expect((await call(sandbox, 'GET', '/api/v1/data-collection/batches')).status).toBe(400);
    const datasetId = await readyDataset(sandbox, workspaceId);
    const batchId = await newBatch(sandbox, workspaceId);
    const patched = await call(sandbox, 'PATCH', `/api/v1/data-collection/batches/${batchId}`, { name: 'Renamed', dataset_id: datasetId });
    expect(patched.body).toMatchObject({ name: 'Renamed', datasets: [{ id: datasetId, total_datapoint_count: 6 }] });
    await layout(sandbox, batchId, [multipleChoice]);
    const shared = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${batchId}/duplicate`, {});
    expect(shared.status).toBe(201);
    expect(shared.body).toMatchObject({ name: 'Renamed (Copy)', status: 'UNINITIALISED', total_instruction_count: 1 });
    expect(shared.body.datasets).toEqual([expect.objectContaining({ id: datasetId })]);
    const fresh = await call(sandbox, 'POST', `/api/v1/data-collection/batches/${batchId}/duplicate`, {
      name: 'Fresh',
      upload_new_dataset: true,
    });
    expect(fresh.body).toMatchObject({ name: 'Fresh', datasets: [] });
    await call(sandbox, 'POST', `/api/v1/data-collection/batches/${batchId}/setup`, {});
    const other = await readyDataset(sandbox, workspaceId);
    const refused = await call(sandbox, 'PATCH', `/api/v1/data-collection/batches/${batchId}`, { dataset_id: other });
    expect(refused.status).toBe(400);
    expect(refused.body.error.detail).toHaveProperty('dataset_id');
  });

  it('updates drafts freely and published studies only by adding places', async () => {
    const batchId = await readyBatch(sandbox, workspaceId);
    const study = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId));
    expect(study.body.total_available_places).toBe(3);
    const path = `/api/v1/studies/${study.body.id}/`;
    const draft = await call(sandbox, 'PATCH', path, { data_collection_metadata: { annotators_per_task: 3 }, estimated_completion_time: 10, reward: 200 });
    expect(draft.body).toMatchObject({ total_available_places: 9, estimated_completion_time: 10, reward: 200 });
    await call(sandbox, 'POST', `${path}transition/`, { action: 'PUBLISH' });
    await call(sandbox, 'POST', `${path}transition/`, { action: 'PAUSE' });
    expect((await call(sandbox, 'PATCH', path, { reward: 500 })).status).toBe(400);
    expect((await call(sandbox, 'PATCH', path, { total_available_places: 2 })).status).toBe(400);
    expect((await call(sandbox, 'PATCH', path, { total_available_places: 12 })).body.total_available_places).toBe(12);
  });

  it('publishes a scheduled study when its time comes', async () => {
    const batchId = await readyBatch(sandbox, workspaceId);
    const study = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId));
    const publishAt = new Date(Date.now() + 50).toISOString();
    await call(sandbox, 'POST', `/api/v1/studies/${study.body.id}/transition/`, { action: 'SCHEDULE_PUBLISH', publish_at: publishAt });
    const live = await until(
      () => call(sandbox, 'GET', `/api/v1/studies/${study.body.id}/`),
      (reply) => reply.body.status !== 'SCHEDULED',
    );
    expect(live.body.status).not.toBe('UNPUBLISHED');
    expect(live.body.published_at).toBe(publishAt);
  });

  it('refuses studies on batches that are not READY', async () => {
    const batchId = await newBatch(sandbox, workspaceId);
    const refused = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId));
    expect(refused.status).toBe(400);
    expect(refused.body.error.detail.data_collection_id[0]).toContain('READY');
  });
});

describe('sandbox money and determinism', () => {
  it('refuses to publish beyond the balance of the project workspace', async () => {
    const sandbox = await startCheckedSandbox({ ...FAST, balance: 1000 }, { requests: false });
    try {
      const workspaceId = (await call(sandbox, 'GET', '/api/v1/workspaces/')).body.results[0].id;
      const projectId = (await call(sandbox, 'GET', `/api/v1/workspaces/${workspaceId}/projects/`)).body.results[0].id;
      const batchId = await readyBatch(sandbox, workspaceId);
      const study = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { project: projectId, total_available_places: 20 }));
      const refused = await call(sandbox, 'POST', `/api/v1/studies/${study.body.id}/transition/`, { action: 'PUBLISH' });
      expect(refused.status).toBe(400);
      expect(refused.body.error.detail).toMatch(/Insufficient funds/);
      expect((await call(sandbox, 'GET', `/api/v1/studies/${study.body.id}/`)).body.status).toBe('UNPUBLISHED');
    } finally {
      await sandbox.close();
    }
  });

  it('gives the same ids and answers for the same seed and requests', async () => {
    const runs: unknown[] = [];
    for (let run = 0; run < 2; run += 1) {
      const sandbox = await startCheckedSandbox({ ...FAST, token: 'sandbox-fixed' }, { requests: false });
      try {
        const workspaceId = (await call(sandbox, 'GET', '/api/v1/workspaces/')).body.results[0].id;
        const batchId = await readyBatch(sandbox, workspaceId);
        const study = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId));
        await call(sandbox, 'POST', `/api/v1/studies/${study.body.id}/transition/`, { action: 'PUBLISH' });
        await until(
          () => call(sandbox, 'GET', `/api/v1/studies/${study.body.id}/`),
          (reply) => reply.body.status === 'AWAITING REVIEW',
        );
        const responses = await call(sandbox, 'GET', `/api/v1/data-collection/batches/${batchId}/responses`);
        runs.push(
          responses.body.results.map((r: any) => [r.id, r.participant_id, r.task_id, JSON.stringify(r.response.answer)]),
        );
      } finally {
        await sandbox.close();
      }
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('leaves no listener behind after close', async () => {
    const servers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
    const before = servers();
    const sandbox = await startCheckedSandbox(FAST, { requests: false });
    expect(servers()).toBe(before + 2);
    await call(sandbox, 'GET', '/api/v1/users/me/');
    await sandbox.close();
    expect(servers()).toBe(before);
  });
});

describe('sandbox balance', () => {
  it('sets a workspace balance at run time, and from the command line with --balance', async () => {
    const sandbox = await startCheckedSandbox(FAST, { requests: false });
    try {
      const [workspace] = [...sandbox.state.workspaces.keys()];
      sandbox.state.setBalance(workspace, 250);
      expect((await call(sandbox, 'GET', `/api/v1/workspaces/${workspace}/balance/`)).body).toMatchObject({ available_balance: 250, total_balance: 250 });
    } finally {
      await sandbox.close();
    }

    const bin = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'sandbox', '--balance', '75'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let printed = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk) => {
          printed += String(chunk);
          if (printed.includes('Press Ctrl+C')) resolve();
        });
      });
      const url = /PROLIFIC_URL=(\S+) PROLIFIC_TOKEN=(\S+)/.exec(printed)!;
      const workspace = /Workspace:\s+([0-9a-f]{24})/.exec(printed)![1];
      const response = await fetch(`${url[1]}/api/v1/workspaces/${workspace}/balance/`, { headers: { Authorization: `Token ${url[2]}` } });
      expect(await response.json()).toMatchObject({ available_balance: 75 });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
