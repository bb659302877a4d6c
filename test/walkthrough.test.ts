import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { INSTRUCTIONS, ROWS, ok, startEnv, type TestEnv, untilSubmitted } from './support/env.js';

/** The whole walkthrough through a real MCP client, in the order an agent would run it. */
describe('walkthrough through MCP against the sandbox', () => {
  let env: TestEnv;
  const ids: Record<string, string> = {};
  let quote: number | undefined;

  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('lists the workspace with its project', async () => {
    const result = ok(await env.call('list_workspaces'));
    expect(result.workspaces).toHaveLength(1);
    expect(result.workspaces[0].projects.length).toBeGreaterThanOrEqual(1);
    expect(result.default_workspace_id).toBe(result.workspaces[0].id);
  });

  it('creates a dataset and uploads rows as a file, reporting progress until the import is complete', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Reviews' }));
    expect(dataset).toMatchObject({ schema_version: 4, schema: null });
    ids.dataset = dataset.id;

    const progress: string[] = [];
    // A first upload is always an import (setup needs a complete one); the filename picks CSV over JSONL.
    const raw = await env.client.callTool(
      { name: 'upload_file', arguments: { dataset_id: dataset.id, rows: ROWS, filename: 'datapoints.csv' } },
      undefined,
      { onprogress: (p) => progress.push(p.message ?? '') },
    );
    expect(raw.isError).not.toBe(true);
    expect(raw.structuredContent).toMatchObject({
      dataset_id: dataset.id,
      status: 'complete',
      accepted_count: 4,
      rejected_count: 0,
      total_datapoint_count: 4,
      filename: 'datapoints.csv',
      schema_set: { strict: false, fields: { text: { type: 'text' }, META_ID: { type: 'metadata' } } },
    });
    expect(progress.some((m) => m.includes('processing'))).toBe(true);
    expect(progress.at(-1)).toContain('complete');
    // The upload really went to presigned storage, and without the token.
    const puts = env.sandbox.requests.filter((r) => r.method === 'PUT' && r.origin === 'storage');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.authorization).toBe(false);
  });

  it('creates a batch and sets, then replaces, its instructions', async () => {
    const batch = ok(
      await env.call('create_batch', {
        name: 'Sentiment',
        dataset_id: ids.dataset,
        task_details: { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Pick a sentiment.' },
      }),
    );
    expect(batch.status).toBe('UNINITIALISED');
    ids.batch = batch.id;

    const first = ok(await env.call('set_instructions', { batch_id: batch.id, instructions: [INSTRUCTIONS[1]] }));
    expect(first.replaced).toBe(0);
    // The instructions endpoint is past its sunset: the questions go into the batch's layout.
    expect(first.written_as).toBe('batch_items');

    const second = ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
    expect(second.replaced).toBe(1);
    expect(second.instructions.map((i: { type: string }) => i.type)).toEqual(['multiple_choice', 'free_text']);

    const read = ok(await env.call('get_batch', { batch_id: batch.id }));
    expect(read.instructions).toHaveLength(2);
    ids.choice = read.instructions.find((i: { type: string }) => i.type === 'multiple_choice').id;
  });

  it('sets the batch up and waits until READY', async () => {
    const batch = ok(await env.call('setup_batch', { batch_id: ids.batch, tasks_per_group: 2 }));
    expect(batch).toMatchObject({ status: 'READY', total_task_count: 4, total_task_groups: 2 });
    const setups = env.sandbox.requests.filter((r) => r.url.endsWith(`/batches/${ids.batch}/setup`));
    expect(setups).toHaveLength(1);
  });

  it('creates a study and quotes its cost without spending', async () => {
    const study = ok(
      await env.call('create_study', {
        batch_id: ids.batch,
        name: 'Rate product reviews',
        description: 'Read short reviews and rate their sentiment.',
        reward: 150,
        estimated_completion_time: 5,
        annotators_per_task: 3,
      }),
    );
    expect(study.status).toBe('UNPUBLISHED');
    expect(study.total_available_places).toBe(6);
    expect(study.total_cost).toBeGreaterThan(150 * 6);
    expect(study.currency).toBe('GBP');
    ids.study = study.id;
    const sent = env.sandbox.requests.find((r) => r.method === 'POST' && r.url.endsWith('/api/v1/studies/'));
    expect(sent?.body).toMatchObject({
      data_collection_method: 'AI_TASK_BUILDER_BATCH',
      data_collection_id: ids.batch,
      data_collection_metadata: { annotators_per_task: 3 },
    });
  });

  it('publishes only with the quoted total confirmed', async () => {
    const ask = ok(await env.call('publish_study', { study_id: ids.study }));
    expect(ask.published).toBe(false);
    expect(ask.message).toContain(`confirm_total_cost=${ask.total_cost}`);

    const wrong = await env.call('publish_study', { study_id: ids.study, confirm_total_cost: ask.total_cost - 1 });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toContain(`confirm_total_cost=${ask.total_cost}`);
    expect(ok(await env.call('get_study', { study_id: ids.study })).status).toBe('UNPUBLISHED');

    const done = ok(await env.call('publish_study', { study_id: ids.study, confirm_total_cost: ask.total_cost }));
    quote = ask.total_cost;
    expect(done.published).toBe(true);
    expect(done.study.status).toBe('ACTIVE');

    const again = await env.call('publish_study', { study_id: ids.study, confirm_total_cost: ask.total_cost });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('nothing more was spent');
    const publishes = env.sandbox.requests.filter((r) => r.url.endsWith(`/studies/${ids.study}/transition/`));
    expect(publishes).toHaveLength(1);
  });

  it('watches the study fill as simulated participants submit', async () => {
    const study = await untilSubmitted(env, ids.study!);
    expect(study.status).toBe('AWAITING REVIEW');
    expect(study.places_taken).toBe(6);
    expect(study.submissions_by_status).toEqual({ 'AWAITING REVIEW': 6 });
    // Every place taken: what it has cost so far is the whole quote.
    expect(study.spent).toBe(quote);
  });

  it('pages through every response, and filters them', async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    let total = 0;
    do {
      const page = ok(await env.call('get_responses', { batch_id: ids.batch, limit: 5, ...(cursor ? { cursor } : {}) }));
      total = page.total;
      for (const record of page.results) seen.add(record.id);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    // 6 participants × 2 tasks each × 2 instructions.
    expect(total).toBe(24);
    expect(seen.size).toBe(24);
    expect(pages).toBe(5);

    const choices = ok(await env.call('get_responses', { batch_id: ids.batch, instruction_id: ids.choice, limit: 1000 }));
    expect(choices.total).toBe(12);
    for (const record of choices.results) {
      expect(record.response.type).toBe('multiple_choice');
      expect(record.response.answer).toHaveLength(1);
      expect(['positive', 'neutral', 'negative']).toContain(record.response.answer[0].value);
    }

    const stale = await env.call('get_responses', { batch_id: ids.batch, instruction_id: ids.choice, cursor });
    expect(stale.isError).toBe(false);
    const foreign = await env.call('get_responses', { batch_id: ids.batch, cursor: 'bm90LWEtY3Vyc29y' });
    expect(foreign.isError).toBe(true);
    expect(foreign.text).toContain('cursor');
  });

  it('serves the batch and its CSV report as resources', async () => {
    const { resources } = await env.client.listResources();
    expect(resources.map((r) => r.uri)).toContain(`prolific://batches/${ids.batch}`);

    const batch = await env.client.readResource({ uri: `prolific://batches/${ids.batch}` });
    const body = JSON.parse((batch.contents[0] as { text: string }).text);
    expect(body).toMatchObject({ id: ids.batch, status: 'READY' });
    expect(body.instructions).toHaveLength(2);

    const report = await env.client.readResource({ uri: `prolific://batches/${ids.batch}/report` });
    expect(report.contents[0]?.mimeType).toBe('text/csv');
    const rows = parse((report.contents[0] as { text: string }).text, { columns: true }) as Record<string, string>[];
    // Every task was answered by 3 annotators.
    expect(rows).toHaveLength(12);
    expect(Object.keys(rows[0] ?? {})).toEqual(expect.arrayContaining(['text', 'META_ID']));
    const downloads = env.sandbox.requests.filter((r) => r.origin === 'storage' && r.method === 'GET');
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.every((r) => !r.authorization)).toBe(true);

    const completions = await env.client.complete({
      ref: { type: 'ref/resource', uri: 'prolific://batches/{batch_id}' },
      argument: { name: 'batch_id', value: ids.batch!.slice(0, 4) },
    });
    expect(completions.completion.values).toContain(ids.batch);
  });

  it('sent the token to the API only', () => {
    const api = env.sandbox.requests.filter((r) => r.origin === 'api');
    expect(api.length).toBeGreaterThan(20);
    expect(api.every((r) => r.authorization)).toBe(true);
    expect(env.sandbox.requests.filter((r) => r.origin === 'storage').every((r) => !r.authorization)).toBe(true);
  });
});
