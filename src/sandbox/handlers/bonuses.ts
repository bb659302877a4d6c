/** Bonuses over HTTP (digest §5): set one up on a study (201, priced), then pay it (202, asynchronous). */
import { notFound } from '../errors.js';
import { payBonus, setUpBonus } from '../bonuses.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import { apiRoute, json, readJson, type Route } from './route.js';

export function bonusRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(state, 'POST', '/api/v1/submissions/bonus-payments', async ({ request }) => {
      const fields = new Fields(await readJson(request));
      const studyId = fields.string('study_id', { required: true });
      const csv = fields.string('csv_bonuses', { required: true, blank: true });
      fields.done();
      const bulk = setUpBonus(state, state.findStudy(studyId ?? ''), csv ?? '');
      return json({ id: bulk.id, study: bulk.studyId, amount: bulk.amount, fees: bulk.fees, vat: bulk.vat, total_amount: bulk.total }, 201);
    }),
    apiRoute(state, 'POST', '/api/v1/bulk-bonus-payments/:bulkId/pay', ({ params }) => {
      const id = params.bulkId ?? '';
      const bulk = state.audience.bulkBonuses.get(id);
      if (!bulk) throw notFound('Bulk bonus payment', id);
      payBonus(state, bulk);
      // The API answers with a bare JSON string (digest §5.2); its wording is the sandbox's.
      return json('Bonus payments are being processed and will be paid in the following minutes.', 202);
    }),
  ];
}
