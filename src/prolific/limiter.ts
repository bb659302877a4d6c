import { sleep } from '../sleep.js';

/**
 * What every request to the Prolific API from one process shares, since they all spend one token's allowance:
 * at most `max` at once (the rest wait their turn, in order), and a pause for all of them once Prolific
 * answers 429 with Retry-After, instead of each request finding the limit for itself.
 */
export class UpstreamLimiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private pausedUntil = 0;

  constructor(private readonly max: number) {}

  /** Waits for a turn; call the returned function when the exchange is over. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
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
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Milliseconds of pause left; 0 when requests may go. */
  pauseLeft(): number {
    return Math.max(0, this.pausedUntil - Date.now());
  }

  /** Sleeps out the pause (and any pause asked for meanwhile). */
  async waitOutPause(signal?: AbortSignal): Promise<void> {
    for (let left = this.pauseLeft(); left > 0; left = this.pauseLeft()) await sleep(left, signal);
  }
}
