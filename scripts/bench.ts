/**
 * `npm run bench`: what this server costs, measured in one run and printed beside its targets. Timing targets
 * are ratios or differences against a reference measured side by side in the same run (a minimal MCP server,
 * curl, the HTTP client alone), because machines are noisy; absolute figures are for the record. Writes
 * bench-results.json; exits with 1 when a target is missed.
 *
 * The sandbox always runs in a process of its own, so that the server's memory is measured alone. The
 * polling measure spends two minutes mostly asleep, so it runs beside the others.
 *
 * `node dist/scripts/bench.js http` (or any names from STANDALONE) runs only those items and prints their
 * table without writing the results file.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem, platform, release } from 'node:os';
import { costTable, measureCatalogue } from './bench/catalogue.js';
import { measureColdStart } from './bench/cold-start.js';
import { measureLargeBatch } from './bench/large-batch.js';
import { measureHttp } from './bench/http-throughput.js';
import { measureOverhead } from './bench/overhead.js';
import { measurePolling } from './bench/polling.js';
import { measureRanking } from './bench/ranking.js';
import { table, type Figure } from './bench/report.js';
import { measureUpload, startUploadSetup } from './bench/upload.js';

const RESULTS_FILE = 'bench-results.json';

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gb: Math.round(totalmem() / 1024 ** 3),
  os: `${platform()} ${release()}`,
  node: process.version,
};

function step(name: string): void {
  process.stderr.write(`bench: ${name}…\n`);
}

/** Items that need nothing from the others, so they can run alone. */
const STANDALONE: Record<string, () => Promise<Figure[]>> = {
  catalogue: async () => (await measureCatalogue()).figures,
  'cold-start': measureColdStart,
  'large-batch': measureLargeBatch,
  polling: measurePolling,
  http: () => measureHttp(),
  ranking: measureRanking,
  upload: async () => {
    const setup = await startUploadSetup();
    try {
      return await measureUpload(setup);
    } finally {
      await setup.server.close();
      await setup.api.close();
      await setup.sandbox.close();
    }
  },
};

async function runSelected(names: string[]): Promise<void> {
  const unknown = names.filter((name) => !(name in STANDALONE));
  if (unknown.length) throw new Error(`unknown item(s) ${unknown.join(', ')}; choose from ${Object.keys(STANDALONE).join(', ')}`);
  const figures: Figure[] = [];
  for (const name of names) {
    step(name);
    figures.push(...(await STANDALONE[name]!()));
  }
  console.log(table(figures));
  console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gb} GB, ${machine.os}, Node ${machine.node}`);
  if (figures.some((f) => f.pass === false)) process.exitCode = 1;
}

async function main(): Promise<void> {
  const selected = process.argv.slice(2);
  if (selected.length) return runSelected(selected);
  const started = Date.now();
  step('polling (two minutes, beside the rest)');
  const polling = measurePolling();
  // Reported at the end; until then a failure must not count as unhandled.
  polling.catch(() => undefined);

  step('tool catalogue');
  const catalogue = await measureCatalogue();
  step('cold start');
  const coldStart = await measureColdStart();

  step('1 GiB upload');
  const setup = await startUploadSetup();
  let upload: Figure[];
  let overhead: Figure[];
  try {
    upload = await measureUpload(setup);
    step('per-call overhead');
    overhead = await measureOverhead(setup);
  } finally {
    await setup.server.close();
    await setup.api.close();
    await setup.sandbox.close();
  }

  step('200,000-record batch');
  const largeBatch = await measureLargeBatch();
  step('Bradley–Terry ranking of 100,000 judgements');
  const ranking = await measureRanking();
  step('waiting for the polling measure');
  const pollingFigures = await polling;
  // Last, alone: its load would otherwise delay the polling measure's process.
  step('many agents over HTTP');
  const http = await measureHttp();
  const figures = [...catalogue.figures, ...coldStart, ...upload, ...largeBatch, ...ranking, ...overhead, ...pollingFigures, ...http].sort((a, b) => a.item - b.item);

  const failed = figures.filter((f) => f.pass === false);
  console.log(table(figures));
  console.log(`\n${costTable(catalogue.costs)}\n`);
  console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gb} GB, ${machine.os}, Node ${machine.node}`);
  console.log(failed.length ? `\n${failed.length} target(s) missed.` : '\nEvery target holds.');
  await writeFile(
    RESULTS_FILE,
    `${JSON.stringify({ date: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), machine, figures, tokens_per_set: catalogue.costs }, null, 2)}\n`,
  );
  console.log(`Written to ${RESULTS_FILE}.`);
  if (failed.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
  // Child processes (sandboxes, servers) hold the event loop open; a failed run should not hang.
  setTimeout(() => process.exit(1), 2000).unref();
});
