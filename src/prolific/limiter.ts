import { ProlificApiError } from './errors.js';
import { sleep } from '../util/sleep.js';

/**
 * What every request to the Prolific API from one process shares, since they all spend one token's allowance:
 * at most `max` at once (the rest wait their turn, in order), and a pause for all of them once Prolific
 * answers 429 with Retry-After, instead of each request finding the limit for itself. Presigned storage is
 * not Prolific's API, so its exchanges do not come here.
 */
export class UpstreamLimiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private pausedUntil = 0;

  /** A pause longer than `longestWaitMs` is not waited out: requests fail at once, unsent, as the one that met the 429 does. */
  constructor(
    private readonly max: number,
    private readonly longestWaitMs: number,
  ) {}

  /** Runs one exchange (an attempt that throws ProlificApiError for an error answer) in its turn, after any pause. */
  async run<T>(method: string, path: string, signal: AbortSignal | undefined, exchange: () => Promise<T>): Promise<T> {
    this.refuseLongPause(method, path);
    const release = await this.acquire(signal);
    try {
      this.refuseLongPause(method, path);
      await this.waitOutPause(signal);
      return await exchange();
    } catch (error) {
      if (error instanceof ProlificApiError && error.status === 429 && error.retryAfterMs !== undefined) this.pause(error.retryAfterMs);
      throw error;
    } finally {
      release();
    }
  }

  private refuseLongPause(method: string, path: string): void {
    const left = this.pauseLeft();
    if (left > this.longestWaitMs) {
      throw new ProlificApiError(429, method, path, 'too many requests (not sent: this server is pausing all requests, as Prolific asked)', left);
    }
  }

  /** Waits for a turn; call the returned function when the exchange is over. */
  private async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.max) {
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const place = this.queue.indexOf(turn);
          if (place >= 0) this.queue.splice(place, 1);
          reject(signal?.reason);
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.queue.push(turn);
      });
    } else {
      this.active += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A waiting request takes the turn over, so `active` stays as it is.
      const next = this.queue.shift();
      if (next) next();
      else this.active -= 1;
    };
  }

  /** Prolific asked for a pause: no request from this process goes out until it is over. */
  private pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Milliseconds of pause left; 0 when requests may go. */
  private pauseLeft(): number {
    return Math.max(0, this.pausedUntil - Date.now());
  }

  /** Sleeps out the pause (and any pause asked for meanwhile). */
  private async waitOutPause(signal?: AbortSignal): Promise<void> {
    for (let left = this.pauseLeft(); left > 0; left = this.pauseLeft()) await sleep(left, signal);
  }
}
