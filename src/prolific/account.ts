import type { ListResult, Project, RewardRecommendation, User, Workspace, WorkspaceBalance } from './types.js';
import { ProlificTransport, seg } from './transport.js';

/** The account: the user, workspaces and their projects, balances and reward recommendations. */
export abstract class AccountApi extends ProlificTransport {
  getMe(signal?: AbortSignal): Promise<User> {
    return this.json('GET', '/api/v1/users/me/', { signal });
  }

  listWorkspaces(signal?: AbortSignal): Promise<ListResult<Workspace>> {
    return this.readAll('/api/v1/workspaces/', {}, signal);
  }

  listProjects(workspaceId: string, signal?: AbortSignal): Promise<ListResult<Project>> {
    return this.readAll(`/api/v1/workspaces/${seg(workspaceId)}/projects/`, {}, signal);
  }

  getProject(projectId: string, signal?: AbortSignal): Promise<Project> {
    return this.json('GET', `/api/v1/projects/${seg(projectId)}/`, { signal });
  }

  getWorkspaceBalance(workspaceId: string, signal?: AbortSignal): Promise<WorkspaceBalance> {
    return this.json('GET', `/api/v1/workspaces/${seg(workspaceId)}/balance/`, { signal });
  }

  getRewardRecommendations(workspaceId: string, currency: string, signal?: AbortSignal): Promise<RewardRecommendation[]> {
    return this.json('GET', '/api/v1/reward-recommendations/', {
      query: { workspace_id: workspaceId, currency },
      signal,
    });
  }
}
