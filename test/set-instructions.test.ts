import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTIONS, ROWS, ok, sandboxApi, startEnv, type TestEnv, untilSubmitted } from './support/env.js';
import { ConfigError, readConfig } from '../src/config.js';

const TASK = { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Answer every question.' };
const DATASETS = '/api/v1/data-collection/datasets';
const SCHEMA = {
  strict: false,
  fields: {
    review: { type: 'text', label: 'Review' },
    photo: { type: 'image_url' },
    source: { type: 'metadata' },
    group: { type: 'task_group_id' },
  },
};

const api = sandboxApi;

async function v4Dataset(env: TestEnv): Promise<string> {
  const workspace = ok(await env.call('list_workspaces')).default_workspace_id;
  const created = await api(env, 'POST', DATASETS, { name: 'Reviews V4', workspace_id: workspace, schema: SCHEMA });
  expect(created.status).toBe(201);
  return created.body.id;
}

const items = (batch: Record<string, any>) => batch.batch_items[0].rows[0].columns[0].items as Record<string, any>[];

describe('set_instructions after the instructions endpoint’s sunset', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it("writes one body page: the dataset's shown fields, then the questions, and keeps ids when run again", async () => {
    const datasetId = await v4Dataset(env);
    const batch = ok(await env.call('create_batch', { name: 'Layout', dataset_id: datasetId, task_details: TASK }));
    const set = ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
    expect(set).toMatchObject({ written_as: 'batch_items', fields_shown: ['review', 'photo'], replaced: 0 });
    expect(set.deprecation).toBeUndefined();
    // The legacy endpoint was asked once whether it holds instructions, and never written to.
    const legacy = env.sandbox.requests.filter((r) => r.url.endsWith(`/batches/${batch.id}/instructions`));
    expect(legacy.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 410']);

    const read = ok(await env.call('get_batch', { batch_id: batch.id }));
    expect(read.batch_items).toHaveLength(1);
    expect(read.batch_items[0].display_position).toBe('body');
    expect(items(read).map((item) => item.type)).toEqual(['dataset_field', 'dataset_field', 'multiple_choice', 'free_text']);
    expect(items(read).slice(0, 2).map((item) => item.field)).toEqual(['review', 'photo']);
    expect(read.instructions.map((i: { id: string }) => i.id)).toEqual(set.instructions.map((i: { id: string }) => i.id));

    const again = ok(
      await env.call('set_instructions', { batch_id: batch.id, instructions: [{ ...INSTRUCTIONS[0], id: set.instructions[0].id }] }),
    );
    expect(again.replaced).toBe(2);
    expect(again.instructions.map((i: { id: string }) => i.id)).toEqual([set.instructions[0].id]);
    const reread = ok(await env.call('get_batch', { batch_id: batch.id }));
    expect(reread.batch_items[0].id).toBe(read.batch_items[0].id);
    expect(items(reread).slice(0, 2).map((item) => item.id)).toEqual(items(read).slice(0, 2).map((item) => item.id));
  });

  it('checks dataset_field names against the schema before sending, in the words Prolific uses', async () => {
    const datasetId = await v4Dataset(env);
    const before = env.sandbox.requests.filter((r) => r.method === 'POST').length;
    const refused = await env.call('create_batch', {
      name: 'Misspelt',
      dataset_id: datasetId,
      task_details: TASK,
      batch_items: [
        { rows: [{ columns: [{ items: [{ type: 'dataset_field', field: 'review' }] }] }, { columns: [{ items: [{ type: 'dataset_field', field: 'Review' }, { type: 'dataset_field', field: 'source' }, INSTRUCTIONS[1]] }] }] },
      ],
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('- page 0, row 1, column 0, item 0 (dataset_field, field "Review"): Field does not exist in the dataset schema');
    expect(refused.text).toContain('- page 0, row 1, column 0, item 1 (dataset_field, field "source"): Field has type metadata, which is not shown to participants');
    expect(refused.text).toContain('review, photo');
    expect(env.sandbox.requests.filter((r) => r.method === 'POST')).toHaveLength(before);

    // The sandbox refuses the same layout when it is sent anyway.
    const workspace = ok(await env.call('list_workspaces')).default_workspace_id;
    const raw = await api(env, 'POST', '/api/v1/data-collection/batches', {
      name: 'Raw',
      workspace_id: workspace,
      dataset_id: datasetId,
      task_details: TASK,
      batch_items: [{ rows: [{ columns: [{ items: [{ type: 'dataset_field', field: 'review' }, { type: 'dataset_field', field: 'review' }, { type: 'dataset_field', field: 'prompt' }] }] }] }],
    });
    expect(raw.status).toBe(422);
    expect(raw.body.issues).toEqual([
      { page: 0, row: 0, column: 0, item: 1, type: 'dataset_field', field: 'review', message: 'Field is already shown on this page' },
      { page: 0, row: 0, column: 0, item: 2, type: 'dataset_field', field: 'prompt', message: 'Field does not exist in the dataset schema' },
    ]);
  });

  it('reads batches when the instructions endpoint answers 404 or 422 instead', async () => {
    const batch = ok(await env.call('create_batch', { name: 'Gone another way', task_details: TASK }));
    for (const status of [404, 422]) {
      env.sandbox.faults.add({ kind: 'status', status, path: `/api/v1/data-collection/batches/${batch.id}/instructions`, times: 1 });
      const read = ok(await env.call('get_batch', { batch_id: batch.id }));
      expect(read.instructions).toEqual([]);
    }
    env.sandbox.faults.add({ kind: 'status', status: 404, path: `/api/v1/data-collection/batches/${batch.id}/instructions`, times: 1 });
    expect(ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS })).written_as).toBe('batch_items');
  });

  it('answers 410 Gone on the instructions endpoint, with its Deprecation and Sunset headers, and 422 for layouts', async () => {
    const batch = ok(await env.call('create_batch', { name: 'Old way', task_details: TASK }));
    const gone = await api(env, 'POST', `/api/v1/data-collection/batches/${batch.id}/instructions`, { instructions: INSTRUCTIONS });
    expect(gone.status).toBe(410);
    expect(gone.headers.get('Deprecation')).toBe('true');
    expect(gone.headers.get('Sunset')).toBe('Tue, 01 Sep 2026 23:59:59 GMT');
    expect(gone.body.error.detail).toContain('batch_items');
    ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
    const laidOut = await api(env, 'GET', `/api/v1/data-collection/batches/${batch.id}/instructions`);
    expect(laidOut.status).toBe(422);
    expect(laidOut.headers.get('Sunset')).toBe('Tue, 01 Sep 2026 23:59:59 GMT');
  });
});

