import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTIONS, ROWS, ok, startEnv, type TestEnv } from './support/env.js';

const SCHEMA = { strict: true, fields: { text: { type: 'text' }, image: { type: 'image_url' }, source: { type: 'metadata' } } };

/** Ten records, two of them bad: record 3 is not JSON, record 7 has a number where a URL belongs. */
const JSONL = Array.from({ length: 10 }, (_, i) => {
  if (i === 3) return '{"text": "cut short", ';
  const image = i === 7 ? 42 : `https://example.com/${i}.png`;
  return JSON.stringify({ text: `Review ${i}`, image, source: 'shop' });
}).join('\n');

async function batchFor(env: TestEnv, datasetId: string): Promise<string> {
  const batch = ok(
    await env.call('create_batch', {
      name: 'Sentiment',
      dataset_id: datasetId,
      task_details: { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Pick one.' },
    }),
  );
  ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
  return batch.id;
}

describe('V4 datasets through MCP', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('reports a partial import of a schema’d JSONL file: 8 accepted, 2 rejected, with index, field and reason', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Images', schema: SCHEMA }));
    expect(dataset).toMatchObject({ schema_version: 4, schema: SCHEMA });
    await writeFile(join(env.dir, 'images.jsonl'), JSONL);
    const result = await env.call('upload_file', { dataset_id: dataset.id, file_path: join(env.dir, 'images.jsonl') });
    expect(result.isError).toBe(false);
    expect(result.text.startsWith('{"summary":"8 accepted, 2 rejected.')).toBe(true);
    expect(result.data).toMatchObject({ status: 'partial', accepted_count: 8, rejected_count: 2, total_datapoint_count: 8 });
    expect(result.data.summary).toContain('Rejected: record 3: Not valid JSON; record 7 (image): Expected a URL string, got a number.');
    expect(result.data.errors).toEqual([
      { record_index: 3, reason: 'Not valid JSON.' },
      { record_index: 7, field: 'image', reason: 'Expected a URL string, got a number.' },
    ]);
    const puts = env.sandbox.requests.filter((r) => r.origin === 'storage');
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.every((r) => r.authorization === false)).toBe(true);

    // A partial import does not make the dataset ready; sending the whole file fixed does, without storing twice.
    const batchId = await batchFor(env, dataset.id);
    const refused = await env.call('setup_batch', { batch_id: batchId });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('no complete import');
    expect(refused.text).toContain('partial');
    const fixed = JSONL.replace('{"text": "cut short", ', JSON.stringify({ text: 'Review 3', image: 'https://example.com/3.png', source: 'shop' })).replace(
      '"image":42',
      '"image":"https://example.com/7.png"',
    );
    await writeFile(join(env.dir, 'images.jsonl'), fixed);
    const again = ok(await env.call('upload_file', { dataset_id: dataset.id, file_path: join(env.dir, 'images.jsonl') }));
    expect(again).toMatchObject({ status: 'complete', accepted_count: 10, rejected_count: 0, total_datapoint_count: 10 });
    expect(again.summary).toBe('10 accepted (8 already stored), 0 rejected.');
    expect(ok(await env.call('setup_batch', { batch_id: batchId }))).toMatchObject({ status: 'READY', total_task_count: 10 });
  });

  it('infers a schema for a CSV going into a dataset without one, sets it with PATCH and says so', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Plain' }));
    expect(dataset).toMatchObject({ schema_version: 4, schema: null });
    await writeFile(join(env.dir, 'reviews.csv'), 'text,META_SOURCE,META_TASK_GROUP_ID\n"Good, really",shop,g1\nBad,forum,g1\nFine,forum,g2\n');
    const result = ok(await env.call('upload_file', { dataset_id: dataset.id, file_path: join(env.dir, 'reviews.csv') }));
    const inferred = { strict: false, fields: { text: { type: 'text' }, META_SOURCE: { type: 'metadata' }, META_TASK_GROUP_ID: { type: 'task_group_id' } } };
    expect(result).toMatchObject({ status: 'complete', accepted_count: 3, total_datapoint_count: 3, schema_set: inferred });
    expect(result.summary).toContain('had no schema');
    const patch = env.sandbox.requests.find((r) => r.method === 'PATCH' && r.url.endsWith(`/datasets/${dataset.id}`));
    expect(patch?.body).toEqual({ schema: inferred });
    const read = ok(await env.call('get_dataset', { dataset_id: dataset.id }));
    expect(read).toMatchObject({ schema: inferred, imports: [{ status: 'complete', accepted_count: 3, filename: 'reviews.csv' }] });
    // Grouped by META_TASK_GROUP_ID: g1's two rows form one task group.
    const batchId = await batchFor(env, dataset.id);
    expect(ok(await env.call('setup_batch', { batch_id: batchId }))).toMatchObject({ total_task_count: 3, total_task_groups: 2 });
  });

  it('reads past the first 64 KiB for a first record that runs longer, and never takes a cut-off header', async () => {
    const long = 'A long review. '.repeat(8000);
    const cases: [string, string, string[]][] = [
      ['long.jsonl', `${JSON.stringify({ text: long, META_ID: 'r1' })}\n${JSON.stringify({ text: 'short', META_ID: 'r2' })}\n`, ['text', 'META_ID']],
      // A header of some 120 KiB: read in 64 KiB, its last columns would be missing or cut.
      ['wide.csv', `${Array.from({ length: 6000 }, (_, i) => `column_${String(i).padStart(12, '0')}`).join(',')}\n${Array.from({ length: 6000 }, () => 'x').join(',')}\n`, []],
    ];
    for (const [name, content, expected] of cases) {
      const dataset = ok(await env.call('create_dataset', { name }));
      await writeFile(join(env.dir, name), content);
      const result = await env.call('upload_file', { dataset_id: dataset.id, file_path: join(env.dir, name) });
      const fields = Object.keys(ok(await env.call('get_dataset', { dataset_id: dataset.id })).schema?.fields ?? {});
      if (expected.length) expect(fields, name).toEqual(expected);
      else {
        expect(result.isError, result.text).toBe(false);
        expect(fields, name).toHaveLength(6000);
        expect(fields.at(-1), name).toBe('column_000000005999');
      }
    }
  });

  it('fails an import that cannot be read, with the reason', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Broken', schema: { fields: { text: { type: 'text' } } } }));
    await writeFile(join(env.dir, 'broken.csv'), 'text\n"never closed\n');
    const result = await env.call('upload_file', { dataset_id: dataset.id, file_path: join(env.dir, 'broken.csv') });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('failed: The CSV file could not be read: record 2 opens a quote that is never closed.');
  });

  it('appends rows to a dataset that has a complete import, through the datapoints endpoint', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Growing' }));
    ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS }));
    const before = env.sandbox.requests.length;
    const appended = ok(
      await env.call('upload_file', { dataset_id: dataset.id, rows: [{ text: 'One more', META_ID: 'r5' }, { text: 'Great product, works as described.', META_ID: 'r1' }, { META_ID: 'r6' }] }),
    );
    expect(appended).toMatchObject({ status: 'appended', accepted_count: 2, rejected_count: 1, total_datapoint_count: 5 });
    expect(appended.errors).toEqual([{ record_index: 2, reason: 'No value for any shown field (text or URL): there would be nothing to annotate.' }]);
    const since = env.sandbox.requests.slice(before);
    expect(since.some((r) => r.method === 'POST' && r.url.endsWith(`/datasets/${dataset.id}/datapoints`))).toBe(true);
    expect(since.some((r) => r.origin === 'storage')).toBe(false);

    // An import that started after the dataset was read answers the append with 409: the rows go as a file.
    env.sandbox.faults.add({ kind: 'status', path: /\/datapoints$/, status: 409 });
    const raced = ok(await env.call('upload_file', { dataset_id: dataset.id, rows: [{ text: 'Raced', META_ID: 'r7' }] }));
    expect(raced).toMatchObject({ status: 'complete', filename: 'datapoints.jsonl', accepted_count: 1, total_datapoint_count: 6 });
  });

  it('refuses a create_dataset schema with no fields or two task_group_id fields, before calling the API', async () => {
    const before = env.sandbox.requests.length;
    const empty = await env.call('create_dataset', { name: 'x', schema: { fields: {} } });
    expect(empty.isError).toBe(true);
    expect(empty.text).toContain('schema.fields is empty');
    const two = await env.call('create_dataset', { name: 'x', schema: { fields: { a: { type: 'task_group_id' }, b: { type: 'task_group_id' } } } });
    expect(two.text).toContain('more than one task_group_id');
    expect(env.sandbox.requests.length).toBe(before);
  });
});

