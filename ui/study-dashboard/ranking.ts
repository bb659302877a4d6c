/**
 * Draws what rank_models returns, a comparison batch seen as a ranking rather than per-item labels: each
 * model's score with its 95% interval as a bar on one shared scale, the win rates between models, and the
 * position bias (how often annotators chose the response shown first).
 */
import { card, h, num, percent, rec, recs, str, type Rec } from './dom.js';

/** Annotators listed under the position bias; the rest are in the tool's own result. */
const ANNOTATOR_ROWS = 8;

export function isRanking(data: Rec): boolean {
  return typeof data.batch_id === 'string' && Array.isArray(data.models) && typeof data.judgements === 'number';
}

/** A summarize_responses result whose choice questions are all answered a, b or tie: a comparison batch. */
export function isComparisonSummary(summary: Rec): boolean {
  const choices = recs(summary.instructions).filter((instruction) => rec(instruction.counts));
  return choices.length > 0 && choices.every((instruction) => {
    const values = Object.keys(rec(instruction.counts) ?? {});
    return values.length > 0 && values.every((value) => value === 'a' || value === 'b' || value === 'tie');
  });
}

const pair = (value: unknown): [number, number] | undefined => {
  if (!Array.isArray(value)) return undefined;
  const [low, high] = value.map(num);
  return low === undefined || high === undefined ? undefined : [low, high];
};

function fixed(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(2);
}

export function rankingView(ranking: Rec): HTMLElement[] {
  const models = recs(ranking.models);
  const judged = num(ranking.comparisons_judged);
  const total = num(ranking.comparisons_total);
  const line = [
    `${num(ranking.judgements) ?? 0} judgements`,
    judged !== undefined ? `${judged}${total !== undefined ? ` of ${total}` : ''} comparisons judged` : '',
    str(ranking.question) ? `“${str(ranking.question)}”` : '',
  ].filter(Boolean);
  const out: HTMLElement[] = [h('p', { class: 'muted small ranking-line' }, line.join(' · '), str(ranking.note) ? ` · ${str(ranking.note)}` : '')];
  out.push(scoreCard(models));
  const rates = winRateCard(rec(ranking.win_rates));
  if (rates) out.push(rates);
  out.push(positionCard(rec(ranking.position_bias), rec(ranking.annotators)));
  return out;
}

