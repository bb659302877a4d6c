/**
 * Item 3: a 1 GiB CSV through upload_file to the sandbox on loopback, against `curl -T` of the same file to
 * the same storage endpoint. The server runs alone in its process (the sandbox has its own), so its peak RSS
 * is the upload's; a second, fresh server uploads 256 MiB once, for the peak of a single upload. Each side uploads twice, in the order curl, server, server, curl (the sandbox slows a little
 * as it fills, and this way neither side always comes later), and keeps its best time.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProlificClient } from '../../src/prolific/client.js';
import { writeReviewsCsv } from './fixture.js';
import { figure, info, megabytes, missing, ratio, seconds, type Figure } from './report.js';
import { startSandboxProcess, type SandboxProcess } from './sandbox-control.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const FILE_BYTES = 1 << 30;
/** The size of the fresh-process memory measure: what issue 19 measured at 149 MB. */
const SMALL_FILE_BYTES = 256 << 20;
const ROUNDS = 2;
/** Peak RSS of the server while it uploads, whatever the file's size. */
const RSS_TARGET_MB = 120;

export interface UploadSetup {
  sandbox: SandboxProcess;
  server: ServerProcess;
  api: ProlificClient;
  workspaceId: string;
}

/** Measures the upload, then leaves the sandbox and server running for the per-call overhead measure. */
export async function measureUpload(setup: UploadSetup): Promise<Figure[]> {
  const { sandbox, server, api, workspaceId } = setup;
  const dir = await mkdtemp(join(tmpdir(), 'prolific-bench-'));
  try {
    const file = join(dir, 'reviews-1gib.csv');
    const generated = performance.now();
    const rows = await writeReviewsCsv(file, FILE_BYTES);
    const generation = info(3, `fixture: ${rows.toLocaleString('en-GB')} rows, 1 GiB`, seconds(performance.now() - generated));
    const curl = await findCurl();
    const curlMs: number[] = [];
    const oursMs: number[] = [];
    const viaServer = async (round: number) => {
      const dataset = await api.createDataset({ name: `bench upload ${round}`, workspace_id: workspaceId });
      const started = performance.now();
      const result = await server.call('upload_file', { dataset_id: dataset.id, file_path: file, wait: false });
      oursMs.push(performance.now() - started);
      const sent = (result.structuredContent as { bytes?: number } | undefined)?.bytes;
      if (sent !== FILE_BYTES) throw new Error(`upload_file reported ${sent} bytes instead of ${FILE_BYTES}`);
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      if (round % 2 === 1) await viaServer(round);
      if (curl) curlMs.push(await uploadWithCurl(curl, api, workspaceId, file, round));
      if (round % 2 === 0) await viaServer(round);
    }
    const peak = server.peakRssMb();
    const throughput = (ms: number) => FILE_BYTES / 1e6 / (ms / 1000);
    const ours = throughput(Math.min(...oursMs));
    const small = join(dir, 'reviews-256mib.csv');
    await writeReviewsCsv(small, SMALL_FILE_BYTES);
    const target = `≤ ${RSS_TARGET_MB} MB`;
    const figures = [
      generation,
      figure(3, 'upload_file 1 GiB: server peak RSS', peak, megabytes, target, (v) => v <= RSS_TARGET_MB),
      figure(3, 'upload_file 256 MiB, fresh server: peak RSS', await freshServerPeak(setup, small, SMALL_FILE_BYTES), megabytes, target, (v) => v <= RSS_TARGET_MB),
    ];
    if (curl) {
      const reference = throughput(Math.min(...curlMs));
      figures.push(
        figure(3, `upload throughput: ${Math.round(ours)} MB/s vs curl -T ${Math.round(reference)} MB/s`, ours / reference, ratio, '≥ 0.70×', (v) => v >= 0.7, {
          ours_ms: oursMs,
          curl_ms: curlMs,
        }),
      );
    } else {
      figures.push(missing(3, `upload throughput: ${Math.round(ours)} MB/s vs curl -T`, 'curl not found', '≥ 0.70×'));
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startUploadSetup(): Promise<UploadSetup> {
  const sandbox = await startSandboxProcess({});
  const api = new ProlificClient({ baseUrl: sandbox.baseUrl, token: sandbox.token });
  const workspaceId = (await api.listWorkspaces()).results[0]?.id ?? '';
  const server = await startServerProcess(serverEnv(sandbox, workspaceId));
  return { sandbox, server, api, workspaceId };
}

function serverEnv(sandbox: SandboxProcess, workspaceId: string): Record<string, string> {
  return { PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: sandbox.token, PROLIFIC_WORKSPACE_ID: workspaceId, PROLIFIC_UPLOAD_ROOTS: tmpdir() };
}

/** A server that has done nothing else uploads the file once: its high-water mark is that upload's. */
async function freshServerPeak({ sandbox, api, workspaceId }: UploadSetup, file: string, bytes: number): Promise<number> {
  const server = await startServerProcess(serverEnv(sandbox, workspaceId));
  try {
    const dataset = await api.createDataset({ name: 'bench upload, fresh server', workspace_id: workspaceId });
    const result = await server.call('upload_file', { dataset_id: dataset.id, file_path: file, wait: false });
    const sent = (result.structuredContent as { bytes?: number } | undefined)?.bytes;
    if (sent !== bytes) throw new Error(`upload_file reported ${sent} bytes instead of ${bytes}`);
    return server.peakRssMb();
  } finally {
    await server.close();
  }
}

async function findCurl(): Promise<string | undefined> {
  try {
    await promisify(execFile)('curl', ['--version']);
    return 'curl';
  } catch {
    return undefined;
  }
}

/** `curl -T` to a fresh presigned URL; milliseconds from spawn to exit, as a script would see it. */
async function uploadWithCurl(curl: string, api: ProlificClient, workspaceId: string, file: string, round: number): Promise<number> {
  const dataset = await api.createDataset({ name: `bench curl ${round}`, workspace_id: workspaceId });
  const { upload_url } = await api.getUploadUrl(dataset.id, 'reviews-1gib.csv');
  const started = performance.now();
  const { stdout } = await promisify(execFile)(curl, ['-sS', '-T', file, '-H', 'content-type: text/csv', '-o', '/dev/null', '-w', '%{http_code}', upload_url]);
  const elapsed = performance.now() - started;
  if (stdout.trim() !== '200') throw new Error(`curl -T answered HTTP ${stdout.trim()}`);
  return elapsed;
}
