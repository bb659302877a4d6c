/**
 * Draws what get_study, summarize_responses and get_batch return. Every field is read defensively: results
 * pass the API's own fields through, other tools' versions add or drop some, and a missing figure must
 * leave its place empty rather than break the page. Text from the API only ever lands in textContent.
 */
import { bar, card, decimal, h, num, percent, rec, recs, str, type Child, type Rec } from './dom.js';
import { isRanking, rankingView } from './ranking.js';

export type { Rec };

export interface Shown {
  study?: Rec;
  summary?: Rec;
  batch?: Rec;
  /** rank_models: a comparison batch, drawn as a ranking instead of per-item labels. */
  ranking?: Rec;
  /** A result the page does not know, or a tool error: shown as a plain message. */
  message?: string;
  error?: string;
  updated?: Date;
  busy: boolean;
  canRefresh: boolean;
  locale?: string;
}

/** Annotators listed before "and N more"; the rest are in the tool's own result. */
const ANNOTATOR_ROWS = 12;
const CONTESTED_ROWS = 8;

export type Kind = 'study' | 'summary' | 'batch' | 'ranking';

export function kindOf(data: Rec): Kind | undefined {
  if (isRanking(data)) return 'ranking';
  if (typeof data.batch_id === 'string' && Array.isArray(data.instructions) && Array.isArray(data.participants)) return 'summary';
  if (typeof data.id !== 'string') return undefined;
  if ('submissions_by_status' in data || 'total_available_places' in data || 'places_taken' in data) return 'study';
  if (Array.isArray(data.instructions) || 'total_task_count' in data) return 'batch';
  return undefined;
}

