/**
 * Item 2: spawn → initialize → tools/list answered, as a host starts a server, with the default tool sets and
 * with every set, against the minimal one-tool server on the same SDK and Node. Runs alternate between the
 * three so that drift in the machine's load falls on all alike.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { figure, median, ms, ratio, type Figure } from './report.js';
import { SERVER_ENTRY } from './server-process.js';

const MINIMAL_ENTRY = fileURLToPath(new URL('./minimal-server.js', import.meta.url));
const RUNS = 20;
const WARM_UP = 2;

const TARGET = 1.3;

export async function measureColdStart(): Promise<Figure[]> {
  const minimal: number[] = [];
  const byDefault: number[] = [];
  const every: number[] = [];
  for (let run = 0; run < WARM_UP + RUNS; run += 1) {
    const a = await startUntilListed(MINIMAL_ENTRY);
    const b = await startUntilListed(SERVER_ENTRY);
    const c = await startUntilListed(SERVER_ENTRY, { PROLIFIC_TOOLSETS: 'all' });
    if (run < WARM_UP) continue;
    minimal.push(a);
    byDefault.push(b);
    every.push(c);
  }
  const minimalMedian = median(minimal);
  const against = (label: string, ours: number[]) =>
    figure(2, `cold start, ${label}, median of ${RUNS}: ${ms(median(ours))} vs minimal server ${ms(minimalMedian)}`, median(ours) / minimalMedian, ratio, `≤ ${TARGET.toFixed(2)}×`, (v) => v <= TARGET, {
      ours_ms: ours,
      minimal_ms: minimal,
    });
  return [against('default tool sets', byDefault), against('every tool set', every)];
}

/** Milliseconds from spawn until the tools/list answer has arrived; the process is then stopped. */
async function startUntilListed(entry: string, env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [entry], {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { PATH: process.env.PATH ?? '', PROLIFIC_TOKEN: 'bench-not-used', ...env },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const died = exited.then(() => Promise.reject(new Error(`${entry} exited before answering tools/list`)));
  let buffered = '';
  const answers = new Map<number, (line: unknown) => void>();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffered.slice(0, newline)) as { id?: number };
      buffered = buffered.slice(newline + 1);
      if (message.id !== undefined) answers.get(message.id)?.(message);
    }
  });
  const request = (id: number, method: string, params: Record<string, unknown>) => {
    const answered = new Promise((resolve) => answers.set(id, resolve));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return Promise.race([answered, died]);
  };
  try {
    await request(1, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'prolific-bench', version: '1.0.0' },
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    await request(2, 'tools/list', {});
    return performance.now() - started;
  } finally {
    died.catch(() => undefined);
    child.kill();
    await exited;
  }
}
