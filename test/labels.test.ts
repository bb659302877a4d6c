import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ok, startEnv, type TestEnv, submittedStudy } from './support/env.js';

/**
 * summarize_responses and export_labels on sandbox batches whose hidden truth is known, checked against an
 * independent client: one that reads the responses straight from the API imitation over HTTP and computes
 * majorities, Krippendorff's alpha (from its pairwise definition), Fleiss' kappa, percent agreement and
 * per-annotator agreement with code of its own.
 */

const SENTIMENT = {
  type: 'multiple_choice',
  description: 'What is the sentiment of this review?',
  options: [
    { label: 'Positive', value: 'positive' },
    { label: 'Neutral', value: 'neutral' },
    { label: 'Negative', value: 'negative' },
  ],
  answer_limit: 1,
};
const ASPECTS = {
  type: 'multiple_choice',
  description: 'Which aspects does it mention?',
  options: [
    { label: 'Quality', value: 'quality' },
    { label: 'Price', value: 'price' },
    { label: 'Delivery', value: 'delivery' },
    { label: 'Safety', value: 'safety' },
  ],
  answer_limit: -1,
};
const GENUINE = {
  type: 'multiple_choice_with_free_text',
  description: 'Is the review genuine?',
  options: [
    { label: 'Yes', value: 'yes', heading: 'Genuine' },
    { label: 'No', value: 'no', heading: 'Fake' },
  ],
  answer_limit: 1,
};
const WHY = { type: 'free_text', description: 'Why?', validation: { type: 'string', min: 2, max: 200 } };
const WEIGHT = {
  type: 'free_text_with_unit',
  description: 'How heavy is the product?',
  unit_options: [
    { label: 'kg', value: 'kg' },
    { label: 'lb', value: 'lb' },
  ],
  unit_position: 'suffix',
};

const ROWS = Array.from({ length: 24 }, (_, i) => ({ text: `Review ${i + 1}: ${i % 2 ? 'sturdy, but late' : 'cheap and cheerful'}`, META_ID: `r${i + 1}` }));

interface Job {
  batchId: string;
  studyId: string;
  instructions: { id: string; type: string; description: string }[];
}

async function runJob(env: TestEnv, options: { rows: Record<string, string>[]; instructions: unknown[]; tasksPerGroup: number; annotators: number; places?: number }): Promise<Job> {
  const dataset = ok(await env.call('create_dataset', { name: 'Reviews' }));
  ok(await env.call('upload_file', { dataset_id: dataset.id, rows: options.rows }));
  const batch = ok(
    await env.call('create_batch', {
      name: 'Labels',
      dataset_id: dataset.id,
      task_details: { task_name: 'Label reviews', task_introduction: 'Read each review.', task_steps: 'Answer every question.' },
    }),
  );
  const set = ok(await env.call('set_instructions', { batch_id: batch.id, instructions: options.instructions }));
  ok(await env.call('setup_batch', { batch_id: batch.id, tasks_per_group: options.tasksPerGroup }));
  const { study } = await submittedStudy(env, {
    batch_id: batch.id,
    name: 'Label reviews',
    description: 'Label short reviews.',
    annotators_per_task: options.annotators,
    ...(options.places ? { total_available_places: options.places } : {}),
  });
  return { batchId: batch.id, studyId: study.id, instructions: set.instructions };
}

// The independent client: raw HTTP, its own arithmetic.

interface RawRecord {
  participant_id: string;
  task_id: string;
  response: { instruction_id: string; type: string; answer: { value?: unknown; unit?: unknown; explanation?: unknown }[] };
}

