/** The built MCP server in a process of its own, driven over stdio by a real MCP client, as a host runs it. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const SERVER_ENTRY = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface ServerProcess {
  client: Client;
  pid: number;
  /** Calls a tool; long waits and uploads get up to 10 minutes. */
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** The most memory the process has held so far (VmHWM), in MB. */
  peakRssMb(): number;
  close(): Promise<void>;
}

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER_ENTRY],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stderr: 'pipe',
  });
  // The server logs to stderr; read it so that it never blocks, and keep the end for a failure report.
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const client = new Client({ name: 'prolific-bench', version: '1.0.0' });
  await client.connect(transport);
  const pid = transport.pid;
  if (pid === null) throw new Error('the server process did not start');
  const peak = peakRss(pid);
  return {
    client,
    pid,
    call: async (name, args) => {
      const result = (await client.callTool({ name, arguments: args }, undefined, {
        timeout: 600_000,
        resetTimeoutOnProgress: true,
      })) as CallToolResult;
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}\n${stderr}`);
      return result;
    },
    peakRssMb: () => peak.read(),
    close: async () => {
      peak.stop();
      await client.close();
    },
  };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((item) => (item.type === 'text' ? item.text : '')).join('\n');
}

/**
 * Linux keeps each process's high-water mark (VmHWM), exact and free to read. Elsewhere `ps` is sampled every
 * 50 ms, which can miss a short peak.
 */
function peakRss(pid: number): { read(): number; stop(): void } {
  const status = `/proc/${pid}/status`;
  if (existsSync(status)) {
    return {
      read: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'))?.[1] ?? NaN) / 1024,
      stop: () => undefined,
    };
  }
  let peakKb = 0;
  const sample = () => {
    try {
      peakKb = Math.max(peakKb, Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim()));
    } catch {
      // The process has ended; its last sample stands.
    }
  };
  const timer = setInterval(sample, 50);
  return {
    read: () => {
      sample();
      return peakKb / 1024;
    },
    stop: () => clearInterval(timer),
  };
}
