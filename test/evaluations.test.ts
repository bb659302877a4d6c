import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ok, readyBatch, sandboxApi, startEnv, submittedStudy, type TestEnv } from './support/env.js';

/**
 * Model comparisons end to end through a real MCP client: create_comparison lays out a blind, balanced batch;
 * the sandbox's annotators judge it by hidden qualities; rank_models and export_labels read it back. What the
 * tools say is checked against an independent client reading the sandbox API over HTTP (the batch, its
 * dataset, the raw responses and the report), with arithmetic of its own.
 */

/** Hidden qualities on the Bradley–Terry scale, best first; the names are what annotators must never see. */
const QUALITY: Record<string, number> = { 'orca-large': 1.5, 'heron-base': 0.5, 'wren-mini': -0.5, 'moth-tiny': -1.5 };
const MODELS = Object.keys(QUALITY);

interface Output {
  prompt_id: string;
  prompt: string;
  model: string;
  output: string;
  META_SANDBOX_QUALITY: number;
}

/** Outputs that do not give their writer away: each is "Answer <n> to prompt <p>", numbered per prompt. */
function outputs(prompts: number, models = MODELS): Output[] {
  const rows: Output[] = [];
  for (let p = 0; p < prompts; p++) {
    models.forEach((model, i) => rows.push({ prompt_id: `q${p}`, prompt: `Question ${p}: explain tides simply.`, model, output: `Answer ${i + 1} to prompt ${p}.`, META_SANDBOX_QUALITY: QUALITY[model] ?? 0 }));
  }
  return rows;
}

const writtenBy = (rows: Output[]) => new Map(rows.map((row) => [`${row.prompt_id}|${row.model}`, row.output]));

// The independent client.

interface RawResponse {
  participant_id: string;
  task_id: string;
  response: { instruction_id: string; answer: { value: string }[] };
}

async function rawResponses(env: TestEnv, batchId: string): Promise<RawResponse[]> {
  const answer = await sandboxApi(env, 'GET', `/api/v1/data-collection/batches/${batchId}/responses`);
  expect(answer.status).toBe(200);
  return answer.body.results;
}

/** The report's first row per task: the datapoint as stored, hidden columns included. */
async function reportDatapoints(env: TestEnv, batchId: string): Promise<Map<string, Record<string, string>>> {
  const { body } = await sandboxApi(env, 'GET', `/api/v1/data-collection/batches/${batchId}/report/`);
  const csv = await (await fetch(body.url)).text();
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  const out = new Map<string, Record<string, string>>();
  for (const row of rows) if (!out.has(row.task_id!)) out.set(row.task_id!, row);
  return out;
}

/** Everything on an annotator's screen besides the datapoint: task details and every text in the layout. */
function screenTexts(batch: Record<string, any>): string[] {
  const texts = [batch.task_details.task_name, batch.task_details.task_introduction, batch.task_details.task_steps];
  for (const page of batch.batch_items) {
    for (const row of page.rows) {
      for (const column of row.columns) {
        for (const item of column.items) {
          for (const key of ['content', 'description', 'helper_text', 'placeholder_text_input']) if (typeof item[key] === 'string') texts.push(item[key]);
          for (const option of item.options ?? []) texts.push(option.label, option.heading ?? '');
        }
      }
    }
  }
  return texts;
}