async function fetchResponses(env: TestEnv, batchId: string): Promise<RawRecord[]> {
  const answer = await fetch(`${env.sandbox.baseUrl}/api/v1/data-collection/batches/${batchId}/responses`, {
    headers: { Authorization: `Token ${env.sandbox.token}` },
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { results: RawRecord[] }).results;
}

/** task → [participant, chosen values], in first-seen order. */
function ballots(records: RawRecord[], instructionId: string): Map<string, [string, string[]][]> {
  const out = new Map<string, [string, string[]][]>();
  for (const record of records) {
    if (record.response.instruction_id !== instructionId) continue;
    const list = out.get(record.task_id) ?? [];
    list.push([record.participant_id, record.response.answer.map((item) => String(item.value))]);
    out.set(record.task_id, list);
  }
  return out;
}

/** The most frequent value, or null when the top count is shared. */
function top(values: string[]): { value: string | null; count: number } {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  const ranked = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first) return { value: null, count: 0 };
  return { value: second && second[1] === first[1] ? null : first[0], count: first[1] };
}

/** α from its definition: 1 − D_o/D_e, with D_o over pairs within units and D_e over all pairs of pairable values. */
function pairwiseAlpha(units: string[][]): number {
  const pairable = units.filter((unit) => unit.length > 1);
  const values = pairable.flat();
  const n = values.length;
  let observed = 0;
  for (const unit of pairable) {
    let differing = 0;
    for (let i = 0; i < unit.length; i++) for (let j = 0; j < unit.length; j++) if (i !== j && unit[i] !== unit[j]) differing++;
    observed += differing / (unit.length - 1);
  }
  let expected = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && values[i] !== values[j]) expected++;
  return 1 - observed / n / (expected / (n * (n - 1)));
}

function pairwisePercent(units: string[][]): number {
  const shares = units
    .filter((unit) => unit.length > 1)
    .map((unit) => {
      let agreeing = 0;
      for (let i = 0; i < unit.length; i++) for (let j = 0; j < unit.length; j++) if (i !== j && unit[i] === unit[j]) agreeing++;
      return agreeing / (unit.length * (unit.length - 1));
    });
  return shares.reduce((a, b) => a + b, 0) / shares.length;
}

/** Fleiss (1971): κ = (P̄ − P̄e)/(1 − P̄e) from the subjects × categories table. */
function tableKappa(units: string[][]): number {
  const categories = [...new Set(units.flat())];
  const raters = units[0]!.length;
  const table = units.map((unit) => categories.map((category) => unit.filter((value) => value === category).length));
  const pBar = table.map((row) => (row.reduce((s, n) => s + n * n, 0) - raters) / (raters * (raters - 1))).reduce((a, b) => a + b, 0) / units.length;
  const pe = categories.map((_, j) => table.reduce((s, row) => s + row[j]!, 0) / (units.length * raters)).reduce((s, p) => s + p * p, 0);
  return (pBar - pe) / (1 - pe);
}

interface Expected {
  tasks: Map<string, { ratings: number; counts: Record<string, number>; majority: string | string[] | null; share: number | null }>;
  units: string[][];
}

function expectedSingle(byTask: Map<string, [string, string[]][]>): Expected {
  const tasks: Expected['tasks'] = new Map();
  const units: string[][] = [];
  for (const [task, list] of byTask) {
    const values = list.map(([, chosen]) => chosen[0]!);
    const counts: Record<string, number> = {};
    for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
    const best = top(values);
    tasks.set(task, { ratings: values.length, counts, majority: best.value, share: best.value === null ? null : best.count / values.length });
    units.push(values);
  }
  return { tasks, units };
}

function expectedMulti(byTask: Map<string, [string, string[]][]>, options: string[]): Expected {
  const tasks: Expected['tasks'] = new Map();
  const units: string[][] = [];
  for (const [task, list] of byTask) {
    const counts: Record<string, number> = {};
    const majority: string[] = [];
    let tie = false;
    for (const option of options) {
      const decisions = list.map(([, chosen]) => (chosen.includes(option) ? 'yes' : 'no'));
      units.push(decisions);
      const yes = decisions.filter((d) => d === 'yes').length;
      if (yes) counts[option] = yes;
      if (yes * 2 === list.length) tie = true;
      if (yes * 2 > list.length) majority.push(option);
    }
    const exactly = list.filter(([, chosen]) => chosen.length === majority.length && chosen.every((value) => majority.includes(value))).length;
    tasks.set(task, { ratings: list.length, counts, majority: tie ? null : majority, share: tie ? null : exactly / list.length });
  }
  return { tasks, units };
}

