import type { ListResult, Submission, SubmissionCounts, SubmissionDetail } from './types.js';
import { ProlificTransport, seg } from './transport.js';

/** Submissions: listing and counting them, and reviewing them (approve, reject, bulk approve). */
export abstract class SubmissionsApi extends ProlificTransport {
  listSubmissions(studyId: string, signal?: AbortSignal): Promise<ListResult<Submission>> {
    return this.readAll(`/api/v1/studies/${seg(studyId)}/submissions/`, {}, signal);
  }

  async getSubmissionCounts(studyId: string, signal?: AbortSignal): Promise<SubmissionCounts> {
    const body = await this.json<Record<string, unknown>>('GET', `/api/v1/studies/${seg(studyId)}/submissions/counts/`, { signal });
    return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  }

  getSubmission(submissionId: string, signal?: AbortSignal): Promise<SubmissionDetail> {
    return this.json('GET', `/api/v1/submissions/${seg(submissionId)}/`, { signal });
  }

  /** REJECT needs a `rejection_category` and a message of at least 100 characters; the participant reads it. */
  transitionSubmission(
    submissionId: string,
    body: { action: 'APPROVE' | 'REJECT'; message?: string; rejection_category?: string },
    signal?: AbortSignal,
  ): Promise<SubmissionDetail> {
    return this.json('POST', `/api/v1/submissions/${seg(submissionId)}/transition/`, { body, signal });
  }

  /** Queues approval (and payment) of submissions; the API answers before every status has changed. */
  async bulkApprove(
    body: { submission_ids: string[] } | { study_id: string; participant_ids: string[] },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.call('POST', '/api/v1/submissions/bulk-approve/', { body, signal, allowEmpty: true, allowScalar: true });
  }
}
