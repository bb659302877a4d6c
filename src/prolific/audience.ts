import { ProlificNetworkError } from './errors.js';
import type { ApiObject, BulkBonus, Filter, FilterSearchPage, ListResult, ParticipantGroup } from './types.js';
import { ProlificTransport, seg } from './transport.js';

/** An API older than the filter search answers these for its path. */
const SEARCH_MISSING = [404, 405, 410, 501];

/** Who may take part and money beyond rewards: filters, eligibility, participant groups, bonuses (audience digest §1, §3, §5). */
export abstract class AudienceApi extends ProlificTransport {
  /** The whole catalogue; with the workspace it includes its participant groups and previous studies as choices. */
  listFilters(workspaceId: string | undefined, signal?: AbortSignal): Promise<ListResult<Filter>> {
    return this.readAll('/api/v1/filters/', workspaceId ? { workspace_id: workspaceId } : {}, signal);
  }

  /**
   * Prolific's ranked keyword search (newer than the 2026-08 spec); undefined where the API does not offer it.
   * The docs do not name the query parameter: `q`, as the choices search takes.
   */
  searchFilters(query: { q: string; workspace_id: string; limit: number; offset: number }, signal?: AbortSignal): Promise<FilterSearchPage | undefined> {
    const { q, workspace_id, limit, offset } = query;
    return this.json('GET', '/api/v1/filters/search/', {
      query: { q, workspace_id, limit: String(limit), offset: String(offset) },
      signal,
      tolerate: SEARCH_MISSING,
    });
  }

  /** 0 means fewer than 25: Prolific hides smaller counts. */
  async countEligible(body: { filters: ApiObject[]; workspace_id: string }, signal?: AbortSignal): Promise<number> {
    const answer = await this.json<{ count?: unknown }>('POST', '/api/v1/eligibility-count/', { body, signal });
    if (typeof answer.count !== 'number') throw new ProlificNetworkError('The eligibility count answered without a numeric count.');
    return answer.count;
  }

  createParticipantGroup(
    body: { name: string; workspace_id: string; description?: string; participant_ids: string[] },
    signal?: AbortSignal,
  ): Promise<ParticipantGroup> {
    return this.json('POST', '/api/v1/participant-groups/', { body, signal });
  }

  /** Flat `workspace_id`, as the CLI sends it and the API takes it (audience digest §3), not the spec's `filter` object. */
  listParticipantGroups(workspaceId: string, signal?: AbortSignal): Promise<ListResult<ParticipantGroup>> {
    return this.readAll('/api/v1/participant-groups/', { workspace_id: workspaceId }, signal);
  }

  getParticipantGroup(groupId: string, signal?: AbortSignal): Promise<ParticipantGroup> {
    return this.json('GET', `/api/v1/participant-groups/${seg(groupId)}/`, { signal });
  }

  /** Renames only: `participant_ids` here would replace every member. */
  renameParticipantGroup(groupId: string, name: string, signal?: AbortSignal): Promise<ParticipantGroup> {
    return this.json('PATCH', `/api/v1/participant-groups/${seg(groupId)}/`, { body: { name }, signal });
  }

  async deleteParticipantGroup(groupId: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `/api/v1/participant-groups/${seg(groupId)}/`, { signal, allowEmpty: true });
  }

  listParticipantGroupMembers(groupId: string, signal?: AbortSignal): Promise<ListResult<{ participant_id: string }>> {
    return this.readAll(`/api/v1/participant-groups/${seg(groupId)}/participants/`, {}, signal);
  }

  /** Sets a bonus up without paying it. `csv_bonuses` lines are `<participant id>,<amount>` in MAJOR units (1.50 = £1.50). */
  createBonusPayments(body: { study_id: string; csv_bonuses: string }, signal?: AbortSignal): Promise<BulkBonus> {
    return this.json('POST', '/api/v1/submissions/bonus-payments/', { body, signal });
  }

  /**
   * Pays a bonus set up before. Not idempotent: every call pays again, so it is never retried, not even after a
   * 429 (audience digest §14: on a 429 re-read the study's cost rather than send it again).
   */
  async payBonusPayments(bonusId: string, signal?: AbortSignal): Promise<void> {
    await this.call('POST', `/api/v1/bulk-bonus-payments/${seg(bonusId)}/pay/`, { signal, allowEmpty: true, allowScalar: true, once: true });
  }
}
