import { describe, expect, it } from 'vitest';
import { INSTRUCTIONS, ROWS, ok, startEnv } from './support/env.js';

describe('cancellation', () => {
  it('stops waiting for setup when the client cancels, and polls no more', async () => {
    const env = await startEnv({ sandbox: { processingMs: 60_000 } });
    try {
      const dataset = ok(await env.call('create_dataset', { name: 'D' }));
      ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS, wait: false }));
      const controller = new AbortController();
      const started = Date.now();
      const pending = env.client.callTool(
        { name: 'upload_file', arguments: { dataset_id: dataset.id, rows: ROWS } },
        undefined,
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 700);
      await expect(pending).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const settled = env.sandbox.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(env.sandbox.requests.length).toBe(settled);
    } finally {
      await env.close();
    }
  });

  it('times out a wait with the current status instead of hanging', async () => {
    const env = await startEnv({ sandbox: { processingMs: 60_000 } });
    try {
      const dataset = ok(await env.call('create_dataset', { name: 'D' }));
      const result = ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS, timeout_seconds: 1 }));
      expect(result).toMatchObject({ status: 'processing', timed_out: true });
      const batch = ok(
        await env.call('create_batch', { name: 'B', dataset_id: dataset.id, task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' } }),
      );
      ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
    } finally {
      await env.close();
    }
  });
});
