/**
 * `<bin> sandbox [--port N] [--token T] [--fault SPEC]...`: runs the sandbox on its own until SIGINT or
 * SIGTERM. This is a standalone command, not the MCP server, so it talks to the user on stdout.
 */
import { parseFaultSpec } from './faults.js';
import { startSandbox, type SandboxOptions } from './index.js';

const USAGE = 'Usage: sandbox [--port N] [--token T] [--balance N] [--v3-datasets] [--legacy-instructions] [--fault SPEC]... (--help explains SPEC)';

const HELP = `Usage: sandbox [--port N] [--token T] [--balance N] [--v3-datasets] [--legacy-instructions] [--fault SPEC]...

  --port N                API port (default: a free one); storage gets its own free port
  --token T               the accepted API token (default: a random one)
  --balance N             every workspace's starting balance, minor units (default 100000); 0 rehearses a refused publish
  --v3-datasets           datasets created without a schema are legacy V3 ones (default: V4 awaiting a schema)
  --legacy-instructions   keep the batch instructions endpoint working as before its 1 Sep 2026 sunset
                          (default: it answers 410 Gone, as after the sunset)
  --fault SPEC            inject a transport fault; repeatable, checked in the order given

SPEC is "[METHOD] PATH [KIND] [status=N] [retry-after=S] [delay-ms=MS] [times=N|inf] [chance=P] [origin=api|storage]":
  KIND is status, reset-before, reset-after, delay, truncate, html or empty; with status=N it may be left out.
  chance=P (0 to 1) affects only that share of matching requests, drawn from the seed (with times=inf: random faults).
  A PATH with any of \\^$.*+?()[]{}| is a regular expression anchored as ^(?:PATH)$;
  any other PATH matches exactly, ignoring a trailing slash. times defaults to 1.
Examples:
  --fault "POST /api/v1/studies/ reset-after"
  --fault "GET /api/v1/data-collection/batches/.* status=429 retry-after=1 times=3"
  --fault "PUT /task-builder-datasets/.* status=503 origin=storage"
  --fault "/api/.* status=503 times=inf chance=0.05"
`;

export async function runSandboxCli(argv: string[]): Promise<void> {
  const options = parseArguments(argv);
  if (!options) {
    process.stdout.write(HELP);
    return;
  }
  const sandbox = await startSandbox(options);
  const workspaces = [...sandbox.state.workspaces.values()];
  process.stdout.write(
    [
      'Prolific sandbox running (no real participants, no real money).',
      `  API:        ${sandbox.baseUrl}`,
      `  Token:      ${sandbox.token}`,
      ...workspaces.map((workspace) => `  Workspace:  ${workspace.id} (${workspace.title})`),
      ...(options.legacyInstructions ? ['  Instructions endpoint: working as before its sunset (--legacy-instructions)'] : []),
      ...(options.faults ?? []).map((rule) => `  Fault:      ${rule.method ?? '*'} ${String(rule.path)} ${rule.kind} (${rule.origin ?? 'api'})`),
      '',
      'Point the MCP server (or any Prolific client) at it with:',
      `  export PROLIFIC_URL=${sandbox.baseUrl} PROLIFIC_TOKEN=${sandbox.token}`,
      '',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sandbox.close();
  process.stdout.write('Sandbox stopped.\n');
}

/** The options, or undefined when help was asked for. */
function parseArguments(argv: readonly string[]): SandboxOptions | undefined {
  const options: SandboxOptions = {};
  const args = argv[0] === 'sandbox' ? argv.slice(1) : [...argv];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? args[(i += 1)];
      if (next === undefined || next === '') throw new Error(`${flag} needs a value. ${USAGE}`);
      return next;
    };
    if (flag === '--port') {
      const port = value();
      if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`--port must be a number from 0 to 65535 (got "${port}"). ${USAGE}`);
      options.port = Number(port);
    } else if (flag === '--balance') {
      const balance = value();
      if (!/^\d+$/.test(balance)) throw new Error(`--balance must be a whole number of minor units (got "${balance}"). ${USAGE}`);
      options.balance = Number(balance);
    } else if (flag === '--token') {
      options.token = value();
    } else if (flag === '--v3-datasets') {
      options.legacyDatasets = true;
    } else if (flag === '--fault') {
      options.faults = [...(options.faults ?? []), parseFaultSpec(value())];
    } else if (flag === '--legacy-instructions' && inline === undefined) {
      options.legacyInstructions = true;
    } else if (flag === '--help' || flag === '-h') {
      return undefined;
    } else {
      throw new Error(`Unknown argument "${arg}". ${USAGE}`);
    }
  }
  return options;
}
