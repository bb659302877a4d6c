import { describe, expect, it } from 'vitest';
import { INSTRUCTIONS, ROWS, ok, startEnv, type TestEnv, untilSubmitted } from './support/env.js';
import { NOT_THE_CLIENT } from './support/contract.js';

/** The simulated participants: diligence, pace, answer times, returns and time-outs, all from the seed. */

async function finishedStudy(env: TestEnv, annotators: number): Promise<{ batchId: string; studyId: string }> {
  const dataset = ok(await env.call('create_dataset', { name: 'Sim' }));
  // Distinct rows: a V4 dataset stores a repeated record once.
  ok(await env.call('upload_file', { dataset_id: dataset.id, rows: [...ROWS, ...ROWS, ...ROWS].map((row, i) => ({ ...row, META_ID: `r${i + 1}` })) }));
  const batch = ok(await env.call('create_batch', { name: 'Sim', dataset_id: dataset.id, task_details: { task_name: 'T', task_introduction: 'I', task_steps: 'S' } }));
  ok(await env.call('set_instructions', { batch_id: batch.id, instructions: INSTRUCTIONS }));
  ok(await env.call('setup_batch', { batch_id: batch.id, tasks_per_group: 2 }));
  const study = ok(
    await env.call('create_study', { batch_id: batch.id, name: 'Sim', description: 'D', reward: 100, estimated_completion_time: 5, annotators_per_task: annotators }),
  );
  ok(await env.call('publish_study', { study_id: study.id, confirm_total_cost: study.total_cost }));
  for (let i = 0; i < 400; i++) {
    if (ok(await env.call('get_study', { study_id: study.id })).status === 'AWAITING REVIEW') break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { batchId: batch.id, studyId: study.id };
}

describe('simulated participants', () => {
  it('return or time out by the seed; their task groups are served again until each has its annotators', async () => {
    const env = await startEnv({ sandbox: { returnRate: 0.2, timeoutRate: 0.1, seed: 11 } });
    try {
      const { batchId, studyId } = await finishedStudy(env, 4);
      const state = env.sandbox.state;
      const submissions = state.submissionsOf(studyId);
      const gaveBack = submissions.filter((s) => s.status === 'RETURNED' || s.status === 'TIMED-OUT');
      expect(submissions.filter((s) => s.status === 'RETURNED').length).toBeGreaterThan(0);
      expect(submissions.filter((s) => s.status === 'TIMED-OUT').length).toBeGreaterThan(0);
      // 12 datapoints in groups of 2: 6 groups × 4 annotators submitted, whatever was given back.
      const submitted = submissions.filter((s) => s.status === 'AWAITING REVIEW');
      expect(submitted).toHaveLength(24);
      for (let group = 0; group < 6; group++) expect(submitted.filter((s) => s.taskGroup === group)).toHaveLength(4);
      expect(submissions).toHaveLength(24 + gaveBack.length);

      const responses = state.responsesOf(batchId);
      expect(new Set(responses.map((r) => r.submissionId))).toEqual(new Set(submitted.map((s) => s.id)));
      // A time-out comes at the study's maximum allowed time (50 minutes for a 5-minute estimate: 10 × the pace).
      for (const s of submissions.filter((s) => s.status === 'TIMED-OUT')) expect(s.finishesAt - s.startedAt).toBeCloseTo(300, 6);
      for (const s of submissions.filter((s) => s.status === 'RETURNED')) expect(s.completedAt).toBeNull();

      const study = ok(await env.call('get_study', { study_id: studyId }));
      expect(study.places_taken).toBe(24);
      expect(study.submissions_by_status).toMatchObject({ 'AWAITING REVIEW': 24 });
    } finally {
      await env.close();
    }
  }, 30_000);

  it('recruit again when a study awaiting review is given more places', async () => {
    const env = await startEnv();
    try {
      const { studyId } = await finishedStudy(env, 1);
      const patched = await fetch(`${env.sandbox.baseUrl}/api/v1/studies/${studyId}/`, {
        method: 'PATCH',
        headers: { Authorization: `Token ${env.sandbox.token}`, 'Content-Type': 'application/json', ...NOT_THE_CLIENT },
        body: JSON.stringify({ total_available_places: 8 }),
      });
      expect(((await patched.json()) as { status: string }).status).toBe('ACTIVE');
      const study = await untilSubmitted(env, studyId);
      expect(study).toMatchObject({ status: 'AWAITING REVIEW', places_taken: 8 });
      // Six groups served once, then the next turns go to groups 0 and 1.
      expect(env.sandbox.state.submissionsOf(studyId).map((s) => s.taskGroup)).toEqual([0, 1, 2, 3, 4, 5, 0, 1]);
    } finally {
      await env.close();
    }
  });

  it('answer one task after another, careful annotators slower than random clickers, the same for the same seed', async () => {
    const run = async () => {
      const env = await startEnv({ sandbox: { seed: 5, completionMs: 100, participantIntervalMs: 10 } });
      try {
        const { studyId, batchId } = await finishedStudy(env, 8);
        const state = env.sandbox.state;
        const submissions = state.submissionsOf(studyId).map((s) => ({ ...s }));
        for (const submission of submissions) {
          const times = [...new Set(state.responsesOf(batchId).filter((r) => r.submissionId === submission.id).map((r) => r.createdAt))];
          // Two tasks: the first halfway through, the second at the end.
          expect(times).toHaveLength(2);
          expect(times[1]).toBe(submission.completedAt);
          expect(times[0]).toBe(Math.round(submission.startedAt + (submission.completedAt! - submission.startedAt) / 2));
        }
        return submissions;
      } finally {
        await env.close();
      }
    };
    const first = await run();
    const kinds = new Set(first.map((s) => s.profile.diligence));
    expect(kinds).toEqual(new Set(['careful', 'careless', 'random', 'confuser']));
    const pace = (kind: string) => {
      const of = first.filter((s) => s.profile.diligence === kind).map((s) => s.finishesAt - s.startedAt);
      return of.reduce((a, b) => a + b, 0) / of.length;
    };
    expect(pace('careful')).toBeGreaterThan(pace('careless'));
    expect(pace('careless')).toBeGreaterThan(pace('random'));
    for (const s of first) {
      if (s.profile.diligence === 'careful') expect(s.profile.reliability).toBeGreaterThanOrEqual(0.85);
      if (s.profile.diligence === 'random') expect(s.profile.reliability).toBe(0);
      if (s.profile.diligence === 'confuser') expect(s.profile.shift).toBeGreaterThanOrEqual(0);
    }
    const again = await run();
    expect(again.map((s) => [s.id, s.participantId, s.profile, s.outcome, s.taskGroup])).toEqual(
      first.map((s) => [s.id, s.participantId, s.profile, s.outcome, s.taskGroup]),
    );
  }, 30_000);
});
