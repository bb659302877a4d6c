/**
 * The sandbox's whole world: the store of records (store.ts) and the clock that moves them on. Time-driven
 * changes (processing finishing, participants arriving and submitting) are not run by timers: `advance()`
 * works them out from the clock whenever the state is read, so nothing needs cancelling and a run depends
 * only on the seed, the requests and the elapsed time. The handlers take this; the rules take the store.
 */
import { hiddenChoices } from './answers.js';
import { questionsOf } from './batch-items.js';
import type { OptionValue } from './model.js';
import { walletBalance } from './money.js';
import { advanceStudies } from './participants.js';
import { advanceImports } from './imports.js';
import { advanceBatches, advanceDatasets } from './processing.js';
import { derivedRandom } from './random.js';
import { SandboxStore } from './store.js';
import { statedAnswer } from './truth.js';

export class SandboxState extends SandboxStore {
  /** Brings every time-driven status up to the present. Handlers call it before reading or writing. */
  advance(): void {
    const now = this.now();
    advanceDatasets(this, now);
    advanceImports(this, now);
    advanceBatches(this, now);
    advanceStudies(this, now);
  }

  /**
   * Makes a workspace's available balance (the personal account's, for a study without a project) exactly
   * `minor` from now on, as a top-up or a spend elsewhere would; for rehearsing a publish it cannot pay.
   */
  setBalance(workspaceId: string | undefined, minor: number): void {
    this.advance();
    const wallet = workspaceId === undefined ? this.personalWallet : this.findWorkspace(workspaceId).wallet;
    wallet.initialBalance += minor - walletBalance(this, wallet).available;
  }

  /**
   * The option values a choice instruction hides for one task (datapoint index): what reliable annotators
   * give. Tests read it to check the statistics against the truth; the API never shows it.
   */
  hiddenAnswer(batchId: string, task: number, instructionId: string): OptionValue[] {
    const batch = this.findBatch(batchId);
    const instruction = questionsOf(batch).find((candidate) => candidate.id === instructionId);
    if (!instruction) return [];
    const options = instruction.fields.options ?? [];
    const hidden =
      statedAnswer(this, batch, task, instruction) ??
      hiddenChoices(instruction.fields, derivedRandom(this.settings.seed, batch.id, 'truth', task, instruction.id));
    return hidden.map((index) => options[index]?.value).filter((value) => value !== undefined);
  }
}
