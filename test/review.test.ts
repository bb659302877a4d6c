import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, readyBatch, startEnv, type TestEnv, submittedStudy } from './support/env.js';

const WHY_REJECTED =
  'Your answers did not follow the task instructions: most labels contradict the text of the reviews you were shown. Sorry.';

/** Reviewing submissions through MCP: the API's rules are enforced before anything is sent, and the outcome is read back. */
describe('review_submissions and get_study', () => {
  let env: TestEnv;
  let studyId: string;
  let awaiting: { id: string; participant_id: string; seconds: number }[];
  const posts = (fragment: string) => env.sandbox.requests.filter((r) => r.method === 'POST' && r.url.includes(fragment));

  beforeAll(async () => {
    env = await startEnv();
    const { batchId } = await readyBatch(env);
    const { study, submitted } = await submittedStudy(env, { batch_id: batchId, name: 'Review me', annotators_per_task: 3 });
    studyId = study.id;
    awaiting = submitted.awaiting_review;
  });
  afterAll(async () => {
    await env.close();
  });

  it('get_study lists the submissions awaiting review, with the time each took', () => {
    expect(awaiting).toHaveLength(6);
    const submissions = env.sandbox.state.submissionsOf(studyId);
    for (const entry of awaiting) {
      const submission = submissions.find((s) => s.id === entry.id)!;
      expect(entry.participant_id).toBe(submission.participantId);
      expect(entry.seconds).toBeCloseTo((submission.completedAt! - submission.startedAt) / 1000, 2);
    }
  });

  it('refuses what the API would refuse, naming the field, before sending anything', async () => {
    const [first] = awaiting;
    const cases: [Record<string, unknown>, string][] = [
      [{ action: 'REJECT', submission_ids: [first!.id], message: WHY_REJECTED }, 'rejection_category'],
      [{ action: 'REJECT', submission_ids: [first!.id], rejection_category: 'LOW_EFFORT', message: 'Too fast.' }, 'at least 100 characters (got 9)'],
      [{ action: 'REJECT', rejection_category: 'LOW_EFFORT', message: WHY_REJECTED }, 'submission_ids or participant_ids'],
      [{ action: 'APPROVE', submission_ids: [first!.id], message: WHY_REJECTED }, 'REJECT only'],
      [{ action: 'APPROVE', submission_ids: [first!.id], participant_ids: [first!.participant_id] }, 'not both'],
      [{ action: 'APPROVE', submission_ids: ['0123456789abcdef01234567'] }, 'submission_ids: 0123456789abcdef01234567'],
      [{ action: 'APPROVE', participant_ids: ['0123456789abcdef01234567'] }, 'participant_ids'],
      [{ action: 'REJECT', submission_ids: [first!.id], rejection_category: 'RUDE', message: WHY_REJECTED }, 'rejection_category'],
    ];
    const before = env.sandbox.requests.filter((r) => r.method === 'POST').length;
    for (const [args, expected] of cases) {
      const result = await env.call('review_submissions', { study_id: studyId, ...args });
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(result.text, JSON.stringify(args)).toContain(expected);
    }
    expect(env.sandbox.requests.filter((r) => r.method === 'POST').length).toBe(before);
  });

  it('rejects one participant with the category and message, and reports the change', async () => {
    const target = awaiting[0]!;
    const result = ok(
      await env.call('review_submissions', {
        study_id: studyId,
        action: 'REJECT',
        participant_ids: [target.participant_id],
        rejection_category: 'LOW_EFFORT',
        message: WHY_REJECTED,
      }),
    );
    expect(result.changed).toEqual([{ id: target.id, participant_id: target.participant_id, status: 'REJECTED' }]);
    expect(result.submissions_by_status).toEqual({ 'AWAITING REVIEW': 5, REJECTED: 1 });
    const sent = posts('/transition/').filter((r) => r.url.includes('/submissions/'));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toEqual({ action: 'REJECT', rejection_category: 'LOW_EFFORT', message: WHY_REJECTED });
  });

  it('approves chosen submissions through one bulk-approve request, leaving the others', async () => {
    const chosen = [awaiting[1]!.id, awaiting[2]!.id];
    const result = ok(await env.call('review_submissions', { study_id: studyId, action: 'APPROVE', submission_ids: chosen }));
    expect(result.changed.map((c: { id: string }) => c.id).sort()).toEqual([...chosen].sort());
    expect(result.changed.every((c: { status: string }) => c.status === 'APPROVED')).toBe(true);
    expect(result.submissions_by_status).toEqual({ 'AWAITING REVIEW': 3, REJECTED: 1, APPROVED: 2 });
    expect(posts('/bulk-approve')).toHaveLength(1);
    expect(posts('/bulk-approve')[0]?.body).toEqual({ submission_ids: chosen });
  });

  it('names what was not awaiting review, and sends nothing when nothing is', async () => {
    const result = ok(await env.call('review_submissions', { study_id: studyId, action: 'APPROVE', submission_ids: [awaiting[0]!.id, awaiting[1]!.id] }));
    expect(result.changed).toEqual([]);
    expect(result.skipped.map((s: { status: string }) => s.status).sort()).toEqual(['APPROVED', 'REJECTED']);
    expect(result.message).toContain('not awaiting review');
    expect(posts('/bulk-approve')).toHaveLength(1);
  });

  it('approves everything still awaiting review when no ids are given, which completes the study', async () => {
    const result = ok(await env.call('review_submissions', { study_id: studyId, action: 'APPROVE' }));
    expect(result.changed).toHaveLength(3);
    expect(result.submissions_by_status).toEqual({ REJECTED: 1, APPROVED: 5 });
    expect(result.message).toContain('3 of 3');
    const study = ok(await env.call('get_study', { study_id: studyId }));
    expect(study.status).toBe('COMPLETED');
    expect(study.awaiting_review).toEqual([]);
  });
});

