import { sleep } from '../util/sleep.js';
import type { StepContext } from './context.js';

const FIRST_INTERVAL_MS = 500;
const GROWTH = 1.5;
const MAX_INTERVAL_MS = 4000;
/** Polling period around the expected end: a READY status is seen within this long. */
const NEAR_INTERVAL_MS = 1800;
const MIN_INTERVAL_MS = 100;
const PROGRESS_EVERY_MS = 5000;

export interface WaitOutcome<T> {
  value: T;
  /** True when the status was still not final at the deadline. */
  timedOut: boolean;
}

/**
 * How long the last wait that saw its status turn final took, in ms from its start, or undefined before any.
 *
 * Prolific gives no estimate, progress or callback for a dataset's processing or a batch's set-up, so a blind
 * schedule must choose between many requests and a late answer: polling every 2 s costs 30 requests a minute,
 * and backing off geometrically answers a minute-long step up to tens of seconds late. What this server does
 * know is how long the last such step took: a batch is set up from the dataset whose processing upload_file
 * has just watched, both steps scale with the same datapoints, and in the sandbox they take the same time. So
 * the first wait backs off (0.5 s ×1.5 up to 4 s), and later waits expect the same duration: polls doubling
 * apart before it, every 1.8 s around it (a minute's step: 12 requests, READY seen within 1.8 s), the
 * back-off again if the step outlasts it. A guess too short costs about what the blind schedule would; one
 * too long sees an early end at most as late again as the step took. One value for the whole process: the
 * steps waited for are of one kind (Task Builder processing), and the latest is the best guide.
 */
let expectedMs: number | undefined;

/**
 * Polls `read` until `isFinal` holds or the deadline passes, reporting progress at the start and at least every
 * 5 s, as the number of reads so far (from 1, so it follows a tool's own 0 for the step before the wait). Ends at
 * once when the request is cancelled.
 */
export async function waitFor<T>(
  context: Pick<StepContext, 'signal' | 'progress'>,
  options: { read: () => Promise<T>; isFinal: (value: T) => boolean; describe: (value: T) => string; timeoutMs: number },
): Promise<WaitOutcome<T>> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let value = await options.read();
  let reads = 1;
  let lastProgress = 0;
  let lastPending = 0;
  const schedule = new Schedule(expectedMs);
  const report = async () => {
    lastProgress = Date.now();
    const elapsed = Math.round((lastProgress - started) / 1000);
    await context.progress(reads, undefined, `${options.describe(value)} (${elapsed}s)`);
  };
  await report();
  while (!options.isFinal(value)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { value, timedOut: true };
    lastPending = Date.now() - started;
    await sleep(Math.min(schedule.next(lastPending), remaining), context.signal);
    value = await options.read();
    reads++;
    if (options.isFinal(value)) {
      // The step ended between the last two reads; the middle is the best guess.
      expectedMs = (lastPending + (Date.now() - started)) / 2;
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS || options.isFinal(value)) await report();
  }
  return { value, timedOut: false };
}

/** The delay before each next read, given the time since the wait began. */
class Schedule {
  private backoff = FIRST_INTERVAL_MS;
  private readonly windowStart: number;
  private readonly windowEnd: number;
  private readonly near: number;

  constructor(private readonly expected: number | undefined) {
    // The expectation is itself up to one poll off, and similar steps vary: a window of ±10% and half a second.
    const margin = expected === undefined ? 0 : 0.1 * expected + 500;
    this.windowStart = expected === undefined ? 0 : expected - margin;
    this.windowEnd = expected === undefined ? 0 : expected + margin;
    // A short step is polled finely, so tests and quick sandboxes do not wait a whole 1.8 s.
    this.near = expected === undefined ? 0 : Math.min(NEAR_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, expected / 5));
  }

  next(elapsed: number): number {
    if (this.expected === undefined) return this.grow(GROWTH, MAX_INTERVAL_MS);
    if (elapsed < this.windowStart) {
      // Doubling up to the window: an early end is seen at most as late again as it took.
      return Math.min(this.grow(2, Number.POSITIVE_INFINITY), this.windowStart - elapsed);
    }
    if (elapsed < this.windowEnd) {
      this.backoff = this.near;
      return this.near;
    }
    return this.grow(GROWTH, MAX_INTERVAL_MS);
  }

  private grow(factor: number, cap: number): number {
    const delay = Math.min(this.backoff, cap);
    this.backoff = delay * factor;
    return delay;
  }
}
