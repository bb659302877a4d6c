/**
 * Participant groups over HTTP (digest §3): create, read, list, rename, overwrite members, delete, and add,
 * remove or list members. The list takes the workspace flat (`?workspace_id=`, as the CLI sends it) or as the
 * docs' deepObject (`?filter[workspace_id]=`), or a project (whose workspace's groups it lists, projects having
 * no groups of their own); without `active` it lists deleted groups too, each with `is_deleted`. It pages like
 * the API's other lists, and takes the skills' `search` (a name substring).
 */
import { HttpResponse } from 'msw';

import type { ParticipantGroupRecord } from '../audience-model.js';
import { badRequest, notFound } from '../errors.js';
import { addMembers, feederStudies, liveGroup, participantIds } from '../participant-groups.js';
import type { SandboxState } from '../state.js';
import { iso } from '../time.js';
import { Fields } from '../validate.js';
import { pagedList } from './paging.js';
import { apiRoute, json, readJson, type Route } from './route.js';

const BASE = '/api/v1/participant-groups';

export function participantGroupRoutes(state: SandboxState): Route[] {
  const find = (id: string): ParticipantGroupRecord => state.audience.groups.get(id) ?? throwNotFound(id);
  return [
    apiRoute(state, 'GET', BASE, ({ url }) => {
      const workspaceId = listedWorkspace(state, url);
      const active = url.searchParams.get('active');
      if (active !== null && active !== 'true' && active !== 'false') throw badRequest({ active: ['Use "true" or "false".'] });
      const search = (url.searchParams.get('search') ?? '').trim().toLowerCase();
      const groups = [...state.audience.groups.values()].filter(
        (group) =>
          group.workspaceId === workspaceId &&
          (active === null || group.deleted === (active === 'false')) &&
          (!search || group.name.toLowerCase().includes(search)),
      );
      return pagedList(url, groups.map((group) => groupView(state, group)), 'offset');
    }),
    apiRoute(state, 'POST', BASE, async ({ request }) => {
      const body = await readJson(request);
      const fields = new Fields(body);
      const name = fields.string('name', { required: true });
      const description = fields.string('description', { blank: true });
      const workspaceId = fields.string('workspace_id');
      const organisationId = fields.string('organisation_id');
      if (workspaceId === undefined && organisationId === undefined) fields.fail('workspace_id', 'Give a workspace_id (or an organisation_id).');
      if (workspaceId !== undefined && organisationId !== undefined) fields.fail('workspace_id', 'Give a workspace_id or an organisation_id, not both.');
      if (workspaceId !== undefined && !state.workspaces.has(workspaceId)) fields.fail('workspace_id', `Workspace ${workspaceId} does not exist.`);
      if (organisationId !== undefined && workspaceId === undefined) {
        fields.fail('organisation_id', 'The sandbox account belongs to no organisation: create the group in a workspace.');
      }
      fields.done();
      const members = body.participant_ids === undefined || body.participant_ids === null ? [] : participantIds(body.participant_ids);
      const group: ParticipantGroupRecord = {
        id: state.newObjectId(),
        name: name ?? '',
        description: description ?? null,
        workspaceId: workspaceId ?? '',
        createdAt: state.now(),
        deleted: false,
        members: new Map(),
      };
      addMembers(state, group, members);
      state.audience.groups.set(group.id, group);
      return json(groupView(state, group), 201);
    }),
    apiRoute(state, 'GET', `${BASE}/:groupId`, ({ params }) => json(groupView(state, find(params.groupId ?? '')))),
    apiRoute(state, 'PATCH', `${BASE}/:groupId`, async ({ request, params }) => {
      const group = liveGroup(find(params.groupId ?? ''));
      const body = await readJson(request);
      const fields = new Fields(body);
      const name = fields.string('name');
      const description = fields.string('description', { blank: true });
      fields.done();
      // participant_ids replaces the whole membership (digest §3); the membership endpoints add and remove.
      const members = body.participant_ids === undefined || body.participant_ids === null ? undefined : participantIds(body.participant_ids);
      if (name !== undefined) group.name = name;
      if (description !== undefined) group.description = description;
      if (members !== undefined) {
        const kept = new Map([...group.members].filter(([id]) => members.includes(id)));
        group.members = kept;
        addMembers(state, group, members);
      }
      return json(groupView(state, group));
    }),
    apiRoute(state, 'DELETE', `${BASE}/:groupId`, ({ params }) => {
      const group = find(params.groupId ?? '');
      group.deleted = true;
      return new HttpResponse(null, { status: 204 });
    }),
    apiRoute(state, 'GET', `${BASE}/:groupId/participants`, ({ params }) => json(membersView(find(params.groupId ?? '')))),
    apiRoute(state, 'POST', `${BASE}/:groupId/participants`, async ({ request, params }) => {
      const group = liveGroup(find(params.groupId ?? ''));
      const ids = participantIds(requiredIds(await readJson(request)));
      // Existing members are ignored (digest §3).
      addMembers(state, group, ids);
      return json(membersView(group));
    }),
    apiRoute(state, 'DELETE', `${BASE}/:groupId/participants`, async ({ request, params }) => {
      const group = liveGroup(find(params.groupId ?? ''));
      const ids = participantIds(requiredIds(await readJson(request)));
      // Non-members are ignored (digest §3).
      for (const id of ids) group.members.delete(id);
      return json(membersView(group));
    }),
  ];
}

function requiredIds(body: Record<string, unknown>): unknown {
  if (body.participant_ids === undefined || body.participant_ids === null) throw badRequest({ participant_ids: ['This field is required.'] });
  return body.participant_ids;
}

/** The workspace a list asks about: `workspace_id` or `project_id`, flat or inside `filter[...]`. */
function listedWorkspace(state: SandboxState, url: URL): string {
  const query = url.searchParams;
  const workspaceId = query.get('workspace_id') ?? query.get('filter[workspace_id]');
  const projectId = query.get('project_id') ?? query.get('filter[project_id]');
  if (workspaceId) {
    if (!state.workspaces.has(workspaceId)) throw badRequest({ workspace_id: [`Workspace ${workspaceId} does not exist.`] });
    return workspaceId;
  }
  if (projectId) {
    const project = state.projects.get(projectId);
    if (!project) throw badRequest({ project_id: [`Project ${projectId} does not exist.`] });
    return project.workspaceId;
  }
  throw badRequest({ filter: ['This query parameter is required: give workspace_id (or project_id).'] });
}

function groupView(state: SandboxState, group: ParticipantGroupRecord): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    project_id: null,
    workspace_id: group.workspaceId,
    organisation_id: null,
    description: group.description,
    participant_count: group.members.size,
    is_deleted: group.deleted,
    feeder_studies: feederStudies(state, group.id),
  };
}

function membersView(group: ParticipantGroupRecord): Record<string, unknown> {
  return { results: [...group.members].map(([participantId, added]) => ({ participant_id: participantId, datetime_created: iso(added) })) };
}

function throwNotFound(id: string): never {
  throw notFound('Participant group', id);
}
