import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { AnnotatorProfile } from '../src/sandbox/model.js';
import { ok, readyBatch, startEnv, type TestEnv, submittedStudy, untilSubmitted } from './support/env.js';

/**
 * Dawid–Skene through the tools, on a sandbox crowd whose make-up and truth are known: 13 annotators (six
 * careful, three careless, four who confuse one option for another) each label the same 200 reviews, whose
 * true sentiment the dataset states (META_SANDBOX_ANSWER_…) and, for 30 of them, gives as gold
 * (META_GOLD_…). The labels are checked against the truth and against an independent Dawid–Skene written
 * here from the paper, reading the responses straight from the API imitation.
 */

const OPTIONS = ['positive', 'neutral', 'negative'];
const SENTIMENT = {
  type: 'multiple_choice',
  description: 'What is the sentiment of this review?',
  options: OPTIONS.map((value) => ({ label: value, value })),
  answer_limit: 1,
};
const KEY = 'what_is_the_sentiment_of_this_review';
const ITEMS = 200;
const GOLD = 30;

const CROWD: AnnotatorProfile[] = [
  ...Array.from({ length: 6 }, (): AnnotatorProfile => ({ diligence: 'careful', reliability: 0.9 })),
  ...Array.from({ length: 3 }, (): AnnotatorProfile => ({ diligence: 'careless', reliability: 0.5 })),
  // All four read the scale one step off, so their votes pile up on the same wrong option.
  ...Array.from({ length: 4 }, (): AnnotatorProfile => ({ diligence: 'confuser', reliability: 0.1, shift: 0 })),
];

/** Seeded, so the truth is the same every run. */
function truthOf(i: number): string {
  return OPTIONS[(i * 7 + Math.floor(i / 3)) % 3]!;
}

const ROWS = Array.from({ length: ITEMS }, (_, i) => ({
  text: `Review ${i}`,
  META_ID: `r${i}`,
  [`META_SANDBOX_ANSWER_${KEY}`]: truthOf(i),
  [`META_GOLD_${KEY}`]: i < GOLD ? truthOf(i) : '',
}));

interface RawRecord {
  participant_id: string;
  task_id: string;
  response: { instruction_id: string; answer: { value?: unknown }[] };
}

/** Dawid & Skene (1979) from the paper, plain objects: majority start, EM until the posteriors settle. */
function independentDawidSkene(answers: { task: string; worker: string; label: string }[]): Map<string, Record<string, number>> {
  const tasks = [...new Set(answers.map((a) => a.task))];
  let post = new Map<string, Record<string, number>>();
  for (const task of tasks) {
    const votes = answers.filter((a) => a.task === task);
    post.set(task, Object.fromEntries(OPTIONS.map((o) => [o, votes.filter((v) => v.label === o).length / votes.length])));
  }
  for (let round = 0; round < 200; round++) {
    const prior = Object.fromEntries(OPTIONS.map((o) => [o, tasks.reduce((s, t) => s + post.get(t)![o]!, 0) / tasks.length]));
    const pi = new Map<string, Record<string, Record<string, number>>>();
    for (const a of answers) {
      const m = pi.get(a.worker) ?? Object.fromEntries(OPTIONS.map((t) => [t, Object.fromEntries(OPTIONS.map((l) => [l, 0.01]))]));
      for (const t of OPTIONS) m[t]![a.label]! += post.get(a.task)![t]!;
      pi.set(a.worker, m);
    }
    for (const m of pi.values()) for (const t of OPTIONS) {
      const total = OPTIONS.reduce((s, l) => s + m[t]![l]!, 0);
      for (const l of OPTIONS) m[t]![l]! /= total;
    }
    const next = new Map<string, Record<string, number>>();
    let change = 0;
    for (const task of tasks) {
      const logp = Object.fromEntries(OPTIONS.map((t) => [t, Math.log(prior[t]!)]));
      for (const a of answers.filter((x) => x.task === task)) for (const t of OPTIONS) logp[t]! += Math.log(pi.get(a.worker)![t]![a.label]!);
      const top = Math.max(...Object.values(logp));
      const un = Object.fromEntries(OPTIONS.map((t) => [t, Math.exp(logp[t]! - top)]));
      const z = Object.values(un).reduce((s, v) => s + v, 0);
      const p = Object.fromEntries(OPTIONS.map((t) => [t, un[t]! / z]));
      for (const t of OPTIONS) change = Math.max(change, Math.abs(p[t]! - post.get(task)![t]!));
      next.set(task, p);
    }
    post = next;
    if (change < 1e-6) break;
  }
  return post;
}

