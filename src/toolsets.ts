/**
 * The tool sets, as in GitHub's MCP server: the server offers the tools of the chosen sets only, since every
 * tool listed is paid for in tokens in every conversation. Each tool names its set (`toolset` in defineTool).
 */
export const TOOLSETS = {
  run: 'a whole first run: data, batch, questions, study, publish, responses',
  batches: 'batches in depth: layouts, copies, syncs, lists',
  results: 'labels, agreement, exports, follow-up rounds, approvals',
  audience: 'who takes part, and the money',
  evaluations: 'comparisons and rankings of model outputs',
} as const;

export type ToolsetName = keyof typeof TOOLSETS;

export const TOOLSET_NAMES = Object.keys(TOOLSETS) as ToolsetName[];

/** Offered when no set is chosen. */
export const DEFAULT_TOOLSETS: readonly ToolsetName[] = ['run'];

/** Besides the names: `all` for every set, `default` for the default ones (to add to them: `default,results`). */
const KEYWORDS: Record<string, readonly ToolsetName[]> = { all: TOOLSET_NAMES, default: DEFAULT_TOOLSETS };

/** Reads a comma-separated choice such as "run,results"; throws, naming every valid name, for anything else. */
export function parseToolsets(value: string, source: string): ToolsetName[] {
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const valid = `Tool sets: ${TOOLSET_NAMES.join(', ')}; or all for every set, default for ${DEFAULT_TOOLSETS.join(', ')}.`;
  if (!names.length) throw new Error(`${source} names no tool set. ${valid}`);
  const unknown = names.filter((name) => !Object.hasOwn(TOOLSETS, name) && !Object.hasOwn(KEYWORDS, name));
  if (unknown.length) throw new Error(`${source} names unknown tool set${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}. ${valid}`);
  const chosen = new Set(names.flatMap((name) => (Object.hasOwn(KEYWORDS, name) ? KEYWORDS[name]! : [name as ToolsetName])));
  // In the order of TOOLSETS, whatever the order given.
  return TOOLSET_NAMES.filter((name) => chosen.has(name));
}

/** How a person adds a set to those chosen (undefined: the default ones): the option, and the variable. */
export function howToEnable(chosen: readonly ToolsetName[] | undefined, adding: ToolsetName): string {
  const list = [...new Set([...(chosen ?? DEFAULT_TOOLSETS), adding])].join(',');
  return `--toolsets ${list} (or PROLIFIC_TOOLSETS=${list})`;
}
