/**
 * The rolling 24-hour spending limit (PROLIFIC_MAX_SPEND_PER_DAY). What the account spent is added up from
 * Prolific's own records at the moment of each spend, never kept here: a restart, or a second server on the same
 * account, sees the same records. Counted: every study published in the last 24 hours at its total_cost (all
 * places, fees and VAT, as Prolific reserves it at publishing), and the bonuses paid on those studies. Prolific
 * dates no bonus, so a bonus paid today on a study published earlier is invisible to the records, and it shows a
 * bonus only minutes after paying it; bonuses this process paid are remembered for 24 hours to cover both, which
 * a restart forgets (docs/audience-and-money.md).
 */
import type { ProlificClient } from '../prolific/client.js';
import type { Study, StudyCost, StudyCostBreakdown } from '../prolific/types.js';
import type { Config } from '../config.js';
import { ToolError } from '../errors.js';
import type { StepContext } from './context.js';

export const DAY_MS = 24 * 60 * 60_000;

interface Counted {
  id: string;
  /** When it leaves the window: its publishing, or the payment, plus a day. */
  leavesAt: number;
  amount: number;
}

export interface DaySpend {
  spent: number;
  studies: number;
  bonuses: number;
  counted: Counted[];
}

interface PaidHere {
  at: number;
  studyId: string;
  amount: number;
  /**
   * The study's bonuses in Prolific's cost from which this payment is among them (what they were before it, plus
   * it); undefined when that could not be read, so it is counted here for the whole day.
   */
  shownFrom: number | undefined;
}

const paidHere = new WeakMap<ProlificClient, PaidHere[]>();
const locks = new WeakMap<ProlificClient, Promise<unknown>>();

/**
 * Runs `spend` after every other spend of this process on this client has finished, so that two calls at once
 * cannot both pass the limit with the same room. Servers in other processes are not covered: their spends
 * and ours can still pass at the same moment (docs/audience-and-money.md).
 */
export async function oneSpendAtATime<T>(client: ProlificClient, spend: () => Promise<T>): Promise<T> {
  const before = locks.get(client) ?? Promise.resolve();
  const run = before.then(spend, spend);
  locks.set(client, run.catch(() => undefined));
  return run;
}

/** A bonus this process paid (or may have: an answer lost), counted against the limit for a day. */
export function rememberBonus(client: ProlificClient, studyId: string, amount: number, shownFrom: number | undefined): void {
  const list = paidHere.get(client) ?? [];
  list.push({ at: now(client), studyId, amount, shownFrom });
  paidHere.set(client, list);
}

/**
 * Now by Prolific's clock, which dates the records the window is laid over (this machine's before any answer):
 * a local clock running fast or slow cannot move the window.
 */
function now(client: ProlificClient): number {
  return client.serverNow() ?? Date.now();
}

export async function spentInLastDay(client: ProlificClient, signal: AbortSignal): Promise<DaySpend> {
  const { results } = await client.listStudies(signal);
  const since = now(client) - DAY_MS;
  const published = (study: Study) => study.status !== 'UNPUBLISHED' && study.status !== null && study.status !== undefined;
  // A short form without a publishing date is read in full; a study whose date cannot be known counts.
  const candidates = await Promise.all(
    results.filter((study) => published(study) || !study.status).map(async (study) => (study.published_at === undefined || !study.status ? client.getStudy(study.id, signal) : study)),
  );
  const recent = candidates.filter((study) => {
    if (!published(study)) return false;
    const at = Date.parse(study.published_at ?? '');
    return !Number.isFinite(at) || at >= since;
  });
  const counted: Counted[] = [];
  const shown = new Map<string, number>();
  let studies = 0;
  let bonuses = 0;
  await Promise.all(
    recent.map(async (study) => {
      const at = Date.parse(study.published_at ?? '');
      const leavesAt = (Number.isFinite(at) ? at : now(client)) + DAY_MS;
      const cost =
        typeof study.total_cost === 'number'
          ? study.total_cost
          : await client.quoteCost({ reward: study.reward, total_available_places: study.total_available_places }, signal);
      const bonus = bonusesOf(await client.getStudyCost(study.id, false, signal));
      shown.set(study.id, bonus);
      studies += cost;
      bonuses += bonus;
      counted.push({ id: study.id, leavesAt, amount: cost + bonus });
    }),
  );
  const mine = (paidHere.get(client) ?? []).filter((paid) => paid.at >= since);
  paidHere.set(client, mine);
  for (const paid of mine) {
    // Prolific shows a bonus in the study's cost only once it has paid it, minutes later: until then it counts here.
    const cost = shown.get(paid.studyId);
    if (cost !== undefined && paid.shownFrom !== undefined && cost >= paid.shownFrom) continue;
    bonuses += paid.amount;
    counted.push({ id: paid.studyId, leavesAt: paid.at + DAY_MS, amount: paid.amount });
  }
  return { spent: studies + bonuses, studies, bonuses, counted };
}