describe('create_comparison', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('lays out one page: the prompt, the two responses side by side, then the question answered a, b or tie', async () => {
    const made = ok(await env.call('create_comparison', { name: 'Tides eval', rows: outputs(5), allow_ties: true, seed: 1 }));
    expect(made).toMatchObject({ status: 'READY', total_task_count: 30, models: MODELS, seed: 1 });
    expect(made.next).toContain(`create_study with batch_id ${made.batch_id}`);
    expect(made.summary).toContain('30 blind comparisons of 4 models on 5 prompts');
    const { body: batch } = await sandboxApi(env, 'GET', `/api/v1/data-collection/batches/${made.batch_id}`);
    expect(batch.status).toBe('READY');
    expect(batch.batch_items).toHaveLength(1);
    const [prompt, responses, asked] = batch.batch_items[0].rows;
    expect(prompt.columns).toHaveLength(1);
    expect(prompt.columns[0].items.at(-1)).toMatchObject({ type: 'dataset_field', field: 'prompt' });
    expect(responses.columns).toHaveLength(2);
    expect(responses.columns[0].items.at(-1)).toMatchObject({ type: 'dataset_field', field: 'response_a' });
    expect(responses.columns[1].items.at(-1)).toMatchObject({ type: 'dataset_field', field: 'response_b' });
    const [question] = asked.columns[0].items;
    expect(question).toMatchObject({ type: 'multiple_choice', description: 'Which response is better?', answer_limit: 1 });
    expect(question.options.map((o: { value: string }) => o.value)).toEqual(['a', 'b', 'tie']);
    expect(made.instruction_ids).toEqual([question.id]);

    const { body: dataset } = await sandboxApi(env, 'GET', `/api/v1/data-collection/datasets/${made.dataset_id}`);
    const shown = Object.entries(dataset.schema.fields as Record<string, { type: string }>).filter(([, field]) => field.type !== 'metadata').map(([name]) => name);
    expect(shown.sort()).toEqual(['prompt', 'response_a', 'response_b']);
    expect(dataset.schema.fields).toMatchObject({ META_MODEL_A: { type: 'metadata' }, META_MODEL_B: { type: 'metadata' }, META_SANDBOX_QUALITY_A: { type: 'metadata' } });
  });

  it('asks criteria and extra questions in order, and offers no tie unless allowed', async () => {
    const made = ok(
      await env.call('create_comparison', {
        name: 'Tides criteria',
        rows: outputs(2),
        criteria: ['Which response is more accurate?', 'Which response is clearer?'],
        questions: [{ type: 'free_text', description: 'What decided it?', validation: { type: 'string', min: 2, max: 300 } }],
      }),
    );
    const { body: batch } = await sandboxApi(env, 'GET', `/api/v1/data-collection/batches/${made.batch_id}`);
    const items = batch.batch_items[0].rows[2].columns[0].items;
    expect(items.map((item: { description: string }) => item.description)).toEqual(['Which response is more accurate?', 'Which response is clearer?', 'What decided it?']);
    expect(items[0].options.map((o: { value: string }) => o.value)).toEqual(['a', 'b']);
    expect(made.instruction_ids).toEqual([items[0].id, items[1].id]);
  });

  it('reads the outputs from a CSV or a JSONL file', async () => {
    const rows = outputs(3, MODELS.slice(0, 3));
    const csv = join(env.dir, 'outputs.csv');
    const quote = (value: unknown) => `"${String(value).replace(/"/g, '""')}"`;
    await writeFile(csv, ['prompt_id,prompt,model,output,META_SANDBOX_QUALITY', ...rows.map((r) => [r.prompt_id, r.prompt, r.model, r.output, r.META_SANDBOX_QUALITY].map(quote).join(','))].join('\n'));
    const jsonl = join(env.dir, 'outputs.jsonl');
    await writeFile(jsonl, rows.map((row) => JSON.stringify(row)).join('\n'));
    for (const file_path of [csv, jsonl]) {
      const made = ok(await env.call('create_comparison', { name: `From ${file_path.slice(-5)}`, file_path, pairs_per_prompt: 2 }));
      expect(made).toMatchObject({ status: 'READY', total_task_count: 6, models: MODELS.slice(0, 3) });
    }
  });

  it('names every bad row at once, and creates nothing', async () => {
    const before = env.sandbox.state.datasets.size;
    const bad = await env.call('create_comparison', {
      name: 'Bad',
      rows: [
        { prompt: 'P', model: 'x-one', output: 'fine' },
        { prompt: 'P', model: 'x-one', output: 'again' },
        { prompt: 'P', model: 'x-two' },
        { prompt: 'P', model: 'x-three', output: 'o', score: 3 },
      ],
    });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('rows item 1: model "x-one" has a second output');
    expect(bad.text).toContain('rows item 2: output is missing');
    expect(bad.text).toContain('rows item 3: unknown column "score"');
    const neither = await env.call('create_comparison', { name: 'None' });
    expect(neither.isError).toBe(true);
    expect(neither.text).toContain('Give exactly one of rows');
    const alone = await env.call('create_comparison', { name: 'Alone', rows: [{ prompt: 'P', model: 'a', output: 'x' }, { prompt: 'Q', model: 'b', output: 'y' }] });
    expect(alone.isError).toBe(true);
    expect(alone.text).toContain('No prompt was answered by two or more models');
    expect(env.sandbox.state.datasets.size).toBe(before);
  });

  it('refuses task details or questions that name a model, before anything is made', async () => {
    const before = env.sandbox.state.datasets.size;
    const named = await env.call('create_comparison', {
      name: 'Unblinded',
      rows: outputs(2),
      task_details: { task_name: 'Compare', task_introduction: 'One of these is Orca-Large.', task_steps: 'Pick one.' },
    });
    expect(named.isError).toBe(true);
    expect(named.text).toContain('task_details.task_introduction names "Orca-Large"');
    const inQuestion = await env.call('create_comparison', { name: 'Unblinded', rows: outputs(2), criteria: ['Is heron-base better?'] });
    expect(inQuestion.isError).toBe(true);
    expect(inQuestion.text).toContain('criteria[0] names "heron-base"');
    expect(env.sandbox.state.datasets.size).toBe(before);
  });

  it('keeps its description and schema within the token budget', async () => {
    const { tools } = await env.client.listTools();
    for (const name of ['create_comparison', 'rank_models']) {
      const tool = tools.find((t) => t.name === name);
      expect(tool, name).toBeDefined();
      expect(countTokens(JSON.stringify(tool)), name).toBeLessThanOrEqual(800);
    }
  });
});

