/**
 * The guards every spend passes, publishing a study or paying bonuses alike: the per-spend cap
 * (PROLIFIC_MAX_PUBLISH_COST), the paying workspace's balance, the rolling daily limit, and the person's
 * approval, given as confirm_total_cost equal to the quote or through the client's form elicitation.
 */
import type { ProlificClient } from '../prolific/client.js';
import type { Study } from '../prolific/types.js';
import type { Config } from '../config.js';
import { ToolError } from '../errors.js';
import type { StepContext } from './context.js';
import { checkDailyLimit, oneSpendAtATime } from './spending.js';

/** A yes/no question put to the person (the client's form elicitation); undefined when the client cannot ask. */
export type AskPerson = (params: {
  message: string;
  requestedSchema: { type: 'object'; properties: Record<string, { type: 'boolean'; title: string }>; required: string[] };
}) => Promise<{ action: string; content?: Record<string, unknown> }>;

/** What a spend needs of the call that makes it; the MCP layer's ToolContext is one. */
export interface SpendContext extends StepContext {
  readonly config: Config;
  readonly elicit: AskPerson | undefined;
}

export type Balance = { available: number; currency?: string; workspace: string } | { unchecked: string };

export interface Spend {
  tool: string;
  total: number;
  currency: string;
  /** What is bought, with the total: `"Name": 10 places × 150 reward = 2100 GBP minor units in total, …`. */
  terms: string;
  /** 'publishing', 'paying'. */
  verb: string;
  /** 'Not published'. */
  notDone: string;
  /** 'Nothing was published.' */
  nothing: string;
  /** How to spend less: 'reduce places or reward (create a new study)'. */
  smaller: string;
  /** The question put to the person, and the title of the yes/no field. */
  ask: { message: string; field: string; title: string };
  /** How to confirm: 'call publish_study with', 'call pay_bonuses again with the same bonuses and'. */
  repeat: string;
  confirm: number | undefined;
  balance: Balance;
}

export type Approval = { approved: true; note: string } | { approved: false; message: string };

/**
 * Refuses (ToolError) a spend over the per-spend cap or the workspace's available balance. pay_bonuses also
 * calls it before setting bonuses up, with their sum before fees: a set-up those already rule out is not made.
 */
export function refuseOverCapOrBalance(
  config: Config,
  spend: Pick<Spend, 'total' | 'currency' | 'terms' | 'verb' | 'nothing' | 'smaller' | 'balance'>,
): void {
  const { total, currency, terms, balance } = spend;
  if (config.maxPublishCost !== undefined && total > config.maxPublishCost) {
    throw new ToolError(
      `Refused: ${spend.verb} ${terms} is over this server's spending cap of ${config.maxPublishCost} (PROLIFIC_MAX_PUBLISH_COST). ${spend.nothing} ${capitalised(spend.smaller)}, or have the person raise the cap.`,
    );
  }
  if ('available' in balance && comparable(balance, currency) && balance.available < total) {
    throw new ToolError(
      `Refused: workspace ${balance.workspace} has ${balance.available} ${currency} minor units available, less than the quote for ${terms}. ${spend.nothing} Top up the workspace on Prolific, or ${spend.smaller}.`,
    );
  }
}

/** A balance read, in the spend's currency. */
function comparable(balance: Balance, currency: string): boolean {
  return 'available' in balance && (balance.currency ?? currency) === currency;
}

/** Refuses what no approval could allow (ToolError), else asks for or checks the person's approval. */
export async function approveSpend(context: SpendContext, spend: Spend): Promise<Approval> {
  const { total, currency, terms, balance } = spend;
  refuseOverCapOrBalance(context.config, spend);
  const daily = await checkDailyLimit(context, { total, currency, what: `${spend.verb} ${terms}`, nothing: spend.nothing });
  const unchecked =
    'unchecked' in balance
      ? ` The balance was not checked: ${balance.unchecked}.`
      : comparable(balance, currency)
        ? ''
        : ` The balance was not checked: it is in ${balance.currency}, the quote in ${currency}.`;
  const note = `${unchecked}${daily ? ` ${daily}` : ''}`;
  if (spend.confirm !== undefined && spend.confirm !== total) {
    throw new ToolError(
      `${spend.notDone}: confirm_total_cost ${spend.confirm} does not match the current quote for ${terms}. Show the person this total; if they agree, ${spend.repeat} confirm_total_cost=${total}.`,
    );
  }
  if (context.elicit) {
    const answer = await context.elicit({
      message: spend.ask.message,
      requestedSchema: { type: 'object', properties: { [spend.ask.field]: { type: 'boolean', title: spend.ask.title } }, required: [spend.ask.field] },
    });
    if (answer.action !== 'accept' || answer.content?.[spend.ask.field] !== true) {
      return { approved: false, message: `The person did not approve ${spend.verb} ${terms}. ${spend.nothing.replace(/\.$/, '')} or spent.${note}` };
    }
  } else if (spend.confirm === undefined) {
    return { approved: false, message: `${spend.notDone} yet. Ask the person to approve ${terms}; if they agree, ${spend.repeat} confirm_total_cost=${total}.${note}` };
  }
  return { approved: true, note };
}

/**
 * Spends, one spend of this process at a time, after checking the daily limit once more: other spends may have
 * happened while the person was deciding.
 */
export async function spendWithinLimit<T>(context: SpendContext, spend: Pick<Spend, 'total' | 'currency' | 'verb' | 'terms' | 'nothing'>, act: () => Promise<T>): Promise<T> {
  return oneSpendAtATime(context.client, async () => {
    await checkDailyLimit(context, { total: spend.total, currency: spend.currency, what: `${spend.verb} ${spend.terms}`, nothing: spend.nothing });
    return act();
  });
}

/**
 * What the paying workspace (the study's project's, else the batch's) has available. A balance that cannot be
 * read never stops a spend: some tokens may not see it, and Prolific refuses an unaffordable one itself.
 */
export async function availableBalance(client: ProlificClient, study: Study, signal: AbortSignal): Promise<Balance> {
  try {
    const workspace = await payingWorkspace(client, study, signal);
    if (!workspace) return { unchecked: 'the study names neither a project nor a batch with a workspace' };
    const balance = await client.getWorkspaceBalance(workspace, signal);
    if (typeof balance.available_balance !== 'number') return { unchecked: 'Prolific did not say what is available' };
    return { available: balance.available_balance, currency: balance.currency_code, workspace };
  } catch (error) {
    if (signal.aborted) throw error;
    return { unchecked: error instanceof Error ? error.message : String(error) };
  }
}

/** The project decides who pays; a project that cannot be read leaves the batch's workspace as the best guess. */
async function payingWorkspace(client: ProlificClient, study: Study, signal: AbortSignal): Promise<string | undefined> {
  const project = typeof study.project === 'string' ? study.project : (study.project as { id?: unknown } | undefined)?.id;
  if (typeof project === 'string' && project) {
    const { workspace } = await client.getProject(project, signal).catch((error: unknown) => {
      if (signal.aborted || !study.data_collection_id) throw error;
      return { workspace: undefined };
    });
    const id = typeof workspace === 'string' ? workspace : workspace?.id;
    if (id) return id;
  }
  if (!study.data_collection_id) return undefined;
  return (await client.getBatch(study.data_collection_id, signal)).workspace_id;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
