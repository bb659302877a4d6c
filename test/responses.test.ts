import { describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { INSTRUCTIONS, ok, startEnv } from './support/env.js';

describe('get_responses on a large batch', () => {
  it('keeps every page under 20,000 tokens and loses no record across pages', async () => {
    const env = await startEnv({ sandbox: { participantIntervalMs: 1, completionMs: 1 } });
    try {
      const rows = Array.from({ length: 300 }, (_, i) => ({ text: `Review number ${i}: ${'lorem ipsum '.repeat(8)}`, META_ID: `r${i}` }));
      const dataset = ok(await env.call('create_dataset', { name: 'Large' }));
      ok(await env.call('upload_file', { dataset_id: dataset.id, rows }));
      expect(ok(await env.call('get_dataset', { dataset_id: dataset.id }))).toMatchObject({ imports: [{ status: 'complete' }], total_datapoint_count: 300 });
      const batch = ok(
        await env.call('create_batch', { name: 'Large', dataset_id: dataset.id, task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' } }),
      );
      ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
      ok(await env.call('setup_batch', { batch_id: batch.id, tasks_per_group: 10 }));
      const study = ok(
        await env.call('create_study', { batch_id: batch.id, name: 'L', description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: 2 }),
      );
      ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
      await new Promise((resolve) => setTimeout(resolve, 200));

      const downloads = () => env.sandbox.requests.filter((r) => r.method === 'GET' && r.url.endsWith(`/batches/${batch.id}/responses`)).length;
      const before = downloads();
      const seen = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      let total = 0;
      do {
        const outcome = await env.call('get_responses', { batch_id: batch.id, limit: 1000, ...(cursor ? { cursor } : {}) });
        const page = ok(outcome);
        // What the agent pays for: the whole result, structured and text copies together.
        expect(countTokens(JSON.stringify(outcome.raw))).toBeLessThanOrEqual(20_000);
        for (const record of page.results) seen.add(record.id);
        total = page.total;
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 100);
      // 30 groups × 2 annotators × 10 tasks × 2 instructions.
      expect(total).toBe(1200);
      expect(seen.size).toBe(1200);
      expect(pages).toBeGreaterThan(1);
      // The API has no paging for responses: the walk downloaded them once, not once a page.
      expect(downloads() - before).toBe(1);
      // A new walk starts from a fresh download, which its pages read again.
      const first = ok(await env.call('get_responses', { batch_id: batch.id, limit: 1 }));
      expect(downloads() - before).toBe(2);
      const second = ok(await env.call('get_responses', { batch_id: batch.id, limit: 1, cursor: first.next_cursor }));
      expect(second.results[0].id).not.toBe(first.results[0].id);
      expect(downloads() - before).toBe(2);
    } finally {
      await env.close();
    }
  });
});
