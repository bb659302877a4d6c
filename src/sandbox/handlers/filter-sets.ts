/** Filter sets over HTTP (digest §2): list, create, read (any version), update, delete, clone, lock and unlock. */
import { HttpResponse } from 'msw';

import type { FilterSetRecord } from '../audience-model.js';
import { badRequest } from '../errors.js';
import { readFilters } from '../eligibility.js';
import { editableSet, eligibleForSet, filterSetFilters, findFilterSet, latestVersion } from '../filter-sets.js';
import type { SandboxState } from '../state.js';
import { Fields } from '../validate.js';
import { pagedList } from './paging.js';
import { apiRoute, json, readJson, type Route } from './route.js';

const BASE = '/api/v1/filter-sets';

export function filterSetRoutes(state: SandboxState): Route[] {
  const view = (set: FilterSetRecord, version = latestVersion(set)) => filterSetView(state, set, version);
  return [
    apiRoute(state, 'GET', BASE, ({ url }) => {
      const workspaceId = url.searchParams.get('workspace_id');
      if (workspaceId && !state.workspaces.has(workspaceId)) throw badRequest({ workspace_id: [`Workspace ${workspaceId} does not exist.`] });
      const sets = [...state.audience.filterSets.values()].filter((set) => !set.deleted && (!workspaceId || set.workspaceId === workspaceId));
      return pagedList(url, sets.map((set) => view(set)), 'offset');
    }),
    apiRoute(state, 'POST', BASE, async ({ request }) => {
      const fields = new Fields(await readJson(request));
      const workspaceId = fields.string('workspace_id');
      const organisationId = fields.string('organisation_id');
      const name = fields.string('name');
      const description = fields.string('description', { blank: true });
      const filters = fields.array('filters') ?? [];
      if (workspaceId === undefined) {
        fields.fail(
          organisationId === undefined ? 'workspace_id' : 'organisation_id',
          organisationId === undefined ? 'Give the workspace_id the filter set is for.' : 'The sandbox account belongs to no organisation: use a workspace_id.',
        );
      } else if (!state.workspaces.has(workspaceId)) {
        fields.fail('workspace_id', `Workspace ${workspaceId} does not exist.`);
      }
      checkDescription(fields, description);
      fields.done();
      readFilters(state, workspaceId, filters, fields);
      fields.done();
      const set: FilterSetRecord = {
        id: state.newObjectId(),
        workspaceId: workspaceId ?? '',
        name: name ?? null,
        description: description ?? null,
        createdAt: state.now(),
        versions: [{ name: name ?? null, description: description ?? null, filters }],
        locked: false,
        deleted: false,
      };
      state.audience.filterSets.set(set.id, set);
      return json(view(set), 201);
    }),
    apiRoute(state, 'GET', `${BASE}/:setId`, ({ params, url }) => {
      const set = findFilterSet(state, params.setId ?? '');
      const asked = url.searchParams.get('version_number');
      if (asked === null || asked === '') return json(view(set));
      const version = /^\d+$/.test(asked) ? Number(asked) : 0;
      if (version < 1 || version > latestVersion(set)) {
        throw badRequest({ version_number: [`Filter set ${set.id} has versions 1 to ${latestVersion(set)}.`] });
      }
      return json(view(set, version));
    }),
    apiRoute(state, 'PATCH', `${BASE}/:setId`, async ({ request, params }) => {
      const set = editableSet(findFilterSet(state, params.setId ?? ''));
      const fields = new Fields(await readJson(request));
      const name = fields.string('name');
      const description = fields.string('description', { blank: true });
      const filters = fields.array('filters');
      checkDescription(fields, description);
      if (filters) readFilters(state, set.workspaceId, filters, fields);
      fields.done();
      const latest = set.versions[set.versions.length - 1] ?? { name: null, description: null, filters: [] };
      set.versions.push({
        name: name ?? latest.name,
        description: description ?? latest.description,
        filters: filters ?? latest.filters,
      });
      return json(view(set));
    }),
    apiRoute(state, 'DELETE', `${BASE}/:setId`, ({ params }) => {
      findFilterSet(state, params.setId ?? '').deleted = true;
      return new HttpResponse(null, { status: 204 });
    }),
    apiRoute(state, 'POST', `${BASE}/:setId/clone`, async ({ request, params }) => {
      const source = findFilterSet(state, params.setId ?? '');
      if (source.deleted) throw badRequest(`Filter set ${source.id} has been deleted.`);
      const fields = new Fields(await readJson(request));
      const newName = fields.string('new_name');
      fields.done();
      const latest = source.versions[source.versions.length - 1];
      const name = newName ?? (latest?.name ? `${latest.name} (copy)` : null);
      const copy: FilterSetRecord = {
        id: state.newObjectId(),
        workspaceId: source.workspaceId,
        name,
        description: latest?.description ?? null,
        createdAt: state.now(),
        versions: [{ name, description: latest?.description ?? null, filters: filterSetFilters(source) }],
        locked: false,
        deleted: false,
      };
      state.audience.filterSets.set(copy.id, copy);
      return json(view(copy), 201);
    }),
    apiRoute(state, 'POST', `${BASE}/:setId/lock`, ({ params }) => {
      const set = findFilterSet(state, params.setId ?? '');
      set.locked = true;
      return json(view(set));
    }),
    apiRoute(state, 'POST', `${BASE}/:setId/unlock`, ({ params }) => {
      const set = findFilterSet(state, params.setId ?? '');
      set.locked = false;
      return json(view(set));
    }),
  ];
}

/** The newer docs limit a description to 2,048 characters (digest §2). */
function checkDescription(fields: Fields, description: string | undefined): void {
  if (description !== undefined && description.length > 2048) fields.fail('description', 'Ensure this field has no more than 2048 characters.');
}

function filterSetView(state: SandboxState, set: FilterSetRecord, version: number): Record<string, unknown> {
  const shown = set.versions[version - 1] ?? { name: null, description: null, filters: [] };
  return {
    id: set.id,
    version,
    is_deleted: set.deleted,
    is_locked: set.locked,
    workspace_id: set.workspaceId,
    organisation_id: null,
    name: shown.name,
    description: shown.description,
    filters: shown.filters,
    eligible_participant_count: eligibleForSet(state, set, version),
  };
}
