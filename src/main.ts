#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConfigError, readConfig, type Config } from './config.js';
import { createServer } from './mcp/server.js';
import { loadCatalogue } from './mcp/catalogue.js';
import { log, registerSecret } from './util/log.js';

/**
 * The only WebAssembly this process runs is undici's HTTP parser, and V8 recompiling it with its optimising
 * tier takes some 30 MB for a moment, once, at a time of its choosing (often mid-upload): more than the rest of
 * an upload holds (a 256 MiB upload peaks at 84 MB with this flag, 112 MB without). Its baseline code parses as
 * fast: llhttp only frames the bytes, and a 30 MB answer arrives in the same 0.05 s either way. V8 reads the flag
 * when it compiles a module, and undici compiles its parser on the first request, so setting it here, at run
 * time, applies; NODE_OPTIONS cannot carry it (Node allows only a few V8 flags there), and a flag on the command
 * line would be lost wherever a host starts `node dist/src/main.js` itself.
 */
setFlagsFromString('--liftoff-only');

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'sandbox') {
    const { runSandboxCli } = await import('./sandbox/cli.js');
    return runSandboxCli(argv.slice(1));
  }
  let config: Config;
  try {
    config = readConfig(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`prolific-task-builder-mcp: ${error.message}\n`);
    process.exit(2);
  }
  registerSecret(config.token);
  registerSecret(config.http?.token);
  const cleanups: (() => Promise<void>)[] = [];
  if (config.sandbox) {
    // Loaded only in sandbox mode, so a normal start pays nothing for it.
    const { startSandbox } = await import('./sandbox/index.js');
    const sandbox = await startSandbox({ legacyInstructions: config.sandboxLegacyInstructions });
    registerSecret(sandbox.token);
    cleanups.push(() => sandbox.close());
    config = { ...config, baseUrl: sandbox.baseUrl, token: sandbox.token };
    log(`sandbox mode: simulated Prolific API at ${sandbox.baseUrl}; no real participants, no money`);
  } else if (!config.token) {
    log('PROLIFIC_TOKEN is not set: tools are listed, and each call explains how to set it (or start with --sandbox).');
  }
  if (config.readOnly) log('read-only: only tools that change nothing are offered');
  else if (config.maxPublishCost === undefined) log('spending cap: none (PROLIFIC_MAX_PUBLISH_COST=none); a publish or bonus payment is limited only by its confirmed quote');
  else log(`spending cap: a publish or bonus payment is refused above ${config.maxPublishCost} at a time, in minor units (pence/cents), fees and VAT included (PROLIFIC_MAX_PUBLISH_COST; "none" for no cap)`);
  const catalogue = await loadCatalogue();

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  if (config.http) {
    const { serveHttp } = await import('./mcp/http-transport.js');
    const http = await serveHttp(config, config.http, catalogue);
    const drainSeconds = config.http.drainSeconds;
    // Calls in flight finish (within the grace period) before the listener, and then the sandbox, go away.
    cleanups.unshift(async () => {
      log(`draining: no new requests; waiting up to ${drainSeconds} s for those in flight`);
      const left = await http.drain(drainSeconds * 1000);
      if (left) log(`drain: ${left} request(s) still running after ${drainSeconds} s are cut off`);
      await http.close();
    });
    const guard = config.http.token ? 'bearer token required' : 'loopback only, no token';
    log(
      config.uploadRoots.length
        ? `file paths (uploads, exports): only inside ${config.uploadRoots.join(', ')}`
        : 'file paths (uploads, exports) are refused: no upload roots configured (set PROLIFIC_UPLOAD_ROOTS or list folders after the options); inline rows still work',
    );
    log(`Streamable HTTP (stateless) listening on ${http.url} (${guard})`);
    return;
  }
  const server = createServer({ config, catalogue });
  cleanups.unshift(() => server.close());
  process.stdin.on('end', shutdown);
  await server.connect(new StdioServerTransport());
}

main(process.argv.slice(2)).catch((error: unknown) => {
  log(`fatal: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