describe('set_instructions on a designed layout', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  const CHOICE = INSTRUCTIONS[0] as Record<string, unknown>;
  const TEXT = INSTRUCTIONS[1] as Record<string, unknown>;
  /** An intro page, a body of two columns (rich text beside a field, the question on the right), a second body page. */
  const designed = (): Record<string, unknown>[] => [
    { display_position: 'intro', rows: [{ columns: [{ items: [{ type: 'rich_text', content: 'Welcome, annotator.' }] }] }] },
    {
      display_position: 'body',
      rows: [
        {
          columns: [
            { items: [{ type: 'rich_text', content: 'Read the review first.' }, { type: 'dataset_field', field: 'review' }] },
            { items: [CHOICE] },
          ],
        },
      ],
    },
    { display_position: 'body', rows: [{ columns: [{ items: [{ type: 'rich_text', content: 'One more thing.' }, TEXT] }] }] },
  ];
  const shape = (pages: Record<string, any>[]) =>
    pages.map((page) => ({
      position: page.display_position,
      rows: page.rows.map((row: any) => row.columns.map((column: any) => column.items.map((item: any) => item.content ?? item.field ?? item.description))),
    }));
  const ids = (pages: Record<string, any>[]) =>
    JSON.stringify(pages.map((page) => [page.id, page.rows.map((row: any) => [row.id, row.columns.map((column: any) => [column.id, column.items.map((item: any) => item.id)])])]));

  async function designedBatch(name: string) {
    const datasetId = await v4Dataset(env);
    const batch = ok(await env.call('create_batch', { name, dataset_id: datasetId, task_details: TASK, batch_items: designed() }));
    return ok(await env.call('get_batch', { batch_id: batch.id }));
  }

  it('replaces only the questions, in place, keeping every page, column, content block and id', async () => {
    const before = await designedBatch('Designed');
    const [choice, text] = before.instructions as Record<string, any>[];
    const reworded = { ...CHOICE, id: choice!.id, description: 'How positive is this review?' };
    const added = { type: 'free_text', description: 'Anything else?' };
    const set = ok(await env.call('set_instructions', { batch_id: before.id, instructions: [reworded, added] }));
    expect(set).toMatchObject({ written_as: 'batch_items', kept_layout: true, replaced: 2 });
    const after = ok(await env.call('get_batch', { batch_id: before.id }));
    expect(shape(after.batch_items)).toEqual([
      { position: 'intro', rows: [[['Welcome, annotator.']]] },
      { position: 'body', rows: [[['Read the review first.', 'review'], ['How positive is this review?']]] },
      { position: 'body', rows: [[['One more thing.', 'Anything else?']]] },
    ]);
    // Pages, rows, columns, content and the kept question have the ids they had; the removed question is gone.
    const idsBefore = ids(before.batch_items);
    const question = (pages: any) => pages[2].rows[0].columns[0].items[1].id;
    expect(ids(after.batch_items).replace(question(after.batch_items), question(before.batch_items))).toBe(idsBefore);
    expect(after.instructions.map((i: { id: string }) => i.id)).toEqual([choice!.id, question(after.batch_items)]);
    expect(question(after.batch_items)).not.toBe(text!.id);
  });

  it('refuses, naming what would go, when a part holding only a left-out question would vanish; replace_layout rewrites', async () => {
    const before = await designedBatch('Designed, refused');
    const [, text] = before.instructions as Record<string, any>[];
    const patches = () => env.sandbox.requests.filter((r) => r.method === 'PATCH' && r.url.endsWith(`/batches/${before.id}`)).length;
    const sent = patches();
    const refused = await env.call('set_instructions', { batch_id: before.id, instructions: [{ ...TEXT, id: text!.id }] });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('- page 1, row 0, column 1');
    expect(refused.text).toContain('replace_layout: true');
    expect(refused.text).toContain('page 1, row 0, column 0, item 0 (rich_text)');
    expect(refused.text).toContain('page 2 (body)');
    expect(patches()).toBe(sent);
    expect(ids(ok(await env.call('get_batch', { batch_id: before.id })).batch_items)).toBe(ids(before.batch_items));

    const rewritten = ok(await env.call('set_instructions', { batch_id: before.id, instructions: [{ ...TEXT, id: text!.id }], replace_layout: true }));
    expect(rewritten.kept_layout).toBeUndefined();
    expect(rewritten.removed).toEqual(['page 1, row 0, column 0, item 0 (rich_text)', 'page 1, row 0, column 1', 'page 2 (body)']);
    const after = ok(await env.call('get_batch', { batch_id: before.id }));
    expect(shape(after.batch_items)).toEqual([
      { position: 'intro', rows: [[['Welcome, annotator.']]] },
      { position: 'body', rows: [[['review', 'photo', TEXT.description]]] },
    ]);
  });
});

