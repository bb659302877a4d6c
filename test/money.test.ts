import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { ok, readyBatch, sandboxApi, startEnv, submittedStudy, type TestEnv } from './support/env.js';

const PAY = /^\/api\/v1\/bulk-bonus-payments\/[^/]+\/pay\/?$/;
const SET_UP = /^\/api\/v1\/submissions\/bonus-payments\/?$/;
const HOUR = 60 * 60_000;

function requests(env: TestEnv, method: string, path: RegExp) {
  return env.sandbox.requests.filter((request) => request.method === method && path.test(new URL(request.url).pathname));
}

/** Every item of a sandbox list, page by page. */
async function allOf(env: TestEnv, path: string): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  for (;;) {
    const { results } = (await sandboxApi(env, 'GET', `${path}?limit=100&offset=${items.length}`)).body;
    items.push(...results);
    if (results.length < 100) return items;
  }
}

async function participantsOf(env: TestEnv, studyId: string): Promise<string[]> {
  return (await allOf(env, `/api/v1/studies/${studyId}/submissions/`)).map((s) => s.participant_id);
}

/** The study's bonuses so far, fees and tax included, as Prolific's cost endpoint has them. */
async function bonusesPaid(env: TestEnv, studyId: string): Promise<number> {
  const { bonuses } = (await sandboxApi(env, 'GET', `/api/v1/studies/${studyId}/cost/`)).body;
  return ['rewards', 'fees', 'tax'].reduce((sum, part) => sum + (bonuses?.[part]?.amount ?? 0), 0);
}

