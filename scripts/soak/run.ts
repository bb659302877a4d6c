/**
 * The soak: two instances of the built server over Streamable HTTP behind a round-robin, and `agents` MCP
 * clients running whole jobs (dataset, upload, batch, instructions, setup, study, publish, responses) for
 * `seconds`, against a sandbox that answers a share of all API requests with a random fault: 503, 429 with
 * Retry-After, a reset before or after the request took effect, a delay, a truncated answer.
 *
 * The agents behave as a careful model does: reads and idempotent tools are called again after an error; a
 * tool that creates or spends is called again only after a 429 (which Prolific refused outright), and
 * otherwise the job is given up, since checking by hand is beyond a script. Whatever the faults, no tool call
 * may create or publish twice, fail at the protocol level, or let a token out.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSandbox, type FaultRule, type RunningSandbox } from '../../src/sandbox/index.js';
import { startHttpInstance, type HttpInstance } from '../bench/http-instance.js';

const SERVER_ENTRY = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const HTTP_TOKEN = 'soak-http-bearer-token-7c41e9a0d2b6f385';

export interface SoakOptions {
  agents: number;
  seconds: number;
  /** Share of API requests that meet a fault; default 0.05. */
  faultRate?: number;
  /** Once time is up, how long a job in progress may still take before it is given up; default 5 s. */
  graceSeconds?: number;
  log?: (line: string) => void;
  /** The built server; default the one beside this script in dist/. */
  serverEntry?: string;
}

export interface SoakReport {
  agents: number;
  seconds: number;
  jobsCompleted: number;
  jobsAbandoned: number;
  toolCalls: number;
  /** isError results, by what went wrong. */
  toolErrors: Record<string, number>;
  faultsInjected: number;
  /** Calls that failed at the MCP or HTTP level instead of answering. */
  protocolFailures: string[];
  duplicateCreates: string[];
  duplicatePublishes: string[];
  tokenLeaks: number;
  rssMb: { start: number[]; end: number[] };
}

const ROWS = [
  { text: 'Great product, works as described.', META_ID: 'r1' },
  { text: 'Broke after two days.', META_ID: 'r2' },
  { text: 'It is fine I guess.', META_ID: 'r3' },
  { text: 'Absolutely love it!', META_ID: 'r4' },
];
const INSTRUCTIONS = [
  {
    type: 'multiple_choice',
    description: 'What is the sentiment of this review?',
    options: ['positive', 'neutral', 'negative'].map((value) => ({ label: value, value })),
    answer_limit: 1,
  },
];

/** The faults, in the shares the issue names; each rule draws on its own, so the total share is about `rate`. */
function randomFaults(rate: number): FaultRule[] {
  const path = /^\/api\/.*/;
  const rule = (share: number, fault: Omit<FaultRule, 'path' | 'times' | 'chance'>): FaultRule => ({ ...fault, path, times: Infinity, chance: rate * share });
  return [
    rule(0.25, { kind: 'status', status: 503 }),
    rule(0.2, { kind: 'status', status: 429, retryAfter: 1 }),
    rule(0.15, { kind: 'reset-before' }),
    rule(0.15, { kind: 'reset-after' }),
    rule(0.15, { kind: 'delay', delayMs: 800 }),
    rule(0.1, { kind: 'truncate' }),
  ];
}

