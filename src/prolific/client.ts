import { AccountApi } from './account.js';
import { AudienceApi } from './audience.js';
import { BatchesApi } from './batches.js';
import { DatasetsApi } from './datasets.js';
import { StorageApi } from './storage.js';
import { StudiesApi } from './studies.js';
import { SubmissionsApi } from './submissions.js';
import { ProlificTransport } from './transport.js';

export type { ProlificClientOptions } from './transport.js';

const AREAS = [AccountApi, DatasetsApi, BatchesApi, StudiesApi, SubmissionsApi, StorageApi, AudienceApi];

/**
 * The Prolific HTTP API, one method per endpoint this project uses, written by API area (account.ts,
 * datasets.ts, batches.ts, studies.ts, submissions.ts, storage.ts, audience.ts) over one request core
 * (transport.ts). The areas' methods are copied onto this class, so callers see one flat client:
 * `client.createBatch(...)`. It knows paths, bodies and status codes, and nothing about MCP.
 */
export class ProlificClient extends ProlificTransport {}

/** The areas' methods, as TypeScript sees them; the loop below puts them there at run time. */
export interface ProlificClient extends AccountApi, DatasetsApi, BatchesApi, StudiesApi, SubmissionsApi, StorageApi, AudienceApi {}

for (const area of AREAS) {
  for (const name of Object.getOwnPropertyNames(area.prototype)) {
    if (name === 'constructor') continue;
    // Two areas with one method name would otherwise leave whichever came last, silently.
    if (Object.hasOwn(ProlificClient.prototype, name)) throw new Error(`ProlificClient.${name} is defined by two API areas`);
    Object.defineProperty(ProlificClient.prototype, name, Object.getOwnPropertyDescriptor(area.prototype, name)!);
  }
}
