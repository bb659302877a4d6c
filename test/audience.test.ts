import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, readyBatch, sandboxApi, startEnv, untilSubmitted, type TestEnv } from './support/env.js';

/** What an agent reads off find_filters: the filter whose title matches, and the id of its choice with this label. */
function choiceOf(filters: Record<string, any>[], title: RegExp, label: string): { filter_id: string; selected_values: string[] } {
  for (const filter of filters) {
    const id = Object.entries((filter.choices ?? {}) as Record<string, string>).find(([, text]) => text === label)?.[0];
    if (id !== undefined && title.test(filter.title)) return { filter_id: filter.filter_id, selected_values: [id] };
  }
  throw new Error(`no ${title} filter with ${label} in ${JSON.stringify(filters)}`);
}

/** The catalogue as the sandbox itself lists it, past the server. */
async function catalogue(env: TestEnv): Promise<Record<string, any>[]> {
  const workspace = ok(await env.call('list_workspaces')).workspaces[0].id;
  return (await sandboxApi(env, 'GET', `/api/v1/filters/?workspace_id=${workspace}`)).body.results;
}

function requestsTo(env: TestEnv, method: string, path: RegExp): number {
  return env.sandbox.requests.filter((request) => request.method === method && path.test(new URL(request.url).pathname)).length;
}

const UK_ENGLISH = 'UK residents whose first language is English';