describe('V4 imports that take time', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startEnv({ sandbox: { processingMs: 60_000 } });
  });
  afterAll(async () => {
    await env.close();
  });

  it('refuses setup and appends while the import runs, and queues rows as a file instead', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Slow' }));
    const started = ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS, wait: false }));
    expect(started).toMatchObject({ status: 'processing', import_id: expect.any(String) });
    const batchId = await batchFor(env, dataset.id);
    const refused = await env.call('setup_batch', { batch_id: batchId });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('Its last import is processing');

    const direct = await fetch(`${env.sandbox.baseUrl}/api/v1/data-collection/datasets/${dataset.id}/datapoints`, {
      method: 'POST',
      headers: { Authorization: `Token ${env.sandbox.token}`, 'Content-Type': 'application/x-ndjson' },
      body: '{"text": "late"}\n',
    });
    expect(direct.status).toBe(409);

    const queued = ok(await env.call('upload_file', { dataset_id: dataset.id, rows: [{ text: 'late' }], wait: false }));
    expect(queued).toMatchObject({ status: 'queued', filename: 'datapoints.jsonl' });
    env.sandbox.advanceClock(120_000);
    const read = ok(await env.call('get_dataset', { dataset_id: dataset.id }));
    expect(read.imports.map((job: { status: string }) => job.status)).toEqual(['complete', 'complete']);
    expect(read.total_datapoint_count).toBe(5);
    expect(ok(await env.call('setup_batch', { batch_id: batchId, wait: false })).status).not.toBe('UNINITIALISED');
  });
});

describe('V3 datasets (legacy sandbox option)', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startEnv({ sandbox: { legacyDatasets: true } });
  });
  afterAll(async () => {
    await env.close();
  });

  it('uploads rows as CSV and waits until READY', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Legacy' }));
    expect(dataset).toMatchObject({ schema_version: 3, status: 'UNINITIALISED' });
    const result = ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS }));
    expect(result).toMatchObject({ status: 'READY', total_datapoint_count: 4, filename: 'datapoints.csv', summary: 'Dataset READY with 4 datapoints.' });
    expect(env.sandbox.requests.some((r) => r.method === 'PATCH')).toBe(false);
    const batchId = await batchFor(env, dataset.id);
    expect(ok(await env.call('setup_batch', { batch_id: batchId }))).toMatchObject({ status: 'READY', total_task_count: 4 });
  });
});
