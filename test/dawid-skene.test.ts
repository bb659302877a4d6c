import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Aggregate, type Crowd, dawidSkene, majorityVote } from '../src/stats/dawid-skene.js';

/**
 * Golden vectors: test/fixtures/crowd-golden.json, written by scripts/crowd-golden.py. crowd-kit cannot be
 * installed here (no PyPI), so the file says it was produced by that script's own numpy reference, written
 * independently of our TypeScript and following crowd-kit's conventions (majority-vote start, mean-posterior
 * priors, 1e-10 clipping, evidence-bound stopping). Rerun the script where crowd-kit imports to check against
 * crowd-kit itself. crowd-kit's toy fixtures are not included: we could not reproduce them reliably.
 */
interface Golden {
  producer: string;
  crowds: {
    name: string;
    answers: [string, string, string][];
    labels: string[];
    truth: Record<string, string>;
    methods: Record<'majority_vote' | 'dawid_skene' | 'one_coin', Record<string, { label: string; posteriors: number[] }>>;
  }[];
}

const golden = JSON.parse(readFileSync(new URL('./fixtures/crowd-golden.json', import.meta.url), 'utf8')) as Golden;

/** Tasks and workers numbered in sorted order, classes in the order given (sorted, as crowd-kit orders them). */
function encode(answers: readonly (readonly [string, string, string])[], classes: readonly string[]): { crowd: Crowd; tasks: string[]; workers: string[] } {
  const tasks = [...new Set(answers.map((a) => a[0]))].sort();
  const workers = [...new Set(answers.map((a) => a[1]))].sort();
  const taskIndex = new Map(tasks.map((t, i) => [t, i]));
  const workerIndex = new Map(workers.map((w, i) => [w, i]));
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const crowd: Crowd = {
    items: tasks.length,
    workers: workers.length,
    classes: classes.length,
    item: Int32Array.from(answers, (a) => taskIndex.get(a[0])!),
    worker: Int32Array.from(answers, (a) => workerIndex.get(a[1])!),
    label: Int32Array.from(answers, (a) => classIndex.get(a[2])!),
  };
  return { crowd, tasks, workers };
}

function accuracy(result: Aggregate, tasks: string[], classes: readonly string[], truth: (task: string) => string): number {
  return tasks.filter((task, i) => classes[result.labels[i]!] === truth(task)).length / tasks.length;
}

describe(`Dawid–Skene against golden vectors (${golden.producer})`, () => {
  for (const entry of golden.crowds) {
    const { crowd, tasks } = encode(entry.answers, entry.labels);
    const runs = {
      majority_vote: majorityVote(crowd),
      dawid_skene: dawidSkene(crowd),
      one_coin: dawidSkene(crowd, { oneCoin: true }),
    };
    for (const [method, result] of Object.entries(runs) as [keyof typeof runs, Aggregate][]) {
      it(`${entry.name}, ${method}: the same labels on ≥ 99 % of tasks, posteriors within 0.02`, () => {
        const expected = entry.methods[method];
        expect(Object.keys(expected).sort()).toEqual(tasks);
        let same = 0;
        let worst = 0;
        tasks.forEach((task, i) => {
          const want = expected[task]!;
          if (entry.labels[result.labels[i]!] === want.label) same++;
          want.posteriors.forEach((p, k) => {
            worst = Math.max(worst, Math.abs(p - result.posteriors[i * crowd.classes + k]!));
          });
        });
        expect(same / tasks.length).toBeGreaterThanOrEqual(0.99);
        expect(worst).toBeLessThanOrEqual(0.02);
      });
    }
  }

  it('the swapping crowd is where the model pays: Dawid–Skene recovers the truth that majority vote misses', () => {
    const entry = golden.crowds.find((c) => c.name === 'swappers-13')!;
    const { crowd, tasks } = encode(entry.answers, entry.labels);
    const truth = (task: string) => entry.truth[task]!;
    expect(accuracy(dawidSkene(crowd), tasks, entry.labels, truth)).toBeGreaterThan(accuracy(majorityVote(crowd), tasks, entry.labels, truth) + 0.1);
  });
});

