import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { AnnotatorProfile } from '../src/sandbox/model.js';
import { ok, readyBatch, startEnv, type TestEnv, untilSubmitted } from './support/env.js';

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
