/**
 * Item 6: waiting for a batch whose set-up takes 60 s on the sandbox clock (which here is the real clock, so
 * this measure takes two minutes and runs beside the others). The walkthrough as an agent drives it: the
 * dataset's processing (60 s as well) is waited for first, with no history; then setup_batch, whose wait
 * is the one measured. Status requests are counted as the sandbox received them.
 */
import { count, figure, info, seconds, type Figure } from './report.js';
import { startSandboxProcess, type SandboxProcess } from './sandbox-control.js';
import { startServerProcess } from './server-process.js';

const PROCESSING_MS = 60_000;
const ROWS = Array.from({ length: 40 }, (_, i) => ({ text: `Review ${i}: works as described.`, META_ID: `r${i}` }));

export async function measurePolling(): Promise<Figure[]> {
  const sandbox = await startSandboxProcess({ processingMs: PROCESSING_MS });
  try {
    const server = await startServerProcess({ PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: sandbox.token });
    try {
      const dataset = (await server.call('create_dataset', { name: 'bench polling' })).structuredContent as { id: string };
      const datasetWait = await timedWait(sandbox, 'dataset', dataset.id, () =>
        server.call('upload_file', { dataset_id: dataset.id, rows: ROWS, timeout_seconds: 300 }),
      );
      const batch = (
        await server.call('create_batch', {
          name: 'bench polling',
          dataset_id: dataset.id,
          task_details: { task_name: 'Rate reviews', task_introduction: 'Read each review.', task_steps: 'Choose a sentiment.' },
        })
      ).structuredContent as { id: string };
      await server.call('set_instructions', {
        batch_id: batch.id,
        instructions: [{ type: 'multiple_choice', description: 'Sentiment?', options: ['positive', 'negative'].map((v) => ({ label: v, value: v })), answer_limit: 1 }],
      });
      const batchWait = await timedWait(sandbox, 'batch', batch.id, () => server.call('setup_batch', { batch_id: batch.id, timeout_seconds: 300 }));
      return [
        info(6, 'dataset import wait first (no history): status requests, time after complete', `${datasetWait.requests}, ${seconds(datasetWait.lateMs)}`),
        figure(6, 'setup_batch wait of 60 s: status requests', batchWait.requests, count, '≤ 15', (v) => v <= 15),
        figure(6, 'setup_batch returned after READY', batchWait.lateMs, seconds, '≤ 2 s', (v) => v <= 2000),
      ];
    } finally {
      await server.close();
    }
  } finally {
    await sandbox.close();
  }
}

/**
 * Runs a waiting tool call, learning from the sandbox when the step will end (checked every 200 ms while the
 * call runs), and counts the status reads the sandbox received once the step began.
 */
async function timedWait(
  sandbox: SandboxProcess,
  kind: 'dataset' | 'batch',
  id: string,
  call: () => Promise<unknown>,
): Promise<{ requests: number; lateMs: number }> {
  const since = (await sandbox.requests()).length;
  let readyAt: number | null = null;
  let running = true;
  const watch = (async () => {
    while (running && readyAt === null) {
      readyAt = await sandbox.pendingUntil(kind, id);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  await call();
  const returnedAt = Date.now();
  running = false;
  await watch;
  if (readyAt === null) throw new Error(`the ${kind} never showed as PROCESSING`);
  const seen = await sandbox.requests(since);
  // The step begins with the storage PUT (dataset) or the setup POST (batch); reads before it are the tool's checks.
  const begin = seen.findIndex((r) => (kind === 'dataset' ? r.method === 'PUT' : r.method === 'POST' && r.path.endsWith('/setup')));
  const status = new RegExp(`/api/v1/data-collection/${kind === 'dataset' ? 'datasets' : 'batches'}/${id}(/status|/imports/[^/]+)?/?$`);
  const requests = seen.slice(begin + 1).filter((r) => r.method === 'GET' && status.test(r.path)).length;
  return { requests, lateMs: returnedAt - readyAt };
}
