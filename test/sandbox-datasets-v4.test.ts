import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';

interface Reply {
  status: number;
  body: any;
}

const DATASETS = '/api/v1/data-collection/datasets';

const SCHEMA = {
  strict: true,
  fields: {
    text: { type: 'text', label: 'Review' },
    source: { type: 'metadata' },
    group: { type: 'task_group_id' },
  },
};

describe('sandbox V4 datasets', () => {
  let sandbox: RunningSandbox;
  let workspaceId: string;

  async function call(method: string, path: string, body?: unknown): Promise<Reply> {
    const response = await fetch(sandbox.baseUrl + path, {
      method,
      headers: { Authorization: `Token ${sandbox.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ processingMs: 30 });
    workspaceId = (await call('GET', '/api/v1/workspaces/')).body.results[0].id;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('creates a V4 dataset from a schema and shows it, with imports and without V3 status', async () => {
    const created = await call('POST', DATASETS, { name: 'Reviews', workspace_id: workspaceId, schema: SCHEMA });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Reviews', schema_version: 4, schema: SCHEMA, imports: [], total_datapoint_count: 0 });
    expect(created.body).not.toHaveProperty('status');
    const read = await call('GET', `${DATASETS}/${created.body.id}`);
    expect(read.body).toMatchObject({ schema_version: 4, schema: SCHEMA });
  });

  it('refuses schemas without fields, with unknown types, two task_group_id fields or no strict', async () => {
    const refused = async (schema: unknown) => {
      const reply = await call('POST', DATASETS, { name: 'Bad', workspace_id: workspaceId, schema });
      expect(reply.status).toBe(400);
      return JSON.stringify(reply.body.error.detail);
    };
    expect(await refused({ strict: false, fields: {} })).toContain('at least one field');
    expect(await refused({ strict: false, fields: { a: { type: 'number' } } })).toContain('not a valid choice');
    expect(await refused({ strict: false, fields: { a: { type: 'task_group_id' }, b: { type: 'task_group_id' } } })).toContain(
      'At most one',
    );
    expect(await refused({ fields: { a: { type: 'text' } } })).toContain('schema.strict');
    expect(await refused({ strict: false, fields: { a: { type: 'text', colour: 'red' } } })).toContain('schema.fields.a.colour');
  });

  it('sets a schema with PATCH: a later one reports a migration job', async () => {
    const created = await call('POST', DATASETS, {
      name: 'Later',
      workspace_id: workspaceId,
      schema: { strict: false, fields: { text: { type: 'text' } } },
    });
    const patched = await call('PATCH', `${DATASETS}/${created.body.id}`, { schema: SCHEMA });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ schema: SCHEMA, migration_job_id: expect.any(String) });
    const migration = await call('GET', `${DATASETS}/${created.body.id}/schema-migrations/${patched.body.migration_job_id}`);
    expect(migration.body).toMatchObject({ status: 'complete', schema_version: 2, reprocessed_count: 0 });
    expect((await call('PATCH', `${DATASETS}/${created.body.id}`, {})).status).toBe(400);
  });

  it('parks an import of a dataset without a schema in pending_schema, and the first PATCH releases it', async () => {
    const created = await call('POST', DATASETS, { name: 'Later', workspace_id: workspaceId });
    expect(created.body).toMatchObject({ schema_version: 4, schema: null });
    const id = created.body.id;
    const link = await call('GET', `${DATASETS}/${id}/upload-url/reviews.csv`);
    expect(link.status).toBe(201);
    expect(link.body).toMatchObject({ http_method: 'PUT', import_id: expect.any(String), content_type: 'text/csv', file_key: expect.stringContaining(id) });
    expect((await call('GET', `${DATASETS}/${id}/imports/${link.body.import_id}`)).body.status).toBe('uninitialised');
    const csv = 'text,META_GROUP\nGood,a\nBad,a\n';
    expect((await fetch(link.body.upload_url, { method: 'PUT', body: csv, headers: { 'Content-Type': 'text/csv' } })).status).toBe(200);
    expect((await call('GET', `${DATASETS}/${id}/imports/${link.body.import_id}`)).body.status).toBe('pending_schema');
    // Appending needs a schema.
    expect((await append(id, '{"text":"x"}\n')).status).toBe(400);

    const patched = await call('PATCH', `${DATASETS}/${id}`, { schema: { strict: false, fields: { text: { type: 'text' }, META_GROUP: { type: 'task_group_id' } } } });
    expect(patched.body).not.toHaveProperty('migration_job_id');
    expect(['queued', 'processing']).toContain(patched.body.imports[0].status);
    sandbox.advanceClock(1000);
    const done = await call('GET', `${DATASETS}/${id}`);
    expect(done.body).toMatchObject({ total_datapoint_count: 2, imports: [{ status: 'complete', accepted_count: 2, rejected_count: 0 }] });
    // The grouping field cannot change once there are datapoints.
    const regroup = await call('PATCH', `${DATASETS}/${id}`, { schema: { strict: false, fields: { text: { type: 'text' }, META_GROUP: { type: 'metadata' } } } });
    expect(regroup.status).toBe(400);
  });

  it('signs the issued Content-Type: storage refuses another one, as S3 does, and any Authorization', async () => {
    const created = await call('POST', DATASETS, { name: 'Typed', workspace_id: workspaceId, schema: SCHEMA });
    const link = await call('GET', `${DATASETS}/${created.body.id}/upload-url/items.jsonl`);
    expect(link.body.content_type).toBe('application/x-ndjson');
    const body = '{"text":"a","source":"s","group":"g"}\n';
    const wrong = await fetch(link.body.upload_url, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const withToken = await fetch(link.body.upload_url, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': 'application/x-ndjson', Authorization: `Token ${sandbox.token}` },
    });
    expect(withToken.status).toBe(400);
    expect((await fetch(link.body.upload_url, { method: 'PUT', body, headers: { 'Content-Type': 'application/x-ndjson' } })).status).toBe(200);
    expect((await call('GET', `${DATASETS}/${created.body.id}/upload-url/images.zip`)).status).toBe(400);
  });

  it('checks records against the schema, and appends synchronously with per-record errors', async () => {
    const created = await call('POST', DATASETS, {
      name: 'Rules',
      workspace_id: workspaceId,
      schema: { strict: true, fields: { text: { type: 'text' }, audio: { type: 'audio_url' }, source: { type: 'metadata' } } },
    });
    const id = created.body.id;
    const records = [
      { text: 'ok', audio: 'https://example.com/a.mp3', source: 1 },
      { text: 'no source', audio: 'https://example.com/a.mp3' },
      { text: '  ', audio: 'https://example.com/a.mp3', source: 's' },
      { text: 'bad audio', audio: 'https://example.com/a.ogg', source: 's' },
      { text: ['list'], audio: 'https://example.com/a.mp3', source: 's' },
      { text: 'ok', audio: 'https://example.com/a.mp3', source: 1 },
    ];
    const body = `${records.map((record) => JSON.stringify(record)).join('\n')}\n\n[1]\n`;
    expect((await append(id, body, 'text/csv')).status).toBe(415);
    const answer = await append(id, body);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted_count: 2, duplicate_count: 1, rejected_count: 5 });
    expect(answer.body.errors).toEqual([
      { record_index: 1, field: 'source', reason: 'Missing: a strict schema needs every field.' },
      { record_index: 2, field: 'text', reason: 'Empty: a strict schema needs every field.' },
      { record_index: 3, field: 'audio', reason: 'An audio URL must end in .aac, .m4a, .mp3 or .wav.' },
      { record_index: 4, field: 'text', reason: 'Expected a string, got an array.' },
      { record_index: 6, reason: 'Not a JSON object.' },
    ]);
    expect((await call('GET', `${DATASETS}/${id}`)).body.total_datapoint_count).toBe(1);
    const tooMany = Array.from({ length: 1001 }, (_, i) => JSON.stringify({ text: `t${i}`, audio: 'https://e.com/a.wav', source: 's' })).join('\n');
    expect((await append(id, tooMany)).status).toBe(400);
  });

  async function append(datasetId: string, body: string, contentType = 'application/x-ndjson'): Promise<Reply> {
    const response = await fetch(`${sandbox.baseUrl}${DATASETS}/${datasetId}/datapoints`, {
      method: 'POST',
      headers: { Authorization: `Token ${sandbox.token}`, 'Content-Type': contentType },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
});

describe('sandbox V3 datasets (legacyDatasets)', () => {
  it('creates V3 datasets without a schema, which PATCH refuses', async () => {
    const sandbox = await startSandbox({ legacyDatasets: true });
    try {
      const headers = { Authorization: `Token ${sandbox.token}`, 'Content-Type': 'application/json' };
      const workspaces = (await (await fetch(`${sandbox.baseUrl}/api/v1/workspaces/`, { headers })).json()) as { results: { id: string }[] };
      const create = await fetch(sandbox.baseUrl + DATASETS, { method: 'POST', headers, body: JSON.stringify({ name: 'V3', workspace_id: workspaces.results[0]?.id }) });
      const legacy = (await create.json()) as { id: string };
      expect(legacy).toMatchObject({ schema_version: 3, status: 'UNINITIALISED' });
      expect(legacy).not.toHaveProperty('schema');
      const refused = await fetch(`${sandbox.baseUrl}${DATASETS}/${legacy.id}`, { method: 'PATCH', headers, body: JSON.stringify({ schema: SCHEMA }) });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(await refused.json())).toContain('V3');
    } finally {
      await sandbox.close();
    }
  });
});
