import type { z } from 'zod';
import type { ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../config.js';
import type { ToolsetName } from '../toolsets.js';
import type { StepContext } from '../job/context.js';

/** All four hints are required, so no tool can leave a host guessing whether it spends or deletes. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolContext extends StepContext {
  readonly config: Config;
  /** The workspace to use: the argument, else PROLIFIC_WORKSPACE_ID, else the account's only workspace. */
  resolveWorkspace(explicit: string | undefined): Promise<string>;
  /** Folders file paths may point into: the configured roots, else the client's MCP roots, else the working directory; under --http only the configured roots (a ToolError without them, saying what to do without a file, to `read` or to `write`). */
  uploadRoots(use: 'read' | 'write'): Promise<string[]>;
  /** Tells the client the resource list changed (a batch was created, copied or set up); a no-op where it cannot be told. */
  resourcesChanged(): void;
  /** Asks the person through the client's form elicitation; undefined when the client cannot. */
  readonly elicit: ((params: Omit<ElicitRequestFormParams, 'mode'>) => Promise<ElicitResult>) | undefined;
}

export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  /** The one tool set the tool belongs to; the server offers it only when that set is on (src/toolsets.ts). */
  toolset: ToolsetName;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(args: z.output<z.ZodObject<I>>, context: ToolContext): Promise<z.input<z.ZodObject<O>>>;
}

/** Identity at run time; its job is to make each tool file type-check its schemas against its handler. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(definition: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return definition;
}
