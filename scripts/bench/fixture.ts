/** A CSV of product reviews of an exact size, written fast enough that a gigabyte takes a second or two. */
import { open } from 'node:fs/promises';

const WORDS = ['great', 'product', 'broke', 'after', 'two', 'days', 'fine', 'love', 'it', 'would', 'buy', 'again', 'not', 'worth', 'the', 'price'];
const SOURCES = ['shop', 'forum', 'review', 'survey', 'email'];
const BLOCK_ROWS = 40_000;

/**
 * Writes exactly `bytes` bytes: a header, then one block of 40,000 distinct rows (a quoted review with a comma
 * in it, as real text has) over and over, then rows of it up to the end, the last padded to fit. Neither the
 * upload nor the sandbox reading it cares that the ids repeat. Returns the number of rows.
 */
export async function writeReviewsCsv(path: string, bytes: number): Promise<number> {
  const rows = Array.from({ length: BLOCK_ROWS }, (_, i) => {
    const words = Array.from({ length: 8 + (i % 9) }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]);
    return `${i + 1},"${words.join(' ')}, said reviewer ${i}",${SOURCES[i % SOURCES.length]}\n`;
  });
  const block = Buffer.from(rows.join(''));
  const file = await open(path, 'w');
  try {
    let written = (await file.write('id,review,META_SOURCE\n')).bytesWritten;
    let count = 0;
    while (bytes - written > block.length) {
      written += (await file.write(block)).bytesWritten;
      count += BLOCK_ROWS;
    }
    // Rows are under 200 bytes, so whole rows stop short of the end by less than that, and a last one fills it.
    let tail = '';
    for (const row of rows) {
      if (bytes - written - tail.length - row.length < 200) break;
      tail += row;
      count += 1;
    }
    const prefix = `${count + 1},"`;
    const suffix = `",${SOURCES[0]}\n`;
    tail += prefix + 'x'.repeat(bytes - written - tail.length - prefix.length - suffix.length) + suffix;
    await file.write(tail);
    return count + 1;
  } finally {
    await file.close();
  }
}
