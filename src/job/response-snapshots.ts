import { randomUUID } from 'node:crypto';
import type { ProlificClient } from '../prolific/client.js';
import type { BatchResponse } from '../prolific/types.js';

/**
 * A batch's responses, kept for a short while so that paging through them downloads them once. The API sends
 * every response of a batch in one answer (it has no paging), so without this each page of get_responses
 * downloaded all of them again: gigabytes for a walk through 200,000 records.
 *
 * A walk starts with a fresh download (a first page always asks Prolific) and each page's cursor names the
 * snapshot it came from; later pages read that snapshot while it is kept, and so see the same records in the
 * same order. A new walk, or a reader of all of them at once (freshResponses), drops the batch's older
 * snapshots; the rest go after a few idle minutes, the oldest first once too many records are held, so the
 * memory they take stays bounded.
 */

export interface Snapshot {
  id: string;
  results: BatchResponse[];
}

/** Idle time after which a snapshot is dropped. */
const IDLE_MS = 3 * 60_000;
/** A snapshot is never older than this, however busy its walk. */
const MAX_AGE_MS = 15 * 60_000;
/** Records held across all snapshots of one client: a few hundred MB at the most. */
const MAX_RECORDS = 400_000;
const MAX_SNAPSHOTS = 8;

interface Entry {
  batchId: string;
  loading: Promise<Snapshot>;
  records: number;
  created: number;
  used: number;
}

class Snapshots {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly client: ProlificClient) {}

  /** The snapshot a cursor names, if it is still kept and of this batch; otherwise a fresh download. */
  async get(batchId: string, snapshotId: string | undefined, signal?: AbortSignal): Promise<Snapshot> {
    this.expire();
    const kept = snapshotId === undefined ? undefined : this.entries.get(snapshotId);
    if (kept && kept.batchId === batchId) {
      kept.used = Date.now();
      return kept.loading;
    }
    return this.download(batchId, signal);
  }

  /** Drops the batch's snapshots: a fresh download supersedes them, and two copies of 200,000 records is one too many. */
  forget(batchId: string): void {
    for (const [id, entry] of this.entries) if (entry.batchId === batchId) this.entries.delete(id);
  }

  private download(batchId: string, signal?: AbortSignal): Promise<Snapshot> {
    this.forget(batchId);
    const id = randomUUID();
    const now = Date.now();
    const entry: Entry = { batchId, records: 0, created: now, used: now, loading: Promise.resolve({ id, results: [] }) };
    entry.loading = this.client.getResponses(batchId, signal).then(
      ({ results }) => {
        entry.records = results.length;
        this.shrink();
        return { id, results };
      },
      (error: unknown) => {
        this.entries.delete(id);
        throw error;
      },
    );
    this.entries.set(id, entry);
    return entry.loading;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (now - entry.used > IDLE_MS || now - entry.created > MAX_AGE_MS) this.entries.delete(id);
    }
  }

  /** Drops the least recently used snapshots until the rest fit; the newest is always kept. */
  private shrink(): void {
    const total = () => [...this.entries.values()].reduce((sum, entry) => sum + entry.records, 0);
    while (this.entries.size > 1 && (this.entries.size > MAX_SNAPSHOTS || total() > MAX_RECORDS)) {
      const [oldest] = [...this.entries].sort(([, a], [, b]) => a.used - b.used)[0]!;
      this.entries.delete(oldest);
    }
  }
}

/** One set of snapshots per API client, which is one per process (or per test's server). */
const byClient = new WeakMap<ProlificClient, Snapshots>();

function snapshotsOf(client: ProlificClient): Snapshots {
  let snapshots = byClient.get(client);
  if (!snapshots) {
    snapshots = new Snapshots(client);
    byClient.set(client, snapshots);
  }
  return snapshots;
}

export function responseSnapshot(client: ProlificClient, batchId: string, snapshotId: string | undefined, signal?: AbortSignal): Promise<Snapshot> {
  return snapshotsOf(client).get(batchId, snapshotId, signal);
}

/** A fresh download of the batch's responses that is not kept, for a reader that takes them all at once; it drops the batch's snapshots first. */
export function freshResponses(client: ProlificClient, batchId: string, signal?: AbortSignal): Promise<BatchResponse[]> {
  snapshotsOf(client).forget(batchId);
  return client.getResponses(batchId, signal).then(({ results }) => results);
}
