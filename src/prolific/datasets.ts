import type { ApiObject, AppendResult, Dataset, DatasetImport, DatasetSchema, UploadUrl } from './types.js';
import { ProlificTransport, seg } from './transport.js';

/** Datasets: creating them, their schema, their imports and appended datapoints, and upload URLs. */
export abstract class DatasetsApi extends ProlificTransport {
  /** With a `schema` the dataset is V4; without one the API decides (V3 where it still offers them). */
  createDataset(body: { name: string; workspace_id: string; schema?: DatasetSchema }, signal?: AbortSignal): Promise<Dataset> {
    return this.json('POST', '/api/v1/data-collection/datasets', { body, signal });
  }

  getDataset(datasetId: string, signal?: AbortSignal): Promise<Dataset> {
    return this.json('GET', `/api/v1/data-collection/datasets/${seg(datasetId)}`, { signal });
  }

  getDatasetImport(datasetId: string, importId: string, signal?: AbortSignal): Promise<DatasetImport> {
    return this.json('GET', `/api/v1/data-collection/datasets/${seg(datasetId)}/imports/${seg(importId)}`, { signal });
  }

  /**
   * Appends up to 1,000 records to a V4 dataset with a schema, synchronously; 409 while an import runs. The
   * answer's field names are undocumented, so callers read them as optional.
   */
  appendDatapoints(datasetId: string, records: ApiObject[], signal?: AbortSignal): Promise<AppendResult> {
    const jsonl = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
    return this.json('POST', `/api/v1/data-collection/datasets/${seg(datasetId)}/datapoints`, {
      raw: { text: jsonl, contentType: 'application/x-ndjson' },
      signal,
    });
  }

  /** Sets a V4 dataset's schema; the first one releases imports parked in `pending_schema`. */
  updateDataset(datasetId: string, body: { schema: DatasetSchema }, signal?: AbortSignal): Promise<Dataset> {
    return this.json('PATCH', `/api/v1/data-collection/datasets/${seg(datasetId)}`, { body, signal });
  }

  getUploadUrl(datasetId: string, filename: string, signal?: AbortSignal): Promise<UploadUrl> {
    return this.json('GET', `/api/v1/data-collection/datasets/${seg(datasetId)}/upload-url/${seg(filename)}`, {
      signal,
    });
  }
}