describe('review_submissions when the answer is lost', () => {
  it('reads the statuses back instead of sending again', async () => {
    const env = await startEnv();
    try {
      const { batchId } = await readyBatch(env);
      const { study, submitted: now } = await submittedStudy(env, { batch_id: batchId, name: 'Lost', annotators_per_task: 2 });
      const [first, ...rest] = now.awaiting_review as { id: string }[];
      env.sandbox.faults.add({ method: 'POST', path: `/api/v1/submissions/${first!.id}/transition/`, kind: 'reset-after' });
      const rejected = ok(
        await env.call('review_submissions', { study_id: study.id, action: 'REJECT', submission_ids: [first!.id], rejection_category: 'OTHER', message: WHY_REJECTED }),
      );
      expect(rejected.changed).toEqual([expect.objectContaining({ id: first!.id, status: 'REJECTED' })]);

      env.sandbox.faults.add({ method: 'POST', path: '/api/v1/submissions/bulk-approve/', kind: 'reset-after' });
      const approved = ok(await env.call('review_submissions', { study_id: study.id, action: 'APPROVE' }));
      expect(approved.changed).toHaveLength(rest.length);
      expect(approved.message).toContain('answer to the approval was lost');
      const sent = env.sandbox.requests.filter((r) => r.method === 'POST' && r.url.includes('/submissions/'));
      expect(sent).toHaveLength(2);
    } finally {
      await env.close();
    }
  });
});

describe('prompts', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('run_annotation_job walks through the tools in order, checking the cost against the budget before publishing', async () => {
    const { prompts } = await env.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['review_annotation_quality', 'run_annotation_job']);
    const run = prompts.find((p) => p.name === 'run_annotation_job')!;
    expect(run.arguments?.map((a) => [a.name, a.required])).toEqual([
      ['data', true],
      ['question', true],
      ['labels', true],
      ['budget', true],
    ]);
    const prompt = await env.client.getPrompt({
      name: 'run_annotation_job',
      arguments: { data: 'reviews.csv', question: 'What is the sentiment?', labels: 'positive, neutral, negative', budget: '£40' },
    });
    const text = (prompt.messages[0]?.content as { text: string }).text;
    for (const given of ['reviews.csv', 'What is the sentiment?', 'positive, neutral, negative', '£40']) expect(text).toContain(given);
    const order = [
      'create_dataset',
      'upload_file',
      'create_batch',
      'set_instructions',
      'setup_batch',
      'create_study',
      'Cost check',
      'publish_study',
      'get_study',
      'summarize_responses',
      'review_submissions',
      'export_labels',
    ].map((step) => text.indexOf(step));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('review_annotation_quality names the batch, and completes batch ids', async () => {
    const { batchId } = await readyBatch(env);
    const prompt = await env.client.getPrompt({ name: 'review_annotation_quality', arguments: { batch_id: batchId } });
    const text = (prompt.messages[0]?.content as { text: string }).text;
    expect(text).toContain(batchId);
    for (const step of ['summarize_responses', 'agreement_with_majority', 'get_study', 'review_submissions']) expect(text).toContain(step);
    const completion = await env.client.complete({
      ref: { type: 'ref/prompt', name: 'review_annotation_quality' },
      argument: { name: 'batch_id', value: batchId.slice(0, 6) },
    });
    expect(completion.completion.values).toContain(batchId);
  });

  it('a read-only server offers only the review prompt, which proposes rather than acts', async () => {
    const readOnly = await startEnv({ config: { readOnly: true } });
    try {
      const { prompts } = await readOnly.client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(['review_annotation_quality']);
      const prompt = await readOnly.client.getPrompt({ name: 'review_annotation_quality', arguments: { batch_id: 'b1' } });
      expect((prompt.messages[0]?.content as { text: string }).text).toContain('read-only');
    } finally {
      await readOnly.close();
    }
  });
});
