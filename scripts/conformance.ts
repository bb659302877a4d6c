/**
 * `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance) against the built
 * server, started as `--http --sandbox` on a free loopback port.
 *
 * The suite needs Node 22 and this project runs on Node 20, so the suite and a Node 22 binary are installed at run
 * time into node_modules/.cache/conformance: the project's lock file and engines stay as they are. The binary is
 * the npm registry's node-<platform>-<arch> package (the official build, no install script, nothing fetched from
 * elsewhere), not the `node` package, whose install script would fetch it in turn.
 *
 * conformance-baseline.json lists the checks expected to fail, each with its reason: those that need the reference
 * server's fixtures (tools such as test_image_content, prompts, test:// resources) or a capability this server
 * rightly does not declare. Every other failure fails the run, and so does a listed check that now passes or that
 * the suite no longer runs, so the list cannot rot. Entries name single checks (`scenario:check-id`), never whole
 * scenarios, so each scenario's wire-schema check still applies.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SUITE = '@modelcontextprotocol/conformance';
/** The 0.2 line validates every message on the wire against the spec's JSON Schema; 0.1.x does not. */
const SUITE_VERSION = '0.2.0-alpha.12';
const NODE_VERSION = '22.23.5';
/** The newest revision SDK 1.x speaks; the 2026-07-28 scenarios need its stateless per-request wire. */
const SPEC_VERSION = '2025-11-25';
const START_TIMEOUT_MS = 30_000;
const SUITE_TIMEOUT_MS = 180_000;

const root = fileURLToPath(new URL('../../', import.meta.url));
const cache = join(root, 'node_modules', '.cache', 'conformance');

interface ChildOutcome {
  code: number | null;
  output: string;
}

async function main(): Promise<number> {
  const baseline = readBaseline(join(root, 'conformance-baseline.json'));
  const { node, cli } = await install();
  const scratch = await mkdtemp(join(tmpdir(), 'prolific-mcp-conformance-'));
  const server = await startServer();
  try {
    const expected = join(scratch, 'expected-failures.yml');
    await writeFile(expected, `server:\n${Object.keys(baseline).map((entry) => `  - ${JSON.stringify(entry)}\n`).join('')}`);
    const results = join(scratch, 'results');
    const suite = await runChild(
      node,
      [cli, 'server', '--url', server.url, '--spec-version', SPEC_VERSION, '--expected-failures', expected, '--output-dir', results],
      SUITE_TIMEOUT_MS,
    );
    const ran = await checksRun(results);
    // The suite tolerates a listed check it never ran (a scenario may stop early); a list that names one is stale.
    const unrun = Object.keys(baseline).filter((entry) => {
      const [scenario = '', check = ''] = entry.split(':');
      return !ran.get(scenario)?.has(check);
    });
    const passed = suite.code === 0 && unrun.length === 0;
    const summary = suite.output.indexOf('=== SUMMARY ===');
    process.stdout.write(passed && summary >= 0 ? suite.output.slice(summary) : suite.output);
    for (const entry of unrun) console.log(`✗ conformance-baseline.json lists ${entry}, which the suite did not run: remove it.`);
    if (!passed) console.log(`\nServer log:\n${server.log()}`);
    const summaryLine = `conformance ${SUITE}@${SUITE_VERSION} (spec ${SPEC_VERSION}): ${ran.size} scenarios, ${Object.keys(baseline).length} baselined checks`;
    console.log(`\n${summaryLine}: ${passed ? 'passed' : 'FAILED'}`);
    return passed ? 0 : 1;
  } finally {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `{"server": {"scenario:check-id": "reason"}}`: every entry one check, every reason said. */
function readBaseline(path: string): Record<string, string> {
  const { server } = JSON.parse(readFileSync(path, 'utf8')) as { server?: Record<string, unknown> };
  if (!server || typeof server !== 'object') throw new Error(`${path}: expected {"server": {"scenario:check-id": "reason", …}}.`);
  for (const [entry, reason] of Object.entries(server)) {
    if (!/^[\w-]+:[\w-]+$/.test(entry)) throw new Error(`${path}: "${entry}" must name one check, as scenario:check-id.`);
    if (typeof reason !== 'string' || !reason.trim()) throw new Error(`${path}: "${entry}" needs its reason.`);
  }
  return server as Record<string, string>;
}

/** The suite's CLI and a Node ≥ 22 to run it, installed into the cache unless already there at these versions. */
async function install(): Promise<{ node: string; cli: string }> {
  const runtime = Number(process.versions.node.split('.')[0]) >= 22 ? undefined : runtimePackage();
  const wanted: [string, string][] = [[SUITE, SUITE_VERSION], ...(runtime ? [[runtime, NODE_VERSION] as [string, string]] : [])];
  if (wanted.some(([name, version]) => installed(name)?.version !== version)) {
    await mkdir(cache, { recursive: true });
    // A package.json of its own, so that npm treats the cache as the project and never touches the real one.
    await writeFile(join(cache, 'package.json'), '{ "private": true }\n');
    const npm = await runChild(
      'npm',
      ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', cache, ...wanted.map(([name, version]) => `${name}@${version}`)],
      SUITE_TIMEOUT_MS,
    );
    if (npm.code !== 0) throw new Error(`npm could not install the conformance suite:\n${npm.output}`);
  }
  return { node: runtime ? binary(runtime, 'node') : process.execPath, cli: binary(SUITE, 'conformance') };
}

/** The registry's package of the official Node build for this machine, named as the `node` package names it. */
function runtimePackage(): string {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  return `${process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node'}-${platform}-${process.arch}`;
}

function installed(name: string): { version: string; bin?: Record<string, string> } | undefined {
  const path = join(cache, 'node_modules', name, 'package.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { version: string; bin?: Record<string, string> }) : undefined;
}

function binary(name: string, command: string): string {
  const bin = installed(name)?.bin?.[command];
  if (!bin) throw new Error(`${name} in ${cache} has no "${command}" binary.`);
  return join(cache, 'node_modules', name, bin);
}

/** The built server over HTTP in sandbox mode; its URL is read from its log, as a person would. */
async function startServer(): Promise<{ url: string; log(): string; stop(): Promise<void> }> {
  const main = join(root, 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first.`);
  // Only PATH and HOME: a PROLIFIC_MCP_HTTP_TOKEN or origin list from the caller's shell would change what is tested.
  const child = spawn(process.execPath, [main, '--http', '--sandbox', '--port', '0'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The server did not start within ${START_TIMEOUT_MS / 1000} s:\n${log}`)), START_TIMEOUT_MS);
    createInterface({ input: child.stderr }).on('line', (line) => {
      log += `${line}\n`;
      const listening = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (listening) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The server exited (${code}) before listening:\n${log}`));
    });
  }).catch(async (error: unknown) => {
    child.kill();
    await exited;
    throw error;
  });
  return {
    url,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The scenarios whose results the suite wrote (server-<scenario>-<timestamp>/checks.json), with their check ids. */
async function checksRun(results: string): Promise<Map<string, Set<string>>> {
  const ran = new Map<string, Set<string>>();
  const entries = existsSync(results) ? await readdir(results) : [];
  for (const entry of entries) {
    const scenario = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(entry)?.[1];
    const checks = join(results, entry, 'checks.json');
    if (!scenario || !existsSync(checks)) continue;
    const list = JSON.parse(await readFile(checks, 'utf8')) as { id: string }[];
    ran.set(scenario, new Set(list.map((check) => check.id)));
  }
  return ran;
}

function runChild(command: string, args: string[], timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, shell: process.platform === 'win32' });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
