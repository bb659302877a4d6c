import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { MANIFEST_SCHEMAS, getMcpConfigForManifest } from '@anthropic-ai/mcpb/node';
import { createServer } from '../src/mcp/server.js';
import { loadCatalogue } from '../src/mcp/catalogue.js';
import { TOOLSET_NAMES } from '../src/toolsets.js';
import { callTool, ok } from './support/env.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const readJson = (name: string) => JSON.parse(readFileSync(join(ROOT, name), 'utf8'));
const pkg = readJson('package.json');
const manifest = readJson('manifest.json');
const serverJson = readJson('server.json');
const run = promisify(execFile);

interface Packed {
  filename: string;
  files: { path: string }[];
}

describe('the npm package, packed and installed into an empty folder', () => {
  let work: string;
  let consumer: string;
  let packed: Packed;
  let installed: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'prolific-mcp-package-'));
    consumer = join(work, 'consumer');
    await mkdir(consumer);
    // npm test has just built dist/; packing without scripts keeps other test files' binary from being rebuilt under them.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
    packed = (JSON.parse(stdout) as Packed[])[0]!;
    // npm runs no prepare for a tarball dependency; if it did, the build would fail without devDependencies, and so would this.
    await run('npm', ['install', join(work, packed.filename), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: consumer });
    installed = join(consumer, 'node_modules', pkg.name);
  }, 120_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds the built server and its documentation, and nothing else', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toContain(pkg.bin[pkg.name]);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'claude_desktop_config.example.json', 'dist/tools/index.js', 'dist/ui/study-dashboard.html']));
    const others = paths.filter((path) => !/^dist\/(src|tools|resources)\/.+\.js$/.test(path)).sort();
    expect(others).toEqual(['LICENSE', 'README.md', 'claude_desktop_config.example.json', 'dist/tools/listing.json', 'dist/ui/study-dashboard.html', 'package.json']);
  });

  it('starts through npx from that folder and completes a sandbox call', async () => {
    const transport = new StdioClientTransport({
      command: 'npx',
      args: ['--no-install', pkg.name, '--sandbox'],
      cwd: consumer,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'npx-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = ok(await callTool(client, 'list_workspaces'));
      expect(result.workspaces.length).toBe(1);
      // The installed server finds its built dashboard page.
      const page = await client.readResource({ uri: 'ui://prolific/study-dashboard' });
      expect(page.contents[0]).toMatchObject({ mimeType: 'text/html;profile=mcp-app', text: expect.stringContaining('<!doctype html>') });
    } finally {
      await client.close();
    }
  });

  it('starts as manifest.json tells Claude Desktop to, with the settings a person chose', async () => {
    const allowed = join(work, 'allowed');
    const elsewhere = join(work, 'elsewhere');
    await mkdir(allowed);
    await mkdir(elsewhere);
    await writeFile(join(allowed, 'reviews.csv'), 'text\nGood\nBad\n');
    await writeFile(join(elsewhere, 'secret.csv'), 'text\nnot for upload\n');
    // The same substitution Claude Desktop applies, from the MCPB library, onto the installed package.
    const config = await getMcpConfigForManifest({
      manifest,
      extensionPath: installed,
      systemDirs: { HOME: work, DESKTOP: work, DOCUMENTS: work, DOWNLOADS: work },
      userConfig: { sandbox: true, upload_roots: [allowed], toolsets: 'run,results' },
      pathSeparator: delimiter,
    });
    expect(config?.command).toBe('node');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: config!.args,
      env: { ...getDefaultEnvironment(), ...config!.env },
      cwd: work,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'bundle-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['create_dataset', 'summarize_responses']));
      expect(tools.map((tool) => tool.name)).not.toContain('update_batch');
      const dataset = ok(await callTool(client, 'create_dataset', { name: 'From the bundle' }));
      const upload = ok(await callTool(client, 'upload_file', { dataset_id: dataset.id, file_path: join(allowed, 'reviews.csv') }));
      expect(upload.status).toBe('complete');
      const refused = await callTool(client, 'upload_file', { dataset_id: dataset.id, file_path: join(elsewhere, 'secret.csv') });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('outside the folders');
    } finally {
      await client.close();
    }
  });
});

describe('manifest.json (MCP Bundle) and server.json (MCP registry)', () => {
  it('manifest.json passes the MCPB schema of its version', () => {
    const schema = MANIFEST_SCHEMAS[manifest.manifest_version as keyof typeof MANIFEST_SCHEMAS];
    const result = schema.safeParse(manifest);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('lists exactly the tools the server offers with every set on, in order', async () => {
    const server = createServer({
      config: { baseUrl: 'https://api.prolific.com', sandbox: false, readOnly: false, uploadRoots: [], maxUploadBytes: 0, toolsets: TOOLSET_NAMES },
      catalogue: await loadCatalogue(),
    });
    const client = new Client({ name: 'manifest-test', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    const { tools } = await client.listTools();
    await client.close();
    expect(manifest.tools.map((tool: { name: string }) => tool.name)).toEqual(tools.map((tool) => tool.name));
  });

  it('agrees with package.json', () => {
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.server.entry_point).toBe(pkg.bin[pkg.name]);
    expect(manifest.compatibility.runtimes.node).toBe(pkg.engines.node);
    expect(serverJson.name).toBe(pkg.mcpName);
    expect(serverJson.version).toBe(pkg.version);
    expect(serverJson.packages).toEqual([expect.objectContaining({ registryType: 'npm', identifier: pkg.name, version: pkg.version, transport: { type: 'stdio' } })]);
  });

  it('ships the Apache-2.0 licence it declares, under a name of its own, saying it is not Prolific\'s', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(manifest.license).toBe('Apache-2.0');
    const licence = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(licence.trim().split('\n').slice(0, 2).map((line) => line.trim())).toEqual(['Apache License', 'Version 2.0, January 2004']);
    expect(licence).toContain('END OF TERMS AND CONDITIONS');
    // io.github.prolific-oss is Prolific's own GitHub organisation, which publishes the official server.
    expect(pkg.mcpName).toMatch(/^io\.github\.[a-z0-9-]+\/prolific-task-builder-mcp$/);
    expect(pkg.mcpName).not.toMatch(/prolific-oss/i);
    for (const said of [pkg.description, serverJson.description, manifest.author.name]) expect(said).toMatch(/unofficial|not (made|affiliated)/i);
  });

  it('builds its Docker image on Node 22 LTS in every stage', () => {
    const stages = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').match(/^FROM .*$/gm) ?? [];
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages) expect(stage).toMatch(/^FROM node:22(-slim)?( AS \S+)?$/);
  });

  it('server.json keeps to the registry rules', () => {
    expect(serverJson.name).toMatch(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/);
    expect(serverJson.description.length).toBeLessThanOrEqual(100);
    const names = serverJson.packages[0].environmentVariables.map((variable: { name: string }) => variable.name);
    // Every setting the bundle passes is also described for registry clients.
    expect(names).toEqual(expect.arrayContaining(Object.keys(manifest.server.mcp_config.env)));
    expect(serverJson.packages[0].environmentVariables.find((variable: { name: string }) => variable.name === 'PROLIFIC_TOKEN').isSecret).toBe(true);
    expect(manifest.user_config.prolific_token.sensitive).toBe(true);
  });
});
