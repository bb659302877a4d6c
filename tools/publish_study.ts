import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId, studyOut } from '../src/util/shapes.js';
import { createOnce } from '../src/job/create-once.js';
import { approveSpend, availableBalance, spendWithinLimit } from '../src/job/spend-approval.js';

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
    const { client, signal } = context;
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
    const spend = {
      tool: 'publish_study',
      total: total_cost,
      currency,
      terms,
      verb: 'publishing',
      notDone: 'Not published',
      nothing: 'Nothing was published.',
      smaller: 'reduce places or reward (create a new study)',
      ask: {
        message: `Publish ${terms}? Participants start immediately and the cost is charged to the account.`,
        field: 'publish',
        title: `Publish and spend ${total_cost} ${currency} minor units`,
      },
      repeat: 'call publish_study with',
      confirm: args.confirm_total_cost,
      balance,
    };
    const approval = await approveSpend(context, spend);
    if (!approval.approved) return { published: false, ...quote, message: approval.message };
    const published = await spendWithinLimit(context, spend, () =>
      createOnce({
        what: `Publishing study ${args.study_id}`,
        attempt: () => client.transitionStudy(args.study_id, 'PUBLISH', signal),
        find: async () => {
          const now = await client.getStudy(args.study_id, signal);
          return now.status === 'UNPUBLISHED' ? undefined : now;
        },
        howToCheck: 'The study still shows UNPUBLISHED, so nothing was spent; call publish_study again to retry.',
      }),
    );
    return { published: true, ...quote, study: published, message: `Published ${terms}. Follow it with get_study.${approval.note}` };
  },
});

