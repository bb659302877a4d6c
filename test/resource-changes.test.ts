import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { INSTRUCTIONS, ROWS, ok, startEnv, type TestEnv } from './support/env.js';

const TASK = { task_name: 'T', task_introduction: 'I', task_steps: 'S' };

describe('resource list changes', () => {
  let env: TestEnv;
  let announced = 0;
  beforeAll(async () => {
    env = await startEnv();
    env.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      announced++;
    });
  });
  afterAll(async () => {
    await env.close();
  });

  /** Waits for what the server sent alongside the last answer, then says how many announcements came. */
  const settled = async () => {
    await env.client.ping();
    return announced;
  };

  it('declares listChanged and announces each batch created, copied, renamed or set up, and nothing else', async () => {
    expect(env.client.getServerCapabilities()?.resources?.listChanged).toBe(true);
    const dataset = ok(await env.call('create_dataset', { name: 'Announced' }));
    ok(await env.call('upload_file', { dataset_id: dataset.id, rows: ROWS }));
    expect(await settled()).toBe(0);
    const batch = ok(await env.call('create_batch', { name: 'Announced', dataset_id: dataset.id, task_details: TASK }));
    expect(await settled()).toBe(1);
    ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
    ok(await env.call('update_batch', { batch_id: batch.id, task_details: { ...TASK, task_steps: 'Steps' } }));
    ok(await env.call('get_batch', { batch_id: batch.id }));
    expect(await settled()).toBe(1);
    ok(await env.call('update_batch', { batch_id: batch.id, name: 'Renamed' }));
    expect(await settled()).toBe(2);
    ok(await env.call('duplicate_batch', { batch_id: batch.id }));
    expect(await settled()).toBe(3);
    ok(await env.call('setup_batch', { batch_id: batch.id, tasks_per_group: 2 }));
    expect(await settled()).toBe(4);
    const listed = (await env.client.listResources()).resources.map((resource) => resource.name);
    expect(listed).toEqual(expect.arrayContaining(['Renamed', 'Renamed (Copy)']));
  });

  it('completes batch ids on the report template as on the batch template', async () => {
    const { resources } = await env.client.listResources();
    const id = resources.find((resource) => resource.uri.startsWith('prolific://batches/'))!.uri.replace('prolific://batches/', '');
    for (const uri of ['prolific://batches/{batch_id}', 'prolific://batches/{batch_id}/report']) {
      const completion = await env.client.complete({ ref: { type: 'ref/resource', uri }, argument: { name: 'batch_id', value: id.slice(0, 6) } });
      expect(completion.completion.values, uri).toContain(id);
    }
  });
});
