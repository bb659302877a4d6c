import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { mergeCapabilities } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { ProlificClient } from '../prolific/client.js';
import type { Config } from '../config.js';
import type { ToolContext, ToolDefinition } from './tool.js';
import { ToolError } from '../errors.js';
import { describeFailure, describeInvalidArguments } from './tool-errors.js';
import { argumentsSchema, resultSchema, type Catalogue, type CatalogueEntry } from './catalogue.js';
import { DEFAULT_TOOLSETS, howToEnable, TOOLSET_NAMES, TOOLSETS, type ToolsetName } from '../toolsets.js';
import { createServerDeps, type ServerDeps } from './deps.js';
import { registerBatchResource } from '../../resources/batch.js';
import { registerReportResource } from '../../resources/report.js';
import { registerPrompts } from './prompts/index.js';
import { registerDashboard, withDashboard } from './apps/dashboard.js';

export const SERVER_NAME = 'prolific-task-builder';
export const SERVER_VERSION = '0.1.0';
const SERVER_INFO = { name: SERVER_NAME, version: SERVER_VERSION, title: 'Prolific AI Task Builder' };

/**
 * Said by every tool given a file_path under --http with no upload roots configured, with the way to do
 * without a file: rows for a tool that reads one, the results' own tools for one that writes.
 */
export function noHttpRoots(use: 'read' | 'write'): string {
  const instead =
    use === 'read'
      ? 'Pass the datapoints inline as rows instead'
      : 'Read the results without a file instead (summarize_responses, get_responses, or the resource prolific://batches/{batch_id}/report)';
  return `file_path is refused: over HTTP this server reads and writes files only inside folders its operator configured, and none are. ${instead}, or ask the operator to set PROLIFIC_UPLOAD_ROOTS (folders separated by "${delimiter}") or list the folders after the options, and restart the server.`;
}

const SANDBOX_NOTE = 'Sandbox: simulated Prolific API data; no real participants, no money.';

export interface ServerOptions {
  config: Config;
  /** Every tool the server could offer (loadCatalogue); the config's tool sets and --read-only choose. */
  catalogue: Catalogue;
  /** Injected by tests and the sandbox mode; built from the config otherwise. */
  client?: ProlificClient;
  /** Shared by the per-request servers of stateless HTTP: one API client and one default-workspace look-up. */
  deps?: ServerDeps;
  /** Told every request handler and capability as it is registered (see createServerFactory). */
  record?: Registrations;
}

type RecordedHandler = Parameters<Server['setRequestHandler']>;
type Capabilities = Parameters<Server['registerCapabilities']>[0];

interface Registrations {
  handlers: RecordedHandler[];
  capabilities: Capabilities;
}

/** Builds the MCP server; transports are attached by the caller. */
export function createServer(options: ServerOptions): McpServer {
  const { config, catalogue } = options;
  const deps = options.deps ?? createServerDeps(config, options.client);
  const mcp = new McpServer(SERVER_INFO, { instructions: instructionsFor(config, catalogue) });
  if (options.record) record(mcp.server, options.record);
  const tools = offeredTools(catalogue, config);
  registerTools(mcp, tools, catalogue, deps);
  registerBatchResource(mcp, deps);
  registerReportResource(mcp, deps);
  const names = new Set(tools.map((tool) => tool.listing.name));
  registerPrompts(mcp, deps, (name) => names.has(name));
  registerDashboard(mcp, config);
  return mcp;
}

/**
 * The tools of the chosen sets; with --read-only only those that change nothing, whatever the sets: what is
 * not listed cannot be called.
 */
function offeredTools(catalogue: Catalogue, config: Config): CatalogueEntry[] {
  const sets = config.toolsets ?? DEFAULT_TOOLSETS;
  return catalogue.filter((tool) => sets.includes(tool.toolset) && (!config.readOnly || tool.listing.annotations?.readOnlyHint === true));
}

/** The sets that are off but would add tools if turned on (with --read-only, read-only ones). */
function setsOff(catalogue: Catalogue, config: Config): ToolsetName[] {
  const on = config.toolsets ?? DEFAULT_TOOLSETS;
  const all = offeredTools(catalogue, { ...config, toolsets: TOOLSET_NAMES });
  return [...new Set(all.map((tool) => tool.toolset))].filter((set) => !on.includes(set));
}

