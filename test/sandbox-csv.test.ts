import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '../src/sandbox/model.js';
import { readUpload } from '../src/sandbox/upload.js';

function emptyDataset(): DatasetRecord {
  return {
    id: 'd',
    name: 'd',
    workspaceId: 'w',
    createdAt: 0,
    createdBy: 'u',
    schemaVersion: 3,
    schema: null,
    schemaRevision: 0,
    imports: [],
    status: 'UNINITIALISED',
    filename: null,
    columns: [],
    rows: [],
    rowCount: 0,
    storedChars: 0,
    totalDatapointCount: 0,
  };
}

function body(text: string, cuts: number[]): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  return new ReadableStream({
    start(controller) {
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        if (cut > from) controller.enqueue(bytes.subarray(from, cut));
        from = Math.max(from, cut);
      }
      controller.close();
    },
  });
}

const VALID = [
  'a,b\n1,2\n',
  'a,b\r\n1,2\r\n3,4',
  '\ufeffa,b\n"x,y","q""z"\n\n\n5,6\n',
  'a\n1\n\n2\n',
  'a,b\n1,\n',
  'a,b\n1,',
  'a,b\n"multi\nline","é€"\n',
  'h\n""\n',
  ' a ,b\n1,2\n',
];

const INVALID = ['a,b\n1\n', 'a,b\n1,2,3\n', 'a,b\n"x"y,2\n', 'a,b\nx"y,2\n', 'a,b\n"x,2\n'];

describe('sandbox CSV uploads', () => {
  it('reads the rows csv-parse reads, wherever the chunks split', async () => {
    for (const text of VALID) {
      const expected = (parse(text, { bom: true, skip_empty_lines: true }) as string[][]).slice(1);
      for (let cut = 0; cut <= Buffer.byteLength(text); cut += 1) {
        const { parsed } = await readUpload(body(text, [cut, cut + 1]), 'csv', emptyDataset());
        expect('rows' in parsed ? parsed.rows : parsed, `${JSON.stringify(text)} cut at ${cut}`).toEqual(expected);
      }
    }
  });

  it('fails the files csv-parse refuses, naming the record', async () => {
    for (const text of INVALID) {
      for (let cut = 0; cut <= Buffer.byteLength(text); cut += 1) {
        const { parsed } = await readUpload(body(text, [cut]), 'csv', emptyDataset());
        expect(parsed, `${JSON.stringify(text)} cut at ${cut}`).toMatchObject({ failure: expect.stringMatching(/^The CSV file could not be read: record 2 /) });
      }
    }
  });

  it('counts rows past the memory budget, keeping their group ids but not their text', async () => {
    const dataset = { ...emptyDataset(), rowCount: 1 };
    const { parsed } = await readUpload(body('text,META_TASK_GROUP_ID\n"a, b",g1\nc,"g""2"\n', [7]), 'csv', dataset);
    expect(parsed).toMatchObject({ rowCount: 2, rows: [], groupIds: ['g1', 'g"2'] });
  });
});
