/** What studies cost and what they should pay: the cost calculator, a study's cost, reward recommendations. */
import { studyBonuses } from '../bonuses.js';
import { badRequest } from '../errors.js';
import { CURRENCY, REWARD_RATES, studyCost } from '../money.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import { apiRoute, json, readJson, type Route } from './route.js';

const UNPAID = new Set(['RETURNED', 'TIMED-OUT', 'REJECTED', 'SCREENED OUT']);
const CURRENCIES = Object.keys(REWARD_RATES) as (keyof typeof REWARD_RATES)[];

export function pricingRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(state, 'POST', '/api/v1/study-cost-calculator', async ({ request }) => {
      const fields = new Fields(await readJson(request));
      const reward = fields.number('reward', { required: true, positive: true });
      const places = fields.integer('total_available_places', { required: true, min: 1 });
      fields.done();
      return json({ total_cost: studyCost(reward ?? 0, places ?? 0).total });
    }),
    apiRoute(state, 'GET', '/api/v1/studies/:studyId/cost', ({ params, url }) => {
      const study = state.findStudy(params.studyId ?? '');
      const projected = ['true', '1', 'yes'].includes((url.searchParams.get('is_projected') ?? '').toLowerCase());
      // Returned, timed-out, rejected and screened-out places are not paid; the live API's exact rule is undocumented.
      const placesTaken = state.submissionsOf(study.id).filter((submission) => !UNPAID.has(submission.status)).length;
      const cost = studyCost(study.fields.reward, projected ? study.fields.total_available_places : placesTaken);
      const amount = (value: number) => ({ amount: value, currency: CURRENCY });
      // Bonuses paid and settled; projected, also those still being paid.
      const bonuses = studyBonuses(state, study.id, projected);
      return json({
        rewards: { rewards: amount(cost.rewards), fees: amount(cost.fees), tax: amount(cost.tax) },
        bonuses: { rewards: amount(bonuses.amount), fees: amount(bonuses.fees), tax: amount(bonuses.vat) },
        _links: {},
      });
    }),
    apiRoute(state, 'GET', '/api/v1/reward-recommendations', ({ url }) => {
      const workspaceId = url.searchParams.get('workspace_id');
      const currency = url.searchParams.get('currency');
      const problems: Record<string, string[]> = {};
      if (!workspaceId) problems.workspace_id = ['This query parameter is required.'];
      if (!currency) problems.currency = ['This query parameter is required.'];
      else if (!(CURRENCIES as string[]).includes(currency)) problems.currency = [`Use one of: ${CURRENCIES.join(', ')}.`];
      if (Object.keys(problems).length > 0) throw badRequest(problems);
      state.findWorkspace(workspaceId ?? '');
      const rates = REWARD_RATES[currency as keyof typeof REWARD_RATES];
      return json([{ currency, ...rates }]);
    }),
  ];
}
