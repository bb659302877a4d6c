/**
 * `npm run bundle`: the MCP Bundle (.mcpb) for Claude Desktop, built from exactly what `npm pack` publishes,
 * plus manifest.json and the production dependencies as locked in package-lock.json.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packExtension } from '@anthropic-ai/mcpb';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { version: string };
if (manifest.version !== version) {
  throw new Error(`manifest.json is at version ${manifest.version} but package.json at ${version}; make them agree.`);
}
const output = join(root, `${name}-${version}.mcpb`);
const staging = mkdtempSync(join(tmpdir(), 'prolific-mcpb-'));
// The npm that runs this script, started without a shell so that no path needs quoting on any platform.
const npmCli = process.env.npm_execpath;
if (!npmCli) throw new Error('Run this as "npm run bundle".');
const npm = (args: string[], cwd: string): string =>
  execFileSync(process.execPath, [npmCli, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

try {
  // The build already ran (npm run bundle builds first); scripts are off so that packing does not build again.
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', staging], root)) as { filename: string }[];
  if (!packed) throw new Error('npm pack produced nothing');
  execFileSync('tar', ['-xzf', packed.filename], { cwd: staging });
  const app = join(staging, 'package');
  copyFileSync(join(root, 'manifest.json'), join(app, 'manifest.json'));
  copyFileSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
  // Optional ones are left out too: the only one is TypeScript (msw's optional peer, kept by the lock file
  // because it is our devDependency), 25 MB that nothing at run time loads.
  npm(['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'], app);
  rmSync(join(app, 'package-lock.json'));
  if (!(await packExtension({ extensionPath: app, outputPath: output, silent: true }))) {
    throw new Error('mcpb pack refused the bundle (see the manifest errors above)');
  }
  const sha256 = createHash('sha256').update(readFileSync(output)).digest('hex');
  console.log(`${output}\n  ${(statSync(output).size / 1024 / 1024).toFixed(1)} MB, sha256 ${sha256}`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
