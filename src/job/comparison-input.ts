/**
 * The model outputs create_comparison is given, as rows or a local CSV or JSONL file of `prompt`, `model`,
 * `output` and an optional `prompt_id`, checked row by row so that every mistake is named with its row, and
 * the check that annotators cannot tell which model wrote what.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ToolError } from '../errors.js';
import { resolveInsideRoots } from './upload-source.js';
import { COMPARISON_COLUMNS, type Cell, type ModelOutput } from './comparison-pairs.js';

const KNOWN = new Set(['prompt', 'model', 'output', 'prompt_id']);
const RESERVED = new Set<string>(Object.values(COMPARISON_COLUMNS));
/** Rows named in one error; the rest are counted. */
const LISTED = 8;
const MAX_MODEL_NAME = 200;

export async function outputsFromFile(filePath: string, roots: string[], maxBytes: number): Promise<ModelOutput[]> {
  const real = await resolveInsideRoots(filePath, roots, 'read');
  const extension = extname(real).toLowerCase();
  if (extension !== '.csv' && extension !== '.jsonl') {
    throw new ToolError(`file_path "${filePath}" is not a .csv or .jsonl file; give one with columns prompt, model, output and optionally prompt_id.`);
  }
  const info = await stat(real);
  if (!info.isFile()) throw new ToolError(`file_path "${filePath}" is not a regular file.`);
  if (info.size > maxBytes) throw new ToolError(`file_path "${filePath}" is ${info.size} bytes, over the ${maxBytes}-byte limit (PROLIFIC_MAX_UPLOAD_BYTES).`);
  const text = (await readFile(real, 'utf8')).replace(/^\uFEFF/, '');
  let records: unknown[];
  if (extension === '.jsonl') {
    records = [];
    const lines = text.split('\n');
    for (const [index, line] of lines.entries()) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line));
      } catch {
        throw new ToolError(`${filePath}, line ${index + 1}: not valid JSON. Each line must be one object such as {"prompt": "…", "model": "…", "output": "…"}.`);
      }
    }
  } else {
    const { parse } = await import('csv-parse/sync');
    try {
      records = parse(text, { columns: (header: string[]) => header.map((name) => name.trim()), skip_empty_lines: true, relax_column_count: false });
    } catch (error) {
      throw new ToolError(`${filePath} cannot be read as CSV: ${error instanceof Error ? error.message : String(error)}. It needs a header row: prompt,model,output[,prompt_id].`);
    }
  }
  return checkOutputs(records, extension === '.jsonl' ? 'line' : 'data row');
}

/**
 * Each record's prompt, model and output, and its META_ columns (hidden, kept with the side the output is
 * shown on). A prompt id stands for one prompt text; without one, the text is the id.
 */
export function checkOutputs(records: readonly unknown[], what = 'rows item'): ModelOutput[] {
  const problems: string[] = [];
  const outputs: ModelOutput[] = [];
  const textOf = new Map<string, string>();
  const seen = new Set<string>();
  records.forEach((record, index) => {
    const where = `${what} ${what === 'rows item' ? index : index + 1}`;
    const fail = (message: string) => problems.push(`${where}: ${message}`);
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return fail('not an object');
    const fields = record as Record<string, unknown>;
    const prompt = stringOf(fields.prompt);
    const model = stringOf(fields.model)?.trim();
    const output = stringOf(fields.output);
    const givenId = fields.prompt_id;
    if (!prompt?.trim()) return fail('prompt is missing or empty');
    if (!model) return fail('model is missing or empty');
    if (model.length > MAX_MODEL_NAME) return fail(`model is longer than ${MAX_MODEL_NAME} characters`);
    if (output === undefined || !output.trim()) return fail('output is missing or empty; write e.g. "(no answer)" to compare an empty answer');
    if (givenId !== undefined && givenId !== null && givenId !== '' && typeof givenId !== 'string' && typeof givenId !== 'number') {
      return fail('prompt_id must be a string or a number');
    }
    const promptId = givenId === undefined || givenId === null || givenId === '' ? prompt : String(givenId);
    const hidden: Record<string, Cell> = {};
    for (const [name, value] of Object.entries(fields)) {
      if (KNOWN.has(name)) continue;
      if (!name.startsWith('META_')) return fail(`unknown column "${name}": outputs take prompt, model, output, prompt_id, and META_ columns (hidden)`);
      if (RESERVED.has(`${name}_A`) || RESERVED.has(name)) return fail(`column "${name}" clashes with a column comparisons keep for themselves; rename it`);
      if (value !== null && typeof value === 'object') return fail(`${name} must be a string, number, boolean or null`);
      hidden[name] = value as Cell;
    }
    const earlier = textOf.get(promptId);
    if (earlier !== undefined && earlier !== prompt) return fail(`prompt_id "${promptId}" is used for two different prompt texts`);
    textOf.set(promptId, prompt);
    const key = `${promptId}\u0000${model}`;
    if (seen.has(key)) return fail(`model "${model}" has a second output for prompt ${describePrompt(promptId, prompt)}; keep one per model and prompt`);
    seen.add(key);
    outputs.push({ promptId, prompt, model, output, hidden });
  });
  if (problems.length) {
    const more = problems.length > LISTED ? `\n- …and ${problems.length - LISTED} more` : '';
    throw new ToolError(`The model outputs have problems (nothing was created):\n${problems.slice(0, LISTED).map((p) => `- ${p}`).join('\n')}${more}`);
  }
  if (outputs.length === 0) throw new ToolError('No model outputs were given: each row needs prompt, model and output.');
  return outputs;
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function describePrompt(promptId: string, prompt: string): string {
  return promptId === prompt ? `"${prompt.length > 40 ? `${prompt.slice(0, 39)}…` : prompt}"` : `"${promptId}"`;
}

/** A model name as a whole word, any case; names of one or two characters are too common to look for. */
function namePattern(models: readonly string[]): RegExp | undefined {
  const names = models.filter((name) => name.length >= 3).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!names.length) return undefined;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${names.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

/**
 * Refuses texts the caller wrote for annotators (task details, questions) that name a model, and counts the
 * prompts and outputs that do: those are the data, which only the caller can change.
 */
export function checkBlind(models: readonly string[], written: { where: string; text: string }[], outputs: readonly ModelOutput[]): { namedInData: number } {
  const pattern = namePattern(models);
  if (!pattern) return { namedInData: 0 };
  const named = written.filter((entry) => pattern.test(entry.text));
  if (named.length) {
    const which = named.map((entry) => `${entry.where} names "${entry.text.match(pattern)?.[0]}"`).join('; ');
    throw new ToolError(`Annotators would see which model is which: ${which}. Remove model names from what annotators read (nothing was created).`);
  }
  let namedInData = 0;
  for (const output of outputs) if (pattern.test(output.output) || pattern.test(output.prompt)) namedInData++;
  return { namedInData };
}
