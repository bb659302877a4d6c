/** The researcher's account: who they are, their workspaces, projects and balances. */
import type { ProjectRecord, WorkspaceRecord } from '../model.js';
import { CURRENCY, splitAmount, walletBalance } from '../money.js';
import type { SandboxState } from '../state.js';
import { apiRoute, json, list, type Route } from './route.js';

export function accountRoutes(state: SandboxState): Route[] {
  return [
    apiRoute(state, 'GET', '/api/v1/users/me', () => {
      const balance = walletBalance(state, state.personalWallet);
      return json({
        id: state.user.id,
        email: state.user.email,
        name: state.user.name,
        first_name: 'Sandbox',
        last_name: 'Researcher',
        user_type: 'researcher',
        currency_code: CURRENCY,
        available_balance: balance.available,
        balance: balance.total,
      });
    }),
    apiRoute(state, 'GET', '/api/v1/workspaces', () => list([...state.workspaces.values()].map((w) => workspaceView(state, w)))),
    apiRoute(state, 'GET', '/api/v1/workspaces/:workspaceId', ({ params }) => {
      const workspace = state.findWorkspace(params.workspaceId ?? '');
      return json({
        ...workspaceView(state, workspace),
        projects: projectsOf(state, workspace).map((project) => projectView(state, project)),
        wallet: workspace.wallet.id,
      });
    }),
    apiRoute(state, 'GET', '/api/v1/workspaces/:workspaceId/projects', ({ params }) => {
      const workspace = state.findWorkspace(params.workspaceId ?? '');
      return list(projectsOf(state, workspace).map((project) => projectView(state, project)));
    }),
    apiRoute(state, 'GET', '/api/v1/workspaces/:workspaceId/balance', ({ params }) => {
      const workspace = state.findWorkspace(params.workspaceId ?? '');
      const balance = walletBalance(state, workspace.wallet);
      return json({
        currency_code: CURRENCY,
        total_balance: balance.total,
        balance_breakdown: splitAmount(balance.total),
        available_balance: balance.available,
        available_balance_breakdown: splitAmount(balance.available),
      });
    }),
    apiRoute(state, 'GET', '/api/v1/projects/:projectId', ({ params }) =>
      json(projectView(state, state.findProject(params.projectId ?? ''))),
    ),
  ];
}

function workspaceView(state: SandboxState, workspace: WorkspaceRecord): Record<string, unknown> {
  return {
    id: workspace.id,
    title: workspace.title,
    description: workspace.description,
    owner: state.user.id,
    users: [memberView(state)],
    naivety_distribution_rate: null,
  };
}

function projectView(state: SandboxState, project: ProjectRecord): Record<string, unknown> {
  return {
    id: project.id,
    title: project.title,
    description: project.description,
    owner: state.user.id,
    type: 'PRIVATE',
    public_details: null,
    users: [memberView(state)],
    workspace: project.workspaceId,
    naivety_distribution_rate: null,
  };
}

function memberView(state: SandboxState): Record<string, unknown> {
  return { id: state.user.id, name: state.user.name, email: state.user.email, roles: ['WORKSPACE_ADMIN'] };
}

function projectsOf(state: SandboxState, workspace: WorkspaceRecord): ProjectRecord[] {
  return [...state.projects.values()].filter((project) => project.workspaceId === workspace.id);
}
