import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTIONS, ROWS, ok, startEnv, type TestEnv, untilSubmitted } from './support/env.js';

const TASK = { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Answer every question.' };
const [CHOICE, WHY] = INSTRUCTIONS;
const CONFIDENCE = { type: 'free_text', description: 'How sure are you (0–10)?', validation: { type: 'number', min: 0, max: 10 } };

/** Two pages: the first a row of two columns, the second a single question. */
const PAGES = [
  { rows: [{ columns: [{ items: [CHOICE] }, { items: [WHY] }] }] },
  { rows: [{ columns: [{ items: [CONFIDENCE] }] }] },
];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(env.sandbox.baseUrl + path, {
    method,
    headers: { Authorization: `Token ${env.sandbox.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

function itemIds(batch: Record<string, any>): string[] {
  return batch.batch_items.flatMap((page: any) => page.rows.flatMap((row: any) => row.columns.flatMap((column: any) => column.items.map((item: any) => item.id))));
}

let env: TestEnv;

describe('batches built from batch_items page layouts', () => {
  let datasetId: string;

  beforeAll(async () => {
    env = await startEnv();
    datasetId = ok(await env.call('create_dataset', { name: 'Reviews' })).id;
    ok(await env.call('upload_file', { dataset_id: datasetId, rows: ROWS }));
  });
  afterAll(async () => {
    await env.close();
  });

  it('goes through setup, study and responses, citing the item ids', async () => {
    const created = ok(await env.call('create_batch', { name: 'Paged', dataset_id: datasetId, task_details: TASK, batch_items: PAGES }));
    const ids = itemIds(created);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const sent = env.sandbox.requests.find((r) => r.method === 'POST' && r.url.endsWith('/data-collection/batches'));
    expect(sent?.body).toMatchObject({ batch_items: PAGES });

    const read = ok(await env.call('get_batch', { batch_id: created.id }));
    expect(read.instructions).toEqual([]);
    expect(itemIds(read)).toEqual(ids);
    expect(read.batch_items[0].rows[0].columns[1].items[0]).toMatchObject({ type: 'free_text', description: 'Why?' });

    const ready = ok(await env.call('setup_batch', { batch_id: created.id, tasks_per_group: 2 }));
    expect(ready).toMatchObject({ status: 'READY', total_task_count: 4, total_task_groups: 2, total_instruction_count: 3 });

    const study = ok(
      await env.call('create_study', {
        batch_id: created.id,
        name: 'Rate reviews on pages',
        description: 'Read short reviews and answer three questions.',
        reward: 150,
        estimated_completion_time: 5,
        annotators_per_task: 1,
      }),
    );
    const quote = ok(await env.call('publish_study', { study_id: study.id }));
    expect(ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: quote.total_cost })).published).toBe(true);
    await untilSubmitted(env, study.id);

    const responses = ok(await env.call('get_responses', { batch_id: created.id, limit: 1000 }));
    // 2 participants × 2 tasks × 3 items.
    expect(responses.total).toBe(12);
    expect(new Set(responses.results.map((record: any) => record.response.instruction_id))).toEqual(new Set(ids));
    const choices = responses.results.filter((record: any) => record.response.instruction_id === ids[0]);
    for (const record of choices) expect(['positive', 'neutral', 'negative']).toContain(record.response.answer[0].value);

    // The labels tools find the questions on the pages, not on the sunset instructions endpoint.
    const summary = ok(await env.call('summarize_responses', { batch_id: created.id }));
    expect(summary.instructions.map((i: { instruction_id: string }) => i.instruction_id)).toEqual(ids);
    expect(summary.instructions[0].tasks_total).toBe(4);
  });

  it('is checked by the sandbox too, with field details, and only the instructions endpoint is marked for sunset', async () => {
    const workspace = ok(await env.call('list_workspaces')).default_workspace_id;
    const wide = await api('POST', '/api/v1/data-collection/batches', {
      name: 'Raw',
      workspace_id: workspace,
      task_details: TASK,
      batch_items: [{ rows: [{ columns: [{ items: [WHY] }, { items: [WHY] }, { items: [{ type: 'free_text' }] }] }] }],
    });
    expect(wide.status).toBe(400);
    expect(JSON.stringify(wide.body)).toContain('batch_items[0].rows[0].columns');
    expect(JSON.stringify(wide.body)).toContain('batch_items[0].rows[0].columns[2].items[0].description');

    const made = await api('POST', '/api/v1/data-collection/batches', { name: 'Raw', workspace_id: workspace, task_details: TASK, batch_items: PAGES });
    expect(made.status).toBe(201);
    const read = await api('GET', `/api/v1/data-collection/batches/${made.body.id}`);
    expect(read.headers.get('Deprecation')).toBeNull();
    const legacy = await api('GET', `/api/v1/data-collection/batches/${made.body.id}/instructions`);
    expect(legacy.headers.get('Deprecation')).toBe('true');
  });

  it('names the nested field at fault and sends nothing', async () => {
    const before = env.sandbox.requests.length;
    const threeColumns = await env.call('create_batch', {
      name: 'Too wide',
      task_details: TASK,
      batch_items: [{ rows: [{ columns: [{ items: [WHY] }] }, { columns: [{ items: [WHY] }, { items: [WHY] }, { items: [WHY] }] }] }],
    });
    expect(threeColumns.isError).toBe(true);
    expect(threeColumns.text).toContain('batch_items[0].rows[1].columns: at most 2 columns');

    const badItem = await env.call('create_batch', {
      name: 'Bad item',
      task_details: TASK,
      batch_items: [{ rows: [{ columns: [{ items: [WHY] }, { items: [{ ...CHOICE, answer_limit: 7 }] }] }] }],
    });
    expect(badItem.isError).toBe(true);
    expect(badItem.text).toContain('batch_items[0].rows[0].columns[1].items[0].answer_limit');
    expect(env.sandbox.requests.length).toBe(before);
  });

  it('lays out a batch with update_batch before setup, and keeps it apart from set_instructions', async () => {
    const batch = ok(await env.call('create_batch', { name: 'Later', dataset_id: datasetId, task_details: TASK }));
    const refused = await env.call('setup_batch', { batch_id: batch.id });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('batch_items');

    const laid = ok(await env.call('update_batch', { batch_id: batch.id, batch_items: PAGES }));
    const ids = itemIds(laid);
    expect(ids).toHaveLength(3);

    // Re-sent with their ids, items keep them, as instructions do through set_instructions.
    const kept = ok(await env.call('update_batch', { batch_id: batch.id, batch_items: laid.batch_items.slice(0, 1) }));
    expect(itemIds(kept)).toEqual(ids.slice(0, 2));

    const mixed = await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS });
    expect(mixed.isError).toBe(true);
    expect(mixed.text).toContain('not both');

    expect(ok(await env.call('setup_batch', { batch_id: batch.id })).status).toBe('READY');
    const copy = ok(await env.call('duplicate_batch', { batch_id: batch.id }));
    expect(itemIds(copy)).toHaveLength(2);
    expect(itemIds(copy).some((id) => ids.includes(id))).toBe(false);
    const frozen = await env.call('update_batch', { batch_id: batch.id, batch_items: PAGES });
    expect(frozen.isError).toBe(true);
    expect(frozen.text).toContain('set up');
  });
});
