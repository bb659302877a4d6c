/** One line of the benchmark table, and the table itself. */

export interface Figure {
  /** The item number (1–7: the performance issue; 8: the evaluations issue). */
  item: number;
  measure: string;
  /** The figure as printed, and as a number for the JSON. */
  value: string;
  number: number | null;
  target: string;
  /** null: measured for information, no target. */
  pass: boolean | null;
  /** Side figures behind the value: medians, counts, sizes. */
  detail?: Record<string, unknown>;
}

export function figure(
  item: number,
  measure: string,
  number: number | null,
  format: (value: number) => string,
  target: string,
  pass: (value: number) => boolean,
  detail?: Record<string, unknown>,
): Figure {
  const measured = number !== null && Number.isFinite(number);
  return {
    item,
    measure,
    value: measured ? format(number) : 'not measured',
    number: measured ? number : null,
    target,
    pass: measured ? pass(number) : false,
    ...(detail ? { detail } : {}),
  };
}

export function info(item: number, measure: string, value: string, detail?: Record<string, unknown>): Figure {
  return { item, measure, value, number: null, target: '', pass: null, ...(detail ? { detail } : {}) };
}

/** A figure that could not be measured at all (a missing tool, curl not installed), which fails its target. */
export function missing(item: number, measure: string, why: string, target: string): Figure {
  return { item, measure, value: why, number: null, target, pass: false };
}

export function table(figures: Figure[]): string {
  const rows = [
    ['#', 'measure', 'value', 'target', 'result'],
    ...figures.map((f) => [String(f.item), f.measure, f.value, f.target, f.pass === null ? '' : f.pass ? 'PASS' : 'FAIL']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export const ms = (value: number): string => `${value < 10 ? value.toFixed(2) : Math.round(value)} ms`;
export const seconds = (value: number): string => `${(value / 1000).toFixed(2)} s`;
export const ratio = (value: number): string => `${value.toFixed(2)}×`;
export const megabytes = (value: number): string => `${Math.round(value)} MB`;
export const count = (value: number): string => Math.round(value).toLocaleString('en-GB');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
