import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProlificClient } from '../src/prolific/client.js';
import { ok, readyBatch, startEnv, type TestEnv, untilSubmitted } from './support/env.js';

const submissionPages = (env: TestEnv, studyId: string) =>
  env.sandbox.requests.filter((r) => r.method === 'GET' && new URL(r.url).pathname === `/api/v1/studies/${studyId}/submissions/`);

describe('every page of every list', () => {
  let env: TestEnv;
  let batchId: string;

  beforeAll(async () => {
    env = await startEnv();
    ({ batchId } = await readyBatch(env, 4));
  });
  afterAll(async () => {
    await env.close();
  });

  it('counts all 45 submissions and approves all of them in one call, reading every page', async () => {
    const study = ok(
      await env.call('create_study', { batch_id: batchId, name: 'Many', description: 'D', reward: 50, estimated_completion_time: 1, annotators_per_task: 45 }),
    );
    expect(study.total_available_places).toBe(45);
    ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
    const seen = await untilSubmitted(env, study.id);
    expect(seen.submissions_by_status).toEqual({ 'AWAITING REVIEW': 45 });
    expect(seen.awaiting_review).toHaveLength(45);
    expect(env.sandbox.requests.some((r) => r.url.endsWith(`/studies/${study.id}/submissions/counts/`))).toBe(true);
    // The sandbox answers 20 a page, so the list is three pages: the third starts at 40.
    expect(submissionPages(env, study.id).some((r) => new URL(r.url).searchParams.get('offset') === '40')).toBe(true);

    const before = env.sandbox.requests.length;
    const review = ok(await env.call('review_submissions', { study_id: study.id, action: 'APPROVE' }));
    expect(review.changed_total ?? review.changed.length).toBe(45);
    expect(review.submissions_by_status).toEqual({ APPROVED: 45 });
    const during = env.sandbox.requests.slice(before);
    const bulk = during.filter((r) => r.url.endsWith('/submissions/bulk-approve/'));
    const approvedIds = bulk.flatMap((r) => (r.body as { submission_ids: string[] }).submission_ids);
    expect(bulk.every((r) => (r.body as { submission_ids: string[] }).submission_ids.length <= 1000)).toBe(true);
    expect(new Set(approvedIds)).toEqual(new Set(env.sandbox.state.submissionsOf(study.id).map((s) => s.id)));
    // Read before and after approving, every page each time.
    const lastPages = during.filter((r) => r.url.includes(`/studies/${study.id}/submissions/`) && new URL(r.url).searchParams.get('offset') === '40');
    expect(lastPages).toHaveLength(2);
    expect(ok(await env.call('get_study', { study_id: study.id })).submissions_by_status).toEqual({ APPROVED: 45 });

    // The global list pages by page/page_size, 20 a page unless asked otherwise, with absolute links.
    const get = async (query: string) => {
      const response = await fetch(`${env.sandbox.baseUrl}/api/v1/submissions/?study=${study.id}${query}`, { headers: { authorization: `Token ${env.sandbox.token}`, 'x-contract-actor': 'test' } });
      return { status: response.status, body: (await response.json()) as any };
    };
    const first = await get('');
    expect(first.body.results).toHaveLength(20);
    expect(first.body.meta.count).toBe(45);
    expect(new URL(first.body._links.next.href).origin).toBe(env.sandbox.baseUrl);
    expect(new URL(first.body._links.next.href).searchParams.get('page')).toBe('2');
    const last = await get('&page=3');
    expect(last.body.results).toHaveLength(5);
    expect(last.body._links.next.href).toBeNull();
    expect((await get('&page=2&page_size=40')).body.results).toHaveLength(5);
    expect((await get('&page=4')).status).toBe(404);
  });

  it('resolves a lost create_study answer among eight studies on the batch to the newest', async () => {
    const args = { batch_id: batchId, name: 'Eight', description: 'D', reward: 50, estimated_completion_time: 1 };
    for (let i = 0; i < 7; i++) ok(await env.call('create_study', args));
    env.sandbox.faults.add({ kind: 'reset-after', method: 'POST', path: '/api/v1/studies/' });
    const found = ok(await env.call('create_study', args));
    const named = [...env.sandbox.state.studies.values()].filter((study) => study.fields.name === 'Eight');
    expect(named).toHaveLength(8);
    const newest = named.reduce((a, b) => (b.createdAt >= a.createdAt ? b : a));
    expect(found.id).toBe(newest.id);
    const creates = env.sandbox.requests.filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/api/v1/studies/');
    expect(creates.filter((r) => (r.body as { name?: string }).name === 'Eight')).toHaveLength(8);

    // The sandbox lists studies newest first, in pages.
    const response = await fetch(`${env.sandbox.baseUrl}/api/v1/studies/?limit=3`, { headers: { authorization: `Token ${env.sandbox.token}`, 'x-contract-actor': 'test' } });
    const page = (await response.json()) as { results: { id: string; date_created: string }[]; meta: { count: number }; _links: { next: { href: string } } };
    expect(page.results[0]?.id).toBe(newest.id);
    expect(page.results.map((s) => s.date_created)).toEqual(page.results.map((s) => s.date_created).sort().reverse());
    expect(page.meta.count).toBe(env.sandbox.state.studies.size);
    expect(new URL(page._links.next.href).searchParams.get('offset')).toBe('3');
  });
});