/** Per participant, [compared, matched] against the majority of the other annotators, ties left out. */
function leaveOneOut(byInstruction: { byTask: Map<string, [string, string[]][]>; options?: string[] }[]): Map<string, [number, number]> {
  const tallies = new Map<string, [number, number]>();
  const count = (participant: string, matched: boolean) => {
    const [compared, hits] = tallies.get(participant) ?? [0, 0];
    tallies.set(participant, [compared + 1, hits + (matched ? 1 : 0)]);
  };
  for (const { byTask, options } of byInstruction) {
    for (const list of byTask.values()) {
      list.forEach(([participant, chosen], index) => {
        const others = list.filter((_, other) => other !== index);
        if (!options) {
          const theirs = top(others.map(([, values]) => values[0]!)).value;
          if (theirs !== null) count(participant, theirs === chosen[0]);
          return;
        }
        for (const option of options) {
          const yes = others.filter(([, values]) => values.includes(option)).length;
          const no = others.length - yes;
          if (yes !== no) count(participant, yes > no === chosen.includes(option));
        }
      });
    }
  }
  return tallies;
}

describe('labels from a sandbox batch with known truth, checked by an independent client', () => {
  let env: TestEnv;
  let job: Job;
  let equal: Job;
  let raw: RawRecord[];
  let summary: Record<string, any>;
  const id = (description: string, of: Job = job) => of.instructions.find((i) => i.description === description)!.id;

  beforeAll(async () => {
    // Returns and time-outs on: their task groups must be served again.
    env = await startEnv({ sandbox: { returnRate: 0.15, timeoutRate: 0.1, seed: 7 } });
    // 6 groups of 4 tasks and 28 places: groups 0–3 get 5 annotators, groups 4–5 get 4.
    job = await runJob(env, { rows: ROWS, instructions: [SENTIMENT, ASPECTS, GENUINE, WHY, WEIGHT], tasksPerGroup: 4, annotators: 5, places: 28 });
    equal = await runJob(env, { rows: ROWS, instructions: [SENTIMENT], tasksPerGroup: 4, annotators: 3 });
    raw = await fetchResponses(env, job.batchId);
    summary = ok(await env.call('summarize_responses', { batch_id: job.batchId, method: 'majority' }));
  }, 60_000);
  afterAll(async () => {
    await env.close();
  });

  it('simulated participants returned or timed out, and their places and task groups were taken again', async () => {
    const study = ok(await env.call('get_study', { study_id: job.studyId }));
    expect(study.places_taken).toBe(28);
    expect(study.submissions_by_status['AWAITING REVIEW']).toBe(28);
    expect((study.submissions_by_status.RETURNED ?? 0) + (study.submissions_by_status['TIMED-OUT'] ?? 0)).toBeGreaterThan(0);
    const ratings = summary.instructions[0].tasks.map((task: { ratings: number }) => task.ratings).sort();
    expect(ratings).toEqual([...Array(8).fill(4), ...Array(16).fill(5)]);
    // Five instructions, answered by every annotator of every task.
    expect(summary.responses).toBe(raw.length);
    expect(raw.length).toBe((16 * 5 + 8 * 4) * 5);
  });

  it('single-select: every task, majority, share, agreement and kappa as the independent client computes them', () => {
    for (const [description, section] of [[SENTIMENT.description, summary.instructions[0]], [GENUINE.description, summary.instructions[2]]] as const) {
      expect(section).toMatchObject({ type: expect.stringMatching(/^multiple_choice/), multi_select: false, tasks_total: 24 });
      const { tasks, units } = expectedSingle(ballots(raw, id(description)));
      expect(section.tasks).toHaveLength(tasks.size);
      for (const row of section.tasks) {
        const want = tasks.get(row.task_id)!;
        expect(row).toMatchObject({ ratings: want.ratings, counts: want.counts, majority: want.majority });
        if (want.share === null) expect(row).toMatchObject({ share: null, tie: true });
        else expect(row.share).toBeCloseTo(want.share, 4);
      }
      expect(section.ties).toBe([...tasks.values()].filter((task) => task.majority === null).length);
      expect(section.krippendorff_alpha).toBeCloseTo(pairwiseAlpha(units), 4);
      expect(section.percent_agreement).toBeCloseTo(pairwisePercent(units), 4);
      // 4 or 5 annotators per task: kappa needs equal numbers.
      expect(section.fleiss_kappa).toBeNull();
    }
  });

  it('multi-select: per-option counts, the majority set, and agreement over chosen / not-chosen decisions', () => {
    const section = summary.instructions[1];
    expect(section.multi_select).toBe(true);
    const { tasks, units } = expectedMulti(ballots(raw, id(ASPECTS.description)), ASPECTS.options.map((o) => o.value));
    for (const row of section.tasks) {
      const want = tasks.get(row.task_id)!;
      expect(row).toMatchObject({ ratings: want.ratings, counts: want.counts, majority: want.majority });
      if (want.share !== null) expect(row.share).toBeCloseTo(want.share, 4);
    }
    expect(section.krippendorff_alpha).toBeCloseTo(pairwiseAlpha(units), 4);
    expect(section.percent_agreement).toBeCloseTo(pairwisePercent(units), 4);
  });

  it("per annotator: agreement with the others' majority, worst first, as the independent client computes it", () => {
    const expected = leaveOneOut([
      { byTask: ballots(raw, id(SENTIMENT.description)) },
      { byTask: ballots(raw, id(ASPECTS.description)), options: ASPECTS.options.map((o) => o.value) },
      { byTask: ballots(raw, id(GENUINE.description)) },
    ]);
    const participants: { participant_id: string; compared: number; tasks: number; agreement_with_majority: number }[] = summary.participants;
    expect(participants.map((p) => p.participant_id).sort()).toEqual([...new Set(raw.map((r) => r.participant_id))].sort());
    for (const p of participants) {
      const [compared, matched] = expected.get(p.participant_id)!;
      expect(p.compared).toBe(compared);
      expect(p.agreement_with_majority).toBeCloseTo(matched / compared, 4);
      expect(p.tasks).toBe(new Set(raw.filter((r) => r.participant_id === p.participant_id).map((r) => r.task_id)).size);
    }
    const agreements = participants.map((p) => p.agreement_with_majority);
    expect(agreements).toEqual([...agreements].sort((a, b) => a - b));
  });

  it('the figures mean something: majorities recover the hidden truth, and careless or random annotators rank worst', () => {
    const state = env.sandbox.state;
    const datapointOf = new Map(state.responsesOf(job.batchId).map((record) => [record.taskId, record.datapoint]));
    const decided = summary.instructions[0].tasks.filter((task: { majority: string | null }) => task.majority !== null);
    const right = decided.filter(
      (task: { task_id: string; majority: string }) => state.hiddenAnswer(job.batchId, datapointOf.get(task.task_id)!, id(SENTIMENT.description))[0] === task.majority,
    );
    expect(right.length / decided.length).toBeGreaterThanOrEqual(0.9);

    const diligence = new Map([...state.submissions.values()].map((s) => [s.participantId, s.profile.diligence]));
    const participants: { participant_id: string; agreement_with_majority: number }[] = summary.participants;
    const of = (kind: string) => participants.filter((p) => diligence.get(p.participant_id) === kind).map((p) => p.agreement_with_majority);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    // Seed 7 brings careless, random and confusing annotators; with four tasks each, chance can still flatter a
    // careless one. A confuser, wrong by system, may agree least of all.
    expect(of('random').length).toBeGreaterThan(0);
    expect(of('careless').length).toBeGreaterThan(0);
    expect(['random', 'confuser']).toContain(diligence.get(participants[0]!.participant_id));
    expect(Math.max(...of('random'))).toBeLessThan(Math.min(...of('careful')));
    expect(mean(of('careful'))).toBeGreaterThan(mean(of('careless')));
    expect(mean(of('careless'))).toBeGreaterThan(mean(of('random')));
  });

  it("Fleiss' kappa when every task has the same number of ratings", async () => {
    const section = ok(await env.call('summarize_responses', { batch_id: equal.batchId })).instructions[0];
    const { units } = expectedSingle(ballots(await fetchResponses(env, equal.batchId), id(SENTIMENT.description, equal)));
    expect(units.every((unit) => unit.length === 3)).toBe(true);
    expect(section.fleiss_kappa).toBeCloseTo(tableKappa(units), 4);
    expect(section.krippendorff_alpha).toBeCloseTo(pairwiseAlpha(units), 4);
  });

  it('free text, explanations and units: counts and a few examples', () => {
    const why = summary.instructions[3];
    const whyRecords = raw.filter((r) => r.response.instruction_id === id(WHY.description));
    expect(why).toMatchObject({ type: 'free_text', answers: whyRecords.length, tasks: 24 });
    expect(why.distinct).toBe(new Set(whyRecords.map((r) => String(r.response.answer[0]?.value))).size);
    expect(why.examples.length).toBe(3);
    for (const example of why.examples) expect(whyRecords.some((r) => r.response.answer[0]?.value === example)).toBe(true);

    const weight = summary.instructions[4];
    const weightRecords = raw.filter((r) => r.response.instruction_id === id(WEIGHT.description));
    const units: Record<string, number> = {};
    for (const r of weightRecords) units[String(r.response.answer[0]?.unit)] = (units[String(r.response.answer[0]?.unit)] ?? 0) + 1;
    const numbers = weightRecords.map((r) => Number(r.response.answer[0]?.value)).sort((a, b) => a - b);
    expect(weight).toMatchObject({ answers: weightRecords.length, units, numbers: { min: numbers[0], max: numbers.at(-1) } });

    const genuine = summary.instructions[2];
    expect(genuine.examples.length).toBeGreaterThan(0);
    expect(raw.some((r) => r.response.answer.some((item) => item.explanation === genuine.examples[0]))).toBe(true);
  });

  it('narrows to one instruction, and names an instruction_id that is not the batch’s', async () => {
    const one = ok(await env.call('summarize_responses', { batch_id: job.batchId, instruction_id: id(ASPECTS.description) }));
    expect(one.instructions.map((i: { instruction_id: string }) => i.instruction_id)).toEqual([id(ASPECTS.description)]);
    expect(one.responses).toBe(raw.filter((r) => r.response.instruction_id === id(ASPECTS.description)).length);
    const foreign = await env.call('summarize_responses', { batch_id: job.batchId, instruction_id: id(SENTIMENT.description, equal) });
    expect(foreign.isError).toBe(true);
    expect(foreign.text).toContain('instruction_id');
  });

  describe('export_labels', () => {
    it('writes one CSV row per task: the datapoint, task_id, and the majority, share and ratings per instruction', async () => {
      const file = join(env.dir, 'labels.csv');
      const result = ok(await env.call('export_labels', { batch_id: job.batchId, file_path: file, method: 'majority' }));
      expect(result).toMatchObject({ rows: 24, file_path: file, method: 'majority' });
      expect(result.columns.slice(0, 3)).toEqual(['text', 'META_ID', 'task_id']);
      expect(result.columns).toContain('what_is_the_sentiment_of_this_review_share');
      const rows = parse(await readFile(file, 'utf8'), { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(24);
      expect(Object.keys(rows[0]!)).toEqual(result.columns);
      const byTask = new Map(summary.instructions[0].tasks.map((t: Record<string, any>) => [t.task_id, t]));
      const aspects = new Map(summary.instructions[1].tasks.map((t: Record<string, any>) => [t.task_id, t]));
      const state = env.sandbox.state;
      const datapointOf = new Map(state.responsesOf(job.batchId).map((record) => [record.taskId, record.datapoint]));
      for (const row of rows) {
        const task = byTask.get(row.task_id!) as Record<string, any>;
        expect(row.what_is_the_sentiment_of_this_review).toBe(task.majority ?? '');
        expect(row.what_is_the_sentiment_of_this_review_ratings).toBe(String(task.ratings));
        expect(row.what_is_the_sentiment_of_this_review_share).toBe(task.share === null ? '' : String(task.share));
        const aspect = aspects.get(row.task_id!) as Record<string, any>;
        expect(row.which_aspects_does_it_mention).toBe(aspect.majority === null ? '' : aspect.majority.join(';'));
        // Joined with the datapoint the task was made from.
        expect(row.META_ID).toBe(ROWS[datapointOf.get(row.task_id!)!]!.META_ID);
        expect(row.text).toBe(ROWS[datapointOf.get(row.task_id!)!]!.text);
      }
    });

    it('writes JSON lines with typed values, and replaces a file only with overwrite', async () => {
      const file = join(env.dir, 'labels.jsonl');
      await writeFile(file, 'keep me\n');
      const refused = await env.call('export_labels', { batch_id: job.batchId, file_path: file });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('overwrite');
      expect(await readFile(file, 'utf8')).toBe('keep me\n');

      ok(await env.call('export_labels', { batch_id: job.batchId, file_path: file, format: 'jsonl', overwrite: true, method: 'majority' }));
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
      expect(lines).toHaveLength(24);
      const aspects = new Map(summary.instructions[1].tasks.map((t: Record<string, any>) => [t.task_id, t]));
      for (const line of lines) {
        expect((aspects.get(line.task_id) as Record<string, any>).majority).toEqual(line.which_aspects_does_it_mention);
        expect(typeof line.what_is_the_sentiment_of_this_review_ratings).toBe('number');
      }
    });

    it('writes only inside the allowed roots, to visible names with the matching extension', async () => {
      const elsewhere = join(tmpdir(), `labels-elsewhere-${process.pid}`);
      await mkdir(elsewhere, { recursive: true });
      await symlink(elsewhere, join(env.dir, 'leads-out'));
      await mkdir(join(env.dir, '.hidden'), { recursive: true });
      const cases: [Record<string, unknown>, string][] = [
        [{ file_path: join(elsewhere, 'labels.csv') }, 'outside'],
        [{ file_path: join(env.dir, '..', 'labels.csv') }, 'outside'],
        [{ file_path: join(env.dir, 'leads-out', 'labels.csv') }, 'outside'],
        [{ file_path: join(env.dir, '.hidden', 'labels.csv') }, 'hidden'],
        [{ file_path: join(env.dir, '.labels.csv') }, 'hidden'],
        [{ file_path: join(env.dir, 'labels.txt') }, '.csv or .jsonl'],
        [{ file_path: join(env.dir, 'labels.csv'), format: 'jsonl' }, '.jsonl'],
        [{ file_path: join(env.dir, 'missing', 'labels.csv') }, 'does not exist'],
        [{ file_path: env.dir + '.csv' }, 'outside'],
      ];
      for (const [args, expected] of cases) {
        const result = await env.call('export_labels', { batch_id: job.batchId, ...args });
        expect(result.isError, JSON.stringify(args)).toBe(true);
        expect(result.text, JSON.stringify(args)).toContain(expected);
      }
      await expect(stat(join(elsewhere, 'labels.csv'))).rejects.toThrow();
    });

    it('refuses a batch without multiple-choice instructions', async () => {
      const textOnly = await runJob(env, { rows: ROWS.slice(0, 2), instructions: [WHY], tasksPerGroup: 2, annotators: 1 });
      const result = await env.call('export_labels', { batch_id: textOnly.batchId, file_path: join(env.dir, 'text.csv') });
      expect(result.isError).toBe(true);
      expect(result.text).toContain('no multiple-choice instruction');
      const digest = ok(await env.call('summarize_responses', { batch_id: textOnly.batchId }));
      expect(digest.participants.every((p: { agreement_with_majority: number | null }) => p.agreement_with_majority === null)).toBe(true);
    });
  });
});

describe('summarize_responses on a large batch', () => {
  it('stays under 20,000 tokens, contested tasks first, and export_labels still writes every task', async () => {
    const env = await startEnv({ sandbox: { participantIntervalMs: 1, completionMs: 1 } });
    try {
      const rows = Array.from({ length: 300 }, (_, i) => ({ text: `Review number ${i}`, META_ID: `r${i}` }));
      const job = await runJob(env, { rows, instructions: [SENTIMENT, ASPECTS], tasksPerGroup: 10, annotators: 4 });
      const empty = ok(await env.call('summarize_responses', { batch_id: (await runEmptyBatch(env)).batchId }));
      expect(empty).toMatchObject({ responses: 0, participants: [] });
      expect(empty.note).toContain('No responses yet');

      const outcome = await env.call('summarize_responses', { batch_id: job.batchId, method: 'majority' });
      const summary = ok(outcome);
      expect(countTokens(JSON.stringify(outcome.raw))).toBeLessThanOrEqual(20_000);
      expect(summary.note).toContain('export_labels');
      for (const section of summary.instructions) {
        expect(section.tasks_total).toBe(300);
        expect(section.tasks_shown).toBe(section.tasks.length);
        expect(section.tasks_shown).toBeLessThan(300);
        expect(section.tasks_shown).toBeGreaterThan(10);
        // Ties first, then the weakest majorities.
        const keys = section.tasks.map((t: { tie?: boolean; share: number | null }) => (t.tie ? -1 : t.share!));
        expect(keys).toEqual([...keys].sort((a: number, b: number) => a - b));
      }
      expect(summary.instructions[0].tasks.filter((t: { tie?: boolean }) => t.tie).length).toBe(Math.min(summary.instructions[0].ties, summary.instructions[0].tasks_shown));

      // Four ratings a task and twenty answers an annotator: Dawid–Skene by default, within the same cap, least confident first.
      const modelled = await env.call('summarize_responses', { batch_id: job.batchId });
      expect(ok(modelled).method).toBe('dawid_skene');
      expect(countTokens(JSON.stringify(modelled.raw))).toBeLessThanOrEqual(20_000);
      for (const section of ok(modelled).instructions) {
        expect(section.tasks_shown).toBeGreaterThan(10);
        const confidences = section.tasks.map((t: { confidence: number }) => t.confidence);
        expect(confidences).toEqual([...confidences].sort((a: number, b: number) => a - b));
      }
      const exported = ok(await env.call('export_labels', { batch_id: job.batchId, file_path: join(env.dir, 'all.csv') }));
      expect(exported.rows).toBe(300);
    } finally {
      await env.close();
    }
  }, 60_000);
});

async function runEmptyBatch(env: TestEnv): Promise<{ batchId: string }> {
  const dataset = ok(await env.call('create_dataset', { name: 'Empty' }));
  ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS.slice(0, 2) }));
  const batch = ok(await env.call('create_batch', { name: 'Empty', dataset_id: dataset.id, task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' } }));
  ok(await env.call('set_instructions', { batch_id: batch.id, instructions: [SENTIMENT] }));
  return { batchId: batch.id };
}
