import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, readyBatch, startEnv, type TestEnv, submittedStudy } from './support/env.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('export_batch', () => {
  let env: TestEnv;
  let batchId: string;
  let studyId: string;
  const api = async (method: string, path: string) => {
    const response = await fetch(`${env.sandbox.baseUrl}/api/v1/data-collection/batches/${batchId}${path}`, {
      method,
      headers: { authorization: `Token ${env.sandbox.token}`, 'x-contract-actor': 'test' },
    });
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
  };

  beforeAll(async () => {
    env = await startEnv();
    ({ batchId } = await readyBatch(env));
    studyId = (await submittedStudy(env, { batch_id: batchId, name: 'Export me', annotators_per_task: 3 })).study.id;
  });
  afterAll(async () => {
    await env.close();
  });

  it("saves Prolific's ZIP byte for byte, lists its entries, and never sends the token to storage", async () => {
    const result = ok(await env.call('export_batch', { batch_id: batchId, file_path: 'all.zip' }));
    const saved = await readFile(join(env.dir, 'all.zip'));
    const [job] = [...env.sandbox.state.exports.values()];
    expect(sha256(saved)).toBe(sha256(job!.zip!));
    expect(result.bytes).toBe(saved.length);
    const names = result.entries.map((entry: { name: string }) => entry.name);
    expect(names).toEqual(expect.arrayContaining(['responses-by-submission.jsonl', 'responses-by-task.jsonl', 'batch.json', 'README.md', 'files/']));
    const unzipped = unzipSync(saved);
    for (const entry of result.entries) expect(entry.size, entry.name).toBe(unzipped[entry.name]!.length);
    const records = (name: string) => result.entries.find((entry: { name: string }) => entry.name === name).records;
    expect(records('responses-by-task.jsonl')).toBe(4);
    expect(records('responses-by-submission.jsonl')).toBe(6);
    expect(JSON.parse(strFromU8(unzipped['batch.json']!)).batch.id).toBe(batchId);

    const storage = env.sandbox.requests.filter((r) => r.origin === 'storage');
    expect(storage.some((r) => r.url.includes('/task-builder-exports/') && r.status === 200)).toBe(true);
    expect(storage.every((r) => !r.authorization)).toBe(true);
  });

  it('leaves no file behind when the download breaks off', async () => {
    env.sandbox.faults.add({ kind: 'truncate', origin: 'storage', path: /^\/task-builder-exports\// });
    const result = await env.call('export_batch', { batch_id: batchId, file_path: 'cut.zip' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('broke off');
    await expect(readFile(join(env.dir, 'cut.zip'))).rejects.toThrow('ENOENT');
  });

  it('asks again after a lost answer and gets the same job, not a second one', async () => {
    const { processingMs } = env.sandbox.state.settings;
    // Long enough that the job is still generating when it is asked for again.
    env.sandbox.state.settings.processingMs = 500;
    try {
      env.sandbox.faults.add({ kind: 'reset-after', method: 'POST', path: /\/export$/ });
      const before = env.sandbox.state.exports.size;
      ok(await env.call('export_batch', { batch_id: batchId, file_path: 'again.zip' }));
      expect(env.sandbox.state.exports.size).toBe(before + 1);
    } finally {
      env.sandbox.state.settings.processingMs = processingMs;
    }
  });

  it('asks for one study only when given study_id', async () => {
    ok(await env.call('export_batch', { batch_id: batchId, file_path: 'one.zip', study_id: studyId }));
    const post = env.sandbox.requests.filter((r) => r.method === 'POST' && r.url.includes('/export')).at(-1)!;
    expect(new URL(post.url).searchParams.get('study_id')).toBe(studyId);
  });

  it('refuses a path outside the roots, a file that exists, or another extension, before asking Prolific', async () => {
    await writeFile(join(env.dir, 'taken.zip'), 'mine');
    const posts = () => env.sandbox.requests.filter((r) => r.method === 'POST' && r.url.includes('/export')).length;
    const before = posts();
    for (const [file_path, expected] of [
      ['/etc/out.zip', 'outside the folders'],
      ['taken.zip', 'already exists'],
      ['out.csv', 'must end in .zip'],
    ]) {
      const result = await env.call('export_batch', { batch_id: batchId, file_path });
      expect(result.isError, file_path).toBe(true);
      expect(result.text).toContain(expected);
    }
    expect(posts()).toBe(before);
    expect(await readFile(join(env.dir, 'taken.zip'), 'utf8')).toBe('mine');
    ok(await env.call('export_batch', { batch_id: batchId, file_path: 'taken.zip', overwrite: true }));
    expect((await readFile(join(env.dir, 'taken.zip'))).subarray(0, 2).toString()).toBe('PK');
  });

  it('sandbox: reuses a generating job with the same filter, keeps ten jobs at most, lists newest first, deletes finished ones', async () => {
    env.sandbox.state.exports.clear();
    // Long enough that every job below is still generating until the clock is moved on.
    env.sandbox.state.settings.processingMs = 30_000;
    const first = await api('POST', '/export');
    expect(first).toMatchObject({ status: 202, body: { status: 'generating' } });
    expect((await api('POST', '/export')).body.export_id).toBe(first.body.export_id);
    expect((await api('DELETE', `/export/${first.body.export_id}`)).status).toBe(409);
    for (let i = 1; i < 10; i++) expect((await api('POST', `/export?from=2020-01-0${i}T00:00:00Z`)).status).toBe(202);
    expect((await api('POST', '/export?study_id=nope')).status).toBe(400);
    expect((await api('POST', '/export?to=2030-01-01T00:00:00Z')).status).toBe(409);
    const list = (await api('GET', '/export')).body.results;
    expect(list).toHaveLength(10);
    expect(list.at(-1)).toMatchObject({ export_id: first.body.export_id, filter: null });
    expect(list[0].filter).toEqual({ from: '2020-01-09T00:00:00Z' });
    env.sandbox.advanceClock(60_000);
    const done = await api('GET', `/export/${first.body.export_id}`);
    expect(done.body).toMatchObject({ status: 'complete', export_id: first.body.export_id });
    const signedAt = Date.parse(new URL(done.body.url).searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(Date.parse(done.body.expires_at) - signedAt).toBe(60 * 60_000);
    expect((await api('DELETE', `/export/${first.body.export_id}`)).status).toBe(204);
    expect((await api('GET', `/export/${first.body.export_id}`)).status).toBe(404);
    expect((await api('POST', '/export?to=2030-01-01T00:00:00Z')).status).toBe(202);
  });
});
