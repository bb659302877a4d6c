import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describeFailure } from '../src/mcp/tool-errors.js';

/** Runs a resource read; any failure becomes a protocol error with the same advice a tool would give. */
export async function readResource<T>(uri: URL, signal: AbortSignal, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new McpError(ErrorCode.InvalidParams, describeFailure(error, `read ${uri.href}`, signal));
  }
}
