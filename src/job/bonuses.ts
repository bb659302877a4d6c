/**
 * Bonuses in Prolific's two steps: set up (POST /submissions/bonus-payments/, which pays nothing and answers
 * the total with fees and VAT), then pay (POST /bulk-bonus-payments/{id}/pay/), which pays again every time it
 * is called. So a set-up is quoted and remembered here, and paid only from that memory, once: a confirmation
 * repeated, sent twice at once, or sent after a restart (when the memory is gone) never pays a second time.
 */
import type { ProlificClient } from '../prolific/client.js';
import { ProlificApiError, ProlificNetworkError } from '../prolific/errors.js';
import { ToolError } from '../errors.js';
import { bonusChunks, type Bonus } from './bonus-csv.js';
import { bonusesOf, rememberBonus } from './spending.js';

/** How long a quote may be confirmed: the person decides in the same conversation. */
export const QUOTE_MS = 30 * 60_000;
/** Paid and unknown quotes are kept this long, to warn before the same bonuses are set up again. */
const HISTORY_MS = 24 * 60 * 60_000;

type PartState = 'unpaid' | 'paid' | 'unknown';

interface Part {
  bonusId: string;
  participants: string[];
  total: number;
  state: PartState;
}

export interface BonusQuote {
  key: string;
  studyId: string;
  count: number;
  /** To participants, fees, VAT and in all, as Prolific's set-up answered, minor units. */
  amount: number;
  fees: number;
  vat: number;
  total: number;
  parts: Part[];
  at: number;
  state: 'open' | 'paid' | 'unknown' | 'partial';
  closedAt?: number;
}

const quotes = new WeakMap<ProlificClient, Map<string, BonusQuote>>();

/** The same bonuses on the same study, whatever their order. */
export function quoteKey(studyId: string, bonuses: readonly Bonus[]): string {
  return `${studyId}\n${bonuses.map((bonus) => `${bonus.participant_id},${bonus.amount}`).sort().join('\n')}`;
}

function memory(client: ProlificClient): Map<string, BonusQuote> {
  let map = quotes.get(client);
  if (!map) quotes.set(client, (map = new Map()));
  for (const [key, quote] of map) if (Date.now() - (quote.closedAt ?? quote.at) > HISTORY_MS) map.delete(key);
  return map;
}

/** The quote for these bonuses still open for confirmation, if any. */
export function openQuote(client: ProlificClient, key: string): BonusQuote | undefined {
  const quote = memory(client).get(key);
  return quote && quote.state === 'open' && Date.now() - quote.at < QUOTE_MS ? quote : undefined;
}

/** A closed quote for the same bonuses: they were paid, or may have been, through this server. */
export function earlierPayment(client: ProlificClient, key: string): BonusQuote | undefined {
  const quote = memory(client).get(key);
  return quote && quote.state !== 'open' ? quote : undefined;
}

/**
 * Sets the bonuses up on Prolific, at most MAX_LINES a request and one request at a time (Prolific takes no
 * concurrent bonus requests), and remembers the quote. Nothing is paid.
 */
export async function setUpBonuses(client: ProlificClient, studyId: string, bonuses: readonly Bonus[], signal: AbortSignal): Promise<BonusQuote> {
  const parts: Part[] = [];
  let amount = 0;
  let fees = 0;
  let vat = 0;
  const chunks = bonusChunks(bonuses);
  let start = 0;
  for (const csv of chunks) {
    const lines = csv.split('\n').length;
    const participants = bonuses.slice(start, start + lines).map((bonus) => bonus.participant_id);
    start += lines;
    const made = await client.createBonusPayments({ study_id: studyId, csv_bonuses: csv }, signal);
    if (typeof made?.id !== 'string' || typeof made.total_amount !== 'number') {
      throw new ToolError('Prolific set the bonus up but its answer had no id or total_amount, so it cannot be paid from here. Nothing was paid.');
    }
    parts.push({ bonusId: made.id, participants, total: made.total_amount, state: 'unpaid' });
    amount += made.amount ?? 0;
    fees += made.fees ?? 0;
    vat += made.vat ?? 0;
  }
  const total = parts.reduce((sum, part) => sum + part.total, 0);
  const quote: BonusQuote = { key: quoteKey(studyId, bonuses), studyId, count: bonuses.length, amount, fees, vat, total, parts, at: Date.now(), state: 'open' };
  memory(client).set(quote.key, quote);
  return quote;
}

export type PayOutcome =
  | { kind: 'paid' }
  /**
   * The answer to a pay request was lost, or Prolific failed mid-way: it may or may not have paid. `before` is
   * what the study's cost showed in bonuses just before paying, if it could be read.
   */
  | { kind: 'unknown'; part: number; reason: string; before: number | undefined }
  /** Prolific refused a pay request: that part and those after it were not paid. */
  | { kind: 'refused'; part: number; error: ProlificApiError };

const ALREADY_CLOSED = 'These bonuses were already paid, or a payment of them is under way or unknown; nothing more was paid. get_study shows what the study has paid in bonuses.';

/**
 * Pays an open quote's parts in turn, each once: the quote is closed before the first request, so no other
 * call can pay it again. A pay request is never retried; on a lost answer the quote stays closed as unknown.
 */
export async function payQuote(client: ProlificClient, quote: BonusQuote, signal: AbortSignal): Promise<PayOutcome> {
  if (quote.state !== 'open') throw new ToolError(ALREADY_CLOSED);
  // What the study shows in bonuses now: a payment counts against the daily limit here until it shows there.
  const before = await client.getStudyCost(quote.studyId, false, signal).then(bonusesOf, () => undefined);
  // Checked again, and closed in the same turn, since another confirmation may have come in during the read.
  if (quote.state !== 'open') throw new ToolError(ALREADY_CLOSED);
  quote.state = 'partial';
  quote.closedAt = Date.now();
  let sent = 0;
  for (const [index, part] of quote.parts.entries()) {
    sent += part.total;
    const shownFrom = before === undefined ? undefined : before + sent;
    try {
      await client.payBonusPayments(part.bonusId, signal);
      part.state = 'paid';
      rememberBonus(client, quote.studyId, part.total, shownFrom);
    } catch (error) {
      const lost = error instanceof ProlificNetworkError || (error instanceof ProlificApiError && error.status >= 500) || signal.aborted;
      if (lost) {
        part.state = 'unknown';
        rememberBonus(client, quote.studyId, part.total, shownFrom);
        quote.state = 'unknown';
        return { kind: 'unknown', part: index, reason: error instanceof Error ? error.message : String(error), before };
      }
      if (error instanceof ProlificApiError) {
        if (index === 0) quote.state = 'open';
        return { kind: 'refused', part: index, error };
      }
      throw error;
    }
  }
  quote.state = 'paid';
  return { kind: 'paid' };
}
