import { z } from 'zod';
import { defineTool } from '../src/mcp/tool.js';

export default defineTool({
  name: 'list_workspaces',
  toolset: 'run',
  title: 'List workspaces',
  description: "The account's workspaces with their projects (a study's project decides who pays).",
  input: {},
  output: {
    default_workspace_id: z.string().optional(),
    workspaces: z.array(
      z.looseObject({ id: z.string(), title: z.string(), projects: z.array(z.looseObject({ id: z.string(), title: z.string() })) }),
    ),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(_args, { client, config, signal }) {
    const { results } = await client.listWorkspaces(signal);
    const workspaces = await Promise.all(
      results.map(async (workspace) => {
        const { results: projects } = await client.listProjects(workspace.id, signal);
        return {
          id: workspace.id,
          title: workspace.title,
          projects: projects.map((project) => ({ id: project.id, title: project.title })),
        };
      }),
    );
    const only = workspaces.length === 1 ? workspaces[0]?.id : undefined;
    return { default_workspace_id: config.workspaceId ?? only, workspaces };
  },
});