/** Amounts are minor units (pence, cents) throughout the Prolific API. */
function money(minor: number, currency: string | undefined, locale: string | undefined): string {
  if (!currency) return `${minor} (minor units)`;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** Colour family of a study, batch or submission status, for its badge and its share of the bar. */
function tone(status: string): string {
  const s = status.toUpperCase();
  if (/APPROVED|COMPLETED|READY/.test(s)) return 'good';
  if (/AWAITING|PAUSED|UNPUBLISHED|PROCESSING|SCHEDULED|UNINITIALISED/.test(s)) return 'wait';
  if (/REJECTED|ERROR|FAILED/.test(s)) return 'bad';
  if (/ACTIVE|PUBLISHING|RUNNING/.test(s)) return 'live';
  return 'quiet';
}

function badge(status: string): HTMLElement {
  return h('span', { class: `badge ${tone(status)}` }, status);
}

export function render(root: HTMLElement, shown: Shown, onRefresh: () => void): void {
  const parts: Child[] = [header(shown, onRefresh)];
  if (shown.error) parts.push(h('p', { class: 'alert', role: 'alert' }, shown.error));
  if (shown.study) parts.push(...studyView(shown.study, shown.locale));
  if (shown.batch) parts.push(batchView(shown.batch));
  if (shown.ranking) parts.push(...rankingView(shown.ranking));
  else if (shown.summary) parts.push(...summaryView(shown.summary));
  if (!shown.study && !shown.summary && !shown.batch && !shown.ranking && !shown.error) {
    parts.push(h('p', { class: 'muted plain' }, shown.message ?? 'Waiting for a study, batch or summary from the host…'));
  }
  root.replaceChildren(...parts.filter((part): part is Node | string => Boolean(part)));
}

function header(shown: Shown, onRefresh: () => void): HTMLElement {
  const study = shown.study;
  const title = str(study?.name) ?? str(shown.batch?.name) ?? (shown.ranking ? 'Model ranking' : shown.summary ? 'Labels and agreement' : 'Prolific study');
  const summaryBatch = str(shown.ranking?.batch_id) ?? str(shown.summary?.batch_id);
  const status = str(study?.status) ?? str(shown.batch?.status);
  const subtitle = study ? `Study ${str(study.id) ?? ''}` : shown.batch ? `Batch ${str(shown.batch.id) ?? ''}` : summaryBatch ? `Batch ${summaryBatch}` : '';
  const actions = h('div', { class: 'actions' });
  if (shown.updated) actions.append(h('span', { class: 'muted small' }, `Updated ${shown.updated.toLocaleTimeString(shown.locale)}`));
  if (shown.canRefresh && (study || shown.summary || shown.batch || shown.ranking)) {
    const button = h('button', { type: 'button', class: 'refresh', title: 'Read the study again (read-only; nothing is spent)' }, shown.busy ? 'Refreshing…' : 'Refresh');
    (button as HTMLButtonElement).disabled = shown.busy;
    button.addEventListener('click', onRefresh);
    actions.append(button);
  }
  return h('header', {}, h('div', { class: 'title' }, h('h1', {}, title), status ? badge(status) : null, h('div', { class: 'muted small mono' }, subtitle)), actions);
}

function studyView(study: Rec, locale: string | undefined): HTMLElement[] {
  const cards: HTMLElement[] = [];
  const places = num(study.total_available_places);
  const taken = num(study.places_taken) ?? num(study.number_of_submissions);
  if (places !== undefined && taken !== undefined) {
    cards.push(
      card(
        'Places',
        h('p', { class: 'figure places' }, h('strong', {}, String(taken)), ` of ${places} taken`),
        bar(places ? taken / places : 0, taken >= places ? 'done' : ''),
        h('p', { class: 'muted small' }, places ? `${percent(taken / places)} filled` : 'No places'),
      ),
    );
  }

  const byStatus = Object.entries(rec(study.submissions_by_status) ?? {}).filter((entry): entry is [string, number] => num(entry[1]) !== undefined);
  const submitted = byStatus.reduce((sum, [, count]) => sum + count, 0);
  const stack = h('div', { class: 'stack', role: 'presentation' });
  for (const [status, count] of byStatus) {
    const part = h('span', { class: `seg ${tone(status)}`, title: `${status}: ${count}` });
    part.style.flexGrow = String(count);
    stack.append(part);
  }
  cards.push(
    card(
      'Submissions',
      h('p', { class: 'figure' }, h('strong', {}, String(submitted)), submitted === 1 ? ' submission' : ' submissions'),
      submitted ? stack : null,
      h('ul', { class: 'legend' }, ...byStatus.map(([status, count]) => h('li', {}, h('span', { class: `dot ${tone(status)}` }), `${status} `, h('strong', {}, String(count))))),
    ),
  );

  const currency = str(study.currency_code) ?? str(study.currency);
  const quoted = num(study.total_cost);
  const spent = num(study.spent) ?? num(study.spent_so_far) ?? num(study.total_spent);
  const reward = num(study.reward);
  const moneyRows: Child[] = [];
  if (quoted !== undefined) moneyRows.push(h('p', { class: 'figure quoted' }, h('strong', {}, money(quoted, currency, locale)), ' quoted in all'));
  if (spent !== undefined) {
    moneyRows.push(h('p', { class: 'spent' }, `Spent so far: ${money(spent, currency, locale)}`));
    if (quoted) moneyRows.push(bar(spent / quoted));
  }
  if (reward !== undefined) moneyRows.push(h('p', { class: 'muted small' }, `${money(reward, currency, locale)} reward per place`));
  moneyRows.push(...spentApart(study, currency, locale));
  if (moneyRows.length) cards.push(card('Money', ...moneyRows));
  const audience = audienceCard(rec(study.audience), locale);
  if (audience) cards.push(audience);
  return [h('div', { class: 'grid' }, ...cards)];
}

/** What the study has cost so far on rewards and on bonuses, each with its fees and VAT (get_study's spent_on). */
function spentApart(study: Rec, currency: string | undefined, locale: string | undefined): HTMLElement[] {
  const parts = rec(study.spent_on);
  const rewards = num(parts?.rewards);
  const bonuses = num(parts?.bonuses);
  if (rewards === undefined && bonuses === undefined) return [];
  return [
    h(
      'ul',
      { class: 'facts spent-apart' },
      h('li', {}, 'Rewards ', h('strong', {}, money(rewards ?? 0, currency, locale))),
      h('li', {}, 'Bonuses ', h('strong', {}, money(bonuses ?? 0, currency, locale))),
    ),
  ];
}

/** Listed before "and N more"; the tool's result has the rest. */
const LEFT_OUT_ROWS = 8;

/** Who may take part (the filters in words and Prolific's count) and who was left out. */
function audienceCard(audience: Rec | undefined, locale: string | undefined): HTMLElement | undefined {
  if (!audience) return undefined;
  const who = Array.isArray(audience.who) ? audience.who.filter((line): line is string => typeof line === 'string') : [];
  const count = audience.eligible_participants;
  const eligible =
    typeof count === 'number'
      ? h('p', { class: 'figure eligible' }, h('strong', {}, count.toLocaleString(locale)), ' eligible now')
      : typeof count === 'string'
        ? h('p', { class: 'figure eligible' }, h('strong', {}, count), ' eligible')
        : null;
  const out = rec(audience.left_out);
  const outCount = num(out?.count);
  const ids = Array.isArray(out?.participant_ids) ? out.participant_ids.filter((id): id is string => typeof id === 'string') : [];
  const leftOut =
    outCount !== undefined
      ? h(
          'details',
          { class: 'left-out' },
          h('summary', {}, `${outCount} left out`),
          h('ul', { class: 'mono small' }, ...ids.slice(0, LEFT_OUT_ROWS).map((id) => h('li', {}, id))),
          outCount > Math.min(ids.length, LEFT_OUT_ROWS) ? h('p', { class: 'muted small' }, `and ${outCount - Math.min(ids.length, LEFT_OUT_ROWS)} more`) : null,
        )
      : null;
  return card('Who may take part', eligible, h('ul', { class: 'who' }, ...who.map((line) => h('li', {}, line))), leftOut);
}

function batchView(batch: Rec): HTMLElement {
  const facts: [string, unknown][] = [
    ['Tasks', batch.total_task_count],
    ['Task groups', batch.total_task_groups],
    ['Datapoints', batch.total_datapoint_count],
  ];
  const instructions = recs(batch.instructions);
  return card(
    'Batch',
    h('ul', { class: 'facts' }, ...facts.filter(([, value]) => num(value) !== undefined).map(([label, value]) => h('li', {}, `${label} `, h('strong', {}, String(value))))),
    instructions.length
      ? h('ol', { class: 'instructions' }, ...instructions.map((i) => h('li', {}, str(i.description) ?? '', ' ', h('span', { class: 'muted small' }, str(i.type) ?? ''))))
      : null,
  );
}

interface Task {
  id: string;
  counts: [string, number][];
  majority?: string;
  share?: number;
  confidence?: number;
  tie: boolean;
  /** Multi-select counts are per option chosen, so several options with votes are no disagreement. */
  multi: boolean;
}

function tasksOf(instruction: Rec): Task[] {
  return recs(instruction.tasks).map((task) => ({
    id: str(task.task_id) ?? '',
    counts: Object.entries(rec(task.counts) ?? {})
      .filter((entry): entry is [string, number] => num(entry[1]) !== undefined)
      .sort((a, b) => b[1] - a[1]),
    majority: str(task.label) ?? str(task.majority),
    share: num(task.share),
    confidence: num(task.confidence),
    tie: task.tie === true,
    multi: instruction.multi_select === true,
  }));
}

/** The annotators of the task did not all give the same answer. */
function contested(task: Task): boolean {
  if (task.tie) return true;
  if (!task.multi && task.counts.length) return task.counts.length > 1;
  return task.share !== undefined && task.share < 1;
}

const METHODS: Record<string, string> = { majority: 'majority vote', dawid_skene: 'Dawid–Skene' };

function summaryView(summary: Rec): HTMLElement[] {
  const out: HTMLElement[] = [];
  const responses = num(summary.responses);
  const method = str(summary.method);
  out.push(
    h(
      'p',
      { class: 'muted small summary-line' },
      `${responses ?? 0} responses summarised${method ? ` · labels by ${METHODS[method] ?? method}` : ''}`,
      str(summary.note) ? ` · ${str(summary.note)}` : '',
    ),
  );
  for (const instruction of recs(summary.instructions)) out.push(questionView(instruction));
  out.push(annotatorView(recs(summary.participants)));
  return out;
}

function questionView(instruction: Rec): HTMLElement {
  const title = str(instruction.description) ?? str(instruction.instruction_id) ?? 'Question';
  const counts = Object.entries(rec(instruction.counts) ?? {})
    .filter((entry): entry is [string, number] => num(entry[1]) !== undefined)
    .sort((a, b) => b[1] - a[1]);
  if (!counts.length) {
    const answers = num(instruction.answers);
    const examples = Array.isArray(instruction.examples) ? instruction.examples.filter((e): e is string => typeof e === 'string') : [];
    return card(
      title,
      h('p', { class: 'muted small' }, answers === undefined ? 'No answers yet' : `${answers} text answers${num(instruction.distinct) !== undefined ? `, ${num(instruction.distinct)} distinct` : ''}`),
      examples.length ? h('ul', { class: 'examples' }, ...examples.map((e) => h('li', {}, `“${e}”`))) : null,
    );
  }
  const most = counts[0]?.[1] ?? 1;
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  const chart = h(
    'div',
    { class: 'labels' },
    ...counts.map(([label, count]) =>
      h('div', { class: 'label-row' }, h('span', { class: 'label-name' }, label), bar(count / most, 'label'), h('span', { class: 'label-count' }, String(count)), h('span', { class: 'muted small label-share' }, percent(count / total))),
    ),
  );
  const tasks = tasksOf(instruction);
  const tasksTotal = num(instruction.tasks_total) ?? tasks.length;
  const listedAll = num(instruction.tasks_shown) === undefined;
  const disputed = tasks.filter(contested);
  const stats = h(
    'dl',
    { class: 'stats' },
    stat('Krippendorff α', decimal(num(instruction.krippendorff_alpha))),
    stat('Fleiss κ', decimal(num(instruction.fleiss_kappa))),
    stat('Agreement', percent(num(instruction.percent_agreement))),
    stat('Contested', `${listedAll ? '' : '≥ '}${disputed.length} of ${tasksTotal}`),
  );
  const worst = [...disputed].sort((a, b) => Number(b.tie) - Number(a.tie) || (a.confidence ?? a.share ?? 1) - (b.confidence ?? b.share ?? 1));
  const contestedList = worst.length
    ? h(
        'details',
        { class: 'contested', ...(worst.length <= CONTESTED_ROWS ? { open: '' } : {}) },
        h('summary', {}, `Contested tasks (${worst.length})`),
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Task'), h('th', {}, 'Votes'), h('th', {}, 'Label'))),
          h(
            'tbody',
            {},
            ...worst.slice(0, CONTESTED_ROWS).map((task) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono small', title: task.id }, task.id.slice(-8)),
                h('td', {}, ...task.counts.map(([label, n]) => h('span', { class: 'vote' }, `${label} ${n}`))),
                h('td', {}, task.tie ? h('span', { class: 'badge wait' }, 'tie') : (task.majority ?? '–'), task.confidence !== undefined ? h('span', { class: 'muted small' }, ` ${percent(task.confidence)} sure`) : null),
              ),
            ),
          ),
        ),
      )
    : null;
  return card(title, chart, stats, contestedList);
}