describe('a comparison run: judged by the sandbox crowd, ranked, exported', () => {
  let env: TestEnv;
  let made: Record<string, any>;
  let rows: Output[];
  let responses: RawResponse[];
  let datapoints: Map<string, Record<string, string>>;
  let ranked: Record<string, any>;

  beforeAll(async () => {
    env = await startEnv();
    rows = outputs(30);
    made = ok(await env.call('create_comparison', { name: 'Tides run', rows, allow_ties: true, seed: 7 }));
    await submittedStudy(env, { batch_id: made.batch_id, name: 'Compare two answers', annotators_per_task: 3 });
    responses = await rawResponses(env, made.batch_id);
    datapoints = await reportDatapoints(env, made.batch_id);
    ranked = ok(await env.call('rank_models', { batch_id: made.batch_id }));
  }, 60_000);
  afterAll(async () => {
    await env.close();
  });

  it('compared every pair of models on every prompt once, each model of a pair shown first half the time', () => {
    expect(datapoints.size).toBe(180);
    const seen = new Set<string>();
    const sides = new Map<string, number>();
    for (const row of datapoints.values()) {
      const pair = [row.META_MODEL_A!, row.META_MODEL_B!].sort().join(' vs ');
      seen.add(`${row.META_PROMPT_ID}: ${pair}`);
      expect(row.response_a).toBe(writtenBy(rows).get(`${row.META_PROMPT_ID}|${row.META_MODEL_A}`));
      expect(row.response_b).toBe(writtenBy(rows).get(`${row.META_PROMPT_ID}|${row.META_MODEL_B}`));
      const [first] = [row.META_MODEL_A!, row.META_MODEL_B!].sort();
      const key = `${pair}`;
      sides.set(key, (sides.get(key) ?? 0) + (row.META_MODEL_A === first ? 1 : -1));
    }
    expect(seen.size).toBe(180);
    expect(sides.size).toBe(6);
    // 30 comparisons per pair: exactly 15 each way.
    for (const [pair, balance] of sides) expect(balance, pair).toBe(0);
    expect(made.pairs).toEqual({ model_pairs: 6, comparisons_each: [30, 30], side_imbalance_max: 0 });
  });

  it('never shows a model name to annotators: not on the screen, not in a shown field', async () => {
    const { body: batch } = await sandboxApi(env, 'GET', `/api/v1/data-collection/batches/${made.batch_id}`);
    const { body: dataset } = await sandboxApi(env, 'GET', `/api/v1/data-collection/datasets/${made.dataset_id}`);
    const shownFields = Object.entries(dataset.schema.fields as Record<string, { type: string }>).filter(([, f]) => f.type !== 'metadata').map(([name]) => name);
    const seen = [...screenTexts(batch), ...[...datapoints.values()].flatMap((row) => shownFields.map((field) => row[field] ?? ''))].join('\n').toLowerCase();
    expect(seen.length).toBeGreaterThan(1000);
    for (const model of MODELS) expect(seen).not.toContain(model);
    // They are in the hidden columns, which is where rank_models finds them.
    expect([...datapoints.values()].some((row) => MODELS.includes(row.META_MODEL_A!))).toBe(true);
  });

  it('ranks the models in the order of their hidden quality, each score inside its interval', () => {
    expect(ranked.models.map((m: { model: string }) => m.model)).toEqual(MODELS);
    for (const [index, model] of ranked.models.entries()) {
      expect(model.rank).toBe(index + 1);
      expect(model.ci95[0]).toBeLessThan(model.score);
      expect(model.ci95[1]).toBeGreaterThan(model.score);
      expect(model.wins + model.losses + model.ties).toBe(model.judgements);
    }
    // 2 apart on the logit scale: the best and the worst cannot swap.
    expect(ranked.models[0].ci95[0]).toBeGreaterThan(ranked.models[3].ci95[1]);
    expect(ranked.win_rates.models).toEqual(MODELS);
    expect(ranked.win_rates.matrix[0][3]).toBeGreaterThan(0.7);
    expect(ranked.win_rates.matrix[0][0]).toBeNull();
    expect(ranked.comparisons_judged).toBe(180);
    expect(ranked.comparisons_total).toBe(180);
  });

  it('agrees with an independent count of the judgements, wins and side taken', () => {
    const question = made.instruction_ids[0];
    const answers = responses.filter((r) => r.response.instruction_id === question);
    expect(answers).toHaveLength(540);
    const byAnnotator = new Map<string, string[]>();
    for (const answer of answers) byAnnotator.set(answer.participant_id, [...(byAnnotator.get(answer.participant_id) ?? []), answer.response.answer[0]!.value]);
    const sameSide = [...byAnnotator].filter(([, values]) => values.length >= 5 && (values.every((v) => v === 'a') || values.every((v) => v === 'b'))).map(([id]) => id);
    expect(ranked.annotators.same_side).toBe(sameSide.length);
    expect(ranked.annotators.total).toBe(byAnnotator.size);
    const kept = answers.filter((answer) => !sameSide.includes(answer.participant_id));
    expect(ranked.judgements).toBe(kept.length);
    expect(ranked.excluded_same_side ?? 0).toBe(answers.length - kept.length);
    const wins = new Map<string, number>();
    for (const answer of kept) {
      const row = datapoints.get(answer.task_id)!;
      const value = answer.response.answer[0]!.value;
      if (value === 'tie') continue;
      const winner = value === 'a' ? row.META_MODEL_A! : row.META_MODEL_B!;
      wins.set(winner, (wins.get(winner) ?? 0) + 1);
    }
    for (const model of ranked.models) expect(model.wins, model.model).toBe(wins.get(model.model) ?? 0);
    // Position bias over every decisive answer, same-side annotators included.
    const decisive = answers.filter((a) => a.response.answer[0]!.value !== 'tie');
    const first = decisive.filter((a) => a.response.answer[0]!.value === 'a').length;
    expect(ranked.position_bias.decisive).toBe(decisive.length);
    expect(ranked.position_bias.first_share).toBeCloseTo(first / decisive.length, 3);
    expect(ranked.position_bias.ci95[0]).toBeLessThan(ranked.position_bias.first_share);
    for (const row of ranked.annotators.rows.filter((r: { same_side?: boolean }) => r.same_side)) expect(sameSide).toContain(row.participant_id);
  });

  it('exports preference pairs with the sides put back: chosen is the winner\'s text wherever it was shown', async () => {
    const file = join(env.dir, 'pairs.jsonl');
    const exported = ok(await env.call('export_labels', { batch_id: made.batch_id, file_path: file, format: 'preference' }));
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(exported.rows);
    expect(exported.rows + exported.no_winner).toBe(180);
    expect(exported.columns).toEqual(['prompt_id', 'prompt', 'chosen', 'rejected', 'chosen_model', 'rejected_model', 'votes', 'agreement', 'task_id']);
    const texts = writtenBy(rows);
    const question = made.instruction_ids[0];
    const excluded = new Set(ranked.annotators.rows.filter((r: { same_side?: boolean }) => r.same_side).map((r: { participant_id: string }) => r.participant_id));
    let chosenShownSecond = 0;
    for (const line of lines) {
      expect(line.chosen).toBe(texts.get(`${line.prompt_id}|${line.chosen_model}`));
      expect(line.rejected).toBe(texts.get(`${line.prompt_id}|${line.rejected_model}`));
      expect(line.chosen_model).not.toBe(line.rejected_model);
      // The independent count: votes per side for this task, mapped to models through the stored datapoint.
      const row = datapoints.get(line.task_id)!;
      const votes = responses.filter((r) => r.task_id === line.task_id && r.response.instruction_id === question && !excluded.has(r.participant_id)).map((r) => r.response.answer[0]!.value);
      const a = votes.filter((v) => v === 'a').length;
      const b = votes.filter((v) => v === 'b').length;
      expect(a).not.toBe(b);
      expect(line.chosen_model).toBe(a > b ? row.META_MODEL_A : row.META_MODEL_B);
      expect(line.votes).toEqual({ chosen: Math.max(a, b), rejected: Math.min(a, b), tie: votes.length - a - b });
      expect(line.agreement).toBeCloseTo(Math.max(a, b) / votes.length, 4);
      expect(line.prompt).toBe(row.prompt);
      if (row.META_MODEL_B === line.chosen_model) chosenShownSecond++;
    }
    // Winners sat on both sides, so a side not put back would have shown above.
    expect(chosenShownSecond).toBeGreaterThan(10);
    expect(chosenShownSecond).toBeLessThan(lines.length - 10);
    // The better model is chosen far more often than not.
    const better = lines.filter((line) => QUALITY[line.chosen_model]! > QUALITY[line.rejected_model]!).length;
    expect(better / lines.length).toBeGreaterThan(0.7);
  });

  it('refuses a preference export to a .csv file, and pooled batches', async () => {
    const csv = await env.call('export_labels', { batch_id: made.batch_id, file_path: join(env.dir, 'pairs.csv'), format: 'preference' });
    expect(csv.isError).toBe(true);
    expect(csv.text).toContain('must end in .jsonl');
    const pooled = await env.call('export_labels', { batch_id: made.batch_id, batch_ids: [made.dataset_id], file_path: join(env.dir, 'pooled.jsonl'), format: 'preference' });
    expect(pooled.isError).toBe(true);
    expect(pooled.text).toContain('one comparison batch');
  });

  it('keeps same-side annotators in the scores when asked', async () => {
    const kept = ok(await env.call('rank_models', { batch_id: made.batch_id, keep_same_side: true }));
    expect(kept.judgements).toBe(540);
    expect(kept.excluded_same_side).toBeUndefined();
  });

  it('stays within the result budget', async () => {
    const outcome = await env.call('rank_models', { batch_id: made.batch_id });
    expect(countTokens(outcome.text) + countTokens(JSON.stringify(outcome.data))).toBeLessThan(20_000);
  });
});