/** A small seeded generator (mulberry32), so the property test is the same every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('Dawid–Skene properties', () => {
  it('beats majority vote on crowds with class-swapping annotators, over many seeds', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seeded(seed);
      const classes = ['a', 'b', 'c'];
      // 5 careful annotators and 4 who answer the next class round for 80 % of items; 5 answers per item.
      const kinds = [...Array(5).fill('careful'), ...Array(4).fill('swap')] as ('careful' | 'swap')[];
      const truth: string[] = [];
      const answers: [string, string, string][] = [];
      for (let i = 0; i < 200; i++) {
        const task = `t${String(i).padStart(3, '0')}`;
        const right = Math.floor(random() * 3);
        truth.push(classes[right]!);
        const pool = kinds.map((kind, w) => ({ kind, w, key: random() })).sort((x, y) => x.key - y.key).slice(0, 5);
        for (const { kind, w } of pool) {
          const answer = kind === 'swap' ? (random() < 0.8 ? (right + 1) % 3 : right) : random() < 0.85 ? right : Math.floor(random() * 3);
          answers.push([task, `w${w}`, classes[answer]!]);
        }
      }
      const { crowd, tasks } = encode(answers, classes);
      const truthOf = (task: string) => truth[Number(task.slice(1))]!;
      const ds = accuracy(dawidSkene(crowd), tasks, classes, truthOf);
      const mv = accuracy(majorityVote(crowd), tasks, classes, truthOf);
      expect(ds, `seed ${seed}`).toBeGreaterThan(mv);
      expect(ds, `seed ${seed}`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('ranks swappers as the least accurate annotators', () => {
    const entry = golden.crowds.find((c) => c.name === 'swappers-13')!;
    const { crowd, workers } = encode(entry.answers, entry.labels);
    const { accuracy: skill } = dawidSkene(crowd);
    const ranked = workers.map((w, i) => [w, skill[i]!] as const).sort((a, b) => a[1] - b[1]);
    expect(ranked.slice(0, 4).map(([w]) => w).sort()).toEqual(['swap0', 'swap1', 'swap2', 'swap3']);
  });

  it('copes with a class nobody chose, single-answer items and one-answer annotators', () => {
    // Classes a, b, c; nobody chose c. Task 3 has one answer, from an annotator who answered nothing else: as in
    // crowd-kit, such an answer carries no evidence about its author, so the task is left to the priors and is
    // reported as contested rather than confidently labelled.
    const answers: [string, string, string][] = [
      ['t0', 'w0', 'a'], ['t0', 'w1', 'a'], ['t0', 'w2', 'b'],
      ['t1', 'w0', 'b'], ['t1', 'w1', 'b'], ['t1', 'w2', 'b'],
      ['t2', 'w0', 'a'], ['t2', 'w1', 'a'], ['t2', 'w2', 'a'],
      ['t3', 'w3', 'b'],
    ];
    const { crowd } = encode(answers, ['a', 'b', 'c']);
    for (const result of [dawidSkene(crowd), dawidSkene(crowd, { oneCoin: true })]) {
      expect(Array.from(result.labels.slice(0, 3))).toEqual([0, 1, 0]);
      for (let i = 0; i < 4; i++) {
        expect(result.posteriors[i * 3 + 2]).toBe(0);
        expect(result.confidence[i]).toBeGreaterThan(0.5);
        expect(result.confidence[i]).toBeLessThanOrEqual(1);
      }
      expect(result.priors[2]).toBe(0);
      expect(Array.from(result.accuracy).every((a) => a >= 0 && a <= 1)).toBe(true);
    }
    expect(dawidSkene(crowd).confidence[3]).toBeLessThan(0.7);
  });

  it('is deterministic and stops within its iteration bound', () => {
    const entry = golden.crowds[0]!;
    const { crowd } = encode(entry.answers, entry.labels);
    const first = dawidSkene(crowd);
    const again = dawidSkene(crowd);
    expect(Array.from(again.posteriors)).toEqual(Array.from(first.posteriors));
    expect(first.iterations).toBeLessThanOrEqual(100);
    expect(dawidSkene(crowd, { maxIterations: 3 }).iterations).toBe(3);
  });
});