describe('pay_bonuses: set up and quoted first, paid once, only on the quoted total', () => {
  let env: TestEnv;
  let studyId: string;
  let people: string[];
  let batchId: string;
  beforeAll(async () => {
    env = await startEnv();
    ({ batchId } = await readyBatch(env));
    const { study } = await submittedStudy(env, { batch_id: batchId, name: 'Bonus me', annotators_per_task: 3 });
    studyId = study.id;
    people = await participantsOf(env, studyId);
  });
  afterAll(async () => {
    await env.close();
  });

  it('quotes Prolific\'s own total without paying, sending the amounts in major units with no header row', async () => {
    const pays = requests(env, 'POST', PAY).length;
    const quote = ok(await env.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: people[0], amount: 150 }, { participant_id: people[1], amount: 5 }] }));
    expect(quote.paid).toBe(false);
    expect(quote.participants).toBe(2);
    const setUp = requests(env, 'POST', SET_UP).at(-1);
    expect(setUp?.body).toEqual({ study_id: studyId, csv_bonuses: `${people[0]},1.50\n${people[1]},0.05` });
    expect(quote.total_cost).toBeGreaterThan(155);
    expect(quote.message).toContain(`confirm_total_cost=${quote.total_cost}`);
    expect(requests(env, 'POST', PAY).length).toBe(pays);
    expect(await bonusesPaid(env, studyId)).toBe(0);
  });

  it('pays nothing on a confirmation that is not the quote, then exactly once on the quote, and never again on a repeat', async () => {
    const bonuses = [{ participant_id: people[2], amount: 40 }];
    const quote = ok(await env.call('pay_bonuses', { study_id: studyId, bonuses }));
    const pays = requests(env, 'POST', PAY).length;
    const before = await bonusesPaid(env, studyId);
    const wrong = await env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost - 1 });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toContain(`confirm_total_cost=${quote.total_cost}`);
    expect(requests(env, 'POST', PAY).length).toBe(pays);

    const paid = ok(await env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost }));
    expect(paid.paid).toBe(true);
    expect(requests(env, 'POST', PAY).length).toBe(pays + 1);
    await expect.poll(() => bonusesPaid(env, studyId)).toBe(before + quote.total_cost);
    expect(ok(await env.call('get_study', { study_id: studyId })).spent_on.bonuses).toBe(before + quote.total_cost);

    const [again, twice] = await Promise.all([
      env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost }),
      env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost }),
    ]);
    for (const repeat of [again, twice]) {
      expect(repeat.isError).toBe(true);
      expect(repeat.text).toContain('no open quote');
      expect(repeat.text).toContain('were paid at');
    }
    expect(requests(env, 'POST', PAY).length).toBe(pays + 1);
    expect(await bonusesPaid(env, studyId)).toBe(before + quote.total_cost);
  });

  it('pays once when two confirmations of one quote arrive together', async () => {
    const bonuses = [{ participant_id: people[3], amount: 25 }];
    const quote = ok(await env.call('pay_bonuses', { study_id: studyId, bonuses }));
    const pays = requests(env, 'POST', PAY).length;
    const before = await bonusesPaid(env, studyId);
    const outcomes = await Promise.all([1, 2].map(() => env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost })));
    expect(outcomes.filter((outcome) => !outcome.isError && outcome.data.paid).length).toBe(1);
    expect(requests(env, 'POST', PAY).length).toBe(pays + 1);
    await expect.poll(() => bonusesPaid(env, studyId)).toBe(before + quote.total_cost);
  });

  it('on a lost answer to the pay call: says the outcome is unknown and how to check, never retries, and pays nothing on a repeat', async () => {
    const bonuses = [{ participant_id: people[4], amount: 60 }];
    const quote = ok(await env.call('pay_bonuses', { study_id: studyId, bonuses }));
    const before = await bonusesPaid(env, studyId);
    const pays = requests(env, 'POST', PAY).length;
    env.sandbox.faults.add({ kind: 'reset-after', method: 'POST', path: PAY });
    const lost = await env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost });
    expect(lost.isError).toBe(true);
    expect(lost.text).toContain('may or may not have been paid');
    expect(lost.text).toContain('get_study');
    expect(lost.text).toContain('spent_on.bonuses');
    expect(lost.text).toContain(`stood at ${before} before this payment; ${before + quote.total_cost} means these were paid`);
    expect(requests(env, 'POST', PAY).length).toBe(pays + 1);
    // The sandbox took the payment before dropping the answer: what get_study shows, once Prolific has paid, is the way to know.
    await expect.poll(async () => ok(await env.call('get_study', { study_id: studyId })).spent_on.bonuses).toBe(before + quote.total_cost);
    const repeat = await env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost });
    expect(repeat.isError).toBe(true);
    expect(repeat.text).toContain('sent for payment with no answer');
    expect(requests(env, 'POST', PAY).length).toBe(pays + 1);
  });

  it('sends a pay request once even when Prolific throttles it (429 with Retry-After), and pays nothing until called again', async () => {
    const bonuses = [{ participant_id: people.at(-1) as string, amount: 35 }];
    const quote = ok(await env.call('pay_bonuses', { study_id: studyId, bonuses }));
    const before = await bonusesPaid(env, studyId);
    const pays = requests(env, 'POST', PAY).length;
    env.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: 1, method: 'POST', path: PAY });
    const throttled = await env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost });
    expect(throttled.isError).toBe(true);
    expect(throttled.text).toContain('429');
    expect(throttled.text).not.toContain('retried');
    expect(requests(env, 'POST', PAY).length).toBe(pays + 1);
    expect(await bonusesPaid(env, studyId)).toBe(before);
    // Nothing was paid, so the quote is still open: the next confirmation pays it, once.
    ok(await env.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost }));
    expect(requests(env, 'POST', PAY).length).toBe(pays + 2);
    await expect.poll(() => bonusesPaid(env, studyId)).toBe(before + quote.total_cost);
  });

  it('a restarted server, or another one, pays nothing on a confirmation it did not quote', async () => {
    const bonuses = [{ participant_id: people[5], amount: 30 }];
    const quote = ok(await env.call('pay_bonuses', { study_id: studyId, bonuses }));
    const restarted = await startEnv({ shared: env });
    try {
      const pays = requests(env, 'POST', PAY).length;
      const refused = await restarted.call('pay_bonuses', { study_id: studyId, bonuses, confirm_total_cost: quote.total_cost });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('no open quote');
      expect(requests(env, 'POST', PAY).length).toBe(pays);
    } finally {
      await restarted.close();
    }
  });

  it('refuses participants who did not take part and repeated lines, setting nothing up', async () => {
    const setUps = requests(env, 'POST', SET_UP).length;
    const stranger = await env.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: 'aaaaaaaaaaaaaaaaaaaaaaaa', amount: 10 }] });
    expect(stranger.isError).toBe(true);
    expect(stranger.text).toContain('did not take part');
    expect(stranger.text).toContain('only people with a submission in it can be given a bonus');
    const twice = await env.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: people[0], amount: 10 }, { participant_id: people[0], amount: 20 }] });
    expect(twice.isError).toBe(true);
    expect(twice.text).toContain('more than once');
    const neither = await env.call('pay_bonuses', { study_id: studyId, amount: 10 });
    expect(neither.isError).toBe(true);
    expect(requests(env, 'POST', SET_UP).length).toBe(setUps);
  });

  it('bonuses by accuracy the participants summarize_responses rates at or above the threshold', async () => {
    const summary = ok(await env.call('summarize_responses', { batch_id: batchId }));
    const field = summary.method === 'dawid_skene' ? 'estimated_accuracy' : 'agreement_with_majority';
    const judged = (summary.participants as Record<string, any>[]).filter((p) => typeof p[field] === 'number');
    const threshold = judged.map((p) => p[field] as number).sort((a, b) => a - b)[Math.floor(judged.length / 2)] as number;
    const best = judged.filter((p) => p[field] >= threshold).map((p) => p.participant_id).sort();
    const quote = ok(await env.call('pay_bonuses', { study_id: studyId, accuracy_at_least: threshold, amount: 20 }));
    expect(quote.participants).toBe(best.length);
    const csv = String((requests(env, 'POST', SET_UP).at(-1)?.body as { csv_bonuses: string }).csv_bonuses);
    expect(csv.split('\n').map((line) => line.split(',')[0]).sort()).toEqual(best);
    expect(csv.split('\n').every((line) => line.endsWith(',0.20'))).toBe(true);
  });

  it('applies PROLIFIC_MAX_PUBLISH_COST to bonuses, whatever the confirmation, setting up none the amounts alone put over it', async () => {
    const capped = await startEnv({ shared: env, config: { maxPublishCost: 100 } });
    try {
      const pays = requests(env, 'POST', PAY).length;
      const setUps = requests(env, 'POST', SET_UP).length;
      const over = await capped.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: people[0], amount: 200 }] });
      expect(over.isError).toBe(true);
      expect(over.text).toContain('PROLIFIC_MAX_PUBLISH_COST');
      expect(over.text).toContain('Nothing was set up or paid.');
      expect(requests(env, 'POST', SET_UP).length).toBe(setUps);
      // Under the cap before fees, over it with them: set up and quoted, then refused.
      const withFees = await capped.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: people[0], amount: 90 }] });
      expect(withFees.isError).toBe(true);
      expect(withFees.text).toContain('PROLIFIC_MAX_PUBLISH_COST');
      expect(requests(env, 'POST', SET_UP).length).toBe(setUps + 1);
      expect(requests(env, 'POST', PAY).length).toBe(pays);
    } finally {
      await capped.close();
    }
  });

  it('sets up no bonuses the workspace balance cannot cover before fees', async () => {
    const workspace = ok(await env.call('get_batch', { batch_id: batchId })).workspace_id as string;
    const available = (await sandboxApi(env, 'GET', `/api/v1/workspaces/${workspace}/balance/`)).body.available_balance as number;
    env.sandbox.state.setBalance(workspace, 100);
    try {
      const setUps = requests(env, 'POST', SET_UP).length;
      const refused = await env.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: people[0], amount: 150 }] });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('100 GBP minor units available');
      expect(refused.text).toContain('Nothing was set up or paid.');
      expect(requests(env, 'POST', SET_UP).length).toBe(setUps);
    } finally {
      env.sandbox.state.setBalance(workspace, available);
    }
  });

  it('asks the person through form elicitation: pays on yes in one call, nothing on no', async () => {
    const asking = await startEnv({ shared: env, capabilities: { elicitation: { form: {} } } });
    try {
      const answers = ['decline', 'accept'];
      asking.client.setRequestHandler(ElicitRequestSchema, async () => (answers.shift() === 'accept' ? { action: 'accept', content: { pay: true } } : { action: 'decline' }));
      const pays = requests(env, 'POST', PAY).length;
      const declined = ok(await asking.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: people[1], amount: 15 }] }));
      expect(declined.paid).toBe(false);
      expect(requests(env, 'POST', PAY).length).toBe(pays);
      const accepted = ok(await asking.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: people[1], amount: 15 }] }));
      expect(accepted.paid).toBe(true);
      expect(requests(env, 'POST', PAY).length).toBe(pays + 1);
      // The same bonuses again: the person is asked, and told they were paid already.
      let asked = '';
      asking.client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked = request.params.message;
        return { action: 'decline' };
      });
      ok(await asking.call('pay_bonuses', { study_id: studyId, bonuses: [{ participant_id: people[1], amount: 15 }] }));
      expect(asked).toContain('these same bonuses were paid at');
      expect(requests(env, 'POST', PAY).length).toBe(pays + 1);
    } finally {
      await asking.close();
    }
  });
});

