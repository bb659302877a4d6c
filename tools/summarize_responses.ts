import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId } from '../src/util/shapes.js';
import { labelMethod, MODEL_MIN_ANSWERS, modelSupport, pooledBatches, pooledIds, resolveMethod } from '../src/job/label-args.js';
import { readLabelSource } from '../src/job/labels-source.js';
import type { BatchResponse, Instruction } from '../src/prolific/types.js';
import type { AnnotatorAgreement, ChoiceAnalysis, ChoiceInstruction, Method, TaskLabel } from '../src/stats/labels.js';

/**
 * Both copies of the result (structured and text) reach the agent, so its JSON stays under this many
 * characters: with ids at about 2.4 characters per o200k token, the two copies stay under 20,000 tokens.
 */
const BUDGET_CHARS = 20_000;
/** Annotator rows come before task rows, worst first, within this part of the budget. */
const ANNOTATOR_BUDGET_CHARS = 5_000;

interface Limits {
  description: number;
  examples: number;
  exampleLength: number;
}

const ROOMY: Limits = { description: 200, examples: 3, exampleLength: 160 };
const TIGHT: Limits = { description: 60, examples: 1, exampleLength: 60 };

export default defineTool({
  name: 'summarize_responses',
  toolset: 'results',
  title: 'Summarize responses',
  description:
    "Labels and agreement per choice question (votes, majority, dawid_skene label/confidence, alpha, kappa), per annotator worst first (agreement, estimated_accuracy, META_GOLD_<question> gold accuracy), text digests. Big batches list the most contested tasks.",
  input: {
    batch_id: prolificId('batch').optional(),
    ...pooledBatches,
    method: labelMethod.describe('Default dawid_skene if tasks have 3+ ratings, annotators 10+'),
    instruction_id: prolificId('instruction').optional(),
  },
  output: {
    batch_id: z.string(),
    responses: z.number(),
    instructions: z.array(z.looseObject({ instruction_id: z.string() })),
    participants: z.array(z.looseObject({ participant_id: z.string() })),
    note: z.string().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, context) {
    const batchIds = pooledIds(args);
    const batchId = batchIds[0] as string;
    const source = await readLabelSource(context, batchIds, false);
    const { records, questions } = source;
    // Loaded on first use, so that starting the server costs nothing for them.
    const { analyseChoices, choiceInstruction, CHOICE_TYPES, mostContestedFirst } = await import('../src/stats/labels.js');
    let scope = instructionsOf(questions, records, choiceInstruction);
    if (args.instruction_id) {
      scope = scope.filter((instruction) => instruction.id === args.instruction_id);
      if (scope.length === 0) {
        throw new ToolError(`instruction_id ${args.instruction_id} is not an instruction of batch ${batchId}; get_batch lists them.`);
      }
    }
    const inScope = new Set(scope.map((instruction) => instruction.id));
    const considered = records.filter((record) => inScope.has(record.response?.instruction_id));
    const choiceScope = scope.filter((instruction) => CHOICE_TYPES.has(instruction.type));
    const method: Method = resolveMethod(args.method, considered, new Set(choiceScope.map((instruction) => instruction.id)));
    const pooled = batchIds.length > 1 ? { batch_ids: batchIds } : {};
    if (considered.length === 0) {
      return {
        batch_id: batchId,
        ...pooled,
        method,
        responses: 0,
        instructions: scope.map((i) => ({ instruction_id: i.id, type: i.type, description: clip(i.description, ROOMY.description) })),
        participants: [],
        note: 'No responses yet. Follow the study with get_study and summarize once submissions arrive.',
      };
    }
    const { digestAnswers } = await import('../src/stats/text-answers.js');

    const { choices, annotators } = analyseChoices(considered, choiceScope, { method, ...(source.gold.size ? { gold: source.gold } : {}) });
    const analysis = new Map(choices.map((choice) => [choice.instruction_id, choice]));
    // One pass over the records, however many instructions and however often the heads are drawn.
    const recordsOf = new Map<string, BatchResponse[]>();
    for (const record of considered) {
      const id = record.response.instruction_id;
      const own = recordsOf.get(id);
      if (own) own.push(record);
      else recordsOf.set(id, [record]);
    }
    const heads = (limits: Limits) =>
      scope.map((instruction) => {
        const head = { instruction_id: instruction.id, type: instruction.type, description: clip(instruction.description, limits.description) };
        const choice = analysis.get(instruction.id);
        const digest = () => digestAnswers(recordsOf.get(instruction.id) ?? [], instruction.type, limits.examples, limits.exampleLength);
        if (!choice) return { ...head, ...digest() };
        return {
          ...head,
          // The explanations annotators gave with their choice.
          ...(instruction.type === 'multiple_choice_with_free_text' ? { examples: digest().examples } : {}),
          multi_select: choice.multi_select,
          tasks_total: choice.tasks.length,
          ties: choice.tasks.filter((task) => task.tie).length,
          counts: choice.counts,
          krippendorff_alpha: round(choice.krippendorff_alpha),
          fleiss_kappa: round(choice.fleiss_kappa),
          percent_agreement: round(choice.percent_agreement),
        };
      });

    const notes: string[] = [];
    const support = method === 'dawid_skene' ? modelSupport(considered, new Set(choiceScope.map((instruction) => instruction.id))) : undefined;
    if (support && support.medianAnswers < MODEL_MIN_ANSWERS) {
      notes.push(
        `Most annotators gave fewer than ${MODEL_MIN_ANSWERS} answers, too few to estimate their accuracy well: Dawid–Skene labels and confidences are rough here, and majority is the safer method.`,
      );
    }
    if (source.goldColumns.length) notes.push(`Gold answers from ${source.goldColumns.join(', ')}.`);
    if (source.warning && source.goldColumns.length) notes.push(source.warning);
    const participants = fitting(annotators, annotatorRow, ANNOTATOR_BUDGET_CHARS);
    if (participants.length < annotators.length) {
      notes.push(`Showing the ${participants.length} annotators with the lowest ${method === 'dawid_skene' ? 'estimated accuracy' : 'agreement'} of ${annotators.length}.`);
    }
    let fixed = { batch_id: batchId, ...pooled, method, responses: considered.length, instructions: heads(ROOMY), participants };
    // Dozens of instructions with long descriptions: shorter descriptions and one example each leave room for labels.
    if (size(fixed) > BUDGET_CHARS / 2) fixed = { ...fixed, instructions: heads(TIGHT) };
    // What is left for task rows, keeping room for the note.
    let room = BUDGET_CHARS - size(fixed) - 400;
    const listAll = fitsIn(choices, room);
    let left = choices.length;
    const instructions = fixed.instructions.map((head) => {
      const choice = analysis.get(head.instruction_id);
      if (!choice) return head;
      if (listAll) return { ...head, tasks: choice.tasks.map(taskRow) };
      // Each instruction gets an even share of what is left, and passes on what it does not use.
      const shown = fitting(mostContestedFirst(choice.tasks), taskRow, room / left);
      room -= rowsSize(shown);
      left -= 1;
      return { ...head, tasks_shown: shown.length, tasks: shown };
    });
    if (!listAll) {
      notes.push(
        `Too many tasks to list: each instruction shows its most contested tasks (${method === 'dawid_skene' ? 'lowest confidence first' : 'ties, then the weakest majorities'}). export_labels writes every task.`,
      );
    }
    return { ...fixed, instructions, ...(notes.length ? { note: notes.join(' ') } : {}) };
  },
});

