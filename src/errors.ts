/**
 * A problem the caller can fix. The message says what was wrong and what to do next. It stands above the
 * layers: the job steps and the tools throw it, and the MCP layer turns it into an `isError` result.
 */
export class ToolError extends Error {
  override name = 'ToolError';
}
