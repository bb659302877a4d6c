/**
 * From response records to labels: per task, the votes and the majority of every multiple-choice instruction;
 * per instruction, agreement; per annotator, how often they side with the others. Pure: no I/O.
 *
 * A single-select answer is one rating of the task. A multi-select answer is analysed one option at a time,
 * each option a chosen / not-chosen decision, as is usual for multi-label annotation: an option's majority is
 * "chosen" when more than half the task's annotators chose it, and the task's majority label is the set of
 * such options.
 */
import type { BatchResponse, Instruction } from '../prolific/types.js';
import { fleissKappa, krippendorffAlpha, percentAgreement, plurality, tally } from './agreement.js';
import { modelMulti, modelSingle, type Skills } from './modelled.js';

export type Method = 'majority' | 'dawid_skene';

export const CHOICE_TYPES: ReadonlySet<string> = new Set(['multiple_choice', 'multiple_choice_with_free_text']);

export interface ChoiceInstruction {
  id: string;
  answer_limit?: number;
  options?: { value: unknown }[];
}

/** What the analysis reads of an instruction as the API returns it. */
export function choiceInstruction(instruction: Instruction): ChoiceInstruction {
  return {
    id: instruction.id,
    ...(typeof instruction.answer_limit === 'number' ? { answer_limit: instruction.answer_limit } : {}),
    ...(Array.isArray(instruction.options) ? { options: instruction.options as { value: unknown }[] } : {}),
  };
}

export interface TaskLabel {
  task_id: string;
  /** Annotators who answered. */
  ratings: number;
  /** Votes per value; for multi-select, how many annotators chose each option. */
  counts: Record<string, number>;
  /** Null on a tie; for multi-select, the options more than half chose. */
  majority: string | string[] | null;
  /** Share of annotators who gave exactly the majority answer; null on a tie. */
  share: number | null;
  tie: boolean;
  /** Dawid–Skene only: the most probable answer and its posterior probability. */
  label?: string | string[];
  confidence?: number;
}

export interface ChoiceAnalysis {
  instruction_id: string;
  multi_select: boolean;
  /** In the order tasks first appear in the records. */
  tasks: TaskLabel[];
  /** Votes per value over all tasks. */
  counts: Record<string, number>;
  krippendorff_alpha: number | null;
  fleiss_kappa: number | null;
  percent_agreement: number | null;
}

export interface AnnotatorAgreement {
  participant_id: string;
  /** Distinct tasks answered. */
  tasks: number;
  /** Answers (for multi-select, option decisions) compared with a clear majority of the other annotators. */
  compared: number;
  matched: number;
  agreement_with_majority: number | null;
  /** Dawid–Skene only: the share of answers expected right, from the confusion matrices and class priors. */
  estimated_accuracy?: number | null;
  /** With known answers: answers on gold tasks, and the share that matched. */
  gold_answers?: number;
  gold_accuracy?: number | null;
}

