import { z } from 'zod';
import { defineTool, ToolError, type ToolContext } from '../src/tool.js';
import { prolificId, studyOut } from '../src/shapes.js';
import { ProlificNetworkError } from '../src/prolific/errors.js';
import type { Study } from '../src/prolific/types.js';

export default defineTool({
  name: 'publish_study',
  title: 'Publish study (spends money)',
  description:
    "Publish an UNPUBLISHED study: participants start and the total cost is charged. Call without confirm_total_cost to get the quote; show it to the person; call again with confirm_total_cost equal to the quote only after they agree.",
  input: {
    study_id: prolificId('study'),
    confirm_total_cost: z.int().min(0).optional().describe('The quoted total, minor units, as agreed by the person'),
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
    const [total_cost, me] = await Promise.all([
      client.quoteCost({ reward: study.reward, total_available_places: study.total_available_places }, signal),
      client.getMe(signal),
    ]);
    const currency = me.currency_code ?? 'GBP';
    const quote = { total_cost, currency };
    const terms = `"${study.name}": ${study.total_available_places} places × ${study.reward} reward = ${total_cost} ${currency} minor units in total, fees and VAT included`;
    if (config.maxPublishCost !== undefined && total_cost > config.maxPublishCost) {
      throw new ToolError(
        `Refused: publishing ${terms} is over this server's spending cap of ${config.maxPublishCost} (PROLIFIC_MAX_PUBLISH_COST). Nothing was published. Reduce places or reward (create a new study), or have the person raise the cap.`,
      );
    }
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
        return { published: false, ...quote, message: `The person did not approve publishing ${terms}. Nothing was published or spent.` };
      }
    } else if (args.confirm_total_cost === undefined) {
      return {
        published: false,
        ...quote,
        message: `Not published yet. Ask the person to approve ${terms}; if they agree, call publish_study with confirm_total_cost=${total_cost}.`,
      };
    }
    const published = await publishOnce(context, args.study_id);
    return { published: true, ...quote, study: published, message: `Published ${terms}. Follow it with get_study.` };
  },
});

/**
 * A publish whose answer was lost may still have happened. Look before reporting failure, so that a retry by
 * the agent can never become a second publish.
 */
async function publishOnce({ client, signal }: ToolContext, studyId: string): Promise<Study> {
  try {
    return await client.transitionStudy(studyId, 'PUBLISH', signal);
  } catch (error) {
    if (!(error instanceof ProlificNetworkError)) throw error;
    const study = await client.getStudy(studyId, signal).catch(() => undefined);
    if (study && study.status !== 'UNPUBLISHED') return study;
    throw new ToolError(
      `The publish request for study ${studyId} got no answer, and ${study ? 'the study still shows UNPUBLISHED' : 'its status could not be read'}. Check with get_study before trying again.`,
    );
  }
}
