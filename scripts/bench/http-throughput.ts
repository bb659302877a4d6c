/**
 * Item 7: many agents over stateless Streamable HTTP. Two instances of this server and two of the minimal
 * stateless server on the same SDK (minimal-http-server.ts), each pair behind the round-robin load generator,
 * all serving get_batch (two upstream GETs) from one sandbox in a process of its own. Runs alternate between
 * the pairs, and each ratio is the median of the runs, so that drift in the machine's load falls on both alike.
 */
import { fileURLToPath } from 'node:url';
import { ProlificClient } from '../../src/prolific/client.js';
import { runLoad, type LoadResult } from './http-load.js';
import { startHttpInstance, type HttpInstance } from './http-instance.js';
import { figure, info, median, megabytes, ms, ratio, type Figure } from './report.js';
import { startSandboxProcess } from './sandbox-control.js';
import { SERVER_ENTRY } from './server-process.js';

const MINIMAL_ENTRY = fileURLToPath(new URL('./minimal-http-server.js', import.meta.url));

export interface HttpBenchOptions {
  concurrency?: number;
  seconds?: number;
  runs?: number;
}

export async function measureHttp({ concurrency = 32, seconds = 6, runs = 5 }: HttpBenchOptions = {}): Promise<Figure[]> {
  const sandbox = await startSandboxProcess({});
  const instances: HttpInstance[] = [];
  try {
    const api = new ProlificClient({ baseUrl: sandbox.baseUrl, token: sandbox.token });
    const workspace = (await api.listWorkspaces()).results[0]?.id ?? '';
    const batch = await api.createBatch({
      name: 'bench http',
      workspace_id: workspace,
      task_details: { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Choose a sentiment.' },
    });
    await api.close();
    const env = { PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: sandbox.token };
    const ours = [await startHttpInstance(SERVER_ENTRY, ['--http', '--port', '0'], env), await startHttpInstance(SERVER_ENTRY, ['--http', '--port', '0'], env)];
    const minimal = [await startHttpInstance(MINIMAL_ENTRY, [], env), await startHttpInstance(MINIMAL_ENTRY, [], env)];
    instances.push(...ours, ...minimal);
    const message = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_batch', arguments: { batch_id: batch.id } } };
    const load = (pair: HttpInstance[], time: number) => runLoad({ urls: pair.map((i) => i.url), concurrency, seconds: time, message });
    // Warm-up: JIT, connection pools, the sandbox's own caches.
    await load(minimal, 2);
    await load(ours, 2);
    const results = { ours: [] as LoadResult[], minimal: [] as LoadResult[] };
    // CPU time per request served: unlike throughput, it hardly depends on what else the machine is doing.
    const cpu = { ours: 0, minimal: 0 };
    const cpuOf = (pair: HttpInstance[]) => pair.reduce((sum, instance) => sum + instance.cpuMs(), 0);
    for (let run = 0; run < runs; run += 1) {
      // The order alternates too, so that neither side always runs second.
      const order = run % 2 ? (['ours', 'minimal'] as const) : (['minimal', 'ours'] as const);
      for (const side of order) {
        const pair = side === 'ours' ? ours : minimal;
        const cpuBefore = cpuOf(pair);
        const result = await load(pair, seconds);
        cpu[side] += cpuOf(pair) - cpuBefore;
        results[side].push(result);
        const errors = result.errors ? `, ${result.errors} errors (${result.examples.join(' | ')})` : '';
        process.stderr.write(`bench: http run ${run + 1} ${side}: ${Math.round(result.perSecond)}/s, p99 ${ms(result.p99Ms)}${errors}\n`);
      }
    }
    const throughput = median(results.ours.map((r, i) => r.perSecond / results.minimal[i]!.perSecond));
    const p99 = median(results.ours.map((r, i) => r.p99Ms / results.minimal[i]!.p99Ms));
    const peak = (pair: HttpInstance[]) => Math.max(...pair.map((i) => i.rssMb().peak));
    const [oursRss, minimalRss] = [peak(ours), peak(minimal)];
    const errors = (side: LoadResult[]) => side.reduce((sum, r) => sum + r.errors, 0);
    const examples = results.ours.flatMap((r) => r.examples).slice(0, 3);
    const perSecond = (side: LoadResult[]) => Math.round(median(side.map((r) => r.perSecond)));
    const detail = { concurrency, seconds, runs, ours: results.ours, minimal: results.minimal };
    return [
      figure(7, `get_batch over HTTP, ${concurrency} clients, 2 instances: ${perSecond(results.ours)}/s vs minimal ${perSecond(results.minimal)}/s (median ratio of ${runs})`, throughput, ratio, '≥ 0.95×', (v) => v >= 0.95, detail),
      figure(7, `p99 latency: ${ms(median(results.ours.map((r) => r.p99Ms)))} vs minimal ${ms(median(results.minimal.map((r) => r.p99Ms)))}`, p99, ratio, '≤ 1.20×', (v) => v <= 1.2),
      figure(7, `instance peak RSS: ${megabytes(oursRss)} vs minimal ${megabytes(minimalRss)}`, oursRss / minimalRss, ratio, '≤ 1.10×', (v) => v <= 1.1),
      figure(7, `failed requests (minimal server: ${errors(results.minimal)})`, errors(results.ours), String, '0', (v) => v === 0, { examples }),
      info(7, 'for the record: instance CPU per request', `${ms(cpuPerRequest(cpu.ours, results.ours))} vs ${ms(cpuPerRequest(cpu.minimal, results.minimal))}`),
      info(7, 'for the record: p50 latency', `${ms(median(results.ours.map((r) => r.p50Ms)))} vs ${ms(median(results.minimal.map((r) => r.p50Ms)))}`),
    ];
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    await sandbox.close();
  }
}

function cpuPerRequest(cpuMs: number, runs: LoadResult[]): number {
  return cpuMs / runs.reduce((sum, run) => sum + run.requests, 0);
}
