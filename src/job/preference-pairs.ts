/**
 * Training pairs from a comparison batch, in the prompt / chosen / rejected form preference training takes
 * (DPO, reward models): one row per comparison that has a winner, the side with more votes, tie votes
 * counting for neither. The sides are put back: `chosen` is the text of the winning response wherever it
 * was shown, `chosen_model` the model that wrote it. Votes of annotators who always chose the same side say
 * nothing about the responses and are left out, as rank_models leaves them out.
 */
import { FIRST, SECOND, sidesTaken } from '../stats/bradley-terry.js';
import { COMPARISON_COLUMNS } from './comparison-pairs.js';
import type { ComparisonData } from './comparison-source.js';

export interface PreferenceRow {
  prompt_id: string;
  prompt: string;
  chosen: string;
  rejected: string;
  chosen_model: string;
  rejected_model: string;
  votes: { chosen: number; rejected: number; tie: number };
  /** The share of the comparison's votes (ties included) that went to the chosen response. */
  agreement: number;
  task_id: string;
}

export const PREFERENCE_COLUMNS: readonly (keyof PreferenceRow)[] = ['prompt_id', 'prompt', 'chosen', 'rejected', 'chosen_model', 'rejected_model', 'votes', 'agreement', 'task_id'];

export interface PreferencePairs {
  rows: PreferenceRow[];
  /** Comparisons judged whose votes were even (or all ties): no winner, so no row. */
  noWinner: number;
  /** Votes left out as those of same-side annotators. */
  excludedVotes: number;
}

export function preferencePairs(data: ComparisonData): PreferencePairs {
  const { judgements } = data;
  const sameSide = sidesTaken(judgements).sameSide;
  const tallies = new Map<string, { first: number; second: number; tie: number; modelA: string; modelB: string }>();
  let excludedVotes = 0;
  for (let k = 0; k < judgements.first.length; k++) {
    const task = data.tasks[k] as string;
    let tally = tallies.get(task);
    if (!tally) {
      tally = { first: 0, second: 0, tie: 0, modelA: data.models[judgements.first[k] as number] as string, modelB: data.models[judgements.second[k] as number] as string };
      tallies.set(task, tally);
    }
    if (sameSide[judgements.annotator[k] as number]) {
      excludedVotes++;
      continue;
    }
    const outcome = judgements.outcome[k] as number;
    if (outcome === FIRST) tally.first++;
    else if (outcome === SECOND) tally.second++;
    else tally.tie++;
  }
  const rows: PreferenceRow[] = [];
  let noWinner = 0;
  for (const [task, tally] of tallies) {
    if (tally.first === tally.second) {
      noWinner++;
      continue;
    }
    const datapoint = data.datapoints.get(task) ?? {};
    const firstWins = tally.first > tally.second;
    const shown = { a: datapoint[COMPARISON_COLUMNS.responseA] ?? '', b: datapoint[COMPARISON_COLUMNS.responseB] ?? '' };
    const total = tally.first + tally.second + tally.tie;
    const chosenVotes = firstWins ? tally.first : tally.second;
    rows.push({
      prompt_id: datapoint[COMPARISON_COLUMNS.promptId] ?? '',
      prompt: datapoint[COMPARISON_COLUMNS.prompt] ?? '',
      chosen: firstWins ? shown.a : shown.b,
      rejected: firstWins ? shown.b : shown.a,
      chosen_model: firstWins ? tally.modelA : tally.modelB,
      rejected_model: firstWins ? tally.modelB : tally.modelA,
      votes: { chosen: chosenVotes, rejected: firstWins ? tally.second : tally.first, tie: tally.tie },
      agreement: Math.round((chosenVotes / total) * 10_000) / 10_000,
      task_id: task,
    });
  }
  return { rows, noWinner, excludedVotes };
}