describe('set_instructions on a legacy batch, with the sandbox’s --legacy-instructions', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startEnv({ sandbox: { legacyInstructions: true } });
  });
  afterAll(async () => {
    await env.close();
  });

  it('keeps a batch that has legacy instructions on that endpoint, and reports its deprecation', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Reviews' }));
    ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS }));
    const batch = ok(await env.call('create_batch', { name: 'Legacy', dataset_id: dataset.id, task_details: TASK }));
    const posted = await api(env, 'POST', `/api/v1/data-collection/batches/${batch.id}/instructions`, { instructions: [INSTRUCTIONS[1]] });
    expect(posted.status).toBe(201);

    const set = ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
    expect(set).toMatchObject({ written_as: 'legacy_instructions', replaced: 1 });
    expect(set.deprecation).toContain('Sunset: Tue, 01 Sep 2026');
    const read = ok(await env.call('get_batch', { batch_id: batch.id }));
    expect(read.batch_items).toBeNull();
    expect(read.instructions.map((i: { type: string }) => i.type)).toEqual(['multiple_choice', 'free_text']);
    expect(read.deprecation).toContain('deprecated');
    const ready = ok(await env.call('setup_batch', { batch_id: batch.id, tasks_per_group: 2 }));
    expect(ready.status).toBe('READY');
    expect(ready.preview_url).toMatch(/\/task-groups\/[0-9a-f-]+\?preview=true$/);

    // A follow-up round copies the legacy batch's questions as a layout, though this endpoint still answers.
    const study = ok(
      await env.call('create_study', {
        batch_id: batch.id,
        name: 'Legacy round',
        description: 'Rate reviews.',
        reward: 100,
        estimated_completion_time: 5,
        annotators_per_task: 5,
      }),
    );
    const quote = ok(await env.call('publish_study', { study_id: study.id }));
    ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: quote.total_cost }));
    await untilSubmitted(env, study.id);
    const rerun = ok(
      await env.call('rerun_contested', { batch_id: batch.id, method: 'majority', below_confidence: 1, annotators_per_task: 3, reward: 100, estimated_completion_time: 5 }),
    );
    expect(rerun.items).toBeGreaterThan(0);
    const copy = ok(await env.call('get_batch', { batch_id: rerun.batch_id }));
    expect(copy.batch_items[0].rows[0].columns[0].items.map((item: { type: string }) => item.type)).toEqual(['multiple_choice', 'free_text']);
    expect(env.sandbox.requests.some((r) => r.method !== 'GET' && r.url.endsWith(`/batches/${rerun.batch_id}/instructions`))).toBe(false);

    // A batch without legacy instructions is laid out even where the endpoint still answers.
    const fresh = ok(await env.call('create_batch', { name: 'New', dataset_id: dataset.id, task_details: TASK }));
    expect(ok(await env.call('set_instructions', { batch_id: fresh.id, instructions: INSTRUCTIONS })).written_as).toBe('batch_items');
  });
});

describe('--legacy-instructions on the server', () => {
  it('applies only with --sandbox, which then starts its sandbox so', () => {
    expect(readConfig(['--sandbox', '--legacy-instructions'], {}).sandboxLegacyInstructions).toBe(true);
    expect(readConfig(['--legacy-instructions'], { PROLIFIC_SANDBOX: '1' }).sandboxLegacyInstructions).toBe(true);
    expect(readConfig(['--sandbox'], {}).sandboxLegacyInstructions).toBeUndefined();
    expect(() => readConfig(['--legacy-instructions'], {})).toThrow(ConfigError);
  });
});
