/**
 * The `csv_bonuses` body of a bonus set-up. Prolific takes these amounts in MAJOR units with two decimals
 * (1.50 = £1.50) and no header row, although every other amount in its API is in minor units: pence sent
 * as they are would pay 100 times over. Everything else in this server counts minor units.
 */
import { ToolError } from '../errors.js';

/** Prolific recommends at most this many ids per set-up request. */
export const MAX_LINES = 200;

export interface Bonus {
  participant_id: string;
  /** Minor units (pence, cents). */
  amount: number;
}

/** 150 → "1.50", in whole-number arithmetic so no amount is ever rounded. */
export function majorUnits(minor: number): string {
  if (!Number.isSafeInteger(minor) || minor < 1) throw new ToolError(`A bonus must be a whole number of minor units, at least 1 (got ${minor}).`);
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

/** The bonuses as csv_bonuses bodies of at most MAX_LINES lines each, in the order given. */
export function bonusChunks(bonuses: readonly Bonus[]): string[] {
  const lines = bonuses.map((bonus) => `${bonus.participant_id},${majorUnits(bonus.amount)}`);
  const chunks: string[] = [];
  for (let start = 0; start < lines.length; start += MAX_LINES) chunks.push(lines.slice(start, start + MAX_LINES).join('\n'));
  return chunks;
}

/** Each participant once: two lines for one person are far more often a mistake than a wish. */
export function refuseRepeats(bonuses: readonly Bonus[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { participant_id } of bonuses) (seen.has(participant_id) ? repeated : seen).add(participant_id);
  if (repeated.size) {
    throw new ToolError(`bonuses names ${[...repeated].slice(0, 5).join(', ')} more than once; give each participant one line with the sum. Nothing was set up.`);
  }
}