/** Rewards, fees and tax of one part of a study's cost (its rewards, or its bonuses); undefined without any amount. */
export function partTotal(part: StudyCostBreakdown | null | undefined): number | undefined {
  const known = [part?.rewards, part?.fees, part?.tax].map((entry) => entry?.amount).filter((amount): amount is number => typeof amount === 'number');
  return known.length ? known.reduce((total, amount) => total + amount, 0) : undefined;
}

/** Rewards, fees and tax of the bonuses paid on a study. */
export function bonusesOf(cost: StudyCost): number {
  return partTotal(cost.bonuses) ?? 0;
}

/**
 * Refuses a spend of `total` that would take the last 24 hours past PROLIFIC_MAX_SPEND_PER_DAY; returns a
 * sentence on what is left, or undefined when no limit is set. `what` names the spend ("publishing …"),
 * `nothing` says what did not happen ("Nothing was published.").
 */
export async function checkDailyLimit(
  { client, config, signal }: Pick<StepContext, 'client' | 'signal'> & { readonly config: Config },
  spend: { total: number; currency: string; what: string; nothing: string },
): Promise<string | undefined> {
  const limit = config.maxSpendPerDay;
  if (limit === undefined) return undefined;
  let day: DaySpend;
  try {
    day = await spentInLastDay(client, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ToolError(
      `Refused: PROLIFIC_MAX_SPEND_PER_DAY is set, and what this account spent in the last 24 hours could not be read from Prolific (${error instanceof Error ? error.message : String(error)}). ${spend.nothing} Try again in a minute.`,
    );
  }
  const units = `${spend.currency} minor units`;
  const parts = `${day.studies} for studies published${day.bonuses ? `, ${day.bonuses} in bonuses` : ''}`;
  if (day.spent + spend.total > limit) {
    const left = Math.max(0, limit - day.spent);
    throw new ToolError(
      `Refused: ${spend.what} costs ${spend.total} ${units}, and the account has spent ${day.spent} in the last 24 hours (${parts}); PROLIFIC_MAX_SPEND_PER_DAY is ${limit}, so ${left} is left. ${spend.nothing} ${whenRoom(day, spend.total, limit)}`,
    );
  }
  return `Spent in the last 24 hours: ${day.spent} of the daily limit ${limit} (${parts}); ${limit - day.spent - spend.total} ${units} left after this.`;
}

function whenRoom(day: DaySpend, total: number, limit: number): string {
  if (total > limit) return `This alone is over the daily limit: make it smaller, or have the person raise PROLIFIC_MAX_SPEND_PER_DAY.`;
  let spent = day.spent;
  for (const record of [...day.counted].sort((a, b) => a.leavesAt - b.leavesAt)) {
    spent -= record.amount;
    if (spent + total <= limit) return `There is room again from ${new Date(record.leavesAt).toISOString()}, when earlier spending leaves the 24-hour window; or have the person raise the limit.`;
  }
  return 'Have the person raise the limit, or wait for earlier spending to leave the 24-hour window.';
}
