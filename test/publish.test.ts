import { describe, expect, it } from 'vitest';
import { ElicitRequestSchema, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { ok, readyBatch, startEnv, type TestEnv } from './support/env.js';
import { readConfig } from '../src/config.js';

async function unpublishedStudy(env: TestEnv): Promise<Record<string, any>> {
  const { batchId } = await readyBatch(env);
  return ok(
    await env.call('create_study', { batch_id: batchId, name: 'Paid', description: 'D', reward: 200, estimated_completion_time: 10 }),
  );
}

const publishRequests = (env: TestEnv, studyId: string) =>
  env.sandbox.requests.filter((r) => r.url.endsWith(`/studies/${studyId}/transition/`));

describe('publish_study spends only with informed consent', () => {
  it('refuses anything above PROLIFIC_MAX_PUBLISH_COST, whatever the confirmation', async () => {
    const env = await startEnv({ config: { maxPublishCost: 500 } });
    try {
      const study = await unpublishedStudy(env);
      expect(study.total_cost).toBeGreaterThan(500);
      const result = await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost });
      expect(result.isError).toBe(true);
      expect(result.text).toContain('PROLIFIC_MAX_PUBLISH_COST');
      expect(publishRequests(env, study.id)).toHaveLength(0);
      expect(ok(await env.call('get_study', { study_id: study.id })).status).toBe('UNPUBLISHED');
    } finally {
      await env.close();
    }
  });

  it('caps publishing at 20000 when PROLIFIC_MAX_PUBLISH_COST is unset, and not at all with "none"', async () => {
    for (const [variable, capped] of [[undefined, true], ['', true], ['none', false]] as const) {
      const config = readConfig([], variable === undefined ? {} : { PROLIFIC_MAX_PUBLISH_COST: variable });
      const env = await startEnv({ config: { maxPublishCost: config.maxPublishCost } });
      try {
        const { batchId } = await readyBatch(env);
        const study = ok(
          await env.call('create_study', { batch_id: batchId, name: 'Dear', description: 'D', reward: 8000, estimated_completion_time: 60, annotators_per_task: 1 }),
        );
        expect(study.total_cost).toBeGreaterThan(20000);
        const result = await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost });
        expect(result.isError, String(variable)).toBe(capped);
        if (capped) expect(result.text).toContain('spending cap of 20000 (PROLIFIC_MAX_PUBLISH_COST)');
        expect(publishRequests(env, study.id), String(variable)).toHaveLength(capped ? 0 : 1);
      } finally {
        await env.close();
      }
    }
    expect(() => readConfig([], { PROLIFIC_MAX_PUBLISH_COST: 'lots' })).toThrow('or "none" for no cap');
  });

  it('asks the person through form elicitation and publishes on accept', async () => {
    const env = await startEnv({ capabilities: { elicitation: { form: {} } } });
    try {
      const asked: ElicitRequest['params'][] = [];
      env.client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params);
        return { action: 'accept', content: { publish: true } };
      });
      const study = await unpublishedStudy(env);
      const result = ok(await env.call('publish_study', { study_id: study.id }));
      expect(result.published).toBe(true);
      expect(asked).toHaveLength(1);
      expect(asked[0]?.message).toContain('Paid');
      expect(asked[0]?.message).toContain(String(study.total_cost));
      expect(publishRequests(env, study.id)).toHaveLength(1);
    } finally {
      await env.close();
    }
  });

  it('publishes nothing when the person declines', async () => {
    const env = await startEnv({ capabilities: { elicitation: { form: {} } } });
    try {
      env.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
      const study = await unpublishedStudy(env);
      const result = ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
      expect(result.published).toBe(false);
      expect(result.message).toContain('did not approve');
      expect(publishRequests(env, study.id)).toHaveLength(0);
    } finally {
      await env.close();
    }
  });

  it('refuses before asking Prolific when the workspace balance cannot pay, naming balance and quote', async () => {
    const env = await startEnv();
    try {
      const study = await unpublishedStudy(env);
      const workspace = [...env.sandbox.state.workspaces.keys()][0]!;
      env.sandbox.state.setBalance(workspace, 100);
      for (const args of [{}, { confirm_total_cost: study.total_cost }]) {
        const result = await env.call('publish_study', { study_id: study.id, ...args });
        expect(result.isError).toBe(true);
        expect(result.text).toContain(`${workspace} has 100 GBP minor units available`);
        expect(result.text).toContain(`= ${study.total_cost} GBP minor units`);
      }
      // A project that cannot be read leaves the batch's workspace, the same one here.
      env.sandbox.faults.add({ kind: 'status', status: 404, path: /^\/api\/v1\/projects\//, times: Infinity });
      const viaBatch = await env.call('publish_study', { study_id: study.id });
      expect(viaBatch.text).toContain(`${workspace} has 100 GBP minor units available`);
      expect(env.sandbox.requests.some((r) => r.url.endsWith(`/workspaces/${workspace}/balance/`) && r.status === 200)).toBe(true);
      expect(env.sandbox.requests.filter((r) => r.url.includes('/transition/'))).toHaveLength(0);
      expect(ok(await env.call('get_study', { study_id: study.id })).status).toBe('UNPUBLISHED');
    } finally {
      await env.close();
    }
  });

  it('publishes when the balance endpoint is missing or forbidden, saying the balance was not checked', async () => {
    for (const status of [403, 404, 405]) {
      const env = await startEnv();
      try {
        const study = await unpublishedStudy(env);
        env.sandbox.faults.add({ kind: 'status', status, path: /\/balance\/?$/, times: Infinity });
        const result = ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
        expect(result.published).toBe(true);
        expect(result.message).toContain(`The balance was not checked: Prolific API GET`);
        expect(result.message).toContain(`answered ${status}`);
        expect(publishRequests(env, study.id)).toHaveLength(1);
      } finally {
        await env.close();
      }
    }
  });

  it("reports Prolific's own refusal for insufficient funds when the balance could not be read", async () => {
    const env = await startEnv({ sandbox: { balance: 100 } });
    try {
      const study = await unpublishedStudy(env);
      env.sandbox.faults.add({ kind: 'status', status: 403, path: /\/balance\/?$/, times: Infinity });
      const result = await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost });
      expect(result.isError).toBe(true);
      expect(result.text).toContain('Insufficient funds');
      expect(ok(await env.call('get_study', { study_id: study.id })).status).toBe('UNPUBLISHED');
    } finally {
      await env.close();
    }
  });
});
