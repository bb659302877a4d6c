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

  it('sets a schema with PATCH: first without a migration, later with one; refuses V3 datasets', async () => {
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
    const legacy = await call('POST', DATASETS, { name: 'V3', workspace_id: workspaceId });
    expect(legacy.body).toMatchObject({ schema_version: 3, status: 'UNINITIALISED' });
    const refused = await call('PATCH', `${DATASETS}/${legacy.body.id}`, { schema: SCHEMA });
    expect(refused.status).toBe(400);
    expect(refused.body.error.detail).toContain('V3');
  });
});