describe('Dawid–Skene labels through the tools, on a crowd with class-swapping annotators', () => {
  let env: TestEnv;
  let batchId: string;
  let instructionId: string;
  let raw: RawRecord[];
  const kindOf = new Map<string, string>();

  beforeAll(async () => {
    env = await startEnv({ sandbox: { crowd: CROWD, returnRate: 0, timeoutRate: 0, participantIntervalMs: 1, completionMs: 1 } });
    const ready = await readyBatch(env, ITEMS, { rows: ROWS, instructions: [SENTIMENT] });
    batchId = ready.batchId;
    instructionId = ready.instructions[0]!.id;
    const study = ok(
      await env.call('create_study', {
        batch_id: batchId,
        name: 'Rate reviews',
        description: 'Rate 200 short reviews.',
        reward: 500,
        estimated_completion_time: 30,
        annotators_per_task: 13,
      }),
    );
    ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
    await untilSubmitted(env, study.id);
    for (const submission of env.sandbox.state.submissions.values()) kindOf.set(submission.participantId, submission.profile.diligence);
    const answer = await fetch(`${env.sandbox.baseUrl}/api/v1/data-collection/batches/${batchId}/responses`, { headers: { Authorization: `Token ${env.sandbox.token}` } });
    raw = ((await answer.json()) as { results: RawRecord[] }).results;
  }, 60_000);
  afterAll(async () => {
    await env.close();
  });

  it('the crowd is as asked: 13 annotators, each answering all 200 reviews', () => {
    expect(kindOf.size).toBe(13);
    expect(raw).toHaveLength(13 * ITEMS);
  });

  it('summarize_responses picks Dawid–Skene by itself, ranks the four confusers least accurate, and reports gold accuracy', async () => {
    const summary = ok(await env.call('summarize_responses', { batch_id: batchId }));
    expect(summary.method).toBe('dawid_skene');
    expect(summary.note).toContain(`META_GOLD_${KEY}`);
    const participants: Record<string, any>[] = summary.participants;
    expect(participants).toHaveLength(13);
    expect(participants.slice(0, 4).map((p) => kindOf.get(p.participant_id))).toEqual(['confuser', 'confuser', 'confuser', 'confuser']);
    const accuracies = participants.map((p) => p.estimated_accuracy as number);
    expect(accuracies).toEqual([...accuracies].sort((a, b) => a - b));
    for (const p of participants) {
      expect(p.gold_answers).toBe(GOLD);
      if (kindOf.get(p.participant_id) === 'careful') expect(p.gold_accuracy).toBeGreaterThan(0.7);
      if (kindOf.get(p.participant_id) === 'confuser') expect(p.gold_accuracy).toBeLessThan(0.4);
      expect(Math.abs(p.estimated_accuracy - p.gold_accuracy)).toBeLessThan(0.25);
    }
    const section = summary.instructions[0];
    for (const task of section.tasks) {
      expect(OPTIONS).toContain(task.label);
      expect(task.confidence).toBeGreaterThan(0);
      expect(task.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('export_labels writes a label and a confidence per review, matching an independent Dawid–Skene and beating majority vote', async () => {
    const file = join(env.dir, 'ds.csv');
    const exported = ok(await env.call('export_labels', { batch_id: batchId, file_path: file, method: 'dawid_skene' }));
    expect(exported).toMatchObject({ rows: ITEMS, method: 'dawid_skene' });
    expect(exported.columns).toEqual(expect.arrayContaining([KEY, `${KEY}_confidence`, `${KEY}_ratings`]));
    const rows = parse(await readFile(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(ITEMS);

    const reference = independentDawidSkene(
      raw.filter((r) => r.response.instruction_id === instructionId).map((r) => ({ task: r.task_id, worker: r.participant_id, label: String(r.response.answer[0]?.value) })),
    );
    let agree = 0;
    let close = 0;
    let right = 0;
    for (const row of rows) {
      const theirs = reference.get(row.task_id!)!;
      const best = OPTIONS.reduce((a, b) => (theirs[b]! > theirs[a]! ? b : a));
      if (best === row[KEY]) agree++;
      if (Math.abs(theirs[best]! - Number(row[`${KEY}_confidence`])) <= 0.05) close++;
      if (row[KEY] === truthOf(Number(row.META_ID!.slice(1)))) right++;
    }
    expect(agree / ITEMS).toBeGreaterThanOrEqual(0.97);
    expect(close / ITEMS).toBeGreaterThanOrEqual(0.9);

    const majority = join(env.dir, 'mv.csv');
    ok(await env.call('export_labels', { batch_id: batchId, file_path: majority, method: 'majority' }));
    const mvRows = parse(await readFile(majority, 'utf8'), { columns: true }) as Record<string, string>[];
    const mvRight = mvRows.filter((row) => row[KEY] === truthOf(Number(row.META_ID!.slice(1)))).length;
    expect(right / ITEMS).toBeGreaterThanOrEqual(0.95);
    expect(right).toBeGreaterThan(mvRight);
  });
});

describe('rerun_contested, then the rounds pooled', () => {
  let env: TestEnv;
  const ROUND_ROWS = Array.from({ length: 40 }, (_, i) => ({ text: `Review ${i}`, META_ID: `r${i}` }));

  beforeAll(async () => {
    env = await startEnv({ sandbox: { seed: 11, returnRate: 0, timeoutRate: 0, participantIntervalMs: 1, completionMs: 1 } });
  });
  afterAll(async () => {
    await env.close();
  });

  it('uploads exactly the contested datapoints, copies the question, and creates one UNPUBLISHED study without publishing', async () => {
    const ready = await readyBatch(env, 5, { rows: ROUND_ROWS, instructions: [SENTIMENT] });
    const first = ok(
      await env.call('create_study', { batch_id: ready.batchId, name: 'Round 1', description: 'Rate reviews.', reward: 100, estimated_completion_time: 5, annotators_per_task: 3 }),
    );
    ok(await env.call('publish_study', { study_id: first.id, confirm_total_cost: first.total_cost }));
    await untilSubmitted(env, first.id);

    const file = join(env.dir, 'round1.csv');
    ok(await env.call('export_labels', { batch_id: ready.batchId, file_path: file, method: 'dawid_skene' }));
    const round1 = parse(await readFile(file, 'utf8'), { columns: true }) as Record<string, string>[];
    const confidence = new Map(round1.map((row) => [row.task_id!, Number(row[`${KEY}_confidence`])]));
    const expected = round1.filter((row) => Number(row[`${KEY}_confidence`]) < 0.9);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(40);

    const before = env.sandbox.requests.length;
    const rerun = ok(
      await env.call('rerun_contested', {
        batch_id: ready.batchId,
        study_id: first.id,
        method: 'dawid_skene',
        below_confidence: 0.9,
        annotators_per_task: 3,
        reward: 120,
        estimated_completion_time: 4,
      }),
    );
    expect(rerun).toMatchObject({ items: expected.length, status: 'UNPUBLISHED', method: 'dawid_skene' });
    expect(rerun.message).toContain('UNPUBLISHED');

    // The new dataset holds exactly the contested datapoints, with their columns and the id to join back.
    const state = env.sandbox.state;
    const dataset = state.datasets.get(rerun.dataset_id)!;
    const columns = dataset.columns.map((c) => c.name);
    expect(columns).toEqual(['text', 'META_ID', 'META_SOURCE_TASK_ID']);
    // The original's schema (inferred at its upload) is kept, the source id hidden as metadata.
    expect(dataset.schema).toEqual({ strict: false, fields: { text: { type: 'text' }, META_ID: { type: 'metadata' }, META_SOURCE_TASK_ID: { type: 'metadata' } } });
    const uploaded = dataset.rows.map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i] ?? ''])));
    expect(uploaded.map((row) => row.META_SOURCE_TASK_ID).sort()).toEqual(expected.map((row) => row.task_id).sort());
    for (const row of uploaded) {
      expect(confidence.get(row.META_SOURCE_TASK_ID!)).toBeLessThan(0.9);
      expect(row.META_ID).toBe(round1.find((r) => r.task_id === row.META_SOURCE_TASK_ID)!.META_ID);
    }

    // The same question, a READY batch on the new dataset, one UNPUBLISHED study quoted, and no publish sent.
    const batch = state.batches.get(rerun.batch_id)!;
    expect(batch.status).toBe('READY');
    expect(batch.instructions.map((i) => i.fields)).toEqual(state.batches.get(ready.batchId)!.instructions.map((i) => i.fields));
    expect(batch.taskDetails).toEqual(state.batches.get(ready.batchId)!.taskDetails);
    const studies = [...state.studies.values()].filter((s) => s.fields.data_collection_id === rerun.batch_id);
    expect(studies.map((s) => s.status)).toEqual(['UNPUBLISHED']);
    expect(rerun.study_id).toBe(studies[0]!.id);
    const sent = env.sandbox.requests.slice(before);
    expect(sent.filter((r) => r.url.includes('/transition'))).toEqual([]);
    // The original batch is read once, for its questions and its details alike.
    const original = `/api/v1/data-collection/batches/${ready.batchId}`;
    expect(sent.filter((r) => r.method === 'GET' && new URL(r.url).pathname === original)).toHaveLength(1);
    const quote = await fetch(`${env.sandbox.baseUrl}/api/v1/study-cost-calculator/`, {
      method: 'POST',
      headers: { Authorization: `Token ${env.sandbox.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reward: 120, total_available_places: rerun.total_available_places }),
    });
    expect(rerun.total_cost).toBe(((await quote.json()) as { total_cost: number }).total_cost);
    expect(rerun.total_available_places).toBe(Math.ceil(expected.length / 5) * 3);

    // Once the follow-up has run, both rounds pool into one label per datapoint.
    ok(await env.call('publish_study', { study_id: rerun.study_id, confirm_total_cost: rerun.total_cost }));
    await untilSubmitted(env, rerun.study_id);
    const pooled = ok(await env.call('summarize_responses', { batch_ids: [ready.batchId, rerun.batch_id], method: 'dawid_skene' }));
    expect(pooled.batch_ids).toEqual([ready.batchId, rerun.batch_id]);
    const tasks: Record<string, any>[] = pooled.instructions[0].tasks;
    expect(tasks).toHaveLength(40);
    // Round 2's people would be largely round 1's, as on Prolific, and a second vote on a task counts once; so by
    // default none of round 1's annotators may take the follow-up, and every place it paid for adds a vote.
    const contested = new Set(expected.map((row) => row.task_id));
    const firstRound = new Set(state.responsesOf(ready.batchId).map((record) => record.participantId));
    expect(rerun.message).toContain(`Left out all ${firstRound.size} annotators of batch ${ready.batchId}`);
    expect(state.responsesOf(rerun.batch_id).filter((record) => firstRound.has(record.participantId))).toEqual([]);
    const sourceTask = dataset.rows.map((row) => row[columns.indexOf('META_SOURCE_TASK_ID')] ?? '');
    const raters = new Map<string, Set<string>>();
    const rated = (taskId: string, participantId: string) => raters.set(taskId, (raters.get(taskId) ?? new Set()).add(participantId));
    for (const record of state.responsesOf(ready.batchId)) rated(record.taskId, record.participantId);
    for (const record of state.responsesOf(rerun.batch_id)) rated(sourceTask[record.datapoint] ?? '', record.participantId);
    for (const task of tasks) {
      expect(task.ratings).toBe(raters.get(task.task_id)!.size);
      if (!contested.has(task.task_id)) expect(task.ratings).toBe(3);
    }
    const added = tasks.filter((task) => contested.has(task.task_id)).reduce((sum, task) => sum + task.ratings - 3, 0);
    expect(added).toBe(expected.length * 3);
    const pooledFile = join(env.dir, 'pooled.csv');
    const exported = ok(await env.call('export_labels', { batch_id: ready.batchId, batch_ids: [rerun.batch_id], file_path: pooledFile, method: 'dawid_skene' }));
    expect(exported).toMatchObject({ rows: 40, method: 'dawid_skene' });
    const rows = parse(await readFile(pooledFile, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row.META_ID).sort()).toEqual(ROUND_ROWS.map((row) => row.META_ID).sort());
  }, 60_000);

  it('copies a batch laid out in pages as pages, without the ids the API gave them', async () => {
    const dataset = ok(await env.call('create_dataset', { name: 'Paged reviews' }));
    ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROUND_ROWS.slice(0, 10) }));
    const pages = [{ rows: [{ columns: [{ items: [SENTIMENT] }, { items: [{ type: 'free_text', description: 'Why?' }] }] }] }];
    const task_details = { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Choose its sentiment.' };
    const batch = ok(await env.call('create_batch', { name: 'Paged', dataset_id: dataset.id, task_details, batch_items: pages }));
    ok(await env.call('setup_batch', { batch_id: batch.id, tasks_per_group: 10 }));
    await submittedStudy(env, { batch_id: batch.id, name: 'Paged', description: 'Rate reviews.', annotators_per_task: 3 });
    const rerun = ok(
      await env.call('rerun_contested', { batch_id: batch.id, method: 'majority', below_confidence: 1, annotators_per_task: 3, reward: 100, estimated_completion_time: 5 }),
    );
    expect(rerun.items).toBeGreaterThan(0);
    const copy = ok(await env.call('get_batch', { batch_id: rerun.batch_id }));
    const strip = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(strip)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'id').map(([key, inner]) => [key, strip(inner)]))
          : value;
    const original = ok(await env.call('get_batch', { batch_id: batch.id }));
    expect(copy.batch_items).toBeDefined();
    expect(strip(copy.batch_items)).toEqual(strip(original.batch_items));
    expect(copy.batch_items[0].rows[0].columns[0].items[0].id).not.toBe(original.batch_items[0].rows[0].columns[0].items[0].id);
  }, 60_000);

  it('is safe to call again: a lost answer makes no copy, and a later failure names what was made, which the next call carries on with', async () => {
    const ready = await readyBatch(env, 5, { rows: ROUND_ROWS.slice(0, 10), instructions: [SENTIMENT] });
    await submittedStudy(env, { batch_id: ready.batchId, name: 'Retry round', description: 'Rate reviews.', annotators_per_task: 3 });
    const state = env.sandbox.state;
    const follow = (name: string) => [...state.batches.values()].filter((batch) => batch.name === name);
    const args = { batch_id: ready.batchId, method: 'majority', below_confidence: 1, annotators_per_task: 3, reward: 100, estimated_completion_time: 5 };

    // The batch is created but its answer is lost: the call finds it rather than failing, and makes one of each.
    const datasets = state.datasets.size;
    env.sandbox.faults.add({ kind: 'reset-after', method: 'POST', path: '/api/v1/data-collection/batches' });
    const lost = ok(await env.call('rerun_contested', { ...args, name: 'Lost answer' }));
    expect(env.sandbox.faults.hits).toEqual([1]);
    expect(follow('Lost answer').map((batch) => batch.id)).toEqual([lost.batch_id]);
    expect(state.datasets.size).toBe(datasets + 1);
    // Called again as a cautious agent would: the same draft, quoted again, and nothing new.
    const again = ok(await env.call('rerun_contested', { ...args, name: 'Lost answer' }));
    expect(again).toMatchObject({ batch_id: lost.batch_id, dataset_id: lost.dataset_id, study_id: lost.study_id, total_cost: lost.total_cost });
    expect(again.message).toContain('earlier call');
    expect([...state.studies.values()].filter((study) => study.fields.data_collection_id === lost.batch_id)).toHaveLength(1);

    // Setup, then the study, refused once each: every failure names what exists, and the next call carries on.
    env.sandbox.faults.clear();
    env.sandbox.faults.add({ kind: 'status', status: 400, method: 'POST', path: /\/batches\/[^/]+\/setup$/ });
    const setupFailed = await env.call('rerun_contested', { ...args, name: 'Later failure' });
    expect(setupFailed.isError).toBe(true);
    const [made] = follow('Later failure');
    expect(setupFailed.text).toContain(`Already made: dataset ${made!.datasetId}, batch ${made!.id}.`);
    expect(setupFailed.text).toContain('Calling rerun_contested again with the same arguments carries on with them');
    env.sandbox.faults.add({ kind: 'status', status: 400, method: 'POST', path: '/api/v1/studies' });
    const studyFailed = await env.call('rerun_contested', { ...args, name: 'Later failure' });
    expect(studyFailed.isError).toBe(true);
    expect(studyFailed.text).toContain(`Already made: dataset ${made!.datasetId}, batch ${made!.id}.`);
    const done = ok(await env.call('rerun_contested', { ...args, name: 'Later failure' }));
    expect(env.sandbox.faults.hits).toEqual([1, 1]);
    expect(done).toMatchObject({ batch_id: made!.id, dataset_id: made!.datasetId, status: 'UNPUBLISHED' });
    expect(follow('Later failure')).toHaveLength(1);
    expect(state.batches.get(made!.id)!.status).toBe('READY');
    expect(state.datasets.get(made!.datasetId)!.rows).toHaveLength(done.items);

    // As many contested tasks of another batch, under the same name: a follow-up of their own, not the draft above.
    const other = await readyBatch(env, 5, { rows: ROUND_ROWS.slice(10, 20), instructions: [SENTIMENT] });
    await submittedStudy(env, { batch_id: other.batchId, name: 'Retry round 2', description: 'Rate reviews.', annotators_per_task: 3 });
    const second = ok(await env.call('rerun_contested', { ...args, batch_id: other.batchId, name: 'Later failure', max_items: done.items }));
    expect(second.items).toBe(done.items);
    expect(second.batch_id).not.toBe(made!.id);
    expect(follow('Later failure')).toHaveLength(2);
  }, 60_000);

  it('chooses majority for annotators with few answers; creates nothing when no task is below the threshold, and refuses a threshold outside 0–1', async () => {
    const ready = await readyBatch(env, 5, { rows: ROUND_ROWS.slice(0, 5), instructions: [SENTIMENT] });
    await submittedStudy(env, { batch_id: ready.batchId, name: 'Tiny', description: 'Rate reviews.', annotators_per_task: 3 });
    // Three ratings a task, but five answers an annotator: too few for confusion matrices, so majority by default.
    expect(ok(await env.call('summarize_responses', { batch_id: ready.batchId })).method).toBe('majority');
    expect(ok(await env.call('summarize_responses', { batch_id: ready.batchId, method: 'dawid_skene' })).note).toContain('fewer than 10 answers');
    const datasets = env.sandbox.state.datasets.size;
    const none = ok(
      await env.call('rerun_contested', { batch_id: ready.batchId, below_confidence: 1e-9, annotators_per_task: 3, reward: 100, estimated_completion_time: 5 }),
    );
    expect(none).toMatchObject({ items: 0 });
    expect(env.sandbox.state.datasets.size).toBe(datasets);
    const refused = await env.call('rerun_contested', { batch_id: ready.batchId, below_confidence: 1.5, annotators_per_task: 3, reward: 100, estimated_completion_time: 5 });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('below_confidence');
  }, 60_000);
});