describe('targeting: from words to filter ids, checked before anything is made', () => {
  let env: TestEnv;
  let uk: { filter_id: string; selected_values: string[] };
  let english: { filter_id: string; selected_values: string[] };
  beforeAll(async () => {
    env = await startEnv();
    const found = ok(await env.call('find_filters', { query: UK_ENGLISH }));
    uk = choiceOf(found.filters, /country of residence/i, 'United Kingdom');
    english = choiceOf(found.filters, /first language/i, 'English');
  });
  afterAll(async () => {
    await env.close();
  });

  it(`finds the filters and choice ids for "${UK_ENGLISH}", as the catalogue has them, in a small answer`, async () => {
    const listed = await catalogue(env);
    const byId = new Map(listed.map((filter) => [filter.filter_id, filter]));
    expect(byId.get(uk.filter_id)?.choices[uk.selected_values[0] as string]).toBe('United Kingdom');
    expect(byId.get(english.filter_id)?.choices[english.selected_values[0] as string]).toBe('English');
    // Ids are not labels: an agent that guessed the label would have been wrong.
    expect(uk.selected_values[0]).not.toBe('United Kingdom');
    expect(english.selected_values[0]).not.toBe('English');
    const found = await env.call('find_filters', { query: UK_ENGLISH });
    expect(found.text.length).toBeLessThan(6000);
    expect(found.data.filters.length).toBeLessThanOrEqual(5);
  });

  it('matches the catalogue here when the API has no search (404), with the same ids, and stops asking it', async () => {
    const old = await startEnv();
    try {
      old.sandbox.faults.add({ kind: 'status', status: 404, path: /^\/api\/v1\/filters\/search\/?$/, times: Infinity });
      for (let round = 0; round < 2; round++) {
        const found = ok(await old.call('find_filters', { query: UK_ENGLISH }));
        expect(choiceOf(found.filters, /country of residence/i, 'United Kingdom')).toEqual(uk);
        expect(choiceOf(found.filters, /first language/i, 'English')).toEqual(english);
      }
      expect(old.sandbox.faults.hits).toEqual([1]);
    } finally {
      await old.close();
    }
  });

  it('uses Prolific\'s search where the API has it', async () => {
    const before = requestsTo(env, 'GET', /^\/api\/v1\/filters\/search\/?$/);
    ok(await env.call('find_filters', { query: 'handedness' }));
    expect(requestsTo(env, 'GET', /^\/api\/v1\/filters\/search\/?$/)).toBe(before + 1);
  });

  it('pages through many filters and through one filter\'s choices', async () => {
    const first = ok(await env.call('find_filters', { query: 'language' }));
    expect(first.filters.length).toBeGreaterThan(0);
    const countries = ok(await env.call('find_filters', { filter_id: uk.filter_id }));
    const [row] = countries.filters;
    expect(Object.keys(row.choices).length).toBe(25);
    expect(row.choices_total).toBeGreaterThan(25);
    const next = ok(await env.call('find_filters', { filter_id: uk.filter_id, offset: countries.next_offset }));
    expect(Object.keys(next.filters[0].choices)).not.toEqual(Object.keys(row.choices));
    const searched = ok(await env.call('find_filters', { filter_id: uk.filter_id, query: 'kingdom' }));
    expect(searched.filters[0].choices).toMatchObject({ [uk.selected_values[0] as string]: 'United Kingdom' });
  });

  it('counts who may take part as Prolific does, narrower with each filter, and either-or groups wider', async () => {
    const everyone = ok(await env.call('count_participants', { filters: [] }));
    const inUk = ok(await env.call('count_participants', { filters: [uk] }));
    const both = ok(await env.call('count_participants', { filters: [uk, english] }));
    expect(everyone.eligible_participants).toBeGreaterThan(inUk.eligible_participants);
    expect(inUk.eligible_participants).toBeGreaterThan(both.eligible_participants);
    expect(both.who).toEqual(['Current Country of Residence: United Kingdom', 'First Language: English']);
    const direct = await sandboxApi(env, 'POST', '/api/v1/eligibility-count/', { filters: [uk, english], workspace_id: ok(await env.call('list_workspaces')).workspaces[0].id });
    expect(both.eligible_participants).toBe(direct.body.count);
    const either = ok(await env.call('count_participants', { filters: [{ filter_id: 'or', selected_filters: [uk, english] }] }));
    expect(either.eligible_participants).toBeGreaterThanOrEqual(inUk.eligible_participants);
    expect(either.who[0]).toBe('(Current Country of Residence: United Kingdom or First Language: English)');
  });

  it('counts everyone without reading the catalogue, which no filter needs', async () => {
    const fresh = await startEnv({ shared: env });
    try {
      const reads = requestsTo(env, 'GET', /^\/api\/v1\/filters\/?$/);
      const everyone = ok(await fresh.call('count_participants', { filters: [] }));
      expect(everyone.who).toEqual(['Everyone']);
      expect(everyone.eligible_participants).toBeGreaterThan(25);
      expect(requestsTo(env, 'GET', /^\/api\/v1\/filters\/?$/)).toBe(reads);
    } finally {
      await fresh.close();
    }
  });

  it('says "fewer than 25" for a pool Prolific hides, never nobody', async () => {
    const listed = await catalogue(env);
    const age = listed.find((filter) => filter.type === 'range' && filter.data_type === 'integer' && /age/i.test(filter.title));
    const rare = await env.call('count_participants', { filters: [uk, english, { filter_id: age.filter_id, selected_range: { lower: age.max, upper: age.max } }] });
    expect(ok(rare).eligible_participants).toBe('fewer than 25 (Prolific hides smaller counts)');
    expect(rare.text).not.toMatch(/nobody|"eligible_participants":0/);
  });

  it('maps choices given by their labels to ids, and says so', async () => {
    const counted = ok(await env.call('count_participants', { filters: [{ filter_id: english.filter_id, selected_values: ['english'] }] }));
    expect(counted.filters).toEqual([{ filter_id: english.filter_id, selected_values: english.selected_values }]);
    expect(counted.mapped).toEqual([`${english.filter_id}: "english" → ${english.selected_values[0]}`]);
  });

  it('refuses unknown ids naming the nearest, wrong labels naming choice ids, and bounds outside the range, all in one answer, counting nothing', async () => {
    const listed = await catalogue(env);
    const age = listed.find((filter) => filter.type === 'range' && /age/i.test(filter.title));
    const before = requestsTo(env, 'POST', /eligibility-count/);
    const refused = await env.call('count_participants', {
      filters: [
        { filter_id: 'country-of-residence', selected_values: ['United Kingdom'] },
        { filter_id: english.filter_id, selected_values: ['Englsh'] },
        { filter_id: age.filter_id, selected_range: { lower: age.min - 1, upper: age.max + 1 } },
        { filter_id: 'or', selected_filters: [] },
      ],
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(new RegExp(`filters\\[0\\]\\.filter_id "country-of-residence" is not a Prolific filter; nearest: [^\\n]*\\b${uk.filter_id}\\b`));
    expect(refused.text).toContain(`filters[1].selected_values[0]: "Englsh" is not a choice of ${english.filter_id}; nearest: ${english.selected_values[0]} (English)`);
    expect(refused.text).toContain('filters[2].selected_range.lower');
    expect(refused.text).toContain('filters[2].selected_range.upper');
    expect(refused.text).toContain('filters[3]: an "or" group needs selected_filters');
    expect(requestsTo(env, 'POST', /eligibility-count/)).toBe(before);
  });

  it('creates no study for filters that fail, or for filters together with filter_set_id', async () => {
    const { batchId } = await readyBatch(env);
    const before = requestsTo(env, 'POST', /^\/api\/v1\/studies\/?$/);
    const fields = { batch_id: batchId, name: 'Targeted', description: 'D', reward: 100, estimated_completion_time: 5 };
    const unknown = await env.call('create_study', { ...fields, filters: [{ filter_id: 'first_language', selected_values: ['English'] }] });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain(`nearest: ${english.filter_id}`);
    const both = await env.call('create_study', { ...fields, filters: [uk], filter_set_id: 'abc123' });
    expect(both.isError).toBe(true);
    expect(both.text).toContain('not both');
    expect(requestsTo(env, 'POST', /^\/api\/v1\/studies\/?$/)).toBe(before);
  });

  it('makes a study with the checked filters, says how many are eligible, and warns when that is fewer than its places', async () => {
    const { batchId } = await readyBatch(env);
    const made = ok(
      await env.call('create_study', {
        batch_id: batchId,
        name: 'UK English',
        description: 'D',
        reward: 100,
        estimated_completion_time: 5,
        filters: [uk, { filter_id: english.filter_id, selected_values: ['English'] }],
      }),
    );
    expect((await sandboxApi(env, 'GET', `/api/v1/studies/${made.id}/`)).body.filters).toEqual([uk, english]);
    expect(made.audience.who).toEqual(['Current Country of Residence: United Kingdom', 'First Language: English']);
    expect(made.audience.eligible_participants).toBeGreaterThan(0);
    expect(made.warnings ?? []).not.toContainEqual(expect.stringContaining('eligible'));
    const big = ok(
      await env.call('create_study', {
        batch_id: batchId,
        name: 'Too many places',
        description: 'D',
        reward: 100,
        estimated_completion_time: 5,
        total_available_places: made.audience.eligible_participants + 10,
        filters: [uk, english],
      }),
    );
    expect(big.warnings).toContainEqual(expect.stringContaining(`Only ${made.audience.eligible_participants} participants are eligible for ${made.audience.eligible_participants + 10} places`));
  });

  it('finds the exclusion group whose creation got no answer instead of making a second, and deletes it when Prolific refuses the study', async () => {
    const { batchId } = await readyBatch(env);
    const workspace = ok(await env.call('list_workspaces')).workspaces[0].id;
    const groups = async () => (await sandboxApi(env, 'GET', `/api/v1/participant-groups/?workspace_id=${workspace}&active=true`)).body.results as { id: string; name: string }[];
    const fields = { batch_id: batchId, description: 'D', reward: 100, estimated_completion_time: 5, filters: [uk], exclude_participants: ['cccccccccccccccccccccccc'] };
    const before = (await groups()).length;
    env.sandbox.faults.add({ kind: 'reset-after', method: 'POST', path: /^\/api\/v1\/participant-groups\/?$/ });
    const made = ok(await env.call('create_study', { ...fields, name: 'Lost answer' }));
    const now = await groups();
    expect(now.length).toBe(before + 1);
    expect(now.map((group) => group.name)).toContain(`Left out of "Lost answer" (${made.id})`);
    expect(made.audience.left_out.groups[0].id).toBe(now.find((group) => group.name.includes(made.id))?.id);

    env.sandbox.faults.add({ kind: 'status', status: 400, method: 'POST', path: /^\/api\/v1\/studies\/?$/ });
    const refused = await env.call('create_study', { ...fields, name: 'Refused' });
    expect(refused.isError).toBe(true);
    expect((await groups()).length).toBe(before + 1);
  });

  it('leaves the given annotators out through a participant group of the study\'s own, and they never take a place', async () => {
    const { batchId } = await readyBatch(env);
    const first = ok(await env.call('create_study', { batch_id: batchId, name: 'Round one', description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: 3, filters: [uk] }));
    ok(await env.call('publish_study', { study_id: first.id, confirm_total_cost: first.total_cost }));
    await untilSubmitted(env, first.id);
    const people = (await sandboxApi(env, 'GET', `/api/v1/studies/${first.id}/submissions/`)).body.results.map((s: { participant_id: string }) => s.participant_id);
    expect(people.length).toBe(6);

    const { batchId: next } = await readyBatch(env);
    const fields = { batch_id: next, description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: 3, filters: [uk] };
    const second = ok(await env.call('create_study', { ...fields, name: 'Round two', exclude_participants: people }));
    const [blocklist] = second.audience.left_out.groups;
    expect(second.audience.left_out.count).toBe(6);
    expect(second.audience.left_out.participant_ids.sort()).toEqual([...people].sort());
    const group = (await sandboxApi(env, 'GET', `/api/v1/participant-groups/${blocklist.id}/`)).body;
    expect(group.name).toBe(`Left out of "Round two" (${second.id})`);
    expect((await sandboxApi(env, 'GET', `/api/v1/studies/${second.id}/`)).body.filters).toContainEqual({ filter_id: 'participant_group_blocklist', selected_values: [blocklist.id] });

    // A third study leaving the same people out gets a group of its own: changing one never changes the other.
    const third = ok(await env.call('create_study', { ...fields, name: 'Round three', exclude_participants: people.slice(0, 2) }));
    expect(third.audience.left_out.groups[0].id).not.toBe(blocklist.id);

    ok(await env.call('publish_study', { study_id: second.id, confirm_total_cost: second.total_cost }));
    const shown = await untilSubmitted(env, second.id);
    expect(shown.status).toBe('AWAITING REVIEW');
    const takers = (await sandboxApi(env, 'GET', `/api/v1/studies/${second.id}/submissions/`)).body.results.map((s: { participant_id: string }) => s.participant_id);
    expect(takers.length).toBe(6);
    expect(takers.filter((id: string) => people.includes(id))).toEqual([]);
    expect(shown.audience.left_out.count).toBe(6);
    expect(shown.audience.who).toContain('Current Country of Residence: United Kingdom');

    // The same targeting without the exclusion is taken by many of the same people: the group is what kept them out.
    const control = ok(await env.call('create_study', { ...fields, name: 'Round control' }));
    ok(await env.call('publish_study', { study_id: control.id, confirm_total_cost: control.total_cost }));
    await untilSubmitted(env, control.id);
    const again = (await sandboxApi(env, 'GET', `/api/v1/studies/${control.id}/submissions/`)).body.results.map((s: { participant_id: string }) => s.participant_id);
    expect(again.filter((id: string) => people.includes(id)).length).toBeGreaterThan(0);
  });
});

describe('rerun_contested leaves out the annotators below an accuracy, and the follow-up never includes them', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('puts those summarize_responses rates below exclude_below_accuracy, and those the first round left out, in a group of the follow-up\'s own', async () => {
    const rows = Array.from({ length: 8 }, (_, index) => ({ text: `Review number ${index + 1}.`, META_ID: `r${index + 1}` }));
    const { batchId } = await readyBatch(env, 4, { rows });
    const found = ok(await env.call('find_filters', { query: UK_ENGLISH }));
    const uk = choiceOf(found.filters, /country of residence/i, 'United Kingdom');
    // The first round already leaves someone out: they must stay out of the follow-up too.
    const banned = await firstTaker(env, uk);
    const first = ok(
      await env.call('create_study', {
        batch_id: batchId,
        name: 'Round one',
        description: 'D',
        reward: 100,
        estimated_completion_time: 5,
        annotators_per_task: 5,
        filters: [uk],
        exclude_participants: [banned],
      }),
    );
    ok(await env.call('publish_study', { study_id: first.id, confirm_total_cost: first.total_cost }));
    await untilSubmitted(env, first.id);
    const firstPeople = (await sandboxApi(env, 'GET', `/api/v1/studies/${first.id}/submissions/`)).body.results.map((s: { participant_id: string }) => s.participant_id);
    expect(firstPeople).not.toContain(banned);

    const summary = ok(await env.call('summarize_responses', { batch_id: batchId }));
    const field = summary.method === 'dawid_skene' ? 'estimated_accuracy' : 'agreement_with_majority';
    const judged = (summary.participants as Record<string, any>[]).filter((p) => typeof p[field] === 'number');
    const values = [...new Set(judged.map((p) => p[field] as number))].sort((a, b) => a - b);
    expect(values.length).toBeGreaterThan(1);
    const threshold = values[values.length - 1] as number;
    const weak = judged.filter((p) => p[field] < threshold).map((p) => p.participant_id as string);

    const rerun = ok(
      await env.call('rerun_contested', {
        batch_id: batchId,
        study_id: first.id,
        below_confidence: 1,
        annotators_per_task: 3,
        reward: 100,
        estimated_completion_time: 5,
        exclude_below_accuracy: threshold,
      }),
    );
    expect(rerun.items).toBeGreaterThan(0);
    const left = rerun.audience.left_out;
    const expected = [...new Set([...weak, banned])].sort();
    expect(left.count).toBe(expected.length);
    expect([...left.participant_ids].sort()).toEqual(expected.slice(0, 20));
    expect(left.groups).toHaveLength(1);
    expect(left.groups[0].id).not.toBe(first.audience.left_out?.groups[0].id);
    expect(rerun.audience.who).toContain('Current Country of Residence: United Kingdom');
    expect(rerun.message).toContain(`Left out ${weak.length} annotators with ${field} below ${threshold}`);

    ok(await env.call('publish_study', { study_id: rerun.study_id, confirm_total_cost: rerun.total_cost }));
    const done = await untilSubmitted(env, rerun.study_id);
    expect(done.status).toBe('AWAITING REVIEW');
    const takers = (await sandboxApi(env, 'GET', `/api/v1/studies/${rerun.study_id}/submissions/`)).body.results.map((s: { participant_id: string }) => s.participant_id);
    expect(takers.length).toBe(rerun.total_available_places);
    expect(takers.filter((id: string) => expected.includes(id))).toEqual([]);
    // The follow-up drew on the same people: those not left out came back, so leaving the others out mattered.
    expect(takers.filter((id: string) => firstPeople.includes(id)).length).toBeGreaterThan(0);
  });
});

describe('rerun_contested called again with other exclusions or filters', () => {
  it('makes a draft that leaves out and targets whom this call says, not the earlier call\'s draft', async () => {
    const env = await startEnv();
    try {
      const rows = Array.from({ length: 8 }, (_, index) => ({ text: `Review number ${index + 1}.`, META_ID: `r${index + 1}` }));
      const { batchId } = await readyBatch(env, 4, { rows });
      const first = ok(await env.call('create_study', { batch_id: batchId, name: 'Round one', description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: 5 }));
      ok(await env.call('publish_study', { study_id: first.id, confirm_total_cost: first.total_cost }));
      await untilSubmitted(env, first.id);
      const firstPeople = (await sandboxApi(env, 'GET', `/api/v1/studies/${first.id}/submissions/`)).body.results.map((s: { participant_id: string }) => s.participant_id);
      const summary = ok(await env.call('summarize_responses', { batch_id: batchId }));
      const field = summary.method === 'dawid_skene' ? 'estimated_accuracy' : 'agreement_with_majority';
      const values = [...new Set((summary.participants as Record<string, any>[]).map((p) => p[field]).filter((v) => typeof v === 'number'))].sort((a, b) => a - b);
      const threshold = values[values.length - 1] as number;
      const args = { batch_id: batchId, study_id: first.id, below_confidence: 1, annotators_per_task: 3, reward: 100, estimated_completion_time: 5 };

      const fewer = ok(await env.call('rerun_contested', { ...args, exclude_below_accuracy: threshold }));
      expect(fewer.items).toBeGreaterThan(0);
      expect(fewer.audience.left_out.count).toBeLessThan(firstPeople.length);
      // Without exclude_below_accuracy every first-round annotator is left out, as the message says.
      const everyone = ok(await env.call('rerun_contested', args));
      expect(everyone.batch_id).toBe(fewer.batch_id);
      expect(everyone.study_id).not.toBe(fewer.study_id);
      expect(everyone.message).toContain(`Left out all ${firstPeople.length} annotators`);
      expect(everyone.message).toContain(fewer.study_id);
      expect(everyone.audience.left_out.count).toBe(firstPeople.length);
      expect([...everyone.audience.left_out.participant_ids].sort()).toEqual([...firstPeople].sort());
      // The same arguments again find that draft.
      const again = ok(await env.call('rerun_contested', args));
      expect(again.study_id).toBe(everyone.study_id);
      expect(again.message).toContain('Found the UNPUBLISHED study an earlier call made');
      // Other filters: a draft targeted so.
      const found = ok(await env.call('find_filters', { query: UK_ENGLISH }));
      const uk = choiceOf(found.filters, /country of residence/i, 'United Kingdom');
      const targeted = ok(await env.call('rerun_contested', { ...args, filters: [uk] }));
      expect(targeted.study_id).not.toBe(everyone.study_id);
      expect(targeted.audience.who).toContain('Current Country of Residence: United Kingdom');
      expect(targeted.audience.left_out.count).toBe(firstPeople.length);

      ok(await env.call('publish_study', { study_id: everyone.study_id, confirm_total_cost: everyone.total_cost }));
      await untilSubmitted(env, everyone.study_id);
      const takers = (await sandboxApi(env, 'GET', `/api/v1/studies/${everyone.study_id}/submissions/`)).body.results.map((s: { participant_id: string }) => s.participant_id);
      expect(takers.length).toBe(everyone.total_available_places);
      expect(takers.filter((id: string) => firstPeople.includes(id))).toEqual([]);
    } finally {
      await env.close();
    }
  }, 60_000);
});

describe('rerun_contested after a study targeted by a filter set', () => {
  it('refuses to drop the targeting, creating nothing, and takes the set\'s filters given as filters', async () => {
    const env = await startEnv();
    try {
      const { batchId } = await readyBatch(env, 4);
      const found = ok(await env.call('find_filters', { query: UK_ENGLISH }));
      const uk = choiceOf(found.filters, /country of residence/i, 'United Kingdom');
      const workspace = ok(await env.call('list_workspaces')).workspaces[0].id;
      // Made in the Prolific app: this server never builds filter sets.
      const state = env.sandbox.state;
      const set = { id: state.newObjectId(), workspaceId: workspace, name: 'UK', description: null, createdAt: state.now(), versions: [{ name: 'UK', description: null, filters: [uk] }], locked: false, deleted: false };
      state.audience.filterSets.set(set.id, set);
      const first = ok(
        await env.call('create_study', { batch_id: batchId, name: 'By set', description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: 3, filter_set_id: set.id }),
      );
      ok(await env.call('publish_study', { study_id: first.id, confirm_total_cost: first.total_cost }));
      await untilSubmitted(env, first.id);
      const args = { batch_id: batchId, study_id: first.id, method: 'majority', below_confidence: 1, annotators_per_task: 3, reward: 100, estimated_completion_time: 5 };
      const datasets = env.sandbox.state.datasets.size;
      const refused = await env.call('rerun_contested', args);
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain(set.id);
      expect(refused.text).toContain('filters');
      expect(env.sandbox.state.datasets.size).toBe(datasets);
      const rerun = ok(await env.call('rerun_contested', { ...args, filters: [uk] }));
      expect(rerun.audience.who).toContain('Current Country of Residence: United Kingdom');
    } finally {
      await env.close();
    }
  }, 60_000);
});

/** The participant who would take a place first in a study targeted so: the most active eligible person. */
async function firstTaker(env: TestEnv, filter: { filter_id: string; selected_values: string[] }): Promise<string> {
  const { batchId } = await readyBatch(env, 4);
  const probe = ok(await env.call('create_study', { batch_id: batchId, name: 'Probe', description: 'D', reward: 100, estimated_completion_time: 5, filters: [filter] }));
  ok(await env.call('publish_study', { study_id: probe.id, confirm_total_cost: probe.total_cost }));
  await untilSubmitted(env, probe.id);
  return (await sandboxApi(env, 'GET', `/api/v1/studies/${probe.id}/submissions/`)).body.results[0].participant_id;
}
