/**
 * Leaving annotators out of a study: the server keeps them in a participant group of the workspace and puts a
 * `participant_group_blocklist` filter on the study. Each study gets a group of its own, named after it,
 * because Prolific applies a group's changes to every study that uses it, published ones included: sharing
 * one would let changing one study's exclusions change another's.
 */
import { randomBytes } from 'node:crypto';
import type { ProlificClient } from '../prolific/client.js';
import type { ApiObject, ParticipantGroup, Study } from '../prolific/types.js';
import { createOnce } from './create-once.js';

export const BLOCKLIST = 'participant_group_blocklist';
/** Participant ids listed in a result; the count covers the rest. */
export const LISTED = 20;
const NAME_LENGTH = 60;

const DESCRIPTION =
  'Made by the Prolific Task Builder MCP server for one study: its members may not take that study. Prolific applies changes to this group to the study at once, even after publishing.';

/** A new group holding `participantIds`, under a provisional name until the study it is for exists. */
export async function createExclusionGroup(
  client: ProlificClient,
  wanted: { workspaceId: string; studyName: string; participantIds: readonly string[] },
  signal: AbortSignal,
): Promise<ParticipantGroup> {
  // The provisional name is unique, so that a group whose creation got no answer can be found by it.
  const name = `Left out of "${clip(wanted.studyName)}" (new ${randomBytes(4).toString('hex')})`;
  return createOnce({
    what: `Creating participant group "${name}"`,
    attempt: () =>
      client.createParticipantGroup({ name, workspace_id: wanted.workspaceId, description: DESCRIPTION, participant_ids: [...new Set(wanted.participantIds)] }, signal),
    find: async () => (await client.listParticipantGroups(wanted.workspaceId, signal)).results.find((group) => group.name === name),
    howToCheck: `No group named "${name}" was found, so nothing was created; call again.`,
  });
}

/** Renames the group after the study it keeps people out of; a failure only costs the name, so it is a warning. */
export async function nameAfterStudy(client: ProlificClient, group: ParticipantGroup, study: Study, signal: AbortSignal): Promise<string | undefined> {
  const name = `Left out of "${clip(study.name)}" (${study.id})`;
  try {
    await client.renameParticipantGroup(group.id, name, signal);
    return undefined;
  } catch (error) {
    if (signal.aborted) throw error;
    return `Participant group ${group.id} keeps the left-out annotators out of this study, but could not be renamed after it (${error instanceof Error ? error.message : String(error)}).`;
  }
}

/** Best effort, after the study it was made for could not be created. */
export async function dropExclusionGroup(client: ProlificClient, group: ParticipantGroup, signal: AbortSignal): Promise<void> {
  await client.deleteParticipantGroup(group.id, signal).catch(() => undefined);
}

export function withBlocklist(filters: readonly ApiObject[], groupId: string): ApiObject[] {
  return [...filters, { filter_id: BLOCKLIST, selected_values: [groupId] }];
}

/** The group ids of the top-level blocklist filters. */
function blocklistGroups(filters: readonly ApiObject[]): string[] {
  return filters.filter((filter) => filter.filter_id === BLOCKLIST && Array.isArray(filter.selected_values)).flatMap((filter) => (filter.selected_values as unknown[]).map(String));
}

/**
 * A follow-up study's filters from its original's: the original's blocklisted groups are replaced by their
 * members (to go into the follow-up's own group), so the two studies share no group.
 */
export async function foldBlocklists(client: ProlificClient, filters: readonly ApiObject[], signal: AbortSignal): Promise<{ filters: ApiObject[]; members: string[] }> {
  const groups = blocklistGroups(filters);
  const lists = await Promise.all(groups.map((id) => client.listParticipantGroupMembers(id, signal)));
  return {
    filters: filters.filter((filter) => filter.filter_id !== BLOCKLIST),
    members: [...new Set(lists.flatMap(({ results }) => results.map((member) => member.participant_id)))],
  };
}

export interface LeftOut extends ApiObject {
  groups: { id: string; name?: string; participant_count: number }[];
  /** The first LISTED of them. */
  participant_ids: string[];
  count: number;
}

/** Who a study's blocklist groups keep out, as Prolific has the groups now; undefined when it has none. */
export async function leftOut(client: ProlificClient, filters: readonly ApiObject[], signal: AbortSignal): Promise<LeftOut | undefined> {
  const groups = blocklistGroups(filters);
  if (!groups.length) return undefined;
  const read = await Promise.all(
    groups.map(async (id) => {
      const [group, members] = await Promise.all([client.getParticipantGroup(id, signal).catch(() => undefined), client.listParticipantGroupMembers(id, signal)]);
      return { id, name: group?.name, members: members.results.map((member) => member.participant_id) };
    }),
  );
  const everyone = [...new Set(read.flatMap((group) => group.members))];
  return {
    groups: read.map(({ id, name, members }) => ({ id, ...(name ? { name } : {}), participant_count: members.length })),
    participant_ids: everyone.slice(0, LISTED),
    count: everyone.length,
  };
}

function clip(name: string): string {
  return name.length > NAME_LENGTH ? `${name.slice(0, NAME_LENGTH - 1)}…` : name;
}