describe('PROLIFIC_MAX_SPEND_PER_DAY: from Prolific\'s records, across calls, restarts and instances', () => {
  const LIMIT = 1000;
  let one: TestEnv;
  let two: TestEnv;
  beforeAll(async () => {
    one = await startEnv({ config: { maxSpendPerDay: LIMIT } });
    two = await startEnv({ shared: one, config: { maxSpendPerDay: LIMIT } });
  });
  afterAll(async () => {
    await two.close();
    await one.close();
  });

  const draft = async (env: TestEnv, name: string, annotators: number) => {
    const { batchId } = await readyBatch(env);
    return ok(await env.call('create_study', { batch_id: batchId, name, description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: annotators }));
  };

  /** What the account spent on studies published in the sandbox's last 24 hours and their bonuses, by the sandbox's own records. */
  async function spentToday(env: TestEnv): Promise<number> {
    const since = env.sandbox.now() - 24 * HOUR;
    let sum = 0;
    for (const study of await allOf(env, '/api/v1/studies/')) {
      if (!study.published_at || Date.parse(study.published_at) < since) continue;
      sum += study.total_cost + (await bonusesPaid(env, study.id));
    }
    return sum;
  }

  it('refuses a publish that would pass the limit, on this server and on a second one, saying what was spent and what is left', async () => {
    const big = await draft(one, 'Big', 3);
    const small = await draft(one, 'Small', 1);
    expect(big.total_cost).toBeLessThanOrEqual(LIMIT);
    expect(big.total_cost + small.total_cost).toBeGreaterThan(LIMIT);
    const published = ok(await one.call('publish_study', { study_id: big.id, confirm_total_cost: big.total_cost }));
    expect(published.message).toContain(`Spent in the last 24 hours: 0 of the daily limit ${LIMIT}`);
    for (const env of [one, two]) {
      const refused = await env.call('publish_study', { study_id: small.id, confirm_total_cost: small.total_cost });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain(`has spent ${big.total_cost} in the last 24 hours`);
      expect(refused.text).toContain(`PROLIFIC_MAX_SPEND_PER_DAY is ${LIMIT}, so ${LIMIT - big.total_cost} is left`);
      expect(refused.text).toContain('Nothing was published.');
    }
    expect((await sandboxApi(one, 'GET', `/api/v1/studies/${small.id}/`)).body.status).toBe('UNPUBLISHED');
    expect(await spentToday(one)).toBeLessThanOrEqual(LIMIT);
  });

  it('counts bonuses one server paid against the other, and refuses those past the limit', async () => {
    const { results } = (await sandboxApi(one, 'GET', '/api/v1/studies/')).body;
    const big = results.find((study: { name: string }) => study.name === 'Big');
    await expect.poll(async () => (await sandboxApi(one, 'GET', `/api/v1/studies/${big.id}/`)).body.status, { timeout: 10_000 }).toBe('AWAITING REVIEW');
    const people = await participantsOf(one, big.id);
    const first = ok(await two.call('pay_bonuses', { study_id: big.id, bonuses: [{ participant_id: people[0], amount: 50 }] }));
    ok(await two.call('pay_bonuses', { study_id: big.id, bonuses: [{ participant_id: people[0], amount: 50 }], confirm_total_cost: first.total_cost }));
    // Prolific pays bonuses within minutes; until then they are not in its records (docs/audience-and-money.md).
    await expect.poll(() => bonusesPaid(one, big.id)).toBe(first.total_cost);
    const spent = big.total_cost + first.total_cost;
    const pays = requests(one, 'POST', PAY).length;
    const over = Math.ceil((LIMIT - spent) / 1.4) + 10;
    const refused = await one.call('pay_bonuses', { study_id: big.id, bonuses: [{ participant_id: people[1], amount: over }] });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(`has spent ${spent} in the last 24 hours (${big.total_cost} for studies published, ${first.total_cost} in bonuses)`);
    expect(requests(one, 'POST', PAY).length).toBe(pays);
    expect(await spentToday(one)).toBeLessThanOrEqual(LIMIT);
  });

  it('counts a bonus it paid on a study of the last 24 hours before Prolific shows it in the study\'s cost', async () => {
    const { results } = (await sandboxApi(one, 'GET', '/api/v1/studies/')).body;
    const big = results.find((study: { name: string }) => study.name === 'Big');
    const people = await participantsOf(one, big.id);
    const room = LIMIT - (await spentToday(one));
    // Each of two bonuses fits in what is left (fees and VAT are 40 % here), both together do not.
    const amount = Math.floor((room * 0.6) / 1.4);
    expect(amount).toBeGreaterThan(10);
    const settings = one.sandbox.state.settings;
    const { processingMs } = settings;
    settings.processingMs = 10 * 60_000;
    try {
      const shown = await bonusesPaid(one, big.id);
      const first = ok(await one.call('pay_bonuses', { study_id: big.id, bonuses: [{ participant_id: people[2], amount }] }));
      ok(await one.call('pay_bonuses', { study_id: big.id, bonuses: [{ participant_id: people[2], amount }], confirm_total_cost: first.total_cost }));
      // Paid, but not yet in the study's cost: Prolific pays within minutes.
      expect(await bonusesPaid(one, big.id)).toBe(shown);
      const pays = requests(one, 'POST', PAY).length;
      const refused = await one.call('pay_bonuses', { study_id: big.id, bonuses: [{ participant_id: people[3] ?? people[0], amount }] });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('PROLIFIC_MAX_SPEND_PER_DAY');
      expect(requests(one, 'POST', PAY).length).toBe(pays);
    } finally {
      settings.processingMs = processingMs;
      one.sandbox.advanceClock(10 * 60_000);
    }
    // Once Prolific shows it, it is counted once, not twice.
    await expect.poll(() => bonusesPaid(one, big.id)).toBeGreaterThan(0);
    const again = ok(await one.call('pay_bonuses', { study_id: big.id, bonuses: [{ participant_id: people[0], amount: 1 }] }));
    expect(again.message).toContain(`Spent in the last 24 hours: ${await spentToday(one)} of the daily limit`);
  });

  it('lets one of two publishes through when both fit alone but not together, sent at once', async () => {
    const fresh = await startEnv({ config: { maxSpendPerDay: LIMIT } });
    try {
      const a = await draft(fresh, 'A', 2);
      const b = await draft(fresh, 'B', 2);
      expect(a.total_cost + b.total_cost).toBeGreaterThan(LIMIT);
      // Slow reads of the records leave each call room to check while the other is still checking.
      fresh.sandbox.faults.add({ kind: 'delay', method: 'GET', path: '/api/v1/studies/', delayMs: 150, times: Infinity });
      const outcomes = await Promise.all([a, b].map((study) => fresh.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost })));
      expect(outcomes.filter((outcome) => !outcome.isError).length).toBe(1);
      expect(await spentToday(fresh)).toBeLessThanOrEqual(LIMIT);
    } finally {
      await fresh.close();
    }
  });

  it('stops counting a study published more than 24 hours ago', async () => {
    const { results } = (await sandboxApi(one, 'GET', '/api/v1/studies/')).body;
    const small = results.find((study: { name: string }) => study.name === 'Small');
    one.sandbox.advanceClock(25 * HOUR);
    const published = ok(await two.call('publish_study', { study_id: small.id, confirm_total_cost: small.total_cost }));
    expect(published.published).toBe(true);
    expect(published.message).toContain(`Spent in the last 24 hours: 0 of the daily limit ${LIMIT}`);
  });
});

