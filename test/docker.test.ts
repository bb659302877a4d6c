/**
 * The image, built and run as a deployment would: healthy, token required, non-root, and exiting 0 on
 * `docker stop`. Needs a Docker engine; without one (a client alone is not enough) the test says so and skips.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IMAGE = 'prolific-task-builder-mcp:test';
const HTTP_TOKEN = 'docker-test-bearer-token-93e1f07b2c5a';

function docker(args: string[], timeoutMs = 20_000): { ok: boolean; out: string } {
  const run = spawnSync('docker', args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { ok: run.status === 0, out: `${run.stdout ?? ''}${run.stderr ?? ''}`.trim() || String(run.error ?? '') };
}

const engine = docker(['info', '--format', '{{.ServerVersion}}'], 10_000);
if (!engine.ok) {
  console.log(`docker.test.ts skipped: no Docker engine here (${engine.out.split('\n')[0] || 'docker not found'}).`);
}

describe('Docker image', () => {
  let container: string | undefined;
  afterAll(() => {
    if (container) docker(['rm', '-f', container]);
  });

  it.skipIf(!engine.ok)('builds, answers /healthz, requires the token, runs as non-root and stops cleanly', async () => {
    const build = docker(['build', '-t', IMAGE, '.'], 600_000);
    expect(build.ok, build.out).toBe(true);
    const refused = docker(['run', '--rm', '-e', 'PROLIFIC_SANDBOX=1', IMAGE], 60_000);
    expect(refused.ok).toBe(false);
    expect(refused.out).toContain('PROLIFIC_MCP_HTTP_TOKEN');

    const run = docker(['run', '-d', '-p', '127.0.0.1::8765', '-e', 'PROLIFIC_SANDBOX=1', '-e', `PROLIFIC_MCP_HTTP_TOKEN=${HTTP_TOKEN}`, IMAGE]);
    expect(run.ok, run.out).toBe(true);
    container = run.out.split('\n').at(-1);
    const port = docker(['port', container!, '8765/tcp']).out.split('\n')[0]!.split(':').at(-1);
    const base = `http://127.0.0.1:${port}`;
    await expect
      .poll(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status, { timeout: 30_000, interval: 250 })
      .toBe(200);
    const initialize = (headers: Record<string, string>) =>
      fetch(`${base}/mcp`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'docker-test', version: '1' } } }),
      });
    expect((await initialize({})).status).toBe(401);
    expect((await initialize({ Authorization: `Bearer ${HTTP_TOKEN}` })).status).toBe(200);
    expect(docker(['exec', container!, 'id', '-u']).out).not.toBe('0');

    expect(docker(['stop', '-t', '30', container!], 60_000).ok).toBe(true);
    expect(docker(['inspect', '--format', '{{.State.ExitCode}}', container!]).out).toBe('0');
    expect(docker(['logs', container!]).out).not.toContain(HTTP_TOKEN);
  }, 700_000);
});