interface ScopedInstruction extends ChoiceInstruction {
  type: string;
  description: string;
}

/** The batch's instructions in order, and any the responses name that the batch no longer lists. */
function instructionsOf(
  listed: readonly Instruction[],
  records: readonly BatchResponse[],
  choiceInstruction: (instruction: Instruction) => ChoiceInstruction,
): ScopedInstruction[] {
  const scope: ScopedInstruction[] = listed.map((instruction) => ({
    ...choiceInstruction(instruction),
    type: instruction.type,
    description: instruction.description,
  }));
  const known = new Set(scope.map((instruction) => instruction.id));
  for (const record of records) {
    const id = record.response?.instruction_id;
    if (id && !known.has(id)) {
      known.add(id);
      scope.push({ id, type: record.response.type, description: '' });
    }
  }
  return scope;
}

type TaskRow = Record<string, unknown>;

function taskRow(task: TaskLabel): TaskRow {
  if (task.confidence !== undefined) {
    return { task_id: task.task_id, ratings: task.ratings, counts: task.counts, majority: task.majority, label: task.label, confidence: round(task.confidence) };
  }
  return {
    task_id: task.task_id,
    ratings: task.ratings,
    counts: task.counts,
    majority: task.majority,
    share: round(task.share),
    ...(task.tie ? { tie: true } : {}),
  };
}

function annotatorRow(annotator: AnnotatorAgreement): Record<string, unknown> & { participant_id: string; agreement_with_majority: number | null } {
  return {
    participant_id: annotator.participant_id,
    tasks: annotator.tasks,
    compared: annotator.compared,
    agreement_with_majority: round(annotator.agreement_with_majority),
    ...(annotator.estimated_accuracy !== undefined ? { estimated_accuracy: round(annotator.estimated_accuracy) } : {}),
    ...(annotator.gold_answers !== undefined ? { gold_answers: annotator.gold_answers, gold_accuracy: round(annotator.gold_accuracy ?? null) } : {}),
  };
}

/** The rows of the leading items that fit in `budget` characters of JSON; rows past the budget are never made. */
function fitting<T, R>(items: readonly T[], row: (item: T) => R, budget: number): R[] {
  const out: R[] = [];
  let used = 0;
  for (const item of items) {
    const made = row(item);
    used += size(made) + 1;
    if (used > budget) break;
    out.push(made);
  }
  return out;
}

/** Whether every task's row fits in `budget` characters of JSON, stopping at the first that does not. */
function fitsIn(choices: readonly ChoiceAnalysis[], budget: number): boolean {
  let used = 0;
  for (const choice of choices) {
    for (const task of choice.tasks) {
      used += size(taskRow(task)) + 1;
      if (used > budget) return false;
    }
  }
  return true;
}

function rowsSize(rows: readonly unknown[]): number {
  return rows.reduce<number>((sum, row) => sum + size(row) + 1, 0);
}

function size(value: unknown): number {
  return JSON.stringify(value).length;
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
