import { z } from 'zod';
import { ToolError } from '../src/errors.js';
import { defineTool } from '../src/mcp/tool.js';
import { prolificId, text } from '../src/util/shapes.js';
import { matchChoices, readCatalogue, searchFilters, terms } from '../src/job/filter-catalogue.js';
import type { Filter } from '../src/prolific/types.js';

/** The catalogue has hundreds of filters and thousands of choices: a page stays a few hundred tokens. */
const FILTERS_PER_PAGE = 5;
const CHOICES_SHOWN = 8;
const CHOICES_UNMATCHED = 5;
const CHOICES_PER_PAGE = 25;
const QUESTION_LENGTH = 160;

export default defineTool({
  name: 'find_filters',
  toolset: 'audience',
  title: 'Find participant filters',
  description:
    'Search Prolific\'s participant filters by words ("first language English", "UK residents"). Gives filter_id, type, question, choices as id → label (put ids in selected_values) or a range\'s min/max. With filter_id: that filter\'s choices, paged.',
  input: {
    query: text(200).optional(),
    filter_id: prolificId('filter').optional().describe('List this filter\'s choices (matching query, if given)'),
    offset: z.int().min(0).max(100_000).optional(),
    workspace_id: prolificId('workspace').optional(),
  },
  output: {
    filters: z.array(z.looseObject({ filter_id: z.string(), type: z.string() })),
    total: z.number(),
    next_offset: z.number().optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { client, resolveWorkspace, signal }) {
    if (!args.query && !args.filter_id) throw new ToolError('Give query (a few words about who should take part), or filter_id to list its choices.');
    const workspace = await resolveWorkspace(args.workspace_id);
    const offset = args.offset ?? 0;
    if (args.filter_id) {
      const catalogue = await readCatalogue(client, workspace, signal);
      const filter = catalogue.byId.get(args.filter_id);
      if (!filter) throw new ToolError(`${args.filter_id} is not a Prolific filter id; search with query to find one.`);
      const all = Object.keys(filter.choices ?? {});
      const matched = args.query ? matchChoices(filter, terms(args.query), true) : all;
      const page = matched.slice(offset, offset + CHOICES_PER_PAGE);
      const choices = all.length ? { choices: pick(filter, page), choices_total: all.length, ...(args.query ? { choices_matching: matched.length } : {}) } : {};
      const row = { ...head(filter), ...(filter.type === 'range' ? range(filter) : {}), ...choices };
      const next = offset + page.length < matched.length ? { next_offset: offset + page.length } : {};
      return { filters: [row], total: 1, ...next };
    }
    const found = await searchFilters(client, workspace, args.query ?? '', { offset, limit: FILTERS_PER_PAGE }, signal);
    const filters = found.matches.map(({ filter, choices }) => {
      const all = Object.keys(filter.choices ?? {});
      const shown = choices.length ? choices.slice(0, CHOICES_SHOWN) : all.slice(0, CHOICES_UNMATCHED);
      return {
        ...head(filter),
        ...(filter.type === 'range' ? range(filter) : {}),
        ...(all.length ? { choices: pick(filter, shown), ...(shown.length < all.length ? { choices_total: all.length } : {}) } : {}),
      };
    });
    const next = offset + found.matches.length < found.total && found.matches.length ? { next_offset: offset + found.matches.length } : {};
    return { filters, total: found.total, ...next };
  },
});

function head(filter: Filter) {
  const question = filter.question ?? '';
  return {
    filter_id: filter.filter_id,
    title: filter.title ?? filter.filter_id,
    type: filter.type,
    ...(filter.data_type ? { data_type: filter.data_type } : {}),
    ...(question ? { question: question.length > QUESTION_LENGTH ? `${question.slice(0, QUESTION_LENGTH - 1)}…` : question } : {}),
  };
}

function range(filter: Filter) {
  return { ...(filter.min !== undefined && filter.min !== null ? { min: filter.min } : {}), ...(filter.max !== undefined && filter.max !== null ? { max: filter.max } : {}) };
}

function pick(filter: Filter, ids: readonly string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [id, String(filter.choices?.[id] ?? '')]));
}
