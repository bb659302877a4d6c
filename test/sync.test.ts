import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTIONS, ROWS, ok, sandboxApi, startEnv, type TestEnv, untilSubmitted } from './support/env.js';

const TASK = { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Answer every question.' };
const MORE = [
  { text: 'Arrived late but works.', META_ID: 'r5' },
  { text: 'Would not buy again.', META_ID: 'r6' },
  { text: 'Exactly what I needed.', META_ID: 'r7' },
];

describe('sync_batch', () => {
  let env: TestEnv;
  let datasetId: string;

  beforeAll(async () => {
    env = await startEnv();
    datasetId = ok(await env.call('create_dataset', { name: 'Growing' })).id;
    ok(await env.call('upload_file', { dataset_id: datasetId, rows: ROWS }));
  });
  afterAll(async () => {
    await env.close();
  });

  async function readyBatch(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const batch = ok(await env.call('create_batch', { name, dataset_id: datasetId, task_details: TASK, ...extra }));
    ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
    return ok(await env.call('setup_batch', { batch_id: batch.id, tasks_per_group: 3 })).id;
  }

  it('turns three appended datapoints into three tasks that participants then work', async () => {
    const batchId = await readyBatch('Grows');
    const idle = await env.call('sync_batch', { batch_id: ok(await env.call('create_batch', { name: 'Idle', task_details: TASK })).id });
    expect(idle.isError).toBe(true);
    expect(idle.text).toContain('READY');

    ok(await env.call('upload_file', { dataset_id: datasetId, rows: MORE }));
    const synced = ok(await env.call('sync_batch', { batch_id: batchId }));
    // 4 tasks in groups of 3 and 1: the second is topped up to 3, then a new group takes the last one.
    expect(synced).toMatchObject({
      status: 'complete',
      tasks_created: 3,
      datapoints_processed: 3,
      groups_expanded: 1,
      groups_created: 1,
      total_task_count: 7,
      total_task_groups: 3,
    });
    const polled = env.sandbox.requests.filter((r) => r.url.includes(`/batches/${batchId}/syncs/${synced.sync_id}`));
    expect(polled.length).toBeGreaterThan(0);
    const groups = await sandboxApi(env, 'GET', `/api/v1/data-collection/batches/${batchId}/task-groups`);
    expect(groups.body).toHaveLength(3);

    const study = ok(
      await env.call('create_study', {
        batch_id: batchId,
        name: 'Rate reviews, grown',
        description: 'Read short reviews and answer two questions.',
        reward: 150,
        estimated_completion_time: 5,
        annotators_per_task: 1,
      }),
    );
    expect(study.total_available_places).toBe(3);
    const quote = ok(await env.call('publish_study', { study_id: study.id }));
    ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: quote.total_cost }));
    await untilSubmitted(env, study.id);
    const responses = ok(await env.call('get_responses', { batch_id: batchId, limit: 1000 }));
    expect(new Set(responses.results.map((record: any) => record.task_id)).size).toBe(7);

    // Nothing new since: a second sync adds nothing.
    expect(ok(await env.call('sync_batch', { batch_id: batchId }))).toMatchObject({ status: 'complete', tasks_created: 0, total_task_count: 7 });
  });

  it('syncs by itself with auto_sync_enabled when datapoints are appended', async () => {
    const automatic = await readyBatch('Automatic', { auto_sync_enabled: true });
    const manual = await readyBatch('Manual');
    expect(ok(await env.call('get_batch', { batch_id: automatic })).auto_sync_enabled).toBe(true);
    const later = [
      { text: 'Too loud for an office.', META_ID: 'r8' },
      { text: 'Five stars, no notes.', META_ID: 'r9' },
    ];
    ok(await env.call('upload_file', { dataset_id: datasetId, rows: later }));
    let total = 0;
    for (let i = 0; i < 200 && total !== 9; i++) {
      total = ok(await env.call('get_batch', { batch_id: automatic })).total_task_count;
      if (total !== 9) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(total).toBe(9);
    expect(ok(await env.call('get_batch', { batch_id: manual })).total_task_count).toBe(7);
  });

  it('adds datapoints with a task group key to their group, or starts new groups', async () => {
    const keyed = ok(await env.call('create_dataset', { name: 'Keyed' })).id;
    const row = (text: string, key: string) => ({ text, META_TASK_GROUP_ID: key });
    ok(await env.call('upload_file', { dataset_id: keyed, rows: [row('a', 'g1'), row('b', 'g1'), row('c', 'g2')] }));
    const batch = ok(await env.call('create_batch', { name: 'Keyed', dataset_id: keyed, task_details: TASK })).id;
    ok(await env.call('set_instructions', { batch_id: batch, instructions: INSTRUCTIONS }));
    expect(ok(await env.call('setup_batch', { batch_id: batch }))).toMatchObject({ total_task_count: 3, total_task_groups: 2 });
    ok(await env.call('upload_file', { dataset_id: keyed, rows: [row('d', 'g2'), row('e', 'g3'), row('f', 'g3'), row('g', 'g1')] }));
    expect(ok(await env.call('sync_batch', { batch_id: batch }))).toMatchObject({
      tasks_created: 4,
      groups_expanded: 2,
      groups_created: 1,
      total_task_count: 7,
      total_task_groups: 3,
    });
  });

  it('refuses to sync a batch of a V3 dataset, which cannot grow after setup', async () => {
    const legacy = await startEnv({ sandbox: { legacyDatasets: true } });
    try {
      const dataset = ok(await legacy.call('create_dataset', { name: 'V3' })).id;
      ok(await legacy.call('upload_file', { dataset_id: dataset, rows: ROWS }));
      const batch = ok(await legacy.call('create_batch', { name: 'V3', dataset_id: dataset, task_details: TASK })).id;
      ok(await legacy.call('set_instructions', { batch_id: batch, instructions: INSTRUCTIONS }));
      ok(await legacy.call('setup_batch', { batch_id: batch }));
      const refused = await legacy.call('sync_batch', { batch_id: batch });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('V4');
    } finally {
      await legacy.close();
    }
  });

    it('reports progress while it waits, and returns timed_out with the sync still running', async () => {
    // A sandbox whose jobs take 1.5 s: the sync outlasts a 1 s wait.
    const slow = await startEnv({ sandbox: { processingMs: 1500 } });
    try {
      const dataset = ok(await slow.call('create_dataset', { name: 'Slow' })).id;
      ok(await slow.call('upload_file', { dataset_id: dataset, rows: ROWS }));
      const batch = ok(await slow.call('create_batch', { name: 'Slow', dataset_id: dataset, task_details: TASK }));
      ok(await slow.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
      ok(await slow.call('setup_batch', { batch_id: batch.id }));
      const messages: string[] = [];
      const result = await slow.client.callTool({ name: 'sync_batch', arguments: { batch_id: batch.id, timeout_seconds: 1 } }, undefined, {
        onprogress: (progress) => messages.push(progress.message ?? ''),
      });
      const data = result.structuredContent as Record<string, any>;
      expect(result.isError).toBeFalsy();
      expect(data).toMatchObject({ timed_out: true, sync_id: expect.any(String) });
      expect(['queued', 'processing']).toContain(data.status);
      expect(messages[0]).toMatch(/^Sync (queued|processing)/);
    } finally {
      await slow.close();
    }
  });
});