function instructionsFor(config: Config, catalogue: Catalogue): string {
  const offered = new Set(offeredTools(catalogue, config).map((tool) => tool.listing.name));
  const parts = [
    offered.has('publish_study')
      ? 'Run human-annotation jobs on Prolific AI Task Builder: create_dataset → upload_file → create_batch → set_instructions → setup_batch → create_study → publish_study (spends money; confirm the quoted cost with the person) → get_study → get_responses.'
      : 'Human-annotation jobs on Prolific AI Task Builder.',
  ];
  if (config.readOnly) parts.push('Read-only: only tools that change nothing are offered.');
  const off = setsOff(catalogue, config);
  if (off.length) {
    parts.push(
      `Tool sets off on this server: ${off.map((set) => `${set} (${TOOLSETS[set]})`).join('; ')}. If the person needs one, tell them to restart the server with it added, e.g. ${howToEnable(config.toolsets, off[0]!)}; all turns on every set.`,
    );
  }
  if (config.sandbox) parts.push(SANDBOX_NOTE);
  return parts.join(' ');
}

/**
 * For stateless HTTP, which serves every POST with a server of its own. Everything that is the same for every
 * request (tool listings and JSON Schemas, resource templates, prompts, the JSON Schema validator, config, the
 * API client) is built here once, in one McpServer that never connects; each call of the returned function
 * gives a bare protocol Server with that McpServer's handlers, which is all a request needs of its own.
 *
 * The handlers therefore see the never-connected McpServer's client capabilities, which are none: right for a
 * stateless server, which must not send the client requests of its own (see http-transport.ts).
 */
export function createServerFactory(config: Config, catalogue: Catalogue, deps: ServerDeps = createServerDeps(config)): () => Server {
  const registered: Registrations = { handlers: [], capabilities: {} };
  createServer({ config, catalogue, deps, record: registered });
  const options = {
    // A stateless server has no channel to announce changes on, so it does not promise to.
    capabilities: { ...registered.capabilities, resources: { ...registered.capabilities.resources, listChanged: false } },
    instructions: instructionsFor(config, catalogue),
    // The SDK would otherwise build an Ajv instance (and its formats) for every request.
    jsonSchemaValidator: new AjvJsonSchemaValidator(),
  };
  return () => {
    const server = new Server(SERVER_INFO, options);
    for (const [schema, handler] of registered.handlers) server.setRequestHandler(schema, handler);
    return server;
  };
}

/** McpServer registers handlers and capabilities on its protocol Server as tools, resources and prompts are added. */
function record(server: Server, into: Registrations): void {
  const setHandler = server.setRequestHandler.bind(server);
  server.setRequestHandler = ((...args: RecordedHandler) => {
    into.handlers.push(args);
    setHandler(...args);
  }) as Server['setRequestHandler'];
  const addCapabilities = server.registerCapabilities.bind(server);
  server.registerCapabilities = (capabilities) => {
    into.capabilities = mergeCapabilities(into.capabilities, capabilities);
    addCapabilities(capabilities);
  };
}

interface PreparedTool {
  definition: ToolDefinition;
  input: z.ZodObject;
  output: z.ZodObject;
}

/** A tool's module is loaded, and its schemas built, on its first call; stateless HTTP's servers share them. */
const preparedTools = new WeakMap<CatalogueEntry, Promise<PreparedTool>>();

function prepare(entry: CatalogueEntry): Promise<PreparedTool> {
  let prepared = preparedTools.get(entry);
  if (!prepared) {
    prepared = entry.load().then(
      (definition) => ({ definition, input: argumentsSchema(definition), output: resultSchema(definition) }),
      (error: unknown) => {
        preparedTools.delete(entry);
        throw error;
      },
    );
    preparedTools.set(entry, prepared);
  }
  return prepared;
}

/**
 * Tools are served by our own handlers rather than McpServer.registerTool, so that argument errors come back
 * as `isError` results naming each field (not protocol errors), and the published JSON Schema is exactly the
 * zod schema the arguments are checked against.
 */
