/**
 * Item 8: rank_models on 100,000 judgements of 20 models, intervals included. First the Bradley–Terry
 * ranking alone, in this process: the median of three runs with its 1,000 bootstrap fits, and beside it one
 * fit without intervals, so the ratio says what the intervals cost. Then the tool end to end, in the built
 * server over stdio against a sandbox process holding such a batch: the call reads the responses and the
 * report (the datapoints: which models each judgement compared) and ranks them, as an agent's call would.
 */
import { FIRST, rankModels, SECOND, TIE, type Judgements } from '../../src/stats/bradley-terry.js';
import { count, figure, info, megabytes, ratio, seconds, median, type Figure } from './report.js';
import { startSandboxProcess } from './sandbox-control.js';
import { startServerProcess } from './server-process.js';

const MODELS = 20;
const JUDGEMENTS = 100_000;
/** 5,000 prompts, each with 4 pairs of models judged by 5 annotators each. */
const PROMPTS = 5_000;
const ANNOTATORS = 2_000;
const RUNS = 3;

export async function measureRanking(): Promise<Figure[]> {
  const data = judgements();
  rankModels(data, { resamples: 50 });
  const full: number[] = [];
  const point: number[] = [];
  let ranking = rankModels(data, { resamples: 0 });
  for (let run = 0; run < RUNS; run++) {
    let started = performance.now();
    ranking = rankModels(data);
    full.push(performance.now() - started);
    started = performance.now();
    rankModels(data, { resamples: 0 });
    point.push(performance.now() - started);
  }
  const recovered = spearman(Array.from(ranking.score), strengths());
  return [
    ...(await measureTool()),
    figure(8, `Bradley–Terry, ${count(JUDGEMENTS)} judgements, ${MODELS} models, 1,000 bootstrap fits (median of ${RUNS})`, median(full), seconds, '< 2 s', (v) => v < 2000, {
      runs_ms: full.map(Math.round),
    }),
    info(8, `the same with intervals vs one fit without (${Math.round(median(point))} ms)`, ratio(median(full) / Math.max(1e-3, median(point)))),
    info(8, `rank correlation with the simulated strengths`, recovered.toFixed(3)),
  ];
}

/** 2,000 prompts × 10 of the 190 pairs of 20 models × 5 annotators: 100,000 judgements. */
const SEEDED = { models: MODELS, prompts: 2_000, pairsPerPrompt: 10, annotatorsPerTask: 5, tasksPerGroup: 10 };

async function measureTool(): Promise<Figure[]> {
  const sandbox = await startSandboxProcess({ returnRate: 0, timeoutRate: 0, participantIntervalMs: 1, balance: 1e12 });
  try {
    const seeded = await sandbox.seedComparisons(SEEDED);
    if (seeded.responses !== JUDGEMENTS) throw new Error(`the sandbox made ${seeded.responses} judgements, not ${JUDGEMENTS}`);
    const server = await startServerProcess({ PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: sandbox.token, PROLIFIC_TOOLSETS: 'evaluations' });
    try {
      const started = performance.now();
      const result = await server.call('rank_models', { batch_id: seeded.batchId });
      const elapsed = performance.now() - started;
      const data = result.structuredContent as { judgements?: number; excluded_same_side?: number } | undefined;
      if (result.isError || data?.judgements === undefined) throw new Error(`rank_models failed: ${JSON.stringify(result.content).slice(0, 300)}`);
      return [
        info(8, `seeded comparison batch: ${count(seeded.responses)} judgements, 20 models`, seconds(seeded.seconds * 1000)),
        figure(8, 'rank_models end to end over stdio (reads responses and report, 1,000 bootstrap fits)', elapsed, seconds, '< 2 s', (v) => v < 2000, {
          judgements_fitted: data.judgements,
          excluded_same_side: data.excluded_same_side ?? 0,
        }),
        figure(8, 'server peak RSS, rank_models', server.peakRssMb(), megabytes, '≤ 400 MB', (v) => v <= 400),
      ];
    } finally {
      await server.close();
    }
  } finally {
    await sandbox.close();
  }
}

/** Evenly spaced true strengths, best first. */
function strengths(): number[] {
  return Array.from({ length: MODELS }, (_, i) => 1.5 - (3 * i) / (MODELS - 1));
}

/** Simulated judgements: Bradley–Terry outcomes, a tie on a close call now and then, sides at random. */
function judgements(): Judgements {
  let state = 12345;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const theta = strengths();
  const data: Judgements = {
    models: MODELS,
    prompts: PROMPTS,
    annotators: ANNOTATORS,
    first: new Int32Array(JUDGEMENTS),
    second: new Int32Array(JUDGEMENTS),
    outcome: new Uint8Array(JUDGEMENTS),
    prompt: new Int32Array(JUDGEMENTS),
    annotator: new Int32Array(JUDGEMENTS),
  };
  const perPrompt = JUDGEMENTS / PROMPTS;
  for (let k = 0; k < JUDGEMENTS; k++) {
    const pairOf = Math.floor(k / 5);
    if (k % 5 === 0) {
      const a = Math.floor(random() * MODELS);
      data.first[k] = a;
      data.second[k] = (a + 1 + Math.floor(random() * (MODELS - 1))) % MODELS;
    } else {
      data.first[k] = data.first[pairOf * 5] as number;
      data.second[k] = data.second[pairOf * 5] as number;
    }
    const d = (theta[data.first[k] as number] as number) - (theta[data.second[k] as number] as number);
    data.outcome[k] = Math.abs(d) < 0.2 && random() < 0.2 ? TIE : random() < 1 / (1 + Math.exp(-d)) ? FIRST : SECOND;
    data.prompt[k] = Math.floor(k / perPrompt);
    data.annotator[k] = Math.floor(random() * ANNOTATORS);
  }
  return data;
}

function spearman(a: number[], b: number[]): number {
  const rank = (values: number[]) => {
    const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
    const out = new Array<number>(values.length);
    order.forEach(([, i], r) => (out[i] = r));
    return out;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const d2 = ra.reduce((sum, r, i) => sum + (r - rb[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}
