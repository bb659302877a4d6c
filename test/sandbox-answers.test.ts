/**
 * The sandbox reads the answers a dataset states (META_SANDBOX_ANSWER_<question> columns) by its own reading
 * of the documented rule (src/sandbox/truth.ts). The columns here are named by the server's rule for gold and
 * export columns (src/job/question-key.ts), so the two must agree: a long description cut at a word, accents,
 * any case, and a bare column for a batch with one choice question.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { questionKey } from '../src/job/question-key.js';
import { readyBatch, startEnv, type TestEnv } from './support/env.js';

const choice = (description: string, values: string[]) => ({
  type: 'multiple_choice',
  description,
  options: values.map((value) => ({ label: value, value })),
  answer_limit: values.length,
});

const LONG = choice('Quelle opinion générale cette critique de produit exprime-t-elle au sujet de la livraison ?', ['positive', 'negative']);
const ASPECTS = choice('Which aspects does it mention?', ['price', 'quality', 'delivery']);
const STATED = [
  { long: 'positive', aspects: 'price;quality' },
  { long: 'negative', aspects: 'delivery' },
  { long: 'NEGATIVE', aspects: 'quality; price' },
  { long: 'positive', aspects: 'nothing' },
];

let env: TestEnv;

beforeAll(async () => {
  env = await startEnv();
});

afterAll(async () => {
  await env?.close();
});

describe('sandbox stated answers', () => {
  it('reads META_SANDBOX_ANSWER_<question> columns named as the server names questions', async () => {
    expect(questionKey(LONG.description).length).toBeLessThanOrEqual(40);
    const rows = STATED.map((stated, i) => ({
      text: `Review ${i}`,
      [`META_SANDBOX_ANSWER_${questionKey(LONG.description).toUpperCase()}`]: stated.long,
      [`meta_sandbox_answer_${questionKey(ASPECTS.description)}`]: stated.aspects,
    }));
    const { batchId, instructions } = await readyBatch(env, 2, { rows, instructions: [LONG, ASPECTS] });
    const [long, aspects] = instructions.map((instruction) => instruction.id);
    const truth = (question: string) => STATED.map((_, task) => env.sandbox.state.hiddenAnswer(batchId, task, question));
    expect(truth(long!)).toEqual([['positive'], ['negative'], ['negative'], ['positive']]);
    expect(truth(aspects!).slice(0, 3)).toEqual([['price', 'quality'], ['delivery'], ['price', 'quality']]);
    // A cell that names no option leaves the answer to the seed, as without the column.
    expect(truth(aspects!)[3]!.every((value) => ASPECTS.options.some((option) => option.value === value))).toBe(true);
  });

  it('reads a bare META_SANDBOX_ANSWER column for the only choice question, and no other column', async () => {
    const rows = STATED.map((stated, i) => ({ text: `Review ${i}`, META_SANDBOX_ANSWER: stated.long, META_SANDBOX_ANSWER_SOMETHING_ELSE: 'negative' }));
    const { batchId, instructions } = await readyBatch(env, 2, { rows, instructions: [LONG, { type: 'free_text', description: 'Why?' }] });
    const question = instructions[0]!.id;
    expect(STATED.map((_, task) => env.sandbox.state.hiddenAnswer(batchId, task, question))).toEqual([['positive'], ['negative'], ['negative'], ['positive']]);
  });
});