describe('rank_models on what is not yet a full run', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('says plainly that nothing is judged yet, then ranks a half-answered batch and says how far it got', async () => {
    const made = ok(await env.call('create_comparison', { name: 'Half', rows: outputs(20), seed: 3, tasks_per_group: 10 }));
    const empty = ok(await env.call('rank_models', { batch_id: made.batch_id }));
    expect(empty.judgements).toBe(0);
    expect(empty.note).toContain('No judgements yet');
    // 12 task groups but places for 5 submissions: about 40% of the comparisons get one judgement each.
    await submittedStudy(env, { batch_id: made.batch_id, name: 'Half', annotators_per_task: 1, total_available_places: 5 });
    const half = ok(await env.call('rank_models', { batch_id: made.batch_id }));
    expect(half.comparisons_judged).toBe(50);
    expect(half.comparisons_total).toBe(120);
    expect(half.note).toContain('50 of 120 comparisons judged so far');
    expect(half.models.length).toBeGreaterThanOrEqual(2);
    for (const model of half.models.filter((m: { judgements: number }) => m.judgements > 0)) expect(model.ci95[1]).toBeGreaterThan(model.ci95[0]);
  });

  it('explains that a batch without comparison questions has nothing to rank', async () => {
    const { batchId } = await readyBatch(env);
    const outcome = await env.call('rank_models', { batch_id: batchId });
    expect(outcome.isError).toBe(true);
    expect(outcome.text).toContain('no comparison question');
    expect(outcome.text).toContain('create_comparison');
  });

  it('ranks by another comparison question when asked, and names the others', async () => {
    const made = ok(await env.call('create_comparison', { name: 'Two criteria', rows: outputs(6), criteria: ['Which is more accurate?', 'Which is kinder?'] }));
    await submittedStudy(env, { batch_id: made.batch_id, name: 'Two criteria', annotators_per_task: 2 });
    const second = ok(await env.call('rank_models', { batch_id: made.batch_id, instruction_id: made.instruction_ids[1] }));
    expect(second.question).toBe('Which is kinder?');
    expect(second.other_questions).toEqual([{ instruction_id: made.instruction_ids[0], question: 'Which is more accurate?' }]);
    const wrong = await env.call('rank_models', { batch_id: made.batch_id, instruction_id: made.dataset_id });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toContain('is not a comparison question');
  });
});

