import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool, type ToolContext } from '../src/mcp/tool.js';
import { prolificId } from '../src/util/shapes.js';
import { refuseRepeats, type Bonus } from '../src/job/bonus-csv.js';
import { earlierPayment, openQuote, payQuote, quoteKey, setUpBonuses, type BonusQuote, type PayOutcome } from '../src/job/bonuses.js';
import { approveSpend, availableBalance, refuseOverCapOrBalance, spendWithinLimit } from '../src/job/spend-approval.js';
import { atLeast, readAccuracy } from '../src/job/accuracy.js';
import type { Study } from '../src/prolific/types.js';

/** Per participant, minor units: £500 is far past any bonus for annotation, and far short of a typo's 100×. */
const MOST_EACH = 50_000;
const MOST_BONUSES = 5_000;
const minor = z.int().min(1).max(MOST_EACH);

export default defineTool({
  name: 'pay_bonuses',
  toolset: 'audience',
  title: 'Pay bonuses (spends money)',
  description:
    "Bonus a study's participants: bonuses [{participant_id, amount}], or accuracy_at_least with amount (on summarize_responses' estimates). Minor units. First call sets up and returns the total with fees; pay by calling again with the same bonuses and confirm_total_cost once the person agrees.",
  input: {
    study_id: prolificId('study'),
    bonuses: z.array(z.object({ participant_id: prolificId('participant'), amount: minor })).min(1).max(MOST_BONUSES).optional(),
    accuracy_at_least: z.number().min(0).max(1).optional(),
    amount: minor.optional().describe('Each, with accuracy_at_least'),
    confirm_total_cost: z.int().min(0).max(1e9).optional().describe('The quoted total, as agreed by the person'),
  },
  output: {
    paid: z.boolean(),
    total_cost: z.number(),
    currency: z.string(),
    participants: z.number(),
    message: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run(args, context) {
    const { client, signal } = context;
    const study = await client.getStudy(args.study_id, signal);
    if (study.status === 'UNPUBLISHED') throw new ToolError(`Study ${study.id} is UNPUBLISHED: nobody has taken part, so there is no one to bonus.`);
    const [bonuses, me] = await Promise.all([chooseBonuses(context, study, args), client.getMe(signal)]);
    if (bonuses.length === 0) {
      return { paid: false, total_cost: 0, currency: me.currency_code ?? 'GBP', participants: 0, message: `No participant of study ${study.id} reaches accuracy ${args.accuracy_at_least}; nothing was set up or paid.` };
    }
    const key = quoteKey(study.id, bonuses);
    const earlier = earlierPayment(client, key);
    let quote = openQuote(client, key);
    if (!quote && args.confirm_total_cost !== undefined) {
      throw new ToolError(
        `Not paid: there is no open quote for these bonuses on study ${study.id} (a quote lasts 30 minutes in this server and does not outlive a restart${earlier ? `; these bonuses were ${whatBecameOf(earlier)}` : ''}). Call pay_bonuses without confirm_total_cost for a new quote, and check get_study's spent_on.bonuses first.`,
      );
    }
    const balance = await availableBalance(client, study, signal);
    const currency = me.currency_code ?? ('available' in balance ? balance.currency : undefined) ?? 'GBP';
    if (!quote) {
      // Fees and VAT are Prolific's to say, but what the participants get is known: a set-up it already rules out is not made.
      const sum = bonuses.reduce((total, bonus) => total + bonus.amount, 0);
      refuseOverCapOrBalance(context.config, {
        total: sum,
        currency,
        terms: `${bonusCount(bonuses.length)} on "${study.name}", ${sum} ${currency} minor units to participants before fees and VAT`,
        verb: 'paying',
        nothing: 'Nothing was set up or paid.',
        smaller: 'pay fewer or smaller bonuses',
        balance,
      });
      quote = await setUpBonuses(client, study.id, bonuses, signal);
    }
    const terms = `${bonusCount(quote.count)} on "${study.name}": ${quote.amount} to participants + ${quote.fees} fees + ${quote.vat} VAT = ${quote.total} ${currency} minor units`;
    const warning = earlier ? ` Note: these same bonuses were ${whatBecameOf(earlier)} through this server; confirm only to pay them again.` : '';
    const spend = {
      tool: 'pay_bonuses',
      total: quote.total,
      currency,
      terms,
      verb: 'paying',
      notDone: 'Not paid',
      nothing: 'Nothing was paid.',
      smaller: 'pay fewer or smaller bonuses',
      ask: { message: `Pay ${terms}? It cannot be undone.${warning}`, field: 'pay', title: `Pay ${quote.total} ${currency} minor units in bonuses` },
      repeat: 'call pay_bonuses again with the same bonuses and',
      confirm: args.confirm_total_cost,
      balance,
    };
    const outcome = { total_cost: quote.total, currency, participants: quote.count };
    const approval = await approveSpend(context, spend);
    if (!approval.approved) return { paid: false, ...outcome, message: `${approval.message}${warning}` };
    const open = quote;
    const paid = await spendWithinLimit(context, spend, () => payQuote(client, open, signal));
    if (paid.kind === 'paid') {
      return { paid: true, ...outcome, message: `Paid ${terms}. Prolific pays them within minutes; get_study shows them in spent_on.bonuses.${approval.note}` };
    }
    throw new ToolError(failure(paid, open, currency));
  },
});

async function chooseBonuses(
  context: ToolContext,
  study: Study,
  args: { bonuses?: Bonus[] | undefined; accuracy_at_least?: number | undefined; amount?: number | undefined },
): Promise<Bonus[]> {
  const byRule = args.accuracy_at_least !== undefined;
  if (byRule === (args.bonuses !== undefined) || byRule !== (args.amount !== undefined)) {
    throw new ToolError('Give either bonuses (a list of participant_id and amount) or accuracy_at_least with amount, not both. Nothing was set up.');
  }
  const { results } = await context.client.listSubmissions(study.id, context.signal);
  const took = new Set(results.map((submission) => submission.participant_id));
  if (args.bonuses) {
    refuseRepeats(args.bonuses);
    const strangers = args.bonuses.map((bonus) => bonus.participant_id).filter((id) => !took.has(id));
    if (strangers.length) {
      throw new ToolError(`${strangers.slice(0, 5).join(', ')}${strangers.length > 5 ? ` and ${strangers.length - 5} more` : ''} did not take part in study ${study.id}; only people with a submission in it can be given a bonus. Nothing was set up.`);
    }
    return args.bonuses;
  }
  if (!study.data_collection_id) throw new ToolError(`Study ${study.id} runs no Task Builder batch, so there are no accuracy estimates to bonus by; give bonuses as a list.`);
  const accuracy = await readAccuracy(context, study.data_collection_id);
  return atLeast(accuracy, args.accuracy_at_least as number)
    .filter((participant) => took.has(participant))
    .map((participant_id) => ({ participant_id, amount: args.amount as number }));
}

function failure(outcome: Exclude<PayOutcome, { kind: 'paid' }>, quote: BonusQuote, currency: string): string {
  const paid = quote.parts.filter((part) => part.state === 'paid');
  const done = paid.length ? `${paid.reduce((sum, part) => sum + part.participants.length, 0)} bonuses (${paid.reduce((sum, part) => sum + part.total, 0)} ${currency} minor units) were paid; ` : '';
  const part = quote.parts[outcome.part];
  const size = part?.participants.length ?? 0;
  if (outcome.kind === 'unknown') {
    const { before } = outcome;
    const watch =
      before === undefined ? '' : ` Its bonuses stood at ${before} before this payment; ${before + (part?.total ?? 0)} means these were paid (unless other bonuses were still being paid then).`;
    return `${done}the request to pay ${size} bonuses (${part?.total} ${currency} minor units) got no answer (${outcome.reason}), so they may or may not have been paid. Do not pay them again until you have checked: Prolific pays within minutes, and get_study shows the study's bonuses in spent_on.bonuses.${watch} If they were not paid, call pay_bonuses without confirm_total_cost for a new quote.`;
  }
  const left = quote.parts.slice(outcome.part).flatMap((p) => p.participants);
  return `${done}Prolific refused to pay ${left.length} bonuses (${outcome.error.status}: ${outcome.error.detail}); those were not paid${paid.length ? `: ${left.slice(0, 5).join(', ')}${left.length > 5 ? '…' : ''}. Quote them again on their own` : '. Call pay_bonuses again to retry with the same quote'}.`;
}

/** "paid at <time>", for a closed quote of the same bonuses. */
function whatBecameOf(earlier: BonusQuote): string {
  const what = earlier.state === 'paid' ? 'paid' : earlier.state === 'partial' ? 'partly paid' : 'sent for payment with no answer';
  return `${what} at ${earlier.closedAt === undefined ? 'an earlier time' : new Date(earlier.closedAt).toISOString()}`;
}

function bonusCount(count: number): string {
  return `${count} bonus${count === 1 ? '' : 'es'}`;
}
