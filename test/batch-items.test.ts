import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTIONS, ROWS, ok, sandboxApi, startEnv, type TestEnv, untilSubmitted } from './support/env.js';

const TASK = { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Answer every question.' };
const [CHOICE, WHY] = INSTRUCTIONS;
const CONFIDENCE = { type: 'free_text', description: 'How sure are you (0–10)?', validation: { type: 'number', min: 0, max: 10 } };
/** Prolific CLI's INVALID_BATCH_ITEMS bodies (client/client_test.go, TestFormatBatchErrorBody), verbatim, so the test needs nothing outside the repository. */
const CLI_BODIES = {
  'multiple-issues':
    '{"type":"INVALID_BATCH_ITEMS","issues":[{"page":0,"row":0,"column":0,"item":0,"type":"free_text","message":"description is required"},{"page":1,"row":2,"column":1,"item":3,"type":"multiple_choice","message":"answer_limit exceeds number of options"}]}',
  'no-issues': '{"type":"INVALID_BATCH_ITEMS","issues":[]}',
};

/** An intro page of content, a body page of a row of two columns and a row of one, and an outro page. */
const PAGES = [
  {
    display_position: 'intro',
    rows: [
      {
        columns: [
          {
            items: [
              { type: 'rich_text', content: '**Welcome.** Read each review.', content_format: 'markdown' },
              { type: 'image', url: 'https://example.com/scale.png', alt_text: 'The rating scale' },
            ],
          },
        ],
      },
    ],
  },
  {
    display_position: 'body',
    rows: [
      { columns: [{ items: [{ type: 'rich_text', content: '<p>Judge the tone.</p>' }, CHOICE] }, { items: [WHY] }] },
      { columns: [{ items: [CONFIDENCE] }] },
    ],
  },
  { display_position: 'outro', rows: [{ columns: [{ items: [{ type: 'rich_text', content: 'Thank you.' }] }] }] },
];

const api = (method: string, path: string, body?: unknown) => sandboxApi(env, method, path, body);

function items(batch: Record<string, any>): Record<string, any>[] {
  return batch.batch_items.flatMap((page: any) => page.rows.flatMap((row: any) => row.columns.flatMap((column: any) => column.items)));
}

/** Every id in the layout, page, row, column and item alike. */
function allIds(batch: Record<string, any>): string[] {
  return batch.batch_items.flatMap((page: any) => [
    page.id,
    ...page.rows.flatMap((row: any) => [row.id, ...row.columns.flatMap((column: any) => [column.id, ...column.items.map((item: any) => item.id)])]),
  ]);
}

const questionIds = (batch: Record<string, any>) => items(batch).filter((item) => !['rich_text', 'image', 'dataset_field'].includes(item.type)).map((item) => item.id);

let env: TestEnv;

describe('batches laid out with batch_items', () => {
  let datasetId: string;

  beforeAll(async () => {
    env = await startEnv();
    datasetId = ok(await env.call('create_dataset', { name: 'Reviews' })).id;
    ok(await env.call('upload_file', { dataset_id: datasetId, rows: ROWS }));
  });
  afterAll(async () => {
    await env.close();
  });

  it('saves every kind of item with ids, previews a real task group, and runs to responses citing the question ids', async () => {
    const created = ok(await env.call('create_batch', { name: 'Paged', dataset_id: datasetId, task_details: TASK, batch_items: PAGES }));
    const sent = env.sandbox.requests.find((r) => r.method === 'POST' && r.url.endsWith('/data-collection/batches'));
    expect(sent?.body).toMatchObject({ batch_items: PAGES });
    const ids = allIds(created);
    // 3 pages, 4 rows, 5 columns, 7 items.
    expect(ids).toHaveLength(19);
    expect(new Set(ids).size).toBe(19);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(created.batch_items.map((page: any) => page.display_position)).toEqual(['intro', 'body', 'outro']);
    expect(created.batch_items[0].rows[0].columns[0].items[0]).toMatchObject({ type: 'rich_text', content_format: 'markdown' });

    const read = ok(await env.call('get_batch', { batch_id: created.id }));
    expect(allIds(read)).toEqual(ids);
    const questions = questionIds(created);
    expect(read.instructions.map((i: { id: string }) => i.id)).toEqual(questions);
    expect(read.preview_url).toBeUndefined();

    const ready = ok(await env.call('setup_batch', { batch_id: created.id, tasks_per_group: 2 }));
    expect(ready).toMatchObject({ status: 'READY', total_task_count: 4, total_task_groups: 2, total_instruction_count: 3, tasks_per_group: 2 });
    const groups = await api('GET', `/api/v1/data-collection/batches/${created.id}/task-groups`);
    expect(groups.body).toHaveLength(2);
    expect(ready.preview_url).toBe(`https://app.prolific.com/data-collection-tool/batches/${created.id}/task-groups/${groups.body[0]}?preview=true`);
    expect(ok(await env.call('get_batch', { batch_id: created.id })).preview_url).toBe(ready.preview_url);

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
    // 2 participants × 2 tasks × 3 questions; the content items are not answered.
    expect(responses.total).toBe(12);
    expect(new Set(responses.results.map((record: any) => record.response.instruction_id))).toEqual(new Set(questions));

    // The labels tools find the questions in the layout, not on the sunset instructions endpoint.
    const summary = ok(await env.call('summarize_responses', { batch_id: created.id }));
    expect(summary.instructions.map((i: { instruction_id: string }) => i.instruction_id)).toEqual(questions);
    expect(summary.instructions[0].tasks_total).toBe(4);
    const exported = ok(await env.call('export_labels', { batch_id: created.id, file_path: `${env.dir}/labels.jsonl` }));
    expect(exported.rows).toBe(4);
    expect(exported.columns).toContain('what_is_the_sentiment_of_this_review');
  });

  it('keeps entries sent with their ids, creates the others, deletes the rest, and clears with null', async () => {
    const batch = ok(await env.call('create_batch', { name: 'Later', dataset_id: datasetId, task_details: TASK }));
    expect(batch.batch_items).toBeNull();
    const refused = await env.call('setup_batch', { batch_id: batch.id });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('set_instructions');

    const laid = ok(await env.call('update_batch', { batch_id: batch.id, batch_items: PAGES }));
    const body = laid.batch_items[1];
    // The body page kept by id with its first row (ids kept), the second row sent again without ids (created).
    const resent = [{ ...body, rows: [body.rows[0], { columns: [{ items: [CONFIDENCE] }] }] }];
    const kept = ok(await env.call('update_batch', { batch_id: batch.id, batch_items: resent }));
    expect(kept.batch_items).toHaveLength(1);
    expect(allIds(kept).slice(0, 7)).toEqual(allIds({ batch_items: [{ ...body, rows: [body.rows[0]] }] }));
    expect(allIds(kept).slice(7).some((id) => allIds(laid).includes(id))).toBe(false);

    const cleared = ok(await env.call('update_batch', { batch_id: batch.id, batch_items: null }));
    expect(cleared.batch_items).toBeNull();
    expect(cleared.total_instruction_count).toBe(0);
    const patch = env.sandbox.requests.filter((r) => r.method === 'PATCH').at(-1);
    expect(patch?.body).toEqual({ batch_items: null });
    expect(ok(await env.call('get_batch', { batch_id: batch.id })).instructions).toEqual([]);

    ok(await env.call('update_batch', { batch_id: batch.id, batch_items: PAGES, auto_sync_enabled: true }));
    expect(ok(await env.call('setup_batch', { batch_id: batch.id })).status).toBe('READY');
    const copy = ok(await env.call('duplicate_batch', { batch_id: batch.id }));
    expect(allIds(copy)).toHaveLength(19);
    expect(allIds(copy).some((id) => allIds(laid).includes(id))).toBe(false);
    const frozen = await env.call('update_batch', { batch_id: batch.id, batch_items: PAGES });
    expect(frozen.isError).toBe(true);
    expect(frozen.text).toContain('set up');
  });

  it('refuses a question on an intro page, three columns or a bad item before sending anything', async () => {
    const before = env.sandbox.requests.length;
    const intro = await env.call('create_batch', {
      name: 'Asks too early',
      task_details: TASK,
      batch_items: [{ display_position: 'intro', rows: [{ columns: [{ items: [{ type: 'rich_text', content: 'Hi' }, WHY] }] }] }, PAGES[1]],
    });
    expect(intro.isError).toBe(true);
    expect(intro.text).toContain('batch_items[0].rows[0].columns[0].items[1]: Pages with display_position "intro" or "outro" may only contain image or rich_text content blocks');

    const wide = await env.call('create_batch', {
      name: 'Too wide',
      task_details: TASK,
      batch_items: [{ rows: [{ columns: [{ items: [WHY] }] }, { columns: [{ items: [WHY] }, { items: [WHY] }, { items: [WHY] }] }] }],
    });
    expect(wide.text).toContain('batch_items[0].rows[1].columns: at most 2 columns');

    const bad = await env.call('update_batch', {
      batch_id: 'b0000000000000000000000a',
      batch_items: [
        {
          rows: [
            {
              columns: [
                { items: [{ ...CHOICE, answer_limit: 7 }, { type: 'image', url: 'http://example.com/a.png', alt_text: 'A' }] },
                {
                  items: [
                    { type: 'rich_text', content: 'x', content_format: 'rtf' },
                    { ...WHY, order: 1 },
                    { type: 'free_text_with_unit', description: 'Weight?', unit_position: 'suffix', unit_options: [{ label: 'kg', value: 'kg', validation: { type: 'number', min: 5, max: 1 } }] },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(bad.isError).toBe(true);
    const paths = ['columns[0].items[0].answer_limit', 'columns[0].items[1].url', 'columns[1].items[0].content_format', 'columns[1].items[1]', 'columns[1].items[2].unit_options[0].validation'];
    for (const path of paths) {
      expect(bad.text).toContain(`batch_items[0].rows[0].${path}`);
    }
    expect(env.sandbox.requests.length).toBe(before);
  });

  it('is checked by the sandbox too: shape problems 400, item problems INVALID_BATCH_ITEMS 422 with 0-based places', async () => {
    const workspace = ok(await env.call('list_workspaces')).default_workspace_id;
    const post = (batchItems: unknown, datasetIdToUse?: string) =>
      api('POST', '/api/v1/data-collection/batches', {
        name: 'Raw',
        workspace_id: workspace,
        task_details: TASK,
        batch_items: batchItems,
        ...(datasetIdToUse ? { dataset_id: datasetIdToUse } : {}),
      });
    const wide = await post([{ rows: [{ columns: [{ items: [WHY] }, { items: [WHY] }, { items: [WHY] }] }] }]);
    expect(wide.status).toBe(400);
    expect(JSON.stringify(wide.body)).toContain('batch_items[0].rows[0].columns');

    const items = await post([
      { display_position: 'outro', rows: [{ columns: [{ items: [{ type: 'free_text' }] }] }] },
      { rows: [{ columns: [{ items: [WHY] }] }, { columns: [{ items: [WHY] }, { items: [WHY, { ...CHOICE, answer_limit: 4 }] }] }] },
    ]);
    expect(items.status).toBe(422);
    expect(items.body).toEqual({
      type: 'INVALID_BATCH_ITEMS',
      issues: [
        {
          page: 0,
          row: 0,
          column: 0,
          item: 0,
          type: 'free_text',
          message: 'Pages with display_position "intro" or "outro" may only contain image or rich_text content blocks',
        },
        { page: 0, row: 0, column: 0, item: 0, type: 'free_text', message: 'description is required' },
        { page: 1, row: 1, column: 1, item: 1, type: 'multiple_choice', message: 'answer_limit exceeds number of options' },
      ],
    });

    // Without a dataset there is no schema, so no field can be named.
    const field = await post([{ rows: [{ columns: [{ items: [{ type: 'dataset_field', field: 'text' }, WHY] }] }] }]);
    expect(field.status).toBe(422);
    expect(field.body.issues[0]).toMatchObject({ page: 0, row: 0, column: 0, item: 0, type: 'dataset_field', field: 'text' });

    const made = await post(PAGES);
    expect(made.status).toBe(201);
    expect((await api('GET', `/api/v1/data-collection/batches/${made.body.id}`)).headers.get('Deprecation')).toBeNull();
  });

  it("turns Prolific's INVALID_BATCH_ITEMS answer into an error naming each issue's place, field and message", async () => {
    // No dataset yet, so the server cannot check the field before sending: Prolific's answer is what comes back.
    const batch = ok(await env.call('create_batch', { name: 'Fields', task_details: TASK }));
    const before = env.sandbox.requests.length;
    const refused = await env.call('update_batch', {
      batch_id: batch.id,
      batch_items: [{ rows: [{ columns: [{ items: [WHY] }] }, { columns: [{ items: [WHY, CHOICE, { type: 'dataset_field', field: 'text' }] }] }] }],
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('Prolific refused the layout (INVALID_BATCH_ITEMS, 422 to PATCH');
    expect(refused.text).toContain('- page 0, row 1, column 0, item 2 (dataset_field, field "text"): dataset_field needs the batch to have a dataset with a schema');
    expect(refused.text).toContain('Indexes count from 0');
    // It reached the API once and was not retried.
    expect(env.sandbox.requests.slice(before).filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });
});

describe('an INVALID_BATCH_ITEMS answer sent with 400, as in the CLI tests', () => {
  let stub: Server;
  let stubEnv: TestEnv;

  beforeAll(async () => {
    // Prolific's own example bodies, in turn: with 400 as the CLI's tests serve them, then with 422.
    const answers = [
      { status: 400, body: CLI_BODIES['multiple-issues'] },
      { status: 422, body: CLI_BODIES['no-issues'] },
    ];
    stub = createServer((_request, response) => {
      const answer = answers.shift() ?? { status: 500, body: '{}' };
      response.writeHead(answer.status, { 'Content-Type': 'application/json' });
      response.end(answer.body);
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const { port } = stub.address() as { port: number };
    stubEnv = await startEnv({ config: { baseUrl: `http://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await stubEnv.close();
    await new Promise((resolve) => stub.close(resolve));
  });

  it('is recognised by its type, not its status', async () => {
    const refused = await stubEnv.call('update_batch', { batch_id: 'b0000000000000000000000a', batch_items: [{ rows: [{ columns: [{ items: [WHY] }] }] }] });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('INVALID_BATCH_ITEMS, 400 to PATCH');
    expect(refused.text).toContain('- page 0, row 0, column 0, item 0 (free_text): description is required');
    expect(refused.text).toContain('- page 1, row 2, column 1, item 3 (multiple_choice): answer_limit exceeds number of options');

    const bare = await stubEnv.call('update_batch', { batch_id: 'b0000000000000000000000a', batch_items: [{ rows: [{ columns: [{ items: [WHY] }] }] }] });
    expect(bare.text).toContain('INVALID_BATCH_ITEMS, 422 to PATCH');
    expect(bare.text).toContain('(Prolific listed no issues)');
  });
});
