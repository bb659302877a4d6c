import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId, studyOut } from '../src/util/shapes.js';
import { createOnce } from '../src/job/create-once.js';
import type { ProlificClient } from '../src/prolific/client.js';
import type { Study } from '../src/prolific/types.js';

export default defineTool({
  name: 'publish_study',
  toolset: 'run',
  title: 'Publish study (spends money)',
  description:
    "Publish an UNPUBLISHED study; participants start and the total cost is charged. Without confirm_total_cost it returns the quote: show the person, and call again with confirm_total_cost = that quote only once they agree.",
  input: {
    study_id: prolificId('study'),
    confirm_total_cost: z.int().min(0).max(1e9).optional().describe('The quoted total, minor units, as agreed by the person'),
  },
  output: {
    published: z.boolean(),
    total_cost: z.number(),
    currency: z.string(),
    message: z.string(),
    study: studyOut.optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run(args, context) {
    const { client, config, signal } = context;
    const study = await client.getStudy(args.study_id, signal);
    if (study.status !== 'UNPUBLISHED') {
      throw new ToolError(
        `Study ${args.study_id} is ${study.status}, so it cannot be published${study.status === 'ACTIVE' || study.status === 'PUBLISHING' ? ' again: it already is, and nothing more was spent' : ''}. Use get_study to follow it.`,
      );
    }
    const [total_cost, me, balance] = await Promise.all([
      client.quoteCost({ reward: study.reward, total_available_places: study.total_available_places }, signal),
      client.getMe(signal),
      availableBalance(client, study, signal),
    ]);
    const currency = me.currency_code ?? ('available' in balance ? balance.currency : undefined) ?? 'GBP';
    const quote = { total_cost, currency };
    const terms = `"${study.name}": ${study.total_available_places} places × ${study.reward} reward = ${total_cost} ${currency} minor units in total, fees and VAT included`;
    if (config.maxPublishCost !== undefined && total_cost > config.maxPublishCost) {
      throw new ToolError(
        `Refused: publishing ${terms} is over this server's spending cap of ${config.maxPublishCost} (PROLIFIC_MAX_PUBLISH_COST). Nothing was published. Reduce places or reward (create a new study), or have the person raise the cap.`,
      );
    }
    const comparable = 'available' in balance && (balance.currency ?? currency) === currency;
    if (comparable && balance.available < total_cost) {
      throw new ToolError(
        `Refused: workspace ${balance.workspace} has ${balance.available} ${currency} minor units available, less than the quote for ${terms}. Nothing was published. Top up the workspace on Prolific, or reduce places or reward (create a new study).`,
      );
    }
    const unchecked =
      'unchecked' in balance
        ? ` The balance was not checked: ${balance.unchecked}.`
        : comparable
          ? ''
          : ` The balance was not checked: it is in ${balance.currency}, the quote in ${currency}.`;
    if (args.confirm_total_cost !== undefined && args.confirm_total_cost !== total_cost) {
      throw new ToolError(
        `Not published: confirm_total_cost ${args.confirm_total_cost} does not match the current quote for ${terms}. Show the person this total; if they agree, call publish_study with confirm_total_cost=${total_cost}.`,
      );
    }
    if (context.elicit) {
      const answer = await context.elicit({
        message: `Publish ${terms}? Participants start immediately and the cost is charged to the account.`,
        requestedSchema: {
          type: 'object',
          properties: { publish: { type: 'boolean', title: `Publish and spend ${total_cost} ${currency} minor units` } },
          required: ['publish'],
        },
      });
      if (answer.action !== 'accept' || answer.content?.publish !== true) {
        return { published: false, ...quote, message: `The person did not approve publishing ${terms}. Nothing was published or spent.${unchecked}` };
      }
    } else if (args.confirm_total_cost === undefined) {
      return {
        published: false,
        ...quote,
        message: `Not published yet. Ask the person to approve ${terms}; if they agree, call publish_study with confirm_total_cost=${total_cost}.${unchecked}`,
      };
    }
    const published = await createOnce({
      what: `Publishing study ${args.study_id}`,
      attempt: () => client.transitionStudy(args.study_id, 'PUBLISH', signal),
      find: async () => {
        const now = await client.getStudy(args.study_id, signal);
        return now.status === 'UNPUBLISHED' ? undefined : now;
      },
      howToCheck: 'The study still shows UNPUBLISHED, so nothing was spent; call publish_study again to retry.',
    });
    return { published: true, ...quote, study: published, message: `Published ${terms}. Follow it with get_study.${unchecked}` };
  },
});

/**
 * What the paying workspace (the study's project's, else the batch's) has available. A balance that cannot be
 * read never stops a publish: some tokens may not see it, and Prolific refuses an unaffordable publish itself.
 */
async function availableBalance(
  client: ProlificClient,
  study: Study,
  signal: AbortSignal,
): Promise<{ available: number; currency?: string; workspace: string } | { unchecked: string }> {
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