describe('pay_bonuses to more than 200 participants', () => {
  it('sets up and pays at most 200 a request, one request at a time, the total over all of them', async () => {
    const env = await startEnv();
    try {
      const { batchId } = await readyBatch(env, 1);
      const study = ok(await env.call('create_study', { batch_id: batchId, name: 'Many', description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: 55 }));
      expect(study.total_available_places).toBe(220);
      ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
      env.sandbox.advanceClock(10 * 60_000);
      const people = await participantsOf(env, study.id);
      expect(people.length).toBe(220);
      const bonuses = people.slice(0, 205).map((participant_id) => ({ participant_id, amount: 10 }));
      const setUps = requests(env, 'POST', SET_UP).length;
      const quote = ok(await env.call('pay_bonuses', { study_id: study.id, bonuses }));
      const made = requests(env, 'POST', SET_UP).slice(setUps);
      expect(made.map((request) => String((request.body as { csv_bonuses: string }).csv_bonuses).split('\n').length)).toEqual([200, 5]);
      expect(quote.participants).toBe(205);
      const pays = requests(env, 'POST', PAY).length;
      const paid = ok(await env.call('pay_bonuses', { study_id: study.id, bonuses, confirm_total_cost: quote.total_cost }));
      expect(paid.paid).toBe(true);
      expect(requests(env, 'POST', PAY).length).toBe(pays + 2);
      env.sandbox.advanceClock(60_000);
      await expect.poll(() => bonusesPaid(env, study.id)).toBe(quote.total_cost);
    } finally {
      await env.close();
    }
  }, 60_000);
});