class Abandon extends Error {}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.log ?? (() => undefined);
  const sandbox = await startSandbox({ processingMs: 150, participantIntervalMs: 20, completionMs: 60, returnRate: 0, timeoutRate: 0, faults: randomFaults(options.faultRate ?? 0.05) });
  const secrets = [sandbox.token, HTTP_TOKEN];
  const instances: HttpInstance[] = [];
  const clients: Client[] = [];
  try {
    const env = { PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: sandbox.token, PROLIFIC_MCP_HTTP_TOKEN: HTTP_TOKEN };
    instances.push(...(await Promise.all([0, 1].map(() => startHttpInstance(options.serverEntry ?? SERVER_ENTRY, ['--http', '--port', '0'], env, secrets)))));
    const rssStart = instances.map((instance) => Math.round(instance.rssMb().now));
    say(`soak: ${options.agents} agents for ${options.seconds} s against ${instances.map((i) => i.url).join(' and ')}`);

    const report: SoakReport = {
      agents: options.agents,
      seconds: options.seconds,
      jobsCompleted: 0,
      jobsAbandoned: 0,
      toolCalls: 0,
      toolErrors: {},
      faultsInjected: 0,
      protocolFailures: [],
      duplicateCreates: [],
      duplicatePublishes: [],
      tokenLeaks: 0,
      rssMb: { start: rssStart, end: [] },
    };
    const deadline = Date.now() + options.seconds * 1000;
    const hardStop = deadline + (options.graceSeconds ?? 5) * 1000;
    let next = 0;
    // An ordinary load balancer: each HTTP request to the next instance, whatever it carries.
    const roundRobin = (_url: string | URL, init?: RequestInit) => fetch(instances[next++ % instances.length]!.url, init);

    const agent = async (id: number): Promise<void> => {
      const client = new Client({ name: `soak-agent-${id}`, version: '1.0.0' });
      clients.push(client);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(instances[0]!.url), { fetch: roundRobin, requestInit: { headers: { Authorization: `Bearer ${HTTP_TOKEN}` } } }),
      );
      const call = async (name: string, args: Record<string, unknown>, repeatable: boolean): Promise<Record<string, any>> => {
        for (let attempt = 1; ; attempt += 1) {
          if (Date.now() > hardStop) throw new Abandon('out of time');
          report.toolCalls += 1;
          let result: CallToolResult;
          try {
            result = (await client.callTool({ name, arguments: args })) as CallToolResult;
          } catch (error) {
            report.protocolFailures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
            throw new Abandon('protocol failure');
          }
          const seen = JSON.stringify(result);
          for (const secret of secrets) report.tokenLeaks += seen.split(secret).length - 1;
          if (!result.isError) return (result.structuredContent ?? {}) as Record<string, any>;
          const text = result.content.map((item) => (item.type === 'text' ? item.text : '')).join(' ');
          const kind = errorKind(text);
          report.toolErrors[kind] = (report.toolErrors[kind] ?? 0) + 1;
          if (!(repeatable || kind === 'HTTP 429') || attempt >= 4) throw new Abandon(`${name}: ${text.slice(0, 200)}`);
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      };
      const until = async (read: () => Promise<Record<string, any>>, done: (value: Record<string, any>) => boolean) => {
        for (;;) {
          const value = await read();
          if (done(value)) return value;
          if (Date.now() > hardStop) throw new Abandon('out of time');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };

      for (let job = 1; Date.now() < deadline; job += 1) {
        const name = `soak ${id}-${job}`;
        try {
          const dataset = await call('create_dataset', { name }, false);
          await call('upload_file', { dataset_id: dataset.id, rows: ROWS }, false);
          // Usable once an import is complete (V4), or READY for a legacy V3 dataset.
          const usable = (d: Record<string, any>) => d.status === 'READY' || (d.imports ?? []).some((job: { status?: string }) => job.status === 'complete');
          await until(() => call('get_dataset', { dataset_id: dataset.id }, true), usable);
          const batch = await call(
            'create_batch',
            { name, dataset_id: dataset.id, task_details: { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Choose a sentiment.' } },
            false,
          );
          await call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }, true);
          await call('setup_batch', { batch_id: batch.id, tasks_per_group: 2 }, false);
          const study = await call('create_study', { batch_id: batch.id, name, description: 'Soak test.', reward: 100, estimated_completion_time: 5, annotators_per_task: 1 }, false);
          const quote = await call('publish_study', { study_id: study.id }, true);
          await call('publish_study', { study_id: study.id, confirm_total_cost: quote.total_cost }, false);
          await until(() => call('get_responses', { batch_id: batch.id }, true), (r) => r.total >= ROWS.length);
          report.jobsCompleted += 1;
        } catch (error) {
          if (!(error instanceof Abandon)) throw error;
          report.jobsAbandoned += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: options.agents }, (_, id) => agent(id + 1)));

    report.faultsInjected = sandbox.requests.filter((request) => request.fault !== undefined).length;
    report.duplicateCreates = duplicates(sandbox);
    report.duplicatePublishes = duplicatePublishes(sandbox);
    report.rssMb.end = instances.map((instance) => Math.round(instance.rssMb().now));
    await Promise.all(clients.map((client) => client.close()));
    clients.length = 0;
    const exits = await Promise.all(instances.map((instance) => instance.stop()));
    if (exits.some((code) => code !== 0)) report.protocolFailures.push(`an instance exited with ${exits.join(', ')} on SIGTERM`);
    report.tokenLeaks += instances.reduce((sum, instance) => sum + instance.leaks(), 0);
    return report;
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await Promise.all(instances.map((instance) => instance.stop()));
    await sandbox.close();
  }
}

function errorKind(text: string): string {
  const status = /Prolific answered (\d{3})/.exec(text)?.[1];
  if (status) return `HTTP ${status}`;
  if (/may or may not have taken effect/.test(text)) return 'answer lost, outcome unknown';
  if (/Could not reach/.test(text)) return 'network';
  if (/unexpected shape|not JSON|empty body/.test(text)) return 'malformed answer';
  return text.slice(0, 60);
}

/** Every job names its dataset, batch and study after itself: two records of one kind with one name are one create made twice. */
function duplicates(sandbox: RunningSandbox): string[] {
  const found: string[] = [];
  const { datasets, batches, studies } = sandbox.state;
  const kinds = {
    dataset: [...datasets.values()].map((record) => record.name),
    batch: [...batches.values()].map((record) => record.name),
    study: [...studies.values()].map((record) => String(record.fields.name)),
  };
  for (const [kind, names] of Object.entries(kinds)) {
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    for (const [name, count] of counts) if (count > 1) found.push(`${count} ${kind} records named "${name}"`);
  }
  return found;
}

/** PUBLISH transitions that reached the API (a refused or reset-before one never did), per study. */
function duplicatePublishes(sandbox: RunningSandbox): string[] {
  const counts = new Map<string, number>();
  for (const request of sandbox.requests) {
    const study = /\/api\/v1\/studies\/([^/]+)\/transition\/?$/.exec(new URL(request.url).pathname)?.[1];
    if (!study || request.method !== 'POST' || (request.body as { action?: string } | undefined)?.action !== 'PUBLISH') continue;
    if (request.fault === 'status' || request.fault === 'reset-before') continue;
    counts.set(study, (counts.get(study) ?? 0) + 1);
  }
  return [...counts].filter(([, count]) => count > 1).map(([study, count]) => `study ${study} sent PUBLISH ${count} times`);
}
