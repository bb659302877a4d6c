import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId } from '../src/util/shapes.js';
import { readComparisons } from '../src/job/comparison-source.js';
import type { Ranking } from '../src/stats/bradley-terry.js';

/** As summarize_responses: both copies of the result stay under 20,000 tokens. */
const BUDGET_CHARS = 20_000;
/** Annotator rows come after the models and win rates, within this much of the budget. */
const ANNOTATOR_BUDGET_CHARS = 4_000;

export default defineTool({
  name: 'rank_models',
  title: 'Rank models',
  toolset: 'evaluations',
  description:
    'Bradley–Terry ranking of a create_comparison batch: per model score (log-strength, mean 0; P(i beats j)=1/(1+e^(s_j−s_i))) with 95% bootstrap interval over prompts, rank range, wins/losses/ties; win rates between models; position bias (share choosing the first response) overall and per annotator. Ties count half.',
  input: {
    batch_id: prolificId('batch'),
    instruction_id: prolificId('instruction').optional().describe('Default: the first comparison question'),
    keep_same_side: z.boolean().default(false).describe('Keep annotators who always chose one side'),
  },
  output: {
    batch_id: z.string(),
    judgements: z.number(),
    models: z.array(z.looseObject({ model: z.string(), score: z.number().nullable() })),
    note: z.string().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, context) {
    const [data, batch] = await Promise.all([
      readComparisons(context, args.batch_id, args.instruction_id),
      context.client.getBatch(args.batch_id, context.signal),
    ]);
    // Loaded on first use, so that starting the server costs nothing for it.
    const { rankModels } = await import('../src/stats/bradley-terry.js');
    const ranking = rankModels(data.judgements, { excludeSameSide: !args.keep_same_side });
    const judgedTasks = new Set(data.tasks).size;
    const head = {
      batch_id: args.batch_id,
      instruction_id: data.question.id,
      question: data.question.description,
      judgements: ranking.used,
      ...(ranking.excluded ? { excluded_same_side: ranking.excluded } : {}),
      ...(data.unreadable ? { unreadable: data.unreadable } : {}),
      comparisons_judged: judgedTasks,
      ...(typeof batch.total_task_count === 'number' ? { comparisons_total: batch.total_task_count } : {}),
      ...(data.comparisonQuestions.length > 1 ? { other_questions: data.comparisonQuestions.filter((q) => q.id !== data.question.id).map((q) => ({ instruction_id: q.id, question: q.description })) } : {}),
    };
    if (ranking.used === 0) {
      return {
        ...head,
        models: data.models.map((model) => ({ model, score: null })),
        note:
          data.judgements.first.length === 0
            ? 'No judgements yet. Follow the study with get_study and rank once submissions arrive.'
            : 'Every judgement so far came from annotators who always chose the same side; pass keep_same_side to rank with them anyway.',
      };
    }
    const order = rankOrder(ranking);
    const models = order.map((i) => modelRow(ranking, data.models, i));
    const matrix = order.map((i) => order.map((j) => rounded(ranking.winRate[i * ranking.models + j] as number, 3)));
    const position = ranking.position;
    const positionBias = {
      first_share: rounded(position.share, 3),
      ci95: [rounded(position.lower, 3), rounded(position.upper, 3)],
      decisive: position.decisive,
      side_effect: rounded(ranking.sideEffect, 3),
    };
    const notes = [summaryLine(ranking, data.models, order)];
    if (Number.isFinite(position.lower) && (position.lower > 0.5 || position.upper < 0.5)) {
      notes.push(
        `Annotators favoured the ${position.share > 0.5 ? 'first' : 'second'} response (${percent(position.share)} of decisive answers chose the first); sides are balanced and the fit allows for it, so scores are not skewed by it.`,
      );
    }
    const flagged = countFlags(ranking);
    if (flagged) {
      const who = flagged === 1 ? '1 annotator always chose the same side; their' : `${flagged} annotators always chose the same side; their`;
      notes.push(
        args.keep_same_side
          ? `${who} answers are kept in the scores, as asked.`
          : `${who} ${ranking.excluded} answers are left out of the scores (keep_same_side keeps them) and counted in the position bias.`,
      );
    }
    if (typeof batch.total_task_count === 'number' && judgedTasks < batch.total_task_count) {
      notes.push(`${judgedTasks} of ${batch.total_task_count} comparisons judged so far; intervals narrow as more arrive.`);
    }
    if (data.warning) notes.push(data.warning);
    const winRates = { models: order.map((i) => data.models[i] as string), matrix };
    const withRates = size({ ...head, models, win_rates: winRates, position_bias: positionBias }) <= BUDGET_CHARS / 2 - ANNOTATOR_BUDGET_CHARS;
    if (!withRates) notes.push('Win rates between models are left out to keep the result short; each model row has its overall win rate.');
    const annotators = annotatorRows(ranking, data.annotators);
    const listed = fitting(annotators, ANNOTATOR_BUDGET_CHARS);
    return {
      ...head,
      models,
      ...(withRates ? { win_rates: winRates } : {}),
      position_bias: positionBias,
      annotators: { total: data.annotators.length, same_side: flagged, ...(listed.length < annotators.length ? { listed: listed.length } : {}), rows: listed },
      note: notes.join(' '),
    };
  },
});