/** A stand-in API whose answers each test scripts, to prove how the client follows pages. */
describe('the client reads lists however they page', () => {
  let server: ReturnType<typeof createServer>;
  let origin: string;
  let answer: (url: URL) => unknown;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', origin);
      seen.push(url.pathname + url.search);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(url)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const items = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: `s${from + i}` }));
  async function read(respond: (url: URL) => unknown): Promise<{ ids: string[]; requests: string[] }> {
    answer = respond;
    seen.length = 0;
    const client = new ProlificClient({ baseUrl: origin, token: 't', retries: 0 });
    try {
      const { results } = await client.listSubmissions('x');
      return { ids: results.map((s) => s.id), requests: [...seen] };
    } finally {
      await client.close();
    }
  }

  it('follows relative and absolute _links.next, as a string or {href}', async () => {
    const { ids, requests } = await read((url) => {
      const page = Number(url.searchParams.get('p') ?? 1);
      const next = page === 1 ? '/api/v1/studies/x/submissions/?p=2' : page === 2 ? { href: `${origin}/api/v1/studies/x/submissions/?p=3` } : { href: null };
      return { results: items((page - 1) * 2, page * 2), _links: { next } };
    });
    expect(ids).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
    expect(requests).toHaveLength(3);
  });

  it('asks for the next page or offset while meta.count says more are left', async () => {
    const paged = await read((url) => {
      const page = Number(url.searchParams.get('page') ?? 1);
      return { results: items((page - 1) * 3, Math.min(7, page * 3)), meta: { count: 7, page_size: 3 } };
    });
    expect(paged.ids).toHaveLength(7);
    expect(paged.requests.at(-1)).toContain('page=3');
    const offsets = await read((url) => {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      return { results: items(offset, Math.min(5, offset + 2)), meta: { count: 5 } };
    });
    expect(offsets.ids).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(offsets.requests.at(-1)).toContain('offset=4');
  });

  it('never follows a next link to another host, and stops an API that answers the same page again', async () => {
    const foreign = await read(() => ({ results: items(0, 1), _links: { next: 'http://attacker.invalid/steal' } })).catch((e: Error) => e);
    expect(String(foreign)).toContain('another host (attacker.invalid)');
    expect(seen).toHaveLength(1);
    const circular = await read(() => ({ results: items(0, 2), meta: { count: 10 } })).catch((e: Error) => e);
    expect(String(circular)).toContain('the same page again');
  });
});
