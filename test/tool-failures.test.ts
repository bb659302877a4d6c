import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTIONS, ROWS, ok, readyBatch, startEnv, type TestEnv } from './support/env.js';

const TASK_DETAILS = { task_name: 'T', task_introduction: 'Intro', task_steps: 'Steps' };

describe('tool failures come back as actionable isError results', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  const apiRequests = () => env.sandbox.requests.filter((r) => r.origin === 'api').length;

  it('names every invalid field, refuses unknown ones, and sends nothing', async () => {
    const before = apiRequests();
    const result = await env.call('create_study', {
      batch_id: 'b1',
      name: 'x',
      description: 'y',
      reward: -5,
      estimated_completion_time: 2.5,
      rewardd: 100,
    });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('reward:');
    expect(result.text).toContain('estimated_completion_time:');
    expect(result.text).toContain('rewardd');
    expect(result.text).toContain('call create_study again');
    expect(apiRequests()).toBe(before);
  });

  it('checks instructions against the API rules before sending them', async () => {
    const before = apiRequests();
    const result = await env.call('set_instructions', {
      batch_id: 'b1',
      instructions: [
        { ...INSTRUCTIONS[0], answer_limit: 4 },
        { type: 'multiple_choice_with_free_text', description: 'Q', options: [{ label: 'A', value: 'a' }], answer_limit: 1 },
        { type: 'free_text_with_unit', description: 'Weight', unit_options: [{ label: 'kg', value: 'kg' }], unit_position: 'suffix', default_unit: 'lb' },
        { type: 'rating', description: 'Stars' },
      ],
    });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('instructions[0].answer_limit');
    expect(result.text).toContain('instructions[1].options[0].heading');
    expect(result.text).toContain('instructions[2].default_unit');
    expect(result.text).toContain('instructions[3].type');
    expect(apiRequests()).toBe(before);
  });

  it('refuses what only the other type of a pair takes, though the listing shows each pair as one', async () => {
    const { tools } = await env.client.listTools();
    const published = tools.find((t) => t.name === 'set_instructions')?.inputSchema.properties?.instructions as { items: { oneOf: unknown[] } };
    expect(published.items.oneOf).toHaveLength(4);
    const before = apiRequests();
    const result = await env.call('set_instructions', {
      batch_id: 'b1',
      instructions: [
        { type: 'multiple_choice', description: 'Q', options: [{ label: 'A', value: 'a', heading: 'H' }], answer_limit: 1 },
        { type: 'free_text', description: 'Why?', unit_position: 'suffix' },
        { type: 'free_text_with_unit', description: 'Weight', validation: { type: 'number' }, unit_position: 'suffix' },
      ],
    });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/instructions\[0\]\.options\[0\]: .*heading/);
    expect(result.text).toMatch(/instructions\[1\]: .*unit_position/);
    expect(result.text).toContain('instructions[2].unit_options');
    expect(result.text).toMatch(/instructions\[2\]: .*validation/);
    expect(apiRequests()).toBe(before);
  });

  it('refuses ids that could escape their path segment', async () => {
    const result = await env.call('get_batch', { batch_id: '../studies' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('batch_id');
  });

  it("quotes Prolific's answer for an unknown id and says what to check", async () => {
    const result = await env.call('get_batch', { batch_id: '0199aaaa-0000-7000-8000-000000000000' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('404');
    expect(result.text).toContain('list_batches (batches tool set)');
    const study = await env.call('get_study', { study_id: '0123456789abcdef01234567' });
    expect(study.isError).toBe(true);
    expect(study.text).toContain('Check the study id (create_study gives one)');
    expect(study.text).not.toContain('list_batches');
    const dataset = await env.call('get_dataset', { dataset_id: '0199aaaa-0000-7000-8000-000000000000' });
    expect(dataset.text).toContain('Check the dataset id');
    expect(dataset.text).toContain('ids from an earlier run are gone');
  });

  it('explains a resource that cannot be read', async () => {
    await expect(env.client.readResource({ uri: 'prolific://batches/0199aaaa-0000-7000-8000-000000000000' })).rejects.toThrow(/404.*list_batches/);
    const batch = ok(await env.call('create_batch', { name: 'Unset', task_details: TASK_DETAILS }));
    await expect(env.client.readResource({ uri: `prolific://batches/${batch.id}/report` })).rejects.toThrow(/400/);
  });

  it('refuses setup early while the dataset has no complete import, or without instructions', async () => {
    // Processing that outlasts the test, so that "early" does not depend on the machine's speed.
    const env = await startEnv({ sandbox: { processingMs: 60_000 } });
    try {
      const dataset = ok(await env.call('create_dataset', { name: 'Slow' }));
      const batch = ok(await env.call('create_batch', { name: 'B', dataset_id: dataset.id, task_details: TASK_DETAILS }));
      ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));

      const empty = await env.call('setup_batch', { batch_id: batch.id });
      expect(empty.isError).toBe(true);
      expect(empty.text).toContain('no complete import');
      expect(empty.text).toContain('upload_file');

      const uploaded = ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS, wait: false }));
      expect(uploaded.status).toBe('processing');
      const early = await env.call('setup_batch', { batch_id: batch.id });
      expect(early.isError).toBe(true);
      expect(early.text).toContain('processing');
      expect(env.sandbox.requests.some((r) => r.url.endsWith(`/batches/${batch.id}/setup`))).toBe(false);

      const bare = ok(await env.call('create_batch', { name: 'No questions', dataset_id: dataset.id, task_details: TASK_DETAILS }));
      const none = await env.call('setup_batch', { batch_id: bare.id });
      expect(none.isError).toBe(true);
      expect(none.text).toMatch(/no instructions|processing/);
    } finally {
      await env.close();
    }
  });

  it('keeps instructions frozen after setup and points to duplicate_batch', async () => {
    const { batchId } = await readyBatch(env);
    const result = await env.call('set_instructions', { batch_id: batchId, instructions: INSTRUCTIONS });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('duplicate_batch');

    const copy = ok(await env.call('duplicate_batch', { batch_id: batchId }));
    expect(copy.name).toBe('Sentiment (Copy)');
    expect(copy.status).toBe('UNINITIALISED');
    ok(await env.call('set_instructions', { batch_id: copy.id, instructions: [INSTRUCTIONS[0]] }));

    const renamed = ok(await env.call('update_batch', { batch_id: copy.id, name: 'Sentiment v2' }));
    expect(renamed.name).toBe('Sentiment v2');
    const nothing = await env.call('update_batch', { batch_id: copy.id });
    expect(nothing.isError).toBe(true);

    const listed = ok(await env.call('list_batches'));
    expect(listed.batches.map((b: { id: string }) => b.id)).toEqual(expect.arrayContaining([batchId, copy.id]));
  });

  it('refuses a study on a batch that is not set up', async () => {
    const batch = ok(await env.call('create_batch', { name: 'Raw', task_details: TASK_DETAILS }));
    const result = await env.call('create_study', {
      batch_id: batch.id,
      name: 'S',
      description: 'D',
      reward: 100,
      estimated_completion_time: 5,
    });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('setup_batch');
  });

  it('refuses pay under the minimum hourly rate and names the reward to offer', async () => {
    const { batchId } = await readyBatch(env);
    const result = await env.call('create_study', {
      batch_id: batchId,
      name: 'Cheap',
      description: 'D',
      reward: 10,
      estimated_completion_time: 30,
    });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('minimum');
    expect(result.text).toContain('at least 300');
    expect(env.sandbox.requests.some((r) => r.method === 'POST' && r.url.endsWith('/api/v1/studies/') && (r.body as { name?: string })?.name === 'Cheap')).toBe(false);
  });

  it('pauses, resumes and stops a study, and quotes refusals of illegal moves', async () => {
    const { batchId } = await readyBatch(env);
    // No participant comes before the moves below, however busy the machine: a full study could not be paused.
    const { participantIntervalMs } = env.sandbox.state.settings;
    env.sandbox.state.settings.participantIntervalMs = 60_000;
    const study = ok(
      await env.call('create_study', { batch_id: batchId, name: 'Move', description: 'D', reward: 100, estimated_completion_time: 5 }),
    );
    env.sandbox.state.settings.participantIntervalMs = participantIntervalMs;
    const early = await env.call('transition_study', { study_id: study.id, action: 'PAUSE' });
    expect(early.isError).toBe(true);
    expect(early.text).toContain('400');
    // START would publish a draft on Prolific: it is refused before anything is sent, pointing at publish_study.
    const transitions = () => env.sandbox.requests.filter((r) => r.url.endsWith(`/studies/${study.id}/transition/`)).length;
    const sent = transitions();
    const start = await env.call('transition_study', { study_id: study.id, action: 'START' });
    expect(start.isError).toBe(true);
    expect(start.text).toContain('is UNPUBLISHED, and START only resumes a PAUSED study; nothing was sent');
    expect(start.text).toContain('publish_study');
    expect(transitions()).toBe(sent);

    ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
    expect(ok(await env.call('transition_study', { study_id: study.id, action: 'PAUSE' })).status).toBe('PAUSED');
    expect(ok(await env.call('transition_study', { study_id: study.id, action: 'START' })).status).toBe('ACTIVE');
    // Already running: nothing to resume, nothing sent.
    const running = transitions();
    expect(ok(await env.call('transition_study', { study_id: study.id, action: 'START' })).status).toBe('ACTIVE');
    expect(transitions()).toBe(running);
    expect(ok(await env.call('transition_study', { study_id: study.id, action: 'STOP' })).status).toBe('COMPLETED');
    const finished = await env.call('transition_study', { study_id: study.id, action: 'START' });
    expect(finished.text).toContain('is COMPLETED, and START only resumes a PAUSED study');
    const publish = await env.call('transition_study', { study_id: study.id, action: 'PUBLISH' });
    expect(publish.isError).toBe(true);
    expect(publish.text).toContain('action');
  });

  describe('upload_file', () => {
    it('sends a file many buffers long byte for byte, and whole again after a storage 503', async () => {
      // About 3 MB: a dozen times the buffers a file goes out through, so each is refilled several times.
      const rows = Array.from({ length: 40_000 }, (_, i) => `"Review ${i}: ${'x'.repeat(i % 97)}",r${i}`);
      const file = join(env.dir, 'many-chunks.csv');
      await writeFile(file, `text,META_ID\n${rows.join('\n')}\n`);
      for (const fault of [false, true]) {
        const dataset = ok(await env.call('create_dataset', { name: `Chunks ${fault}` }));
        if (fault) env.sandbox.faults.add({ kind: 'status', status: 503, origin: 'storage', method: 'PUT', path: /.*/ });
        const puts = env.sandbox.requests.filter((r) => r.origin === 'storage' && r.method === 'PUT').length;
        const result = ok(await env.call('upload_file', { dataset_id: dataset.id, file_path: file }));
        expect(result.total_datapoint_count, String(fault)).toBe(rows.length);
        expect(env.sandbox.requests.filter((r) => r.origin === 'storage' && r.method === 'PUT').length - puts).toBe(fault ? 2 : 1);
        const stored = env.sandbox.state.datasets.get(dataset.id)!.rows;
        expect(stored.map((row) => `"${row[0]}",${row[1]}`)).toEqual(rows);
      }
    });

    it('takes exactly one of file_path or rows', async () => {
      const dataset = ok(await env.call('create_dataset', { name: 'U' }));
      const both = await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS, file_path: 'x.csv' });
      expect(both.isError).toBe(true);
      expect(both.text).toContain('exactly one');
      const neither = await env.call('upload_file', { dataset_id: dataset.id });
      expect(neither.isError).toBe(true);
    });

    it('uploads a local CSV from inside the allowed folder', async () => {
      const dataset = ok(await env.call('create_dataset', { name: 'File' }));
      await writeFile(join(env.dir, 'points.csv'), 'text,META_ID\n"Hello, world",1\nBye,2\nAgain,3\n');
      const result = ok(await env.call('upload_file', { dataset_id: dataset.id, file_path: join(env.dir, 'points.csv') }));
      expect(result).toMatchObject({ status: 'complete', total_datapoint_count: 3, filename: 'points.csv' });
      // The same rows again are accepted but not stored twice.
      const relative = ok(await env.call('upload_file', { dataset_id: dataset.id, file_path: 'points.csv', wait: true }));
      expect(relative).toMatchObject({ accepted_count: 3, total_datapoint_count: 3 });
    });

    it('refuses files outside the roots, hidden files, other types and symlinks that lead out, sending nothing', async () => {
      const dataset = ok(await env.call('create_dataset', { name: 'Confined' }));
      const outside = join(tmpdir(), `outside-${process.pid}.csv`);
      await writeFile(outside, 'a\n1\n');
      await mkdir(join(env.dir, '.secret'), { recursive: true });
      await writeFile(join(env.dir, '.secret', 'data.csv'), 'a\n1\n');
      await writeFile(join(env.dir, 'notes.txt'), 'a\n1\n');
      await symlink(outside, join(env.dir, 'link.csv'));
      const before = env.sandbox.requests.length;
      const cases: [string, string][] = [
        [outside, 'outside'],
        [join(env.dir, '..', `outside-${process.pid}.csv`), 'outside'],
        [join(env.dir, 'link.csv'), 'outside'],
        [join(env.dir, '.secret', 'data.csv'), 'hidden'],
        [join(env.dir, 'notes.txt'), '.csv'],
        [join(env.dir, 'missing.csv'), 'does not exist'],
        ['/etc/passwd', 'outside'],
      ];
      for (const [file_path, expected] of cases) {
        const result = await env.call('upload_file', { dataset_id: dataset.id, file_path });
        expect(result.isError, file_path).toBe(true);
        expect(result.text, file_path).toContain(expected);
      }
      expect(env.sandbox.requests.length).toBe(before);
    });
  });
});

