/**
 * Studies: created as UNPUBLISHED drafts pointing at a READY batch, moved along the transition table
 * (publishing is where money is committed), filled by simulated participants while ACTIVE.
 */
import { HttpResponse } from 'msw';

import { badRequest } from '../errors.js';
import type { StudyRecord, StudyStatus } from '../model.js';
import { CURRENCY, formatMoney, studyCost, walletBalance, walletName, walletOf } from '../money.js';
import { reopenPlaces } from '../participants.js';
import { holdsPlace, settleStudy, STUDY_ACTIONS, transitionStudy } from '../study-lifecycle.js';
import { draftBody, validateStudy } from '../study-rules.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import { pagedList } from './paging.js';
import { apiRoute, json, readJson, type Route } from './route.js';
import { iso } from '../time.js';

const BASE = '/api/v1/studies';

/** What may still change once a study has been published. */
const EDITABLE_WHEN_LIVE = new Set(['internal_name', 'total_available_places']);

export function studyRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(state, 'POST', BASE, async ({ request }) => {
      const fields = validateStudy(state, await readJson(request));
      const now = state.now();
      const study: StudyRecord = {
        id: state.newObjectId(),
        createdAt: now,
        status: 'UNPUBLISHED',
        fields,
        publishedAt: null,
        publishAt: null,
        activeMsBefore: 0,
        activeSince: now,
        arrivals: 0,
        nextArrivalActiveMs: Math.max(1, state.settings.participantIntervalMs),
        nextGroup: 0,
        reopenedGroups: [],
      };
      state.studies.set(study.id, study);
      return json(studyView(state, study), 201);
    }),
    apiRoute(state, 'GET', BASE, ({ url }) => {
      const wanted = listedStatuses(url.searchParams.get('state'));
      const newestFirst = [...state.studies.values()]
        .filter((study) => !wanted || wanted.has(study.status))
        .sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1));
      return pagedList(url, newestFirst.map((study) => studyView(state, study)), 'offset');
    }),
    apiRoute(state, 'GET', `${BASE}/:studyId`, ({ params }) => json(studyView(state, state.findStudy(params.studyId ?? '')))),
    apiRoute(state, 'PATCH', `${BASE}/:studyId`, async ({ request, params }) => {
      const study = state.findStudy(params.studyId ?? '');
      const changes = await readJson(request);
      if (study.status === 'UNPUBLISHED') {
        study.fields = validateStudy(state, { ...draftBody(state, study.fields), ...changes });
      } else {
        updateLiveStudy(state, study, changes);
      }
      return json(studyView(state, study));
    }),
    apiRoute(state, 'DELETE', `${BASE}/:studyId`, ({ params }) => {
      const study = state.findStudy(params.studyId ?? '');
      if (study.status !== 'UNPUBLISHED') throw badRequest(`Only draft studies can be deleted; this one is ${study.status}.`);
      state.studies.delete(study.id);
      return new HttpResponse(null, { status: 204 });
    }),
    apiRoute(state, 'POST', `${BASE}/:studyId/transition`, async ({ request, params }) => {
      const study = state.findStudy(params.studyId ?? '');
      const fields = new Fields(await readJson(request));
      const action = fields.choice('action', STUDY_ACTIONS, { required: true });
      const publishAtText = fields.string('publish_at');
      const publishAt = publishAtText === undefined ? undefined : Date.parse(publishAtText);
      if (publishAt !== undefined && Number.isNaN(publishAt)) fields.fail('publish_at', 'Use an ISO 8601 date-time.');
      fields.done();
      if (action) transitionStudy(state, study, action, publishAt);
      return json(studyView(state, study));
    }),
  ];
}

const STATUSES: readonly StudyStatus[] = ['UNPUBLISHED', 'SCHEDULED', 'PUBLISHING', 'ACTIVE', 'AWAITING REVIEW', 'PAUSED', 'COMPLETED'];

/**
 * The statuses `?state=` asks for: one name or "(a|b|…)", any case, `_` for a space. The spec's example also
 * names "published", which the sandbox reads as every status a study can have once published.
 */
