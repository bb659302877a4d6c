import { readFile } from 'node:fs/promises';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../../config.js';

/**
 * ext-apps' EXTENSION_ID and RESOURCE_MIME_TYPE, spelt out (test/dashboard.test.ts holds them equal): its
 * server module, loaded for two strings and registerAppResource (registerResource with this MIME type), cost
 * every start more than all the rest of the dashboard.
 */
export const EXTENSION_ID = 'io.modelcontextprotocol/ui';
export const RESOURCE_MIME_TYPE = 'text/html;profile=mcp-app';

/**
 * The study dashboard, an MCP App (`io.modelcontextprotocol/ui`): hosts that render Apps show this page
 * inline, fed with the tool's result; other hosts ignore `_meta.ui` and read the same text and JSON as before.
 */
export const DASHBOARD_URI = 'ui://prolific/study-dashboard';

/** The tools whose results the page knows how to draw. */
const DASHBOARD_TOOLS = new Set(['get_study', 'summarize_responses', 'get_batch', 'rank_models']);

/**
 * No network at all: everything the page needs is inlined at build time, and what it shows comes over the
 * host's bridge. Hosts read this from the resource and build the frame's Content-Security-Policy from it.
 */
const RESOURCE_UI = { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true };

/** Built beside the server (dist/ui); tests run the server from its sources, so also the checkout's dist/ui. */
const PAGE_LOCATIONS = [new URL('../../../ui/study-dashboard.html', import.meta.url), new URL('../../../dist/ui/study-dashboard.html', import.meta.url)];

export function appsEnabled(config: Config): boolean {
  return config.apps !== false;
}

/**
 * Only `_meta.ui.resourceUri`, not also the legacy flat `ui/resourceUri` key that ext-apps' registerAppTool
 * adds: every host that renders Apps today reads the nested form, and the listing is paid for in tokens in
 * every conversation. Our own tools/list handler serves the listing, so registerAppTool does not apply.
 */
export function withDashboard(tool: Tool, config: Config): Tool {
  if (!appsEnabled(config) || !DASHBOARD_TOOLS.has(tool.name)) return tool;
  return { ...tool, _meta: { ...tool._meta, ui: { resourceUri: DASHBOARD_URI } } };
}

let page: Promise<string> | undefined;

async function readPage(): Promise<string> {
  for (const location of PAGE_LOCATIONS) {
    try {
      return await readFile(location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new McpError(ErrorCode.InternalError, 'The study dashboard page is missing from this installation: run "npm run build" (it writes dist/ui/study-dashboard.html).');
}

export function registerDashboard(mcp: McpServer, config: Config): void {
  if (!appsEnabled(config)) return;
  mcp.server.registerCapabilities({ extensions: { [EXTENSION_ID]: {} } });
  mcp.registerResource(
    'study-dashboard',
    DASHBOARD_URI,
    {
      mimeType: RESOURCE_MIME_TYPE,
      title: 'Study dashboard',
      description: 'What get_study, summarize_responses, get_batch and rank_models return, drawn for a person: places, money, labels, agreement, model rankings.',
      _meta: { ui: RESOURCE_UI },
    },
    async () => {
      // Read once per process, on first use, so that starting the server costs nothing for it.
      page ??= readPage();
      const text = await page.catch((error: unknown) => {
        page = undefined;
        throw error;
      });
      return { contents: [{ uri: DASHBOARD_URI, mimeType: RESOURCE_MIME_TYPE, text, _meta: { ui: RESOURCE_UI } }] };
    },
  );
}
