import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * A client transport over the real stdio of a spawned server that also keeps everything the server wrote:
 * each stdout line (which must be one JSON-RPC message) and all of stderr.
 */
export class RecordingStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly stdoutLines: string[] = [];
  readonly invalidLines: string[] = [];
  stderr = '';
  private child?: ChildProcessWithoutNullStreams;
  private exited?: Promise<void>;

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly options: { cwd?: string } = {},
  ) {}

  async start(): Promise<void> {
    const child = spawn(this.command, this.args, { env: this.env, cwd: this.options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.stdoutLines.push(line);
      let message: JSONRPCMessage;
      try {
        message = JSONRPCMessageSchema.parse(JSON.parse(line));
      } catch {
        this.invalidLines.push(line);
        return;
      }
      this.onmessage?.(message);
    });
    child.on('exit', () => this.onclose?.());
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.child?.stdin.write(JSON.stringify(message) + '\n');
  }

  async close(): Promise<void> {
    this.child?.stdin.end();
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}
