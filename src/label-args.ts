/** The arguments summarize_responses and export_labels share: which rounds to read and how to turn votes into labels. */
import { z } from 'zod';
import { prolificId } from './shapes.js';
import { ToolError } from './tool.js';
import type { BatchResponse } from './prolific/types.js';
import type { Method } from './stats/labels.js';

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

/**
 * The method asked for, or, when none was, Dawid–Skene where it has enough to work with: every task of every
 * multiple-choice instruction rated at least 3 times. Otherwise majority vote, as before the model existed.
 */
export function resolveMethod(asked: Method | undefined, records: readonly BatchResponse[], choiceIds: ReadonlySet<string>): Method {
  if (asked) return asked;
  const raters = new Map<string, Set<string>>();
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
  }
  if (raters.size === 0) return 'majority';
  for (const set of raters.values()) if (set.size < 3) return 'majority';
  return 'dawid_skene';
}