/** Judged models by rank, then those without judgements. */
function rankOrder(ranking: Ranking): number[] {
  const all = Array.from({ length: ranking.models }, (_, i) => i);
  const judged = all.filter((i) => (ranking.judgements[i] as number) > 0).sort((a, b) => (ranking.score[b] as number) - (ranking.score[a] as number));
  return [...judged, ...all.filter((i) => (ranking.judgements[i] as number) === 0)];
}

function modelRow(ranking: Ranking, names: readonly string[], i: number): Record<string, unknown> & { model: string; score: number | null } {
  const judged = ranking.judgements[i] as number;
  const wins = ranking.wins[i] as number;
  const ties = ranking.ties[i] as number;
  return {
    model: names[i] as string,
    rank: judged ? ranking.rank[i] : null,
    ...(judged && ranking.resamples ? { rank_range: [ranking.rankLower[i], ranking.rankUpper[i]] } : {}),
    score: rounded(ranking.score[i] as number, 3),
    ci95: [rounded(ranking.lower[i] as number, 3), rounded(ranking.upper[i] as number, 3)],
    wins,
    losses: ranking.losses[i] as number,
    ties,
    judgements: judged,
    win_rate: judged ? rounded((wins + ties / 2) / judged, 3) : null,
  };
}

/** "A leads; A, B cannot be told apart at 95%": what the intervals allow one to say. */
function summaryLine(ranking: Ranking, names: readonly string[], order: number[]): string {
  const judged = order.filter((i) => (ranking.judgements[i] as number) > 0);
  const top = judged[0] as number;
  const name = (i: number) => names[i] as string;
  const together = judged.filter((i) => (ranking.rankLower[i] as number) <= 1);
  if (!ranking.resamples || judged.length < 2) return `${name(top)} ranks first.`;
  if (together.length <= 1) return `${name(top)} ranks first, ahead of every other model at 95% (its rank range is 1–1).`;
  return `${name(top)} ranks first, but ${together.filter((i) => i !== top).map(name).join(', ')} could also be first at 95% (rank ranges overlap): more judgements would separate them.`;
}

function countFlags(ranking: Ranking): number {
  return ranking.annotators.sameSide.reduce((sum, flag) => sum + flag, 0);
}

type AnnotatorRow = { participant_id: string; answers: number; first_share: number | null; same_side?: true };

/** Same-side annotators first, then the most one-sided, weighed by how many decisive answers show it. */
function annotatorRows(ranking: Ranking, ids: readonly string[]): AnnotatorRow[] {
  const { answers, first, second, sameSide } = ranking.annotators;
  const rows = ids.map((participant_id, a) => {
    const decisive = (first[a] as number) + (second[a] as number);
    const share = decisive ? (first[a] as number) / decisive : null;
    const lean = share === null ? 0 : Math.abs(share - 0.5) * Math.sqrt(decisive);
    return { row: { participant_id, answers: answers[a] as number, first_share: share === null ? null : rounded(share, 3), ...(sameSide[a] ? { same_side: true as const } : {}) }, lean, flagged: sameSide[a] as number };
  });
  return rows.sort((x, y) => y.flagged - x.flagged || y.lean - x.lean).map(({ row }) => row);
}

function fitting<T>(rows: readonly T[], budget: number): T[] {
  const out: T[] = [];
  let used = 0;
  for (const row of rows) {
    used += size(row) + 1;
    if (used > budget) break;
    out.push(row);
  }
  return out;
}

function size(value: unknown): number {
  return JSON.stringify(value).length;
}

function rounded(value: number, digits: number): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}
