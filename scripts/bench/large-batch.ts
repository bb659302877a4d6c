/**
 * Item 4: a batch with 200,000 response records. The API sends them all in one body, so the server must fetch,
 * parse and cut them into something an agent can read: the first get_responses page, then summarize_responses.
 * Each method of summarize_responses (majority vote, Dawid–Skene) runs in a fresh server of its own after
 * the same get_responses call, so that both are timed alike and each peak RSS is one method's.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { count, figure, info, megabytes, missing, seconds, type Figure } from './report.js';
import { startSandboxProcess } from './sandbox-control.js';
import { startServerProcess } from './server-process.js';

// 20,000 tasks in groups of 10, 5 annotators each, 2 instructions: 10,000 participants, 200,000 records.
const SEED = { tasks: 20_000, annotatorsPerTask: 5, tasksPerGroup: 10 };
const RECORDS = 200_000;

export async function measureLargeBatch(): Promise<Figure[]> {
  // Everyone who takes a place submits, so the count is exact; a wide balance pays for 10,000 places.
  const sandbox = await startSandboxProcess({ returnRate: 0, timeoutRate: 0, participantIntervalMs: 1, balance: 1e12 });
  try {
    const seeded = await sandbox.seed(SEED);
    const figures = [info(4, `seeded batch: ${count(seeded.responses)} response records`, seconds(seeded.seconds * 1000))];
    if (seeded.responses !== RECORDS) throw new Error(`the sandbox made ${seeded.responses} response records, not ${RECORDS}`);
    const tokens: number[] = [];
    const env = { PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: sandbox.token, PROLIFIC_TOOLSETS: 'run,results' };
    const timedIn = async (server: Awaited<ReturnType<typeof startServerProcess>>, name: string, args: Record<string, unknown> = {}): Promise<number> => {
      const started = performance.now();
      const result = await server.call(name, { batch_id: seeded.batchId, ...args });
      const elapsed = performance.now() - started;
      tokens.push(resultTokens(result));
      return elapsed;
    };
    for (const method of ['majority', 'dawid_skene']) {
      const server = await startServerProcess(env);
      try {
        const listed = new Set((await server.client.listTools()).tools.map((tool) => tool.name));
        const page = await timedIn(server, 'get_responses');
        if (method === 'majority') figures.push(figure(4, 'first get_responses page', page, seconds, '< 2 s', (v) => v < 2000));
        const measure = `summarize_responses, ${method}`;
        figures.push(
          listed.has('summarize_responses')
            ? figure(4, measure, await timedIn(server, 'summarize_responses', { method }), seconds, '< 2 s', (v) => v < 2000)
            : missing(4, measure, 'not available', '< 2 s'),
        );
        figures.push(figure(4, `server peak RSS, ${method}`, server.peakRssMb(), megabytes, '≤ 400 MB', (v) => v <= 400));
      } finally {
        await server.close();
      }
    }
    figures.push(figure(4, 'largest result, o200k tokens', Math.max(...tokens), count, '≤ 20,000', (v) => v <= 20_000, { tokens }));
    return figures;
  } finally {
    await sandbox.close();
  }
}

/**
 * What reaches the model: every text item as it is, and the structured copy as JSON (a host may show either
 * or both, so both count).
 */
function resultTokens(result: CallToolResult): number {
  const texts = result.content.map((item) => (item.type === 'text' ? item.text : JSON.stringify(item))).join('\n');
  return countTokens(texts) + (result.structuredContent ? countTokens(JSON.stringify(result.structuredContent)) : 0);
}
