/**
 * The sandbox's audience and money, over real HTTP: the filter catalogue and its search, eligibility counts,
 * participant groups that really keep people out of (or restrict) a study, studies that only the targeted take,
 * bonuses in two steps, and the records a rolling spending limit adds up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningSandbox } from '../src/sandbox/index.js';
import { startCheckedSandbox } from './support/contract.js';
import { call, FAST, readyBatch, studyBody, until, type Reply } from './support/sandbox-http.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const UK = { filter_id: 'current-country-of-residence', selected_values: ['0'] };
const ENGLISH_FIRST = { filter_id: 'first-language', selected_values: ['19'] };

describe('sandbox audience', () => {
  let sandbox: RunningSandbox;
  let workspaceId: string;
  let otherWorkspaceId: string;
  let batchId: string;

  const count = async (filters: unknown[], extra: Record<string, unknown> = {}): Promise<Reply> =>
    call(sandbox, 'POST', '/api/v1/eligibility-count/', { filters, workspace_id: workspaceId, ...extra });

  /** A draft study on the shared batch; `places` defaults to 8. */
  const draft = async (extra: Record<string, unknown> = {}): Promise<string> => {
    const study = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { total_available_places: 8, ...extra }));
    expect(study.status, JSON.stringify(study.body)).toBe(201);
    return study.body.id;
  };

  const publish = async (studyId: string): Promise<void> => {
    const published = await call(sandbox, 'POST', `/api/v1/studies/${studyId}/transition/`, { action: 'PUBLISH' });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
  };

  const participants = async (studyId: string): Promise<string[]> => {
    const submissions = await call(sandbox, 'GET', `/api/v1/studies/${studyId}/submissions/?limit=100`);
    return submissions.body.results.map((submission: { participant_id: string }) => submission.participant_id);
  };

  /** Publishes a draft and waits until every place is taken and submitted. */
  const run = async (extra: Record<string, unknown> = {}): Promise<{ studyId: string; people: string[] }> => {
    const studyId = await draft(extra);
    await publish(studyId);
    await until(
      () => call(sandbox, 'GET', `/api/v1/studies/${studyId}/`),
      (reply) => reply.body.status === 'AWAITING REVIEW',
    );
    return { studyId, people: await participants(studyId) };
  };

  const group = async (name: string, ids: string[] = [], workspace = workspaceId): Promise<string> => {
    const created = await call(sandbox, 'POST', '/api/v1/participant-groups/', { name, workspace_id: workspace, participant_ids: ids });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  };

  beforeAll(async () => {
    sandbox = await startCheckedSandbox(FAST, { requests: false });
    const workspaces = (await call(sandbox, 'GET', '/api/v1/workspaces/')).body.results;
    workspaceId = workspaces[0].id;
    otherWorkspaceId = workspaces[1].id;
    batchId = await readyBatch(sandbox, workspaceId);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('the filter catalogue', () => {
    it('lists select filters keyed by choice id, ranges with bounds, and the include/exclude lists', async () => {
      const reply = await call(sandbox, 'GET', '/api/v1/filters/');
      expect(reply.status).toBe(200);
      const filters: any[] = reply.body.results;
      expect(reply.body.meta.count).toBe(filters.length);
      expect(filters.length).toBeGreaterThanOrEqual(30);
      const byId = new Map(filters.map((filter) => [filter.filter_id, filter]));
      const country = byId.get('current-country-of-residence');
      expect(country).toMatchObject({ type: 'select', data_type: 'ChoiceID', title: 'Current Country of Residence' });
      expect(country.choices).toMatchObject({ '0': 'United Kingdom', '1': 'United States' });
      expect(Object.keys(country.choices).length).toBeGreaterThanOrEqual(190);
      expect(byId.get('fluent-languages').choices['19']).toBe('English');
      expect(byId.get('first-language').choices['19']).toBe('English');
      expect(byId.get('age')).toMatchObject({ type: 'range', data_type: 'integer', min: 18, max: 100 });
      expect(byId.get('approval_rate')).toMatchObject({ type: 'range', min: 0, max: 100 });
      expect(byId.get('approval_numbers')).toMatchObject({ type: 'range', data_type: 'integer' });
      expect(byId.get('joined-prolific')).toMatchObject({ type: 'range', data_type: 'date', min: '2014-04-01' });
      expect(byId.get('joined-prolific').max).toBe(new Date(sandbox.now()).toISOString().slice(0, 10));
      expect(byId.get('hours-of-sleep')).toMatchObject({ data_type: 'float' });
      for (const id of ['participant_group_allowlist', 'participant_group_blocklist']) {
        expect(byId.get(id)).toMatchObject({ type: 'select', data_type: 'ParticipantGroupID', choices: {} });
      }
      for (const id of ['previous_studies_allowlist', 'previous_studies_blocklist']) expect(byId.get(id)).toMatchObject({ data_type: 'StudyID' });
      expect(byId.get('custom_allowlist')).toMatchObject({ data_type: 'ParticipantID' });
      const choices = filters.reduce((sum, filter) => sum + Object.keys(filter.choices ?? {}).length, 0);
      expect(choices, 'big enough that a client must trim what it shows').toBeGreaterThan(800);
      // Detail fields only when asked for.
      expect(country.category).toBeUndefined();
    });

    it('names the workspace\'s participant groups and studies as list choices, and adds detail on request', async () => {
      const groupId = await group('Catalogue group');
      const studyId = await draft({ internal_name: 'catalogue study' });
      const reply = await call(sandbox, 'GET', `/api/v1/filters/?workspace_id=${workspaceId}&detailed=true`);
      const byId = new Map(reply.body.results.map((filter: any) => [filter.filter_id, filter]));
      expect((byId.get('participant_group_blocklist') as any).choices[groupId]).toBe('Catalogue group');
      expect((byId.get('previous_studies_blocklist') as any).choices[studyId]).toBe('catalogue study');
      expect(byId.get('age')).toMatchObject({ category: 'Demographics', subcategory: 'Basic', tags: ['recommended'] });
      expect(typeof (byId.get('age') as any).display_order).toBe('number');
      // Another workspace sees neither.
      const other = await call(sandbox, 'GET', `/api/v1/filters/?workspace_id=${otherWorkspaceId}`);
      const blocklist = other.body.results.find((filter: any) => filter.filter_id === 'participant_group_blocklist');
      expect(blocklist.choices[groupId]).toBeUndefined();
      await call(sandbox, 'DELETE', `/api/v1/studies/${studyId}/`);

      const tagged = await call(sandbox, 'GET', '/api/v1/filters/?filter_tag=custom-group');
      expect(tagged.body.results.map((filter: any) => filter.filter_id)).toEqual(['ai-taskers', 'fact-checkers']);
      const unknown = await call(sandbox, 'GET', '/api/v1/filters/?workspace_id=000000000000000000000000');
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.detail.workspace_id[0]).toMatch(/does not exist/);
    });

    it('searches titles and choice labels, at most three matching choices a filter, paged', async () => {
      const reply = await call(sandbox, 'GET', `/api/v1/filters/search/?q=${encodeURIComponent('first language English')}`);
      expect(reply.status).toBe(200);
      const [best] = reply.body.results;
      expect(best).toMatchObject({ filter_id: 'first-language', choices: { '19': 'English' }, choices_included: true });
      expect(Object.keys(best.choices)).toHaveLength(1);
      expect(best._links.choices.href).toMatch(/\/api\/v1\/filters\/first-language\/choices\/$/);
      expect(reply.body.meta.count).toBeGreaterThan(reply.body.results.length - 1);

      const united = await call(sandbox, 'GET', '/api/v1/filters/search/?q=united&limit=2');
      expect(united.body.results).toHaveLength(2);
      for (const result of united.body.results) expect(Object.keys(result.choices).length).toBeLessThanOrEqual(3);
      expect(united.body.meta.count).toBeGreaterThan(2);
      expect(united.body._links.next.href).toContain('offset=2');
      const second = await call(sandbox, 'GET', '/api/v1/filters/search/?q=united&limit=2&offset=2');
      expect(second.body.results[0].filter_id).not.toBe(united.body.results[0].filter_id);

      // Accent-insensitive, by prefix.
      const accented = await call(sandbox, 'GET', `/api/v1/filters/search/?q=${encodeURIComponent('Príncipe')}`);
      expect(Object.values(accented.body.results[0].choices)).toContain('São Tomé and Príncipe');
      const groups = await call(sandbox, 'GET', '/api/v1/filters/search/?q=participant%20group');
      const blocklist = groups.body.results.find((result: any) => result.filter_id === 'participant_group_blocklist');
      expect(blocklist).toMatchObject({ choices_included: false, choices: {} });

      expect((await call(sandbox, 'GET', '/api/v1/filters/search/')).status).toBe(400);
      expect((await call(sandbox, 'GET', `/api/v1/filters/search/?q=${'x'.repeat(201)}`)).status).toBe(400);
      const nothing = await call(sandbox, 'GET', '/api/v1/filters/search/?q=zzzzqqq');
      expect(nothing.body).toMatchObject({ results: [], meta: { count: 0 } });
    });

    it('browses and searches one filter\'s choices', async () => {
      const page = await call(sandbox, 'GET', '/api/v1/filters/current-country-of-residence/choices/');
      expect(page.status).toBe(200);
      expect(page.body.results).toHaveLength(25);
      expect(page.body.results[0]).toEqual({ id: '0', label: 'United Kingdom' });
      expect(page.body.meta.count).toBeGreaterThanOrEqual(190);
      const last = await call(sandbox, 'GET', `/api/v1/filters/current-country-of-residence/choices/?limit=50&offset=${page.body.meta.count - 3}`);
      expect(last.body.results).toHaveLength(3);
      expect(last.body._links.next.href).toBeNull();

      const search = await call(sandbox, 'GET', '/api/v1/filters/current-country-of-residence/choices/search/?q=united');
      expect(search.body.results.map((choice: any) => choice.label)).toEqual(['United Kingdom', 'United States', 'United Arab Emirates']);
      expect((await call(sandbox, 'GET', '/api/v1/filters/age/choices/')).status).toBe(400);
      expect((await call(sandbox, 'GET', '/api/v1/filters/no-such-filter/choices/')).status).toBe(404);
      expect((await call(sandbox, 'GET', '/api/v1/filters/sex/choices/search/?q=%20')).status).toBe(400);
    });
  });

  describe('eligibility counts', () => {
    it('count the population, narrower as filters are added, OR within a filter and in "or" groups', async () => {
      const everyone = (await count([])).body.count;
      const uk = (await count([UK])).body.count;
      const ukEnglish = (await count([UK, ENGLISH_FIRST])).body.count;
      const us = (await count([{ filter_id: 'current-country-of-residence', selected_values: ['1'] }])).body.count;
      expect(everyone).toBeGreaterThan(10_000);
      expect(uk).toBeGreaterThan(1000);
      expect(ukEnglish).toBeLessThan(uk);
      expect(ukEnglish).toBeGreaterThan(uk / 2);
      expect((await count([{ filter_id: 'current-country-of-residence', selected_values: ['0', '1'] }])).body.count).toBe(uk + us);
      const either = await count([{ filter_id: 'or', selected_filters: [UK, { filter_id: 'current-country-of-residence', selected_values: ['1'] }] }]);
      expect(either.body.count).toBe(uk + us);
      const both = await count([{ filter_id: 'and', selected_filters: [UK, ENGLISH_FIRST] }]);
      expect(both.body.count).toBe(ukEnglish);
      const adults = await count([{ filter_id: 'age', selected_range: { lower: 18, upper: null } }]);
      expect(adults.body.count).toBe(everyone);
      const young = (await count([{ filter_id: 'age', selected_range: { upper: 24 } }])).body.count;
      expect(young).toBeGreaterThan(0);
      expect(young).toBeLessThan(everyone / 2);
      // The workspace may be left out (the user's current one is used).
      expect((await call(sandbox, 'POST', '/api/v1/eligibility-count/', { filters: [UK] })).body.count).toBe(uk);
    });

    it('report fewer than 25 as 0, as Prolific does', async () => {
      const catalogue = (await call(sandbox, 'GET', '/api/v1/filters/')).body.results;
      const countries = catalogue.find((filter: any) => filter.filter_id === 'current-country-of-residence').choices;
      const bhutan = Object.keys(countries).find((id) => countries[id] === 'Bhutan') ?? '';
      const nobody = await count([{ filter_id: 'current-country-of-residence', selected_values: [bhutan] }]);
      expect(nobody.body).toEqual({ count: 0 });
      const { people } = await run({ total_available_places: 30 });
      const fewer = await count([{ filter_id: 'custom_allowlist', selected_values: people.slice(0, 24) }]);
      expect(fewer.body.count).toBe(0);
      const enough = await count([{ filter_id: 'custom_allowlist', selected_values: people.slice(0, 25) }]);
      expect(enough.body.count).toBe(25);
    });

    it('refuse an unknown filter, a choice id the filter lacks and bounds outside its range, with 400s', async () => {
      const unknown = await count([UK, { filter_id: 'first_language', selected_values: ['19'] }]);
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ status: 400, title: 'Bad Request' });
      expect(unknown.body.error.detail['filters[1].filter_id'][0]).toMatch(/"first_language" does not exist/);
      const badChoice = await count([{ filter_id: 'first-language', selected_values: ['English'] }]);
      expect(badChoice.body.error.detail['filters[0].selected_values'][0]).toMatch(/"English" is not a valid choice .*"0" to "\d+"/);
      const outside = await count([{ filter_id: 'age', selected_range: { lower: 16, upper: 30 } }]);
      expect(outside.body.error.detail['filters[0].selected_range.lower'][0]).toMatch(/between 18 and 100/);
      const reversed = await count([{ filter_id: 'approval_rate', selected_range: { lower: 99, upper: 90 } }]);
      expect(reversed.body.error.detail['filters[0].selected_range'][0]).toMatch(/above the upper bound/);
      const noBounds = await count([{ filter_id: 'approval_rate', selected_range: { lower: null } }]);
      expect(noBounds.status).toBe(400);
      const fraction = await count([{ filter_id: 'age', selected_range: { lower: 20.5 } }]);
      expect(fraction.body.error.detail['filters[0].selected_range.lower'][0]).toMatch(/whole numbers/);
      const wrongKind = await count([{ filter_id: 'age', selected_values: ['30'] }]);
      expect(wrongKind.body.error.detail['filters[0].selected_range'][0]).toMatch(/range filter/);
      const nested = await count([{ filter_id: 'or', selected_filters: [UK, { filter_id: 'nope', selected_values: ['1'] }] }]);
      expect(Object.keys(nested.body.error.detail)).toEqual(['filters[0].selected_filters[1].filter_id']);
      const emptyGroup = await count([{ filter_id: 'and', selected_filters: [] }]);
      expect(emptyGroup.status).toBe(400);
      expect((await call(sandbox, 'POST', '/api/v1/eligibility-count/', { workspace_id: workspaceId })).body.error.detail.filters).toEqual([
        'This field is required.',
      ]);
      const foreign = await count([{ filter_id: 'participant_group_blocklist', selected_values: [await group('Elsewhere', [], otherWorkspaceId)] }]);
      expect(foreign.body.error.detail['filters[0].selected_values'][0]).toMatch(/not participant groups of this workspace/);
    });
  });

  describe('targeting', () => {
    it('lets only the targeted take part, and a study whose filters admit too few never fills', async () => {
      const { people } = await run({ total_available_places: 12 });
      const chosen = people.slice(0, 3);
      const studyId = await draft({ total_available_places: 5, filters: [{ filter_id: 'custom_allowlist', selected_values: chosen }] });
      await publish(studyId);
      const taken = await until(
        () => call(sandbox, 'GET', `/api/v1/studies/${studyId}/`),
        (reply) => reply.body.places_taken === 3 && reply.body.number_of_submissions === 3,
      );
      sandbox.advanceClock(60_000);
      const later = await call(sandbox, 'GET', `/api/v1/studies/${studyId}/`);
      expect(later.body).toMatchObject({ status: 'ACTIVE', places_taken: 3, total_available_places: 5 });
      expect(taken.body.status).toBe('ACTIVE');
      expect((await participants(studyId)).sort()).toEqual([...chosen].sort());
    });

    it('gives studies with the same targeting largely the same people, and never the same person twice', async () => {
      const first = await run({ total_available_places: 10 });
      const second = await run({ total_available_places: 10 });
      expect(new Set(first.people).size).toBe(10);
      const shared = second.people.filter((id) => first.people.includes(id));
      expect(shared.length).toBeGreaterThanOrEqual(5);
      const blocked = await run({ total_available_places: 10, filters: [{ filter_id: 'previous_studies_blocklist', selected_values: [first.studyId] }] });
      expect(blocked.people.filter((id) => first.people.includes(id))).toEqual([]);
      const again = await run({ total_available_places: 4, filters: [{ filter_id: 'previous_studies_allowlist', selected_values: [first.studyId, second.studyId] }] });
      for (const id of again.people) expect([...first.people, ...second.people]).toContain(id);
    });

    it('refuses a study whose filters name an unknown filter, a bad choice, or a group of another workspace', async () => {
      const unknown = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { filters: [{ filter_id: 'country', selected_values: ['0'] }] }));
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.detail['filters[0].filter_id'][0]).toMatch(/"country" does not exist/);
      const badChoice = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { filters: [{ filter_id: 'sex', selected_values: ['2'] }] }));
      expect(badChoice.body.error.detail['filters[0].selected_values'][0]).toMatch(/not a valid choice/);
      const foreign = await group('Other workspace', [], otherWorkspaceId);
      const refused = await call(
        sandbox,
        'POST',
        '/api/v1/studies/',
        studyBody(batchId, { filters: [{ filter_id: 'participant_group_blocklist', selected_values: [foreign] }] }),
      );
      expect(refused.body.error.detail['filters[0].selected_values'][0]).toMatch(/not participant groups of this workspace/);
      const both = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { filters: [UK], filter_set_id: 'abc' }));
      expect(both.body.error.detail.filter_set_id[0]).toMatch(/not both/);
      // A draft's filters are checked again when it changes, and kept as sent.
      const studyId = await draft({ filters: [UK, { filter_id: 'or', selected_filters: [ENGLISH_FIRST, { filter_id: 'age', selected_range: { lower: 30 } }] }] });
      const patched = await call(sandbox, 'PATCH', `/api/v1/studies/${studyId}/`, { filters: [{ filter_id: 'age', selected_range: { lower: 101 } }] });
      expect(patched.status).toBe(400);
      const kept = await call(sandbox, 'GET', `/api/v1/studies/${studyId}/`);
      expect(kept.body.filters[1]).toEqual({ filter_id: 'or', selected_filters: [ENGLISH_FIRST, { filter_id: 'age', selected_range: { lower: 30 } }] });
      await call(sandbox, 'DELETE', `/api/v1/studies/${studyId}/`);
    });
  });

  describe('participant groups', () => {
    it('are created, read, listed, renamed, overwritten and deleted', async () => {
      const members = ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb'];
      const created = await call(sandbox, 'POST', '/api/v1/participant-groups/', {
        name: 'Low accuracy',
        workspace_id: workspaceId,
        description: 'Left out of follow-ups',
        participant_ids: [...members, members[0]],
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Low accuracy',
        workspace_id: workspaceId,
        description: 'Left out of follow-ups',
        participant_count: 2,
        is_deleted: false,
        feeder_studies: [],
      });
      const id: string = created.body.id;
      expect((await call(sandbox, 'GET', `/api/v1/participant-groups/${id}/`)).body).toEqual(created.body);

      const flat = await call(sandbox, 'GET', `/api/v1/participant-groups/?workspace_id=${workspaceId}`);
      expect(flat.body.results.map((g: any) => g.id)).toContain(id);
      const deep = await call(sandbox, 'GET', `/api/v1/participant-groups/?filter[workspace_id]=${workspaceId}&search=low`);
      expect(deep.body.results.map((g: any) => g.id)).toEqual([id]);
      const project = (await call(sandbox, 'GET', `/api/v1/workspaces/${workspaceId}/projects/`)).body.results[0].id;
      expect((await call(sandbox, 'GET', `/api/v1/participant-groups/?project_id=${project}`)).body.results.map((g: any) => g.id)).toContain(id);
      expect((await call(sandbox, 'GET', `/api/v1/participant-groups/?workspace_id=${otherWorkspaceId}`)).body.results.map((g: any) => g.id)).not.toContain(id);
      expect((await call(sandbox, 'GET', '/api/v1/participant-groups/')).status).toBe(400);

      const renamed = await call(sandbox, 'PATCH', `/api/v1/participant-groups/${id}/`, { name: 'Excluded', participant_ids: ['cccccccccccccccccccccccc'] });
      expect(renamed.body).toMatchObject({ name: 'Excluded', participant_count: 1 });
      const listed = await call(sandbox, 'GET', `/api/v1/participant-groups/${id}/participants/`);
      expect(listed.body.results).toEqual([{ participant_id: 'cccccccccccccccccccccccc', datetime_created: expect.any(String) }]);

      expect((await call(sandbox, 'DELETE', `/api/v1/participant-groups/${id}/`)).status).toBe(204);
      expect((await call(sandbox, 'GET', `/api/v1/participant-groups/${id}/`)).body.is_deleted).toBe(true);
      const active = await call(sandbox, 'GET', `/api/v1/participant-groups/?workspace_id=${workspaceId}&active=true`);
      expect(active.body.results.map((g: any) => g.id)).not.toContain(id);
      const deleted = await call(sandbox, 'GET', `/api/v1/participant-groups/?workspace_id=${workspaceId}&active=false`);
      expect(deleted.body.results.map((g: any) => g.id)).toEqual([id]);
      expect((await call(sandbox, 'POST', `/api/v1/participant-groups/${id}/participants/`, { participant_ids: members })).status).toBe(400);
      const naming = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { filters: [{ filter_id: 'participant_group_blocklist', selected_values: [id] }] }));
      expect(naming.status).toBe(400);
      expect((await call(sandbox, 'GET', '/api/v1/participant-groups/000000000000000000000000/')).status).toBe(404);
    });

    it('add and remove members, ignoring those already in or never in, and refuse what is not a Prolific id', async () => {
      const id = await group('Members');
      const added = await call(sandbox, 'POST', `/api/v1/participant-groups/${id}/participants/`, {
        participant_ids: ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb'],
      });
      expect(added.status).toBe(200);
      const again = await call(sandbox, 'POST', `/api/v1/participant-groups/${id}/participants/`, { participant_ids: ['aaaaaaaaaaaaaaaaaaaaaaaa'] });
      expect(again.body.results.map((m: any) => m.participant_id)).toEqual(['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb']);
      const removed = await call(sandbox, 'DELETE', `/api/v1/participant-groups/${id}/participants/`, {
        participant_ids: ['aaaaaaaaaaaaaaaaaaaaaaaa', 'dddddddddddddddddddddddd'],
      });
      expect(removed.body.results.map((m: any) => m.participant_id)).toEqual(['bbbbbbbbbbbbbbbbbbbbbbbb']);
      const bad = await call(sandbox, 'POST', `/api/v1/participant-groups/${id}/participants/`, { participant_ids: ['not-an-id'] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.detail.participant_ids[0]).toMatch(/"not-an-id": not Prolific participant ids/);
      expect((await call(sandbox, 'POST', `/api/v1/participant-groups/${id}/participants/`, {})).status).toBe(400);
      const unnamed = await call(sandbox, 'POST', '/api/v1/participant-groups/', { workspace_id: workspaceId });
      expect(unnamed.body.error.detail.name).toEqual(['This field is required.']);
      const nowhere = await call(sandbox, 'POST', '/api/v1/participant-groups/', { name: 'x' });
      expect(nowhere.status).toBe(400);
    });

    it('keep their members out of a study, and change who may come while it runs', async () => {
      const first = await run({ total_available_places: 10 });
      const worst = first.people.slice(0, 4);
      const blocklist = await group('Worst of round 1', worst);
      // Without the blocklist the same targeting brings most of them back; with it, none.
      const control = await run({ total_available_places: 10 });
      expect(control.people.filter((id) => worst.includes(id)).length).toBeGreaterThan(0);
      const followUp = await run({ total_available_places: 10, filters: [{ filter_id: 'participant_group_blocklist', selected_values: [blocklist] }] });
      expect(followUp.people.filter((id) => worst.includes(id))).toEqual([]);

      // Live: a study allowed to an empty group waits; members added later come, unless a blocklist now holds them.
      const allow = await group('Invited');
      const block = await group('Barred');
      const studyId = await draft({
        total_available_places: 4,
        filters: [
          { filter_id: 'participant_group_allowlist', selected_values: [allow] },
          { filter_id: 'participant_group_blocklist', selected_values: [block] },
        ],
      });
      await publish(studyId);
      sandbox.advanceClock(1000);
      expect((await call(sandbox, 'GET', `/api/v1/studies/${studyId}/`)).body.places_taken).toBe(0);
      const invited = first.people.slice(4, 8);
      await call(sandbox, 'POST', `/api/v1/participant-groups/${block}/participants/`, { participant_ids: invited.slice(0, 2) });
      await call(sandbox, 'POST', `/api/v1/participant-groups/${allow}/participants/`, { participant_ids: invited });
      await until(
        () => call(sandbox, 'GET', `/api/v1/studies/${studyId}/`),
        (reply) => reply.body.places_taken === 2 && reply.body.number_of_submissions === 2,
      );
      sandbox.advanceClock(1000);
      expect((await participants(studyId)).sort()).toEqual(invited.slice(2).sort());
      // Taking two off the blocklist lets them come too.
      await call(sandbox, 'DELETE', `/api/v1/participant-groups/${block}/participants/`, { participant_ids: invited.slice(0, 2) });
      const full = await until(
        () => call(sandbox, 'GET', `/api/v1/studies/${studyId}/`),
        (reply) => reply.body.places_taken === 4,
      );
      expect(full.body.places_taken).toBe(4);
      expect(await count([{ filter_id: 'participant_group_allowlist', selected_values: [allow] }])).toMatchObject({ body: { count: 0 } });
    });

    it('gain members through a study\'s completion code, and show the study as a feeder', async () => {
      const id = await group('Finished round 1');
      const { people, studyId } = await run({
        total_available_places: 3,
        completion_codes: [
          { code: 'DONE1', code_type: 'COMPLETED', actions: [{ action: 'MANUALLY_REVIEW' }, { action: 'ADD_TO_PARTICIPANT_GROUP', participant_group: id }] },
        ],
      });
      const members = await call(sandbox, 'GET', `/api/v1/participant-groups/${id}/participants/`);
      expect(members.body.results.map((m: any) => m.participant_id).sort()).toEqual([...people].sort());
      const view = await call(sandbox, 'GET', `/api/v1/participant-groups/${id}/`);
      expect(view.body.feeder_studies).toEqual([
        expect.objectContaining({ id: studyId, feeder_completion_codes: [{ code: 'DONE1', code_type: 'COMPLETED', action: 'ADD_TO_PARTICIPANT_GROUP' }] }),
      ]);
    });
  });

  describe('filter sets', () => {
    const createSet = (body: Record<string, unknown>) => call(sandbox, 'POST', '/api/v1/filter-sets/', { workspace_id: workspaceId, ...body });

    it('are versioned lists of filters with their eligible count, refused when a filter is unknown', async () => {
      const created = await createSet({ name: 'UK English', filters: [UK, ENGLISH_FIRST] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ version: 1, is_locked: false, is_deleted: false, workspace_id: workspaceId, name: 'UK English', filters: [UK, ENGLISH_FIRST] });
      expect(created.body.eligible_participant_count).toBe((await count([UK, ENGLISH_FIRST])).body.count);
      const id: string = created.body.id;
      const updated = await call(sandbox, 'PATCH', `/api/v1/filter-sets/${id}/`, { filters: [UK] });
      expect(updated.body).toMatchObject({ version: 2, name: 'UK English', filters: [UK] });
      expect((await call(sandbox, 'GET', `/api/v1/filter-sets/${id}/?version_number=1`)).body).toMatchObject({ version: 1, filters: [UK, ENGLISH_FIRST] });
      expect((await call(sandbox, 'GET', `/api/v1/filter-sets/${id}/?version_number=3`)).status).toBe(400);
      expect((await call(sandbox, 'GET', `/api/v1/filter-sets/?workspace_id=${workspaceId}`)).body.results.map((set: any) => set.id)).toContain(id);
      expect((await call(sandbox, 'GET', `/api/v1/filter-sets/?workspace_id=${otherWorkspaceId}`)).body.results).toEqual([]);

      expect((await call(sandbox, 'POST', `/api/v1/filter-sets/${id}/lock/`)).body.is_locked).toBe(true);
      expect((await call(sandbox, 'PATCH', `/api/v1/filter-sets/${id}/`, { name: 'x' })).status).toBe(400);
      expect((await call(sandbox, 'POST', `/api/v1/filter-sets/${id}/unlock/`)).body.is_locked).toBe(false);
      const clone = await call(sandbox, 'POST', `/api/v1/filter-sets/${id}/clone/`, { new_name: 'Copy' });
      expect(clone.status).toBe(201);
      expect(clone.body).toMatchObject({ version: 1, name: 'Copy', filters: [UK] });
      expect(clone.body.id).not.toBe(id);
      expect((await call(sandbox, 'DELETE', `/api/v1/filter-sets/${clone.body.id}/`)).status).toBe(204);
      expect((await call(sandbox, 'GET', `/api/v1/filter-sets/${clone.body.id}/`)).body.is_deleted).toBe(true);

      const unknown = await createSet({ filters: [{ filter_id: 'nope', selected_values: ['1'] }] });
      expect(unknown.body.error.detail['filters[0].filter_id'][0]).toMatch(/"nope" does not exist/);
      expect((await call(sandbox, 'POST', '/api/v1/filter-sets/', { filters: [] })).status).toBe(400);
      expect((await call(sandbox, 'GET', '/api/v1/filter-sets/000000000000000000000000/')).status).toBe(404);
    });

    it('hide counts under 5, and give a study the version it was created with', async () => {
      const { people } = await run({ total_available_places: 10 });
      expect((await createSet({ filters: [{ filter_id: 'custom_allowlist', selected_values: people.slice(0, 4) }] })).body.eligible_participant_count).toBe(0);
      const set = await createSet({ filters: [{ filter_id: 'custom_allowlist', selected_values: people.slice(0, 5) }] });
      expect(set.body.eligible_participant_count).toBe(5);
      const studyId = await draft({ total_available_places: 7, filter_set_id: set.body.id });
      expect((await call(sandbox, 'GET', `/api/v1/studies/${studyId}/`)).body).toMatchObject({ filter_set_id: set.body.id, filter_set_version: 1, filters: [] });
      // A later version admits others; the study keeps version 1.
      await call(sandbox, 'PATCH', `/api/v1/filter-sets/${set.body.id}/`, { filters: [{ filter_id: 'custom_allowlist', selected_values: people.slice(5) }] });
      await publish(studyId);
      await until(
        () => call(sandbox, 'GET', `/api/v1/studies/${studyId}/`),
        (reply) => reply.body.number_of_submissions === 5,
      );
      sandbox.advanceClock(1000);
      expect((await participants(studyId)).sort()).toEqual(people.slice(0, 5).sort());

      const foreign = await call(sandbox, 'POST', '/api/v1/filter-sets/', { workspace_id: otherWorkspaceId, filters: [] });
      const refused = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { filter_set_id: foreign.body.id }));
      expect(refused.body.error.detail.filter_set_id[0]).toMatch(/does not exist in this workspace/);
      const tooNew = await call(sandbox, 'POST', '/api/v1/studies/', studyBody(batchId, { filter_set_id: set.body.id, filter_set_version: 9 }));
      expect(tooNew.body.error.detail.filter_set_version[0]).toMatch(/versions 1 to 2/);
    });
  });

  describe('bonuses', () => {
    let studyId: string;
    let people: string[];

    beforeAll(async () => {
      ({ studyId, people } = await run({ total_available_places: 4 }));
    });

    const setUp = (csv: string, study = studyId) => call(sandbox, 'POST', '/api/v1/submissions/bonus-payments/', { study_id: study, csv_bonuses: csv });
    const balance = async () => (await call(sandbox, 'GET', '/api/v1/users/me/')).body as { balance: number; available_balance: number };
    const cost = async () => (await call(sandbox, 'GET', `/api/v1/studies/${studyId}/cost/`)).body;

    it('are priced in minor units from amounts in major units, and pay nothing until paid', async () => {
      const before = await balance();
      const bonus = await setUp(`${people[0]},1.50\n${people[1]},0.75\n`);
      expect(bonus.status).toBe(201);
      // 225p to participants + a third in fees (75p) + 20% VAT on the fees (15p).
      expect(bonus.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), study: studyId, amount: 225, fees: 75, vat: 15, total_amount: 315 });
      expect(await balance()).toEqual(before);
      expect((await cost()).bonuses.rewards.amount).toBe(0);
    });

    it('refuse a header row, an unknown participant and amounts that are not major units, with 400s naming them', async () => {
      const header = await setUp(`participant_id,amount\n${people[0]},1.00`);
      expect(header.status).toBe(400);
      expect(header.body.error.detail.csv_bonuses[0]).toBe(`These IDs did not take part in study ${studyId}: participant_id.`);
      expect(header.body.error.detail.csv_bonuses[1]).toMatch(/Line 1: "amount" is not an amount/);
      const stranger = await setUp('ffffffffffffffffffffffff,1.00');
      expect(stranger.body.error.detail.csv_bonuses).toEqual([`These IDs did not take part in study ${studyId}: ffffffffffffffffffffffff.`]);
      for (const amount of ['150p', '-1', '0', '1.505', '']) {
        const refused = await setUp(`${people[0]},${amount}`);
        expect(refused.status, amount).toBe(400);
      }
      expect((await setUp('')).status).toBe(400);
      expect((await setUp(`${people[0]};1.00`)).body.error.detail.csv_bonuses[0]).toMatch(/expected "<participant_id>,<amount>"/);
      expect((await call(sandbox, 'POST', '/api/v1/submissions/bonus-payments/', { csv_bonuses: `${people[0]},1` })).status).toBe(400);
      expect((await setUp(`${people[0]},1`, '000000000000000000000000')).status).toBe(404);
      // A submission id does as well as a participant id.
      const submission = (await call(sandbox, 'GET', `/api/v1/studies/${studyId}/submissions/`)).body.results[2].id;
      expect((await setUp(`${submission},2`)).body).toMatchObject({ amount: 200, total_amount: 280 });
    });

    it('are paid by the second step: at once from the available balance, then in the study cost and the wallet', async () => {
      const bonus = await setUp(`${people[0]},1.50\n${people[1]},0.75`);
      const before = await balance();
      const paid = await call(sandbox, 'POST', `/api/v1/bulk-bonus-payments/${bonus.body.id}/pay/`);
      expect(paid.status).toBe(202);
      expect(typeof paid.body).toBe('string');
      expect(await balance()).toEqual({ ...before, available_balance: before.available_balance - 315 });
      sandbox.advanceClock(FAST.processingMs ?? 0);
      expect(await balance()).toEqual({ ...before, balance: before.balance - 315, available_balance: before.available_balance - 315 });
      expect((await cost()).bonuses).toEqual({
        rewards: { amount: 225, currency: 'GBP' },
        fees: { amount: 75, currency: 'GBP' },
        tax: { amount: 15, currency: 'GBP' },
      });
      const submissions = (await call(sandbox, 'GET', `/api/v1/studies/${studyId}/submissions/`)).body.results;
      const firstSubmission = submissions.find((s: any) => s.participant_id === people[0]).id;
      expect((await call(sandbox, 'GET', `/api/v1/submissions/${firstSubmission}/`)).body.bonus_payments).toEqual([150]);

      // Paying the same bonus again pays it again, as the docs warn.
      expect((await call(sandbox, 'POST', `/api/v1/bulk-bonus-payments/${bonus.body.id}/pay/`)).status).toBe(202);
      sandbox.advanceClock(FAST.processingMs ?? 0);
      expect((await cost()).bonuses.rewards.amount).toBe(450);
      expect((await balance()).balance).toBe(before.balance - 630);
      expect((await call(sandbox, 'POST', '/api/v1/bulk-bonus-payments/000000000000000000000000/pay/')).status).toBe(404);
    });

    it('are paid even when the answer to the pay call is lost, which the study cost then shows', async () => {
      const bonus = await setUp(`${people[2]},1.00`);
      const before = (await cost()).bonuses.rewards.amount;
      sandbox.faults.add({ method: 'POST', path: `/api/v1/bulk-bonus-payments/${bonus.body.id}/pay/`, kind: 'reset-after' });
      await expect(fetch(`${sandbox.baseUrl}/api/v1/bulk-bonus-payments/${bonus.body.id}/pay/`, {
        method: 'POST',
        headers: { Authorization: `Token ${sandbox.token}` },
      })).rejects.toThrow();
      sandbox.advanceClock(FAST.processingMs ?? 0);
      expect((await cost()).bonuses.rewards.amount).toBe(before + 100);
    });

    it('are refused at the pay step when the balance cannot cover them', async () => {
      const bonus = await setUp(`${people[0]},10`);
      sandbox.state.setBalance(undefined, 1000);
      const refused = await call(sandbox, 'POST', `/api/v1/bulk-bonus-payments/${bonus.body.id}/pay/`);
      expect(refused.status).toBe(400);
      expect(refused.body.error.detail).toMatch(/Insufficient funds: this bonus costs £14\.00 .* is £10\.00/);
      sandbox.state.setBalance(undefined, 100_000);
    });
  });

  describe('what a rolling spending limit reads', () => {
    it('lists studies with their publish time and total cost, by status, on a clock tests can move', async () => {
      const older = await draft({ total_available_places: 2 });
      await publish(older);
      sandbox.advanceClock(DAY_MS + 60 * 60 * 1000);
      const newer = await draft({ total_available_places: 3 });
      await publish(newer);
      const reply = await call(sandbox, 'GET', '/api/v1/studies/?state=(active|awaiting review|completed)&limit=100');
      expect(reply.status).toBe(200);
      const byId = new Map(reply.body.results.map((study: any) => [study.id, study]));
      const [a, b] = [byId.get(older) as any, byId.get(newer) as any];
      expect(b).toMatchObject({ total_cost: 3 * 150 + 150 + 30, status: 'ACTIVE' });
      expect(a.total_cost).toBe(2 * 150 + 100 + 20);
      const dayAgo = sandbox.now() - DAY_MS;
      expect(Date.parse(a.published_at)).toBeLessThan(dayAgo);
      expect(Date.parse(b.published_at)).toBeGreaterThan(dayAgo);
      // The server's Date header follows the same clock, for a client that judges time by it.
      expect(Math.abs(Date.parse(reply.headers.get('date') ?? '') - sandbox.now())).toBeLessThan(2000);
      const drafts = await call(sandbox, 'GET', '/api/v1/studies/?state=UNPUBLISHED');
      expect(drafts.body.results.every((study: any) => study.status === 'UNPUBLISHED')).toBe(true);
      const published = await call(sandbox, 'GET', '/api/v1/studies/?state=published&limit=100');
      expect(published.body.results.map((study: any) => study.id)).toEqual(expect.arrayContaining([older, newer]));
      expect((await call(sandbox, 'GET', '/api/v1/studies/?state=LIVE')).status).toBe(400);
    });
  });
});