/** Every model on one axis: the interval as a bar, the score as a dot, zero (the average model) as a line. */
function scoreCard(models: Rec[]): HTMLElement {
  const ranked = models.filter((model) => num(model.score) !== undefined);
  if (!ranked.length) return card('Ranking', h('p', { class: 'muted small' }, 'No judgements yet.'));
  const ends = ranked.flatMap((model) => pair(model.ci95) ?? [num(model.score) as number]);
  let low = Math.min(0, ...ends);
  let high = Math.max(0, ...ends);
  const margin = (high - low || 1) * 0.05;
  low -= margin;
  high += margin;
  const at = (value: number) => ((value - low) / (high - low)) * 100;
  const rows = models.map((model) => {
    const score = num(model.score);
    const interval = pair(model.ci95);
    const scale = h('div', { class: 'scale', role: 'img', 'aria-label': score === undefined ? 'not judged' : `score ${fixed(score)}${interval ? `, 95% interval ${fixed(interval[0])} to ${fixed(interval[1])}` : ''}` });
    const zero = h('span', { class: 'zero' });
    zero.style.left = `${at(0)}%`;
    scale.append(zero);
    if (interval) {
      const span = h('span', { class: 'ci' });
      span.style.left = `${at(interval[0])}%`;
      span.style.width = `${Math.max(0.5, at(interval[1]) - at(interval[0]))}%`;
      scale.append(span);
    }
    if (score !== undefined) {
      const dot = h('span', { class: 'point' });
      dot.style.left = `${at(score)}%`;
      scale.append(dot);
    }
    const range = pair(model.rank_range);
    const rank = num(model.rank);
    return h(
      'tr',
      { class: 'model-row' },
      h('td', { class: 'rank' }, rank === undefined ? '–' : String(rank), range && range[0] !== range[1] ? h('span', { class: 'muted small' }, ` (${range[0]}–${range[1]})`) : null),
      h('td', { class: 'model-name' }, str(model.model) ?? ''),
      h('td', { class: 'interval' }, scale),
      h('td', { class: 'score' }, fixed(score), interval ? h('span', { class: 'muted small' }, ` [${fixed(interval[0])}, ${fixed(interval[1])}]`) : null),
      h('td', {}, percent(num(model.win_rate))),
      h('td', { class: 'muted small' }, `${num(model.wins) ?? 0}–${num(model.losses) ?? 0}–${num(model.ties) ?? 0}`),
    );
  });
  return card(
    'Ranking (Bradley–Terry, 95% intervals)',
    h(
      'table',
      { class: 'ranking' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Rank'), h('th', {}, 'Model'), h('th', {}, 'Score and interval'), h('th', {}, 'Score'), h('th', {}, 'Win rate'), h('th', {}, 'W–L–T'))),
      h('tbody', {}, ...rows),
    ),
    h('p', { class: 'muted small' }, 'Score 0 is the average model; a model 1 point above another wins about 73% of their comparisons. Ranks in brackets: the range over the bootstrap.'),
  );
}

/** Row beats column this share of the time, ties half; shaded from losing (red) to winning (green). */
function winRateCard(rates: Rec | undefined): HTMLElement | undefined {
  const names = Array.isArray(rates?.models) ? rates.models.map((name) => (typeof name === 'string' ? name : '')) : [];
  const matrix = Array.isArray(rates?.matrix) ? rates.matrix : [];
  if (names.length < 2) return undefined;
  const rows = names.map((name, i) => {
    const cells = names.map((other, j) => {
      const value = num((Array.isArray(matrix[i]) ? matrix[i] : [])[j]);
      if (i === j || value === undefined) return h('td', { class: 'rate none' }, i === j ? '' : '–');
      const cell = h('td', { class: 'rate', title: `${name} over ${other}: ${percent(value)}` }, percent(value));
      cell.style.background = `color-mix(in srgb, var(--good) ${Math.round(value * 100)}%, var(--bad))`;
      return cell;
    });
    return h('tr', {}, h('th', { class: 'row-name' }, name), ...cells);
  });
  return card(
    'Win rates (row over column)',
    h('div', { class: 'matrix-wrap' }, h('table', { class: 'win-rates' }, h('thead', {}, h('tr', {}, h('th', {}, ''), ...names.map((name) => h('th', { class: 'col-name', title: name }, name)))), h('tbody', {}, ...rows))),
  );
}

function positionCard(position: Rec | undefined, annotators: Rec | undefined): HTMLElement {
  const share = num(position?.first_share);
  const interval = pair(position?.ci95);
  const meter = h('div', { class: 'side-meter', role: 'img', 'aria-label': `${percent(share)} chose the first response` });
  const half = h('span', { class: 'half' });
  meter.append(half);
  if (interval) {
    const span = h('span', { class: 'ci' });
    span.style.left = `${interval[0] * 100}%`;
    span.style.width = `${Math.max(0.5, (interval[1] - interval[0]) * 100)}%`;
    meter.append(span);
  }
  if (share !== undefined) {
    const dot = h('span', { class: 'point' });
    dot.style.left = `${share * 100}%`;
    meter.append(dot);
  }
  const sameSide = num(annotators?.same_side) ?? 0;
  const totalAnnotators = num(annotators?.total);
  const rows = recs(annotators?.rows).slice(0, ANNOTATOR_ROWS);
  return card(
    'Position bias',
    h('p', { class: 'figure first-share' }, h('strong', {}, percent(share)), ' of decisive answers chose the response shown first'),
    meter,
    h('p', { class: 'muted small' }, `95% interval ${interval ? `${percent(interval[0])}–${percent(interval[1])}` : '–'} over ${num(position?.decisive) ?? 0} decisive answers; 50% is no preference.`),
    h('p', { class: 'same-side' }, `${sameSide}${totalAnnotators !== undefined ? ` of ${totalAnnotators}` : ''} annotators always chose the same side`),
    rows.length
      ? h(
          'table',
          { class: 'sides' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Annotator'), h('th', {}, 'Answers'), h('th', {}, 'Chose first'))),
          h(
            'tbody',
            {},
            ...rows.map((row) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono small' }, str(row.participant_id) ?? ''),
                h('td', {}, String(num(row.answers) ?? '–')),
                h('td', {}, percent(num(row.first_share)), row.same_side === true ? ' ' : null, row.same_side === true ? h('span', { class: 'badge bad' }, 'always one side') : null),
              ),
            ),
          ),
        )
      : null,
  );
}