describe('position bias, with a crowd that favours the first response', () => {
  let env: TestEnv;
  beforeAll(async () => {
    // Every other annotator takes the first response four times in five without weighing the two.
    env = await startEnv({ sandbox: { crowd: [{ diligence: 'careless', reliability: 0.2 }, { diligence: 'careful', reliability: 0.95 }] } });
  });
  afterAll(async () => {
    await env.close();
  });

  it('measures it overall and per annotator, and the ranking still comes out in order', async () => {
    const made = ok(await env.call('create_comparison', { name: 'Biased', rows: outputs(30), seed: 11 }));
    await submittedStudy(env, { batch_id: made.batch_id, name: 'Biased', annotators_per_task: 3 });
    const ranked = ok(await env.call('rank_models', { batch_id: made.batch_id }));
    // Half the crowd: 0.8 + 0.2 × 0.5 = 0.9 first; the other half 0.5: about 0.7 in all.
    expect(ranked.position_bias.first_share).toBeGreaterThan(0.62);
    expect(ranked.position_bias.first_share).toBeLessThan(0.78);
    expect(ranked.position_bias.ci95[0]).toBeGreaterThan(0.55);
    expect(ranked.position_bias.side_effect).toBeGreaterThan(0.3);
    expect(ranked.note).toContain('favoured the first response');
    const shares = ranked.annotators.rows.map((row: { first_share: number }) => row.first_share);
    expect(Math.max(...shares)).toBeGreaterThan(0.8);
    expect(ranked.models.map((m: { model: string }) => m.model)).toEqual(MODELS);
  });
});