function listedStatuses(query: string | null): Set<StudyStatus> | undefined {
  if (!query?.trim()) return undefined;
  const names = query.replace(/^\(|\)$/g, '').split('|').map((name) => name.trim().toUpperCase().replace(/_/g, ' '));
  const wanted = new Set<StudyStatus>();
  for (const name of names) {
    if (name === 'PUBLISHED') for (const status of ['ACTIVE', 'PAUSED', 'AWAITING REVIEW', 'COMPLETED'] as const) wanted.add(status);
    else if ((STATUSES as readonly string[]).includes(name)) wanted.add(name as StudyStatus);
    else throw badRequest({ state: [`"${name}" is not a study status. Use one of ${STATUSES.join(', ')} or PUBLISHED, alone or as "(a|b)".`] });
  }
  return wanted;
}

function studyView(state: SandboxState, study: StudyRecord): Record<string, unknown> {
  const f = study.fields;
  const submissions = state.submissionsOf(study.id);
  return {
    id: study.id,
    name: f.name,
    internal_name: f.internal_name,
    description: f.description,
    status: study.status,
    study_type: 'SINGLE',
    external_study_url: null,
    reward: f.reward,
    total_available_places: f.total_available_places,
    places_taken: submissions.filter(holdsPlace).length,
    number_of_submissions: submissions.length,
    estimated_completion_time: f.estimated_completion_time,
    maximum_allowed_time: f.maximum_allowed_time,
    prolific_id_option: f.prolific_id_option,
    device_compatibility: f.device_compatibility,
    peripheral_requirements: f.peripheral_requirements,
    filters: f.filters,
    filter_set_id: f.filter_set_id,
    filter_set_version: f.filter_set_version,
    project: f.project,
    data_collection_method: f.data_collection_method,
    data_collection_id: f.data_collection_id,
    data_collection_metadata: { annotators_per_task: f.annotators_per_task },
    completion_codes: f.completion_codes,
    submissions_config: f.submissions_config,
    study_labels: f.study_labels,
    content_warnings: f.content_warnings,
    metadata: f.metadata,
    naivety_distribution_rate: null,
    has_credentials: false,
    date_created: iso(study.createdAt),
    published_at: study.publishedAt === null ? null : iso(study.publishedAt),
    publish_at: study.publishAt === null ? null : iso(study.publishAt),
    // "Total cost of the study including fees": every place's reward, fee and VAT. Bonuses are not in it (the
    // spec does not say; GET /studies/{id}/cost/ shows them apart), so adding the two never counts one twice.
    total_cost: studyCost(f.reward, f.total_available_places).total,
    currency_code: CURRENCY,
    is_ready_to_publish: study.status === 'UNPUBLISHED',
  };
}

/** A published study can be renamed internally and given more places (which must be affordable). */
function updateLiveStudy(state: SandboxState, study: StudyRecord, changes: Record<string, unknown>): void {
  const fields = new Fields(changes);
  for (const key of Object.keys(changes)) {
    if (!EDITABLE_WHEN_LIVE.has(key)) fields.fail(key, `This field can no longer be changed: the study is ${study.status}.`);
  }
  const internalName = fields.string('internal_name', { blank: true });
  const places = fields.integer('total_available_places', { min: 1 });
  if (places !== undefined && places < study.fields.total_available_places) {
    fields.fail('total_available_places', 'Places can only be increased once a study is published.');
  }
  if (places !== undefined && places > study.fields.total_available_places && study.status === 'COMPLETED') {
    fields.fail('total_available_places', 'A completed study cannot be given more places.');
  }
  fields.done();
  if (internalName !== undefined) study.fields.internal_name = internalName;
  if (places === undefined || places === study.fields.total_available_places) return;
  const extra =
    studyCost(study.fields.reward, places).total - studyCost(study.fields.reward, study.fields.total_available_places).total;
  const wallet = walletOf(state, study);
  const { available } = walletBalance(state, wallet);
  if (extra > available) {
    throw badRequest(
      `Insufficient funds: ${places - study.fields.total_available_places} more places cost ${formatMoney(extra)} ` +
        `but the available balance of ${walletName(state, wallet)} is ${formatMoney(available)}.`,
    );
  }
  study.fields.total_available_places = places;
  reopenPlaces(state, study, state.now());
  settleStudy(state, study);
}
