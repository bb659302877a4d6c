import { ProlificNetworkError } from './errors.js';
import type { ApiObject, ListResult, Study, StudyAction, StudyCost } from './types.js';
import { ProlificTransport, seg } from './transport.js';

/** Studies: drafts, transitions, cost quotes and what a study has cost. */
export abstract class StudiesApi extends ProlificTransport {
  createStudy(body: ApiObject, signal?: AbortSignal): Promise<Study> {
    return this.json('POST', '/api/v1/studies/', { body, signal });
  }

  getStudy(studyId: string, signal?: AbortSignal): Promise<Study> {
    return this.json('GET', `/api/v1/studies/${seg(studyId)}/`, { signal });
  }

  transitionStudy(studyId: string, action: StudyAction, signal?: AbortSignal): Promise<Study> {
    return this.json('POST', `/api/v1/studies/${seg(studyId)}/transition/`, { body: { action }, signal });
  }

  /** Total cost in minor units, fees and VAT included. Pure arithmetic on the server, so safe to repeat. */
  async quoteCost(body: { reward: number; total_available_places: number }, signal?: AbortSignal): Promise<number> {
    const answer = await this.json<{ total_cost?: unknown }>('POST', '/api/v1/study-cost-calculator/', { body, signal });
    if (typeof answer.total_cost !== 'number') {
      throw new ProlificNetworkError('The cost calculator answered without a numeric total_cost.');
    }
    return answer.total_cost;
  }

  /**
   * What a study costs, rewards and bonuses each split into rewards, fees and tax (minor units). Not projected,
   * it is what the places taken so far cost.
   */
  getStudyCost(studyId: string, projected: boolean, signal?: AbortSignal): Promise<StudyCost> {
    return this.json('GET', `/api/v1/studies/${seg(studyId)}/cost/`, { query: { is_projected: String(projected) }, signal });
  }

  /** Newest first, as Prolific lists them. */
  listStudies(signal?: AbortSignal): Promise<ListResult<Study>> {
    return this.readAll('/api/v1/studies/', {}, signal);
  }
}
