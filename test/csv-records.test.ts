import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { csvRecords } from '../src/util/csv-records.js';

describe('csvRecords', () => {
  it('reads what csv-stringify writes as csv-parse reads it: quotes, commas, line breaks, empty fields', () => {
    const rows = [
      ['prompt', 'response_a', 'task_id'],
      ['plain', 'with, comma', 't1'],
      ['"quoted"', 'two\nlines', 't2'],
      ['', 'ends with quote "', ''],
      ['CR\r\nLF', 'ünïcode ✓', 't3'],
    ];
    const text = stringify(rows);
    expect([...csvRecords(text)]).toEqual(rows);
    expect([...csvRecords(text)]).toEqual(parse(text, { skip_empty_lines: true, relax_column_count: true }));
  });

  it('takes CRLF endings, skips empty lines, keeps ragged records, needs no final line break', () => {
    expect([...csvRecords('a,b\r\n\r\n1,2,3\n\n4\n5,"x"')]).toEqual([['a', 'b'], ['1', '2', '3'], ['4'], ['5', 'x']]);
    expect([...csvRecords('')]).toEqual([]);
    expect([...csvRecords('a,\n,b\n')]).toEqual([['a', ''], ['', 'b']]);
  });

  it('refuses a quote that is never closed', () => {
    expect(() => [...csvRecords('a,"b\nc,d\n')]).toThrow(/never closed/);
  });
});