function stat(name: string, value: string): HTMLElement {
  return h('div', {}, h('dt', {}, name), h('dd', {}, value));
}

function annotatorView(participants: Rec[]): HTMLElement {
  if (!participants.length) return card('Annotators', h('p', { class: 'muted small' }, 'No annotators yet.'));
  const withAccuracy = participants.some((p) => num(p.estimated_accuracy) !== undefined);
  const withGold = participants.some((p) => num(p.gold_accuracy) !== undefined);
  // summarize_responses lists them worst first by the method it used; the page keeps that order.
  const rows = participants;
  const table = h(
    'table',
    { class: 'annotators' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'Annotator'), h('th', {}, 'Tasks'), h('th', {}, 'Agrees with majority'), withAccuracy ? h('th', {}, 'Est. accuracy') : null, withGold ? h('th', {}, 'On gold') : null),
    ),
    h(
      'tbody',
      {},
      ...rows.slice(0, ANNOTATOR_ROWS).map((p) => {
        const agreement = num(p.agreement_with_majority);
        const accuracy = num(p.estimated_accuracy);
        return h(
          'tr',
          {},
          h('td', { class: 'mono small' }, str(p.participant_id) ?? ''),
          h('td', {}, String(num(p.tasks) ?? '–')),
          agreement === undefined
            ? h('td', { class: 'muted small', title: 'Shared no task with other annotators yet' }, 'not compared')
            : h('td', { class: 'meter' }, bar(agreement, agreement < 0.5 ? 'low' : ''), h('span', {}, percent(agreement))),
          withAccuracy ? h('td', {}, percent(accuracy)) : null,
          withGold ? h('td', {}, percent(num(p.gold_accuracy))) : null,
        );
      }),
    ),
  );
  const more = rows.length > ANNOTATOR_ROWS ? h('p', { class: 'muted small' }, `and ${rows.length - ANNOTATOR_ROWS} more`) : null;
  return card('Annotators, worst first', table, more);
}
