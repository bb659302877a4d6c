/**
 * Targeting: the filter catalogue (digest §1.1), its keyword search and choice browsing (§1.6), and eligibility
 * counts (§1.4).
 *
 * The §1.6 endpoints are documented only in outline (paging, at most three matching choices per filter,
 * `choices_included: false` for study and participant-group filters, with a link to browse their choices); the
 * sandbox chooses the rest: a search result is the filter as the catalogue lists it with `choices` cut down to
 * the matching ones, `choices_included`, and `_links.choices`; a choice is `{id, label}`; the query parameter is
 * `q`; `filter_by` is accepted and ignored (its meaning is not documented).
 */
import { badRequest, notFound } from '../errors.js';
import { eligibleCount, Eligibility, readFilters, shown, studyWorkspace, rangeMax } from '../eligibility.js';
import { catalogueFilter, choiceMap, FILTERS, type CatalogueFilter } from '../filter-catalogue.js';
import { rank, words, type SearchText } from '../filter-search.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import { pagedList } from './paging.js';
import { apiRoute, json, readJson, type Route } from './route.js';

/** The documented default page size of the §1.6 endpoints. */
const SEARCH_PAGE = 25;
const MATCHING_CHOICES = 3;
const MAX_QUERY = 200;

export function filterRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(state, 'GET', '/api/v1/filters', ({ url }) => {
      const workspaceId = queryWorkspace(state, url);
      const detailed = ['true', '1', 'yes'].includes((url.searchParams.get('detailed') ?? '').toLowerCase());
      const tag = url.searchParams.get('filter_tag');
      const filters = tag ? FILTERS.filter((filter) => filter.tags.includes(tag)) : FILTERS;
      const results = filters.map((filter) => filterView(state, filter, workspaceId, detailed));
      return json({ results, _links: { self: { href: url.href, title: 'Current' } }, meta: { count: results.length } });
    }),
    apiRoute(state, 'GET', '/api/v1/filters/search', ({ url }) => {
      const workspaceId = queryWorkspace(state, url);
      const query = words(queryText(url, 'q'));
      const matches = rank(query, FILTERS, (filter) => filterTexts(filter)).map(({ item: filter }) => {
        const view = filterView(state, filter, workspaceId, false);
        if (filter.type === 'range') return view;
        if (filter.kind === 'list') {
          return { ...view, choices: {}, choices_included: false, _links: { choices: { href: choicesLink(state, filter, workspaceId) } } };
        }
        // Choices are shown for the words the filter's own text does not explain: "first language English" shows English.
        const described = words(filterTexts(filter, false).map((text) => text.text).join(' '));
        const rest = query.filter((word) => !described.some((candidate) => candidate.startsWith(word)));
        const chosen = rank(rest.length ? rest : query, filter.choices.map((label, index) => ({ label, index })), (choice) => [
          { place: 'choice', text: choice.label },
        ]);
        const choices = Object.fromEntries(chosen.slice(0, MATCHING_CHOICES).map(({ item }) => [String(item.index), item.label]));
        return { ...view, choices, choices_included: true, _links: { choices: { href: choicesLink(state, filter, workspaceId) } } };
      });
      return pagedList(url, matches, 'offset', SEARCH_PAGE);
    }),
    apiRoute(state, 'GET', '/api/v1/filters/:filterId/choices', ({ url, params }) => {
      const filter = selectFilter(params.filterId ?? '');
      return pagedList(url, choicesOf(state, filter, queryWorkspace(state, url)), 'offset', SEARCH_PAGE);
    }),
    apiRoute(state, 'GET', '/api/v1/filters/:filterId/choices/search', ({ url, params }) => {
      const filter = selectFilter(params.filterId ?? '');
      const query = words(queryText(url, 'q'));
      const choices = choicesOf(state, filter, queryWorkspace(state, url));
      const ranked = rank(query, choices, (choice) => [{ place: 'choice', text: choice.label }]).map(({ item }) => item);
      return pagedList(url, ranked, 'offset', SEARCH_PAGE);
    }),
    apiRoute(state, 'POST', '/api/v1/eligibility-count', async ({ request }) => {
      const fields = new Fields(await readJson(request));
      const filters = fields.array('filters', { required: true });
      const workspaceId = fields.string('workspace_id');
      // Optional context the API takes (digest §1.4); neither changes a count in the sandbox.
      fields.string('organisation_id');
      fields.string('study_type');
      if (workspaceId !== undefined && !state.workspaces.has(workspaceId)) fields.fail('workspace_id', `Workspace ${workspaceId} does not exist.`);
      fields.done();
      const workspace = workspaceId ?? defaultWorkspace(state);
      const rule = readFilters(state, workspace, filters ?? [], fields);
      fields.done();
      return json({ count: eligibleCount(new Eligibility(state).count(rule)) });
    }),
  ];
}

