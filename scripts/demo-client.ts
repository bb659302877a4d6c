/**
 * What the demos share: the built server started in sandbox mode over stdio, as a host starts it, and a real
 * MCP client that calls its tools, printing progress and failing loudly on a tool error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const server = fileURLToPath(new URL('../src/main.js', import.meta.url));

export interface DemoSession {
  client: Client;
  /** A scratch folder the server may write exports to, removed by close(). */
  exportDir: string;
  call(name: string, args: Record<string, unknown>): Promise<Record<string, any>>;
  close(): Promise<void>;
}

export function step(title: string): void {
  console.log(`\n▶ ${title}`);
}

/** Follows get_study once a second while the study is ACTIVE, printing places taken; returns the last read. */
export async function untilSubmitted(session: DemoSession, studyId: string): Promise<Record<string, any>> {
  step('get_study until every place is submitted');
  let progress = await session.call('get_study', { study_id: studyId });
  while (progress.status === 'ACTIVE') {
    console.log(`  ${progress.places_taken}/${progress.total_available_places} places taken`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    progress = await session.call('get_study', { study_id: studyId });
  }
  return progress;
}

/** `toolsets`: the tool sets the demo's server offers (`--toolsets`). */
export async function startDemo(name: string, toolsets: readonly string[]): Promise<DemoSession> {
  // Exports go to a scratch folder, which the server may write to alongside the repository.
  const exportDir = await mkdtemp(join(tmpdir(), 'prolific-demo-'));
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [server, '--sandbox', '--toolsets', toolsets.join(',')],
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PROLIFIC_UPLOAD_ROOTS: [root, exportDir].join(delimiter) },
    stderr: 'ignore',
  });
  await client.connect(transport);
  return {
    client,
    exportDir,
    async call(tool, args) {
      const result = (await client.callTool({ name: tool, arguments: args }, undefined, {
        onprogress: (p) => console.log(`    … ${p.message ?? p.progress}`),
        timeout: 120_000,
      })) as CallToolResult;
      if (result.isError) {
        const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');
        throw new Error(`${tool} failed: ${text}`);
      }
      return result.structuredContent as Record<string, any>;
    },
    async close() {
      await client.close();
      await rm(exportDir, { recursive: true, force: true });
    },
  };
}
