/** The benchmark's side of `sandbox-process.ts`: starts it, asks it things over IPC, stops it. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SandboxOptions } from '../../src/sandbox/index.js';

export interface SeedOptions {
  tasks: number;
  annotatorsPerTask: number;
  tasksPerGroup: number;
}

export interface ComparisonSeedOptions {
  models: number;
  prompts: number;
  pairsPerPrompt: number;
  annotatorsPerTask: number;
  tasksPerGroup: number;
}

export interface SeededBatch {
  batchId: string;
  responses: number;
  seconds: number;
}

export interface SeenRequest {
  method: string;
  path: string;
}

type Question =
  | { op: 'requests'; since: number }
  | { op: 'pendingUntil'; kind: 'dataset' | 'batch'; recordId: string }
  | { op: 'seed'; options: SeedOptions }
  | { op: 'seedComparisons'; options: ComparisonSeedOptions }
  | { op: 'close' };

export type Command = Question & { id: number };

/** Id 0 is the child's first message: where the sandbox listens. */
export type Reply = { id: number; result?: unknown; error?: string };

export interface SandboxProcess {
  baseUrl: string;
  token: string;
  /** Requests the sandbox has seen, from index `since` on. */
  requests(since?: number): Promise<SeenRequest[]>;
  /** When a dataset's or batch's current processing ends, on the sandbox clock (= Date.now here); null when none. */
  pendingUntil(kind: 'dataset' | 'batch', id: string): Promise<number | null>;
  seed(options: SeedOptions): Promise<SeededBatch>;
  seedComparisons(options: ComparisonSeedOptions): Promise<SeededBatch>;
  close(): Promise<void>;
}

export async function startSandboxProcess(options: SandboxOptions): Promise<SandboxProcess> {
  const child = fork(fileURLToPath(new URL('./sandbox-process.js', import.meta.url)), [JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 1;
  const ready = new Promise<{ baseUrl: string; token: string }>((resolve, reject) => {
    waiting.set(0, { resolve: resolve as (value: unknown) => void, reject });
  });
  child.on('message', (reply: Reply) => {
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.error !== undefined) pending?.reject(new Error(`sandbox process: ${reply.error}`));
    else pending?.resolve(reply.result);
  });
  child.on('exit', (code) => {
    for (const pending of waiting.values()) pending.reject(new Error(`the sandbox process exited (${code})`));
    waiting.clear();
  });
  const ask = <T>(question: Question): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...question, id });
    });
  const info = await ready;
  return {
    ...info,
    requests: (since = 0) => ask({ op: 'requests', since }),
    pendingUntil: (kind, recordId) => ask({ op: 'pendingUntil', kind, recordId }),
    seed: (seedOptions) => ask({ op: 'seed', options: seedOptions }),
    seedComparisons: (seedOptions) => ask({ op: 'seedComparisons', options: seedOptions }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask({ op: 'close' }).catch(() => child.kill());
      await exited;
    },
  };
}
