import { sleep } from './sleep.js';
import type { ToolContext } from './tool.js';

const FIRST_INTERVAL_MS = 500;
const MAX_INTERVAL_MS = 2000;
const PROGRESS_EVERY_MS = 5000;

export interface WaitOutcome<T> {
  value: T;
  /** True when the status was still not final at the deadline. */
  timedOut: boolean;
}

/**
 * Polls `read` until `isFinal` holds or the deadline passes, reporting progress at the start and at least every
 * 5 s. Intervals grow from 0.5 s to 2 s, so a short wait answers quickly and a long one stays within a few
 * dozen requests. Ends at once when the request is cancelled.
 */
export async function waitFor<T>(
  context: Pick<ToolContext, 'signal' | 'progress'>,
  options: { read: () => Promise<T>; isFinal: (value: T) => boolean; describe: (value: T) => string; timeoutMs: number },
): Promise<WaitOutcome<T>> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let value = await options.read();
  let polls = 0;
  let lastProgress = 0;
  let interval = FIRST_INTERVAL_MS;
  const report = async () => {
    lastProgress = Date.now();
    const elapsed = Math.round((lastProgress - started) / 1000);
    await context.progress(polls, undefined, `${options.describe(value)} (${elapsed}s)`);
  };
  await report();
  while (!options.isFinal(value)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { value, timedOut: true };
    await sleep(Math.min(interval, remaining), context.signal);
    interval = Math.min(MAX_INTERVAL_MS, interval * 1.5);
    value = await options.read();
    polls++;
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS || options.isFinal(value)) await report();
  }
  return { value, timedOut: false };
}
