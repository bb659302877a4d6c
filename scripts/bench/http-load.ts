/**
 * A load generator for Streamable HTTP: `concurrency` clients, each posting one JSON-RPC message after another
 * over keep-alive connections, spread round-robin over the given endpoints, as a load balancer would. An
 * answer counts as an error unless it is a 200 carrying a result that is not `isError`.
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  urls: string[];
  concurrency: number;
  seconds: number;
  /** The JSON-RPC message every client sends. */
  message: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Of the errors, a few for the report. */
  examples: string[];
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const body = JSON.stringify(options.message);
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    'Content-Length': String(Buffer.byteLength(body)),
    ...options.headers,
  };
  const latencies: number[] = [];
  const examples: string[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const url = options.urls[next++ % options.urls.length]!;
      const sent = performance.now();
      const problem = await post(agent, url, headers, body).then(checkAnswer, (error: Error) => `connection: ${error.message}`);
      latencies.push(performance.now() - sent);
      if (problem !== undefined) {
        errors += 1;
        if (examples.length < 3) examples.push(problem);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    examples,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

function post(agent: Agent, url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** undefined for a good answer; otherwise what was wrong with it. The answer is SSE or plain JSON. */
function checkAnswer({ status, text }: { status: number; text: string }): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 200)}`;
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  try {
    const message = JSON.parse(json ?? '') as { result?: { isError?: boolean }; error?: unknown };
    if (!message.result) return `no result: ${text.slice(0, 200)}`;
    if (message.result.isError) return `isError: ${text.slice(0, 200)}`;
    return undefined;
  } catch {
    return `not JSON-RPC: ${text.slice(0, 200)}`;
  }
}

function percentile(sorted: number[], share: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
}
