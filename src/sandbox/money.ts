/**
 * Prices and balances. Prolific does not publish its fee formula through the API, so the sandbox uses one
 * plausible model everywhere: a platform fee of a third of the rewards, plus 20% VAT on that fee, each
 * rounded to whole minor units. 10 places at 150p cost 1500 + 500 fee + 100 VAT = 2100.
 */
import type { StudyRecord, WalletRecord } from './model.js';
import type { SandboxStore } from './store.js';

export const CURRENCY = 'GBP';
const SERVICE_FEE_RATE = 1 / 3;
const VAT_RATE = 0.2;

/** Per-hour reward rates in minor units, as /reward-recommendations/ reports them. */
export const REWARD_RATES = {
  GBP: { min_reward_per_hour: 600, recommended_reward_per_hour: 900 },
  USD: { min_reward_per_hour: 800, recommended_reward_per_hour: 1200 },
} as const;

export interface CostBreakdown {
  rewards: number;
  fees: number;
  tax: number;
  total: number;
}

export function studyCost(reward: number, places: number): CostBreakdown {
  const rewards = Math.round(reward * places);
  const fees = Math.round(rewards * SERVICE_FEE_RATE);
  const tax = Math.round(fees * VAT_RATE);
  return { rewards, fees, tax, total: rewards + fees + tax };
}

/** Splits an amount into the parts the cost formula would have made of it (for balance breakdowns). */
export function splitAmount(total: number): { rewards: number; fees: number; vat: number } {
  const rewards = Math.round(total / (1 + SERVICE_FEE_RATE * (1 + VAT_RATE)));
  const fees = Math.round(rewards * SERVICE_FEE_RATE);
  return { rewards, fees, vat: total - rewards - fees };
}

export function hourlyRate(reward: number, minutes: number): number {
  return (reward * 60) / minutes;
}

export function formatMoney(minor: number, currency: string = CURRENCY): string {
  const symbol = currency === 'USD' ? '$' : '£';
  return `${minor < 0 ? '-' : ''}${symbol}${(Math.abs(minor) / 100).toFixed(2)}`;
}

/** The wallet a study spends from: its project's workspace, or the researcher's personal balance. */
export function walletOf(state: SandboxStore, study: StudyRecord): WalletRecord {
  const projectId = study.fields.project;
  if (!projectId) return state.personalWallet;
  const project = state.findProject(projectId);
  return state.findWorkspace(project.workspaceId).wallet;
}

export function walletName(state: SandboxStore, wallet: WalletRecord): string {
  for (const workspace of state.workspaces.values()) {
    if (workspace.wallet === wallet) return `workspace "${workspace.title}"`;
  }
  return 'your personal account';
}

export interface Balance {
  /** Funds in the wallet, including those locked by published studies. */
  total: number;
  /** What is left to spend. */
  available: number;
}

/**
 * Balances are derived, never stored: approved submissions and settled bonuses are paid (spent), and every
 * place of a live study that may still be paid, and every bonus still being paid, is locked. Rejected
 * submissions and places a stopped study never filled release their share.
 */
export function walletBalance(state: SandboxStore, wallet: WalletRecord): Balance {
  let spent = 0;
  let locked = 0;
  for (const study of state.studies.values()) {
    if (walletOf(state, study) !== wallet || study.publishedAt === null) continue;
    const submissions = state.submissionsOf(study.id);
    const approved = submissions.filter((submission) => submission.status === 'APPROVED').length;
    const released = submissions.filter((submission) => submission.status === 'REJECTED').length;
    const stillPayable =
      study.status === 'COMPLETED'
        ? submissions.filter((submission) => ['RESERVED', 'ACTIVE', 'AWAITING REVIEW'].includes(submission.status)).length
        : Math.max(0, study.fields.total_available_places - approved - released);
    spent += studyCost(study.fields.reward, approved).total;
    locked += studyCost(study.fields.reward, stillPayable).total;
  }
  // A bonus paid leaves the available balance at once and the wallet when the payment settles (bonuses.ts).
  const now = state.now();
  for (const payment of state.audience.bonusPayments) {
    const study = state.studies.get(payment.studyId);
    const bulk = state.audience.bulkBonuses.get(payment.bulkId);
    if (!study || !bulk || walletOf(state, study) !== wallet) continue;
    if (payment.settlesAt <= now) spent += bulk.total;
    else locked += bulk.total;
  }
  const total = wallet.initialBalance - spent;
  return { total, available: total - locked };
}
