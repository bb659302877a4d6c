/**
 * Bonuses in two steps (digest §5). Setting one up reads `csv_bonuses` — lines of `<participant or submission
 * id>,<amount>`, the amount in the study currency's major units (`4.25` is £4.25; no header row) — and prices
 * it; it moves no money. Paying it takes the total from the available balance at once and from the wallet when
 * the payment settles, the sandbox's processing time later (Prolific pays "in the following minutes"). Paying
 * the same bulk bonus again pays it again, as the docs warn (§5.2): the sandbox keeps every pay call.
 *
 * The sandbox's choices where the docs are silent: a line's amount has at most two decimals and is above zero;
 * blank lines are skipped; the same participant may appear on several lines (each is paid); the advised
 * maximum of 200 lines is not enforced; anyone with a submission in the study, of any status, took part;
 * setting up checks no balance (the API does not say it reserves funds), paying refuses what the available
 * balance cannot cover; fees and VAT are those of rewards (money.ts) on the bonus's sum.
 */
import type { BonusLine, BulkBonusRecord, BonusPaymentRecord } from './audience-model.js';
import { badRequest } from './errors.js';
import type { StudyRecord } from './model.js';
import { formatMoney, studyCost, walletBalance, walletName, walletOf } from './money.js';
import type { SandboxStore } from './store.js';

const AMOUNT = /^\d+(\.\d{1,2})?$/;

export function setUpBonus(state: SandboxStore, study: StudyRecord, csv: string): BulkBonusRecord {
  const lines = parseBonuses(state, study, csv);
  const sum = lines.reduce((total, line) => total + line.amount, 0);
  const cost = studyCost(sum, 1);
  const bulk: BulkBonusRecord = {
    id: state.newObjectId(),
    studyId: study.id,
    createdAt: state.now(),
    lines,
    amount: cost.rewards,
    fees: cost.fees,
    vat: cost.tax,
    total: cost.total,
  };
  state.audience.bulkBonuses.set(bulk.id, bulk);
  return bulk;
}

function parseBonuses(state: SandboxStore, study: StudyRecord, csv: string): BonusLine[] {
  const submissions = state.submissionsOf(study.id);
  const problems: string[] = [];
  const unknown: string[] = [];
  const lines: BonusLine[] = [];
  const rows = csv.split(/\r?\n/).map((row) => row.trim());
  rows.forEach((row, index) => {
    if (!row) return;
    const cells = row.split(',').map((cell) => cell.trim());
    if (cells.length !== 2) {
      problems.push(`Line ${index + 1}: expected "<participant_id>,<amount>", got "${row}".`);
      return;
    }
    const [id = '', amountText = ''] = cells;
    const submission = submissions.find((candidate) => candidate.participantId === id || candidate.id === id);
    if (!submission) unknown.push(id);
    const amount = AMOUNT.test(amountText) ? Math.round(Number(amountText) * 100) : 0;
    if (amount <= 0) {
      problems.push(
        `Line ${index + 1}: "${amountText}" is not an amount: give it in major units of the study currency, ` +
          'with at most two decimals and above zero (1.50 pays £1.50).',
      );
    }
    if (submission && amount > 0) lines.push({ participantId: submission.participantId, submissionId: submission.id, amount });
  });
  if (unknown.length > 0) problems.unshift(`These IDs did not take part in study ${study.id}: ${unknown.join(', ')}.`);
  if (problems.length === 0 && lines.length === 0) problems.push('No bonuses given: send lines of "<participant_id>,<amount>".');
  if (problems.length > 0) throw badRequest({ csv_bonuses: problems });
  return lines;
}

export function payBonus(state: SandboxStore, bulk: BulkBonusRecord): BonusPaymentRecord {
  const study = state.findStudy(bulk.studyId);
  const wallet = walletOf(state, study);
  const { available } = walletBalance(state, wallet);
  if (bulk.total > available) {
    throw badRequest(
      `Insufficient funds: this bonus costs ${formatMoney(bulk.total)} (${formatMoney(bulk.amount)} bonuses + ` +
        `${formatMoney(bulk.fees)} fees + ${formatMoney(bulk.vat)} VAT) but the available balance of ${walletName(state, wallet)} ` +
        `is ${formatMoney(available)}. Add funds before paying.`,
    );
  }
  const now = state.now();
  const payment: BonusPaymentRecord = { bulkId: bulk.id, studyId: study.id, paidAt: now, settlesAt: now + state.settings.processingMs };
  state.audience.bonusPayments.push(payment);
  return payment;
}

export interface BonusTotals {
  amount: number;
  fees: number;
  vat: number;
}

/** What a study's paid bonuses came to: settled ones, or with `pending` also those still being paid. */
export function studyBonuses(state: SandboxStore, studyId: string, pending: boolean): BonusTotals {
  const totals = { amount: 0, fees: 0, vat: 0 };
  const now = state.now();
  for (const payment of state.audience.bonusPayments) {
    const bulk = state.audience.bulkBonuses.get(payment.bulkId);
    if (payment.studyId !== studyId || !bulk || (!pending && payment.settlesAt > now)) continue;
    totals.amount += bulk.amount;
    totals.fees += bulk.fees;
    totals.vat += bulk.vat;
  }
  return totals;
}

/** The settled bonus amounts of one submission, minor units, one per line paid (`bonus_payments`). */
export function submissionBonuses(state: SandboxStore, submissionId: string): number[] {
  const now = state.now();
  const amounts: number[] = [];
  for (const payment of state.audience.bonusPayments) {
    if (payment.settlesAt > now) continue;
    const bulk = state.audience.bulkBonuses.get(payment.bulkId);
    for (const line of bulk?.lines ?? []) if (line.submissionId === submissionId) amounts.push(line.amount);
  }
  return amounts;
}