function registerTools(mcp: McpServer, tools: CatalogueEntry[], catalogue: Catalogue, deps: ServerDeps): void {
  const offered = new Map(tools.map((tool) => [tool.listing.name, tool]));
  const listing = tools.map((tool) => withDashboard(tool.listing, deps.config));
  mcp.server.registerCapabilities({ tools: { listChanged: false } });
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));
  mcp.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const name = request.params.name;
    const entry = offered.get(name);
    if (!entry) return failure(notOffered(name, [...offered.keys()], catalogue, deps.config));
    let tool: PreparedTool;
    try {
      tool = await prepare(entry);
    } catch (error) {
      return failure(describeFailure(error, name, extra.signal));
    }
    const parsed = tool.input.safeParse(request.params.arguments ?? {});
    if (!parsed.success) return failure(describeInvalidArguments(parsed.error, name));

    const progressToken = request.params._meta?.progressToken;
    const sent = new IncreasingProgress();
    const elicitationSupported = Boolean(mcp.server.getClientCapabilities()?.elicitation?.form);
    const context: ToolContext = {
      get client() {
        return deps.getClient();
      },
      config: deps.config,
      signal: extra.signal,
      resolveWorkspace: (explicit) => deps.resolveWorkspace(explicit, extra.signal),
      progress: async (progress, total, message) => {
        if (progressToken === undefined || extra.signal.aborted) return;
        const value = sent.next(progress);
        await extra.sendNotification({
          method: 'notifications/progress',
          // A total the raised value has passed no longer describes it, so it is left out (unknown) rather than raised.
          params: { progressToken, progress: value, ...(total === undefined || total < value ? {} : { total }), message },
        });
      },
      uploadRoots: async (use) => {
        if (deps.config.uploadRoots.length) return deps.config.uploadRoots;
        // Over HTTP the caller is remote: the working directory is the server's, not theirs, and no roots are offered.
        if (deps.config.http) throw new ToolError(noHttpRoots(use));
        if (mcp.server.getClientCapabilities()?.roots) {
          const { roots } = await mcp.server.listRoots(undefined, { signal: extra.signal });
          const paths = roots.filter((root) => root.uri.startsWith('file://')).map((root) => fileURLToPath(root.uri));
          if (paths.length) return paths;
        }
        return [process.cwd()];
      },
      // A server that never connects (stateless HTTP's template) sends nothing, and does not declare that it would.
      resourcesChanged: () => void mcp.sendResourceListChanged(),
      elicit: elicitationSupported
        ? (params) => mcp.server.elicitInput({ mode: 'form', ...params }, { signal: extra.signal })
        : undefined,
    };
    try {
      const result = await tool.definition.run(parsed.data, context);
      const checked = tool.output.safeParse(result);
      if (!checked.success) {
        return failure(
          `${name}: Prolific answered in an unexpected shape (${checked.error.issues
            .slice(0, 3)
            .map((issue) => `${issue.path.join('.') || 'result'}: ${issue.message}`)
            .join('; ')}). Nothing was lost; call a get_ tool to see the current state.`,
        );
      }
      const content: CallToolResult['content'] = [{ type: 'text', text: JSON.stringify(checked.data) }];
      if (deps.config.sandbox) content.push({ type: 'text', text: SANDBOX_NOTE });
      return { content, structuredContent: checked.data as Record<string, unknown> };
    } catch (error) {
      return failure(describeFailure(error, name, extra.signal));
    }
  });
}

/**
 * The spec requires each progress value of a request to exceed the last. A tool's repeated or smaller value is
 * raised to one more than the last rather than dropped: every notification carries a status message, and a
 * client that resets its timeout on progress (the SDK's resetTimeoutOnProgress) counts on each one as a
 * heartbeat. So a tool that waits twice, or reports its steps around a wait's read count, stays within the spec
 * without knowing it.
 */
class IncreasingProgress {
  private last: number | undefined;

  next(wanted: number): number {
    const value = this.last === undefined || wanted > this.last ? wanted : this.last + 1;
    this.last = value;
    return value;
  }
}

/** Why a tool cannot be called here, and what would make it callable. */
function notOffered(name: string, offered: string[], catalogue: Catalogue, config: Config): string {
  const known = catalogue.find((tool) => tool.listing.name === name);
  if (known && config.readOnly && !known.listing.annotations?.readOnlyHint) {
    return `${name} is not offered: the server runs read-only, so tools that change or spend are not offered.`;
  }
  if (known) {
    return `${name} is in the ${known.toolset} tool set, which is off on this server. Ask the person to restart the server with it added: ${howToEnable(config.toolsets, known.toolset)}.`;
  }
  const hint = config.readOnly ? ' The server runs read-only, so tools that change or spend are not offered.' : '';
  return `Unknown tool "${name}". Available tools: ${offered.join(', ')}.${hint}`;
}

function failure(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
