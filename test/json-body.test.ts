import { describe, expect, it } from 'vitest';
import { readJsonBody } from '../src/prolific/json-body.js';

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

const OBJECTS = [
  '{"results":[],"meta":{"count":0}}',
  ' {"results":[ ],"meta":{"count":0}} ',
  '{"results":[1,"a,]",{"x":[1,{"y":"\\\\"}]},null,true,-2.5e3],"meta":{"l":[1,2]},"empty":[ ],"s":"[{,}]"}',
  '{ "a" : [ "\\"" , "\\\\\\"" , "\\\\" ] , "b" : { "c" : [ [ ] ] } }',
  '{"a":"é€𝄞","b":[{"c":"é€𝄞 \\u00e9"}],"__proto__":[1],"d":[]}',
  '{"dup":[1],"dup":[2,3]}',
];

const NOT_OBJECTS = ['', '   ', '<html><body>Bad gateway</body></html>', '[{"a":1}]', '"queued"'];

const MALFORMED = ['{"results":[1,]}', '{"results":[,1]}', '{"results":[1 2]}', '{"a":[1}', '{"a":1', '{"a":1}x', '{"a":"x}'];

describe('readJsonBody', () => {
  it('gives what JSON.parse gives for any object, however the bytes are split', async () => {
    for (const text of OBJECTS) {
      for (let size = 1; size <= Buffer.byteLength(text); size += 1) {
        const read = await readJsonBody(chunked(text, size));
        expect(read, `${text} in chunks of ${size}`).toEqual({ value: JSON.parse(text) });
        if ('value' in read) expect(Object.keys(read.value)).toEqual(Object.keys(JSON.parse(text)));
      }
    }
  });

  it('returns anything that is not an object as text, for the caller to judge', async () => {
    for (const text of NOT_OBJECTS) {
      for (const size of [1, 3, 1000]) expect(await readJsonBody(chunked(text, size))).toEqual({ text });
    }
  });

  it('reports an object that is not valid JSON, whatever the split', async () => {
    for (const text of MALFORMED) {
      for (let size = 1; size <= Buffer.byteLength(text); size += 1) {
        expect(await readJsonBody(chunked(text, size)), `${text} in chunks of ${size}`).toEqual({ malformed: true });
      }
    }
  });
});
