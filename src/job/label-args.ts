/** The arguments summarize_responses and export_labels share: which rounds to read and how to turn votes into labels. */
import { z } from 'zod';
import { prolificId } from '../util/shapes.js';
import { ToolError } from '../errors.js';
import type { BatchResponse } from '../prolific/types.js';
import type { Method } from '../stats/labels.js';

/** Described once, on summarize_responses: the other tools behave the same way. */
export const labelMethod = z.enum(['majority', 'dawid_skene']).optional();

export const pooledBatches = { batch_ids: z.array(prolificId('batch')).optional() };

const MAX_ROUNDS = 20;

/** batch_id first, then batch_ids, each once. */
export function pooledIds(args: { batch_id?: string | undefined; batch_ids?: string[] | undefined }): string[] {
  const ids = [...(args.batch_id ? [args.batch_id] : []), ...(args.batch_ids ?? [])];
  if (ids.length === 0) throw new ToolError('Give batch_id, or batch_ids to pool several rounds (the first batch first).');
  if (ids.length > MAX_ROUNDS) throw new ToolError(`batch_ids pools at most ${MAX_ROUNDS} rounds; give the first batch and its latest follow-ups.`);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated && args.batch_ids?.filter((id) => id === repeated).length !== 1) {
    throw new ToolError(`batch_ids lists ${repeated} twice; give each round once, the first batch first.`);
  }
  return [...new Set(ids)];
}

/** Below this many answers per annotator (the median), a confusion matrix is mostly guesswork. */
export const MODEL_MIN_ANSWERS = 10;

/**
 * The method asked for, or, when none was, Dawid–Skene where it has enough to work with: every task of every
 * multiple-choice instruction rated at least 3 times, and the median annotator with MODEL_MIN_ANSWERS
 * answers, since it estimates each annotator from their own answers. Otherwise majority vote.
 */
export function resolveMethod(asked: Method | undefined, records: readonly BatchResponse[], choiceIds: ReadonlySet<string>): Method {
  return asked ?? (modelSupport(records, choiceIds).enough ? 'dawid_skene' : 'majority');
}

/** Whether the responses give Dawid–Skene enough to work with, and the median answers per annotator. */
export function modelSupport(records: readonly BatchResponse[], choiceIds: ReadonlySet<string>): { enough: boolean; medianAnswers: number } {
  const raters = new Map<string, Set<string>>();
  const answers = new Map<string, number>();
  for (const record of records) {
    const instruction = record.response?.instruction_id;
    if (!choiceIds.has(instruction)) continue;
    const key = `${instruction}\u0000${record.task_id}`;
    let set = raters.get(key);
    if (!set) {
      set = new Set();
      raters.set(key, set);
    }
    set.add(record.participant_id);
    answers.set(record.participant_id, (answers.get(record.participant_id) ?? 0) + 1);
  }
  const counts = [...answers.values()].sort((a, b) => a - b);
  const medianAnswers = counts.length ? (counts[Math.floor(counts.length / 2)] as number) : 0;
  let rated = raters.size > 0;
  for (const set of raters.values()) if (set.size < 3) rated = false;
  return { enough: rated && medianAnswers >= MODEL_MIN_ANSWERS, medianAnswers };
}
