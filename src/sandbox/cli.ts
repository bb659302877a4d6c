/**
 * `<bin> sandbox [--port N] [--token T]`: runs the sandbox on its own until SIGINT or SIGTERM. This is a
 * standalone command, not the MCP server, so it talks to the user on stdout.
 */
import { startSandbox, type SandboxOptions } from './index.js';

const USAGE = 'Usage: sandbox [--port N] [--token T]';

export async function runSandboxCli(argv: string[]): Promise<void> {
  const sandbox = await startSandbox(parseArguments(argv));
  const workspaces = [...sandbox.state.workspaces.values()];
  process.stdout.write(
    [
      'Prolific sandbox running (no real participants, no real money).',
      `  API:        ${sandbox.baseUrl}`,
      `  Token:      ${sandbox.token}`,
      ...workspaces.map((workspace) => `  Workspace:  ${workspace.id} (${workspace.title})`),
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

function parseArguments(argv: readonly string[]): SandboxOptions {
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
    } else if (flag === '--token') {
      options.token = value();
    } else {
      throw new Error(`Unknown argument "${arg}". ${USAGE}`);
    }
  }
  return options;
}
