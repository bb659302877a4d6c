/**
 * Each annotator's accuracy on a batch, as summarize_responses reports it: Dawid–Skene's estimated_accuracy
 * where that method applies (or was asked for), else agreement_with_majority. rerun_contested leaves the
 * least accurate out of a follow-up and pay_bonuses rewards the most accurate by it, so the figure an agent
 * reads in a summary is the one these act on.
 */
import type { StepContext } from './context.js';
import { readLabelSource, type LabelSource } from './labels-source.js';
import { resolveMethod } from './label-args.js';
import type { AnnotatorAgreement, Method } from '../stats/labels.js';

export interface Accuracy {
  method: Method;
  /** The field of summarize_responses the figures are. */
  measure: 'estimated_accuracy' | 'agreement_with_majority';
  /** null: never compared with other annotators, so not judged. */
  byParticipant: Map<string, number | null>;
}

export async function readAccuracy(context: StepContext, batchId: string, method?: Method): Promise<Accuracy> {
  return accuracyOf(await readLabelSource(context, [batchId], false), method);
}

async function accuracyOf(source: LabelSource, asked?: Method): Promise<Accuracy> {
  const { analyseChoices, choiceInstruction, CHOICE_TYPES } = await import('../stats/labels.js');
  const choices = source.questions.filter((question) => CHOICE_TYPES.has(question.type));
  const method = resolveMethod(asked, source.records, new Set(choices.map((question) => question.id)));
  const { annotators } = analyseChoices(source.records, choices.map(choiceInstruction), { method, ...(source.gold.size ? { gold: source.gold } : {}) });
  return accuracyFrom(method, annotators);
}

/** The figures of an analysis already run (by `method`), for a caller that needed it for more than these. */
export function accuracyFrom(method: Method, annotators: readonly AnnotatorAgreement[]): Accuracy {
  const measure = method === 'dawid_skene' ? 'estimated_accuracy' : 'agreement_with_majority';
  return { method, measure, byParticipant: new Map(annotators.map((annotator) => [annotator.participant_id, annotator[measure] ?? null])) };
}

/** Participants judged below `threshold`, worst first. */
export function below(accuracy: Accuracy, threshold: number): string[] {
  return [...accuracy.byParticipant]
    .filter((entry): entry is [string, number] => entry[1] !== null && entry[1] < threshold)
    .sort((a, b) => a[1] - b[1])
    .map(([participant]) => participant);
}

/** Participants judged at or above `threshold`, best first. */
export function atLeast(accuracy: Accuracy, threshold: number): string[] {
  return [...accuracy.byParticipant]
    .filter((entry): entry is [string, number] => entry[1] !== null && entry[1] >= threshold)
    .sort((a, b) => b[1] - a[1])
    .map(([participant]) => participant);
}