/** Without a workspace_id the API uses "the current workspace of the user" (digest §1.4): the first one here. */
export function defaultWorkspace(state: SandboxState): string {
  return state.workspaces.keys().next().value as string;
}

function queryWorkspace(state: SandboxState, url: URL): string | undefined {
  const workspaceId = url.searchParams.get('workspace_id');
  if (workspaceId === null || workspaceId === '') return undefined;
  if (!state.workspaces.has(workspaceId)) throw badRequest({ workspace_id: [`Workspace ${workspaceId} does not exist.`] });
  return workspaceId;
}

function queryText(url: URL, name: string): string {
  const text = (url.searchParams.get(name) ?? '').trim();
  if (!text) throw badRequest({ [name]: ['This query parameter is required: a few keywords.'] });
  if (text.length > MAX_QUERY) throw badRequest({ [name]: [`Ensure this value has at most ${MAX_QUERY} characters (it has ${text.length}).`] });
  return text;
}

function selectFilter(filterId: string): Exclude<CatalogueFilter, { type: 'range' }> {
  const filter = catalogueFilter(filterId);
  if (!filter) throw notFound('Filter', filterId);
  if (filter.type === 'range') throw badRequest(`Filter ${filterId} is a range filter (min..max); it has no choices.`);
  return filter;
}

/** The texts a filter is found by: its metadata, and for a screener its choice labels unless left out. */
function filterTexts(filter: CatalogueFilter, withChoices = true): SearchText[] {
  const texts: SearchText[] = [
    { place: 'title', text: `${filter.title} ${filter.filter_id}` },
    { place: 'question', text: filter.question },
    { place: 'category', text: `${filter.category} ${filter.subcategory}` },
    { place: 'text', text: `${filter.description} ${filter.researcher_help_text}` },
  ];
  if (withChoices && filter.kind === 'screener' && filter.type === 'select') texts.push(...filter.choices.map((label) => ({ place: 'choice' as const, text: label })));
  return texts;
}

interface Choice {
  id: string;
  label: string;
}

/** A select filter's valid choices in catalogue order; a list filter's are the workspace's groups or studies. */
function choicesOf(state: SandboxState, filter: Exclude<CatalogueFilter, { type: 'range' }>, workspaceId: string | undefined): Choice[] {
  if (filter.kind === 'screener') return filter.choices.map((label, index) => ({ id: String(index), label }));
  return Object.entries(listChoices(state, filter.data_type, workspaceId)).map(([id, label]) => ({ id, label }));
}

/** Participant ids are not enumerable, and without a workspace there is no context for groups and studies. */
function listChoices(state: SandboxState, dataType: string, workspaceId: string | undefined): Record<string, string> {
  if (workspaceId === undefined) return {};
  if (dataType === 'ParticipantGroupID') {
    const groups = [...state.audience.groups.values()].filter((group) => !group.deleted && group.workspaceId === workspaceId);
    return Object.fromEntries(groups.map((group) => [group.id, group.name]));
  }
  if (dataType === 'StudyID') {
    const studies = [...state.studies.values()].filter((study) => studyWorkspace(state, study) === workspaceId);
    return Object.fromEntries(studies.map((study) => [study.id, study.fields.internal_name || study.fields.name]));
  }
  return {};
}

function choicesLink(state: SandboxState, filter: CatalogueFilter, workspaceId: string | undefined): string {
  const link = new URL(`/api/v1/filters/${filter.filter_id}/choices/`, state.settings.apiOrigin);
  if (workspaceId !== undefined) link.searchParams.set('workspace_id', workspaceId);
  return link.href;
}

function filterView(state: SandboxState, filter: CatalogueFilter, workspaceId: string | undefined, detailed: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = {
    filter_id: filter.filter_id,
    title: filter.title,
    description: filter.description,
    type: filter.type,
    question: filter.question,
  };
  if (filter.type === 'range') {
    view.data_type = filter.data_type;
    view.min = shown(filter, filter.min);
    view.max = shown(filter, rangeMax(state, filter));
  } else if (filter.kind === 'list') {
    view.data_type = filter.data_type;
    view.choices = listChoices(state, filter.data_type, workspaceId);
  } else {
    view.data_type = 'ChoiceID';
    view.choices = choiceMap(filter.choices);
  }
  if (detailed) {
    view.researcher_help_text = filter.researcher_help_text;
    view.participant_help_text = filter.participant_help_text;
    view.category = filter.category;
    view.subcategory = filter.subcategory;
    view.display_order = FILTERS.filter((other) => other.subcategory === filter.subcategory).indexOf(filter);
    view.tags = filter.tags;
  }
  return view;
}