export interface AnalysisOptions {
  method?: Method;
  /** instruction id → task id → the known answer (several values for multi-select). */
  gold?: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

const CHOSEN = '1';
const NOT_CHOSEN = '0';

/**
 * @param records  response records in any order; a repeated (participant, task, instruction) keeps its first
 * @param instructions  the choice instructions to analyse, in the order to report them
 */
export function analyseChoices(
  records: readonly BatchResponse[],
  instructions: readonly ChoiceInstruction[],
  options: AnalysisOptions = {},
): { choices: ChoiceAnalysis[]; annotators: AnnotatorAgreement[] } {
  // Only the instructions analysed are indexed: answers to the others (free text, often half the records) are never read.
  const byInstruction = new Map<string, Map<string, Map<string, string[]>>>(instructions.map((instruction) => [instruction.id, new Map()]));
  const tasksOf = new Map<string, Set<string>>();
  for (const record of records) {
    let tasks = tasksOf.get(record.participant_id);
    if (!tasks) {
      tasks = new Set<string>();
      tasksOf.set(record.participant_id, tasks);
    }
    tasks.add(record.task_id);
    const instructionId = record.response?.instruction_id;
    if (!instructionId) continue;
    const byTask = byInstruction.get(instructionId);
    if (!byTask) continue;
    let raters = byTask.get(record.task_id);
    if (!raters) {
      raters = new Map<string, string[]>();
      byTask.set(record.task_id, raters);
    }
    if (!raters.has(record.participant_id)) raters.set(record.participant_id, chosenValues(record.response.answer));
  }

  const tallies = new Map<string, { compared: number; matched: number }>();
  const compare = (participant: string, matched: boolean): void => {
    let entry = tallies.get(participant);
    if (!entry) {
      entry = { compared: 0, matched: 0 };
      tallies.set(participant, entry);
    }
    entry.compared += 1;
    if (matched) entry.matched += 1;
  };

  const modelled = options.method === 'dawid_skene';
  const skills: Skills = new Map();
  const gold = new Map<string, { answers: number; right: number }>();
  const choices = instructions.map((instruction) => {
    const byTask = byInstruction.get(instruction.id) as Map<string, Map<string, string[]>>;
    const multi = isMultiSelect(instruction, byTask);
    const analysis = multi ? multiSelect(instruction, byTask, compare) : singleSelect(byTask, compare);
    if (modelled) {
      const labels = multi ? modelMulti(byTask, optionsOf(instruction, byTask), skills) : modelSingle(byTask, optionsOf(instruction, byTask), skills);
      for (const task of analysis.tasks) Object.assign(task, labels.get(task.task_id));
    }
    const known = options.gold?.get(instruction.id);
    if (known) scoreGold(byTask, known, gold);
    return { instruction_id: instruction.id, multi_select: multi, ...analysis };
  });

  const annotators: AnnotatorAgreement[] = [];
  for (const [participant_id, tasks] of tasksOf) {
    const { compared, matched } = tallies.get(participant_id) ?? { compared: 0, matched: 0 };
    const annotator: AnnotatorAgreement = { participant_id, tasks: tasks.size, compared, matched, agreement_with_majority: compared ? matched / compared : null };
    if (modelled) {
      const skill = skills.get(participant_id);
      annotator.estimated_accuracy = skill?.weight ? skill.sum / skill.weight : null;
    }
    if (options.gold) {
      const scored = gold.get(participant_id) ?? { answers: 0, right: 0 };
      annotator.gold_answers = scored.answers;
      annotator.gold_accuracy = scored.answers ? scored.right / scored.answers : null;
    }
    annotators.push(annotator);
  }
  // Worst first, so that careless annotators head the list; those never compared go last.
  const quality = (a: AnnotatorAgreement) => (modelled ? a.estimated_accuracy : a.agreement_with_majority) ?? 2;
  annotators.sort((a, b) => quality(a) - quality(b) || b.compared - a.compared || a.participant_id.localeCompare(b.participant_id));
  return { choices, annotators };
}

/** Every option of the instruction, then any value the answers hold that it does not list. */
function optionsOf(instruction: ChoiceInstruction, byTask: Map<string, Map<string, string[]>>): string[] {
  const options = (instruction.options ?? []).map((option) => String(option.value));
  const known = new Set(options);
  for (const raters of byTask.values()) {
    for (const values of raters.values()) {
      for (const value of values) {
        if (known.has(value)) continue;
        known.add(value);
        options.push(value);
      }
    }
  }
  return options;
}

/** An answer on a gold task counts as right when it is exactly the known answer (the same set, for multi-select). */
function scoreGold(
  byTask: Map<string, Map<string, string[]>>,
  known: ReadonlyMap<string, readonly string[]>,
  scores: Map<string, { answers: number; right: number }>,
): void {
  for (const [task, raters] of byTask) {
    const truth = known.get(task);
    if (!truth) continue;
    for (const [participant, values] of raters) {
      if (values.length === 0) continue;
      const entry = scores.get(participant) ?? { answers: 0, right: 0 };
      entry.answers += 1;
      if (values.length === truth.length && values.every((value) => truth.includes(value))) entry.right += 1;
      scores.set(participant, entry);
    }
  }
}

type Compare = (participant: string, matched: boolean) => void;
type Analysis = Omit<ChoiceAnalysis, 'instruction_id' | 'multi_select'>;

function chosenValues(answer: unknown): string[] {
  if (!Array.isArray(answer)) return [];
  const values: string[] = [];
  for (const item of answer) {
    const value = (item as { value?: unknown } | null)?.value;
    if (value === undefined || value === null) continue;
    const text = String(value);
    if (!values.includes(text)) values.push(text);
  }
  return values;
}

/** answer_limit says so when known; otherwise any answer with two options gives it away. */
function isMultiSelect(instruction: ChoiceInstruction, byTask: Map<string, Map<string, string[]>>): boolean {
  if (instruction.answer_limit !== undefined) return instruction.answer_limit !== 1;
  for (const raters of byTask.values()) for (const values of raters.values()) if (values.length > 1) return true;
  return false;
}

function singleSelect(byTask: Map<string, Map<string, string[]>>, compare: Compare): Analysis {
  const tasks: TaskLabel[] = [];
  const units: string[][] = [];
  const overall = new Map<string, number>();
  for (const [task_id, raters] of byTask) {
    const participants: string[] = [];
    const values: string[] = [];
    for (const [participant, answer] of raters) {
      // An answer without a value is a missing rating, not a label.
      const value = answer[0];
      if (value === undefined) continue;
      participants.push(participant);
      values.push(value);
    }
    if (values.length === 0) continue;
    const counts = tally(values);
    for (const [value, n] of counts) overall.set(value, (overall.get(value) ?? 0) + n);
    const top = plurality(counts);
    tasks.push({
      task_id,
      ratings: values.length,
      counts: Object.fromEntries(counts),
      majority: top.value,
      share: top.tie ? null : top.count / values.length,
      tie: top.tie,
    });
    units.push(values);
    values.forEach((value, index) => {
      const theirs = plurality(counts, value);
      if (theirs.value !== null) compare(participants[index] as string, theirs.value === value);
    });
  }
  return { tasks, counts: Object.fromEntries(overall), ...agreement(units) };
}

function multiSelect(instruction: ChoiceInstruction, byTask: Map<string, Map<string, string[]>>, compare: Compare): Analysis {
  // Every option of the instruction is a decision, including options nobody chose: not choosing is an answer.
  const options = optionsOf(instruction, byTask);
  const tasks: TaskLabel[] = [];
  const units: string[][] = [];
  const overall = new Map<string, number>();
  for (const [task_id, raters] of byTask) {
    const answers = [...raters];
    const m = answers.length;
    const counts = new Map<string, number>();
    const majority: string[] = [];
    let tie = false;
    for (const option of options) {
      let chosen = 0;
      const decisions = answers.map(([, values]) => {
        if (!values.includes(option)) return NOT_CHOSEN;
        chosen += 1;
        return CHOSEN;
      });
      if (chosen > 0) {
        counts.set(option, chosen);
        overall.set(option, (overall.get(option) ?? 0) + chosen);
      }
      if (2 * chosen === m) tie = true;
      else if (2 * chosen > m) majority.push(option);
      units.push(decisions);
      answers.forEach(([participant], index) => {
        const own = decisions[index] === CHOSEN ? 1 : 0;
        const othersChosen = chosen - own;
        const others = m - 1;
        if (others > 0 && 2 * othersChosen !== others) compare(participant, 2 * othersChosen > others === (own === 1));
      });
    }
    const exact = answers.filter(([, values]) => values.length === majority.length && majority.every((option) => values.includes(option))).length;
    tasks.push({
      task_id,
      ratings: m,
      counts: Object.fromEntries(counts),
      majority: tie ? null : majority,
      share: tie ? null : exact / m,
      tie,
    });
  }
  return { tasks, counts: Object.fromEntries(overall), ...agreement(units) };
}

function agreement(units: string[][]): Pick<ChoiceAnalysis, 'krippendorff_alpha' | 'fleiss_kappa' | 'percent_agreement'> {
  return {
    krippendorff_alpha: krippendorffAlpha(units),
    fleiss_kappa: fleissKappa(units),
    percent_agreement: percentAgreement(units),
  };
}

/** Tasks in the order a reviewer should look at them: the least confident labels, or ties then the weakest majorities. */
export function mostContestedFirst(tasks: readonly TaskLabel[]): TaskLabel[] {
  return [...tasks].sort(
    (a, b) =>
      (a.confidence ?? 0) - (b.confidence ?? 0) || Number(b.tie) - Number(a.tie) || (a.share ?? 0) - (b.share ?? 0) || b.ratings - a.ratings,
  );
}
