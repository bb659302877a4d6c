/**
 * A comparison batch as rank_models and export_labels read it: the answers to one comparison question, each
 * put back to the models it compared (the datapoint's hidden META_MODEL_A/B, read from the batch report),
 * numbered for the statistics. Answers whose datapoint is unknown, or whose value is not a side, are counted
 * and left out, never guessed.
 */
import { ToolError } from '../errors.js';
import type { StepContext } from './context.js';
import { readLabelSource } from './labels-source.js';
import type { Instruction } from '../prolific/types.js';
import { FIRST, SECOND, TIE, type Judgements } from '../stats/bradley-terry.js';
import { comparedIn, COMPARISON_COLUMNS, SIDE_VALUES } from './comparison-pairs.js';
import { isComparisonQuestion } from './comparison-layout.js';

export interface ComparisonData {
  question: Instruction;
  /** Every comparison question of the batch, the chosen one among them. */
  comparisonQuestions: Instruction[];
  /** In the order they first appear in the answers. */
  models: string[];
  annotators: string[];
  judgements: Judgements;
  /** Per judgement: its task. */
  tasks: string[];
  datapoints: Map<string, Record<string, string>>;
  /** Answers left out: no comparison datapoint for their task, or a value that is not a side. */
  unreadable: number;
  warning?: string;
}

export async function readComparisons(context: Pick<StepContext, 'client' | 'signal'>, batchId: string, instructionId: string | undefined): Promise<ComparisonData> {
  const source = await readLabelSource(context, [batchId], true);
  const comparisonQuestions = source.questions.filter(isComparisonQuestion);
  if (comparisonQuestions.length === 0) {
    throw new ToolError(
      `Batch ${batchId} has no comparison question (a single choice answered "a", "b" or "tie"), so there is nothing to rank. create_comparison builds comparison batches.`,
    );
  }
  const question = instructionId === undefined ? comparisonQuestions[0] : comparisonQuestions.find((candidate) => candidate.id === instructionId);
  if (!question) {
    const ids = comparisonQuestions.map((candidate) => `${candidate.id} ("${candidate.description}")`).join(', ');
    throw new ToolError(`instruction_id ${instructionId} is not a comparison question of batch ${batchId}; its comparison questions are ${ids}.`);
  }
  const models = new Index();
  const prompts = new Index();
  const annotators = new Index();
  const first: number[] = [];
  const second: number[] = [];
  const outcome: number[] = [];
  const prompt: number[] = [];
  const annotator: number[] = [];
  const tasks: string[] = [];
  let unreadable = 0;
  let answered = 0;
  for (const record of source.records) {
    if (record.response?.instruction_id !== question.id) continue;
    answered++;
    const compared = comparedIn(source.datapoints.get(record.task_id));
    const value = String((record.response.answer?.[0] as { value?: unknown } | undefined)?.value ?? '').toLowerCase();
    const side = value === SIDE_VALUES.a ? FIRST : value === SIDE_VALUES.b ? SECOND : value === SIDE_VALUES.tie ? TIE : undefined;
    if (!compared || side === undefined) {
      unreadable++;
      continue;
    }
    first.push(models.of(compared.modelA));
    second.push(models.of(compared.modelB));
    outcome.push(side);
    prompt.push(prompts.of(compared.promptId));
    annotator.push(annotators.of(record.participant_id));
    tasks.push(record.task_id);
  }
  if (answered > 0 && first.length === 0) {
    const why = source.warning ?? `its report has no ${COMPARISON_COLUMNS.modelA} and ${COMPARISON_COLUMNS.modelB} columns for the answered tasks`;
    throw new ToolError(`Batch ${batchId} has ${answered} answers, but none can be put back to the models compared: ${why}. rank_models needs a batch made by create_comparison.`);
  }
  return {
    question,
    comparisonQuestions,
    models: models.names,
    annotators: annotators.names,
    judgements: {
      models: models.names.length,
      prompts: prompts.names.length,
      annotators: annotators.names.length,
      first: Int32Array.from(first),
      second: Int32Array.from(second),
      outcome: Uint8Array.from(outcome),
      prompt: Int32Array.from(prompt),
      annotator: Int32Array.from(annotator),
    },
    tasks,
    datapoints: source.datapoints,
    unreadable,
    ...(source.warning ? { warning: source.warning } : {}),
  };
}

/** Names numbered from 0 in the order first seen. */
class Index {
  readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();

  of(name: string): number {
    let number = this.numbers.get(name);
    if (number === undefined) {
      number = this.names.length;
      this.numbers.set(name, number);
      this.names.push(name);
    }
    return number;
  }
}
