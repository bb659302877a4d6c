/**
 * The folder layout is the architecture: these are its rules, checked on the import graph of src/, tools/ and
 * resources/, so that a file in the wrong place or an import across a layer fails here by name.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, graphOf, readSources, type ImportGraph } from './support/import-graph.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['src', 'tools', 'resources'];
const MAX_TOP_LEVEL_FILES = 6;
const MAX_LINES = 450;

interface Layer {
  /** Files whose path starts with this. */
  files: string;
  /** Why, as the failure reads. */
  rule: string;
  /** Path prefixes of repository files it must not import. */
  mustNotImport: string[];
  /** Package specifiers (prefixes) it must not import. */
  mustNotImportPackages?: string[];
}

const LAYERS: Layer[] = [
  {
    files: 'src/prolific/',
    rule: 'the Prolific client stands alone: no MCP, sandbox, statistics, job steps, tools or resources',
    mustNotImport: ['src/mcp/', 'src/sandbox/', 'src/stats/', 'src/job/', 'tools/', 'resources/'],
    mustNotImportPackages: ['@modelcontextprotocol/'],
  },
  {
    files: 'src/sandbox/',
    rule: 'the sandbox shares none of the client\'s assumptions: no client, statistics, job steps, MCP, tools or resources',
    mustNotImport: ['src/prolific/', 'src/stats/', 'src/job/', 'src/mcp/', 'tools/', 'resources/'],
  },
  {
    files: 'src/job/',
    rule: 'the job steps stand below the MCP layer (their context is src/job/context.ts, their error src/errors.ts)',
    mustNotImport: ['src/mcp/', 'src/sandbox/', 'tools/', 'resources/'],
    mustNotImportPackages: ['@modelcontextprotocol/'],
  },
  {
    files: 'src/stats/',
    rule: 'the statistics are pure: no client calls, MCP, sandbox, job steps, tools or resources',
    mustNotImport: ['src/mcp/', 'src/sandbox/', 'src/job/', 'src/prolific/client', 'tools/', 'resources/'],
    mustNotImportPackages: ['@modelcontextprotocol/'],
  },
  {
    files: 'src/util/',
    rule: 'the utilities stand below everything',
    mustNotImport: ['src/mcp/', 'src/sandbox/', 'src/job/', 'src/stats/', 'src/prolific/', 'tools/', 'resources/'],
  },
];

/** Every breach of the layout's rules in `sources` (repository-relative path → text); none when it holds. */
function breaches(sources: ReadonlyMap<string, string>): string[] {
  const graph: ImportGraph = graphOf(sources);
  const found = findCycles(graph).map((cycle) => `import circle: ${cycle}`);
  for (const [file, edges] of graph) {
    for (const edge of edges) {
      if (edge.specifier.startsWith('.') && !edge.target) found.push(`${file}: "${edge.specifier}" names no source file`);
    }
    for (const layer of LAYERS.filter((l) => file.startsWith(l.files))) {
      for (const edge of edges) {
        const crossed =
          (edge.target && layer.mustNotImport.some((prefix) => edge.target!.startsWith(prefix))) ||
          (!edge.specifier.startsWith('.') && layer.mustNotImportPackages?.some((prefix) => edge.specifier.startsWith(prefix)));
        if (crossed) found.push(`${file} imports ${edge.target ?? edge.specifier}, but ${layer.rule}`);
      }
    }
  }
  const topLevel = [...sources.keys()].filter((file) => /^src\/[^/]+\.ts$/.test(file));
  if (topLevel.length > MAX_TOP_LEVEL_FILES) {
    found.push(`${topLevel.length} files at the top of src/ (at most ${MAX_TOP_LEVEL_FILES}; put each in the folder of its role): ${topLevel.join(', ')}`);
  }
  for (const [file, source] of sources) {
    const lines = source.split('\n').length - (source.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES && !file.startsWith('src/sandbox/')) found.push(`${file} has ${lines} lines (at most ${MAX_LINES} outside the sandbox): split it by what its parts do`);
  }
  return found;
}

describe('the layout', () => {
  it('holds in src/, tools/ and resources/', () => {
    const sources = readSources(ROOT, FOLDERS);
    expect(sources.size).toBeGreaterThan(100);
    expect(breaches(sources)).toEqual([]);
  });

  it('names an import circle, also one closed by a type-only import, a re-export or a dynamic import', () => {
    const sources = new Map([
      ['src/mcp/a.ts', "import { b } from './b.js';\nexport const a = b;\n"],
      ['src/mcp/b.ts', "export { c as b } from './c.js';\n"],
      ['src/mcp/c.ts', "import type { A } from './a.js';\nexport const c = 1;\n"],
      ['src/mcp/d.ts', "export async function d() {\n  return import('./e.js');\n}\n"],
      ['src/mcp/e.ts', "import {\n  d,\n  type D,\n} from './d.js';\n"],
      ['src/mcp/f.ts', "// import { a } from './a.js';\n/* import('./a.js') */\nexport const f = 'import(\"./g.js\")';\n"],
      ['src/mcp/g.ts', "import './f.js';\n"],
    ]);
    expect(breaches(sources)).toEqual([
      'import circle: src/mcp/a.ts → src/mcp/b.ts → src/mcp/c.ts → src/mcp/a.ts',
      'import circle: src/mcp/d.ts → src/mcp/e.ts → src/mcp/d.ts',
    ]);
  });

  it('names an import across a layer, a missing file, a crowded src/ and a long file', () => {
    const sources = new Map([
      ['src/prolific/client.ts', "import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nimport { x } from '../stats/labels.js';\n"],
      ['src/stats/labels.ts', 'export const x = 1;\n'],
      ['src/sandbox/state.ts', "import { columnFor } from '../job/question-key.js';\n"],
      ['src/job/question-key.ts', "import type { ToolContext } from '../mcp/tool.js';\nimport { y } from './gone.js';\n"],
      ['src/mcp/tool.ts', 'export interface ToolContext {}\n'],
      ...['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name): [string, string] => [`src/${name}.ts`, '']),
      ['src/job/long.ts', 'export const line = 1;\n'.repeat(MAX_LINES + 1)],
      ['src/sandbox/long.ts', 'export const line = 1;\n'.repeat(MAX_LINES + 1)],
    ]);
    expect(breaches(sources)).toEqual([
      expect.stringMatching(/^src\/prolific\/client\.ts imports @modelcontextprotocol\/sdk\/server\/mcp\.js, but the Prolific client stands alone/),
      expect.stringMatching(/^src\/prolific\/client\.ts imports src\/stats\/labels\.ts, but the Prolific client stands alone/),
      expect.stringMatching(/^src\/sandbox\/state\.ts imports src\/job\/question-key\.ts, but the sandbox shares none/),
      'src/job/question-key.ts: "./gone.js" names no source file',
      expect.stringMatching(/^src\/job\/question-key\.ts imports src\/mcp\/tool\.ts, but the job steps stand below the MCP layer/),
      expect.stringMatching(/^7 files at the top of src\//),
      `src/job/long.ts has ${MAX_LINES + 1} lines (at most ${MAX_LINES} outside the sandbox): split it by what its parts do`,
    ]);
  });
});