describe('upload roots from the client', () => {
  it("uses the client's MCP roots when PROLIFIC_UPLOAD_ROOTS is not set", async () => {
    const env = await startEnv({ config: { uploadRoots: [] }, capabilities: { roots: {} } });
    try {
      const root = join(env.dir, 'granted');
      await mkdir(root);
      await writeFile(join(root, 'in.csv'), 'text\nhello\n');
      await writeFile(join(env.dir, 'out.csv'), 'text\nhello\n');
      env.client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: pathToFileURL(root).href, name: 'data' }] }));
      const dataset = ok(await env.call('create_dataset', { name: 'Roots' }));
      const inside = ok(await env.call('upload_file', { dataset_id: dataset.id, file_path: join(root, 'in.csv') }));
      expect(inside.total_datapoint_count).toBe(1);
      const outside = await env.call('upload_file', { dataset_id: dataset.id, file_path: join(env.dir, 'out.csv') });
      expect(outside.isError).toBe(true);
      expect(outside.text).toContain(root);
    } finally {
      await env.close();
    }
  });
});

describe('configuration failures', () => {
  it('without a token, lists the tools and explains how to set one on every call', async () => {
    const env = await startEnv({ config: { token: undefined } });
    try {
      const { tools } = await env.client.listTools();
      expect(tools.length).toBeGreaterThan(10);
      const result = await env.call('list_workspaces');
      expect(result.isError).toBe(true);
      expect(result.text).toContain('PROLIFIC_TOKEN');
      expect(result.text).toContain('--sandbox');
      expect(env.sandbox.requests).toHaveLength(0);
    } finally {
      await env.close();
    }
  });

  it('explains a rejected token', async () => {
    const env = await startEnv({ config: { token: 'not-the-token' } });
    try {
      const result = await env.call('list_batches', { workspace_id: 'abc' });
      expect(result.isError).toBe(true);
      expect(result.text).toContain('401');
      expect(result.text).toContain('PROLIFIC_TOKEN');
      expect(result.text).not.toContain('not-the-token');
    } finally {
      await env.close();
    }
  });

  it('asks which workspace when the account has several and none is configured', async () => {
    const env = await startEnv({ sandbox: { workspaces: 2 } });
    try {
      const result = await env.call('create_dataset', { name: 'D' });
      expect(result.isError).toBe(true);
      expect(result.text).toContain('2 workspaces');
      expect(result.text).toContain('PROLIFIC_WORKSPACE_ID');
      const { workspaces } = ok(await env.call('list_workspaces'));
      const chosen = ok(await env.call('create_dataset', { name: 'D', workspace_id: workspaces[1].id }));
      expect(chosen.workspace_id).toBe(workspaces[1].id);
    } finally {
      await env.close();
    }
  });
});
