/**
 * Seeded randomness and id formats. Every id and simulated answer comes from here, so a sandbox started with
 * the same seed and driven by the same requests produces the same ids and the same annotations.
 */

/** Ids carry a timestamp part (UUID v7, ObjectId); it counts from here so that ids stay reproducible. */
const ID_EPOCH_MS = Date.UTC(2025, 8, 1);

export class Random {
  private stateWord: number;

  constructor(seed: number) {
    this.stateWord = seed >>> 0;
  }

  /** A float in [0, 1) (mulberry32). */
  next(): number {
    this.stateWord = (this.stateWord + 0x6d2b79f5) >>> 0;
    let t = this.stateWord;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, below). */
  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('Random.pick needs a non-empty list');
    return item;
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 1) out += this.int(16).toString(16);
    return out;
  }

  /** A UUID that looks like v7: a millisecond timestamp, version 7, RFC 4122 variant, random rest. */
  uuid(offsetMs: number = this.int(2 ** 31)): string {
    const time = (ID_EPOCH_MS + offsetMs).toString(16).padStart(12, '0').slice(-12);
    const variant = (8 + this.int(4)).toString(16);
    return `${time.slice(0, 8)}-${time.slice(8)}-7${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }

  /** A 24-hex MongoDB ObjectId: 4 bytes of seconds, then 8 random bytes. */
  objectId(offsetSeconds: number = this.int(2 ** 24)): string {
    const seconds = Math.floor(ID_EPOCH_MS / 1000) + offsetSeconds;
    return seconds.toString(16).padStart(8, '0') + this.hex(16);
  }
}

/**
 * A generator for one named thing (a participant, a task's hidden truth), independent of how many other
 * random draws happened before: the simulation then does not depend on how often a client polls.
 */
export function derivedRandom(seed: number, ...keys: readonly (string | number)[]): Random {
  // FNV-1a over the seed and keys.
  let hash = 0x811c9dc5;
  for (const char of `${seed}|${keys.join('|')}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return new Random(hash);
}
