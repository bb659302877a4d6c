import type { ProlificClient } from '../prolific/client.js';

/** What a job step needs of the tool call that runs it; the MCP layer's ToolContext is one. */
export interface StepContext {
  /** The Prolific API. Reading it throws a ToolError that explains the setup when no token is configured. */
  readonly client: ProlificClient;
  /** Aborted when the client cancels the request. */
  readonly signal: AbortSignal;
  /** Sends notifications/progress when the caller asked for progress; a no-op otherwise. A value not above the last one sent is raised to one more. */
  progress(progress: number, total: number | undefined, message: string): Promise<void>;
}
