/**
 * The import graph of the project's own TypeScript, read from the source text: static imports and
 * re-exports (`import type` included: it ties two modules together just the same), side-effect imports,
 * and dynamic `import('...')` (which also covers `typeof import('...')`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';

export interface ImportEdge {
  /** As written in the source. */
  specifier: string;
  /** Repository-relative path of the file it names, for relative specifiers that resolve; undefined otherwise. */
  target: string | undefined;
}

/** Repository-relative path → what that file imports. */
export type ImportGraph = Map<string, ImportEdge[]>;

/** Where a string literal is a module specifier: after `from`, `import` or `import(`. */
const SPECIFIER_PLACE = /(?:\bfrom|\bimport|\bimport\s*\()\s*$/;

/** The source with its comments and all strings but specifiers blanked out, so that only real imports are read. */
function withoutComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      const literal = source.slice(i, j + 1);
      // Only a string in a specifier's place is kept, so that import-like text inside a string is no import.
      out += SPECIFIER_PLACE.test(out) ? literal : literal.replace(/[^\n]/g, ' ');
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const STATIC = /\b(?:import|export)\s+[\w*{}\s,$]*?\bfrom\s*(['"])([^'"]+)\1/g;
const BARE = /\bimport\s*(['"])([^'"]+)\1/g;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g;

/** The specifiers a source file imports, in no particular order. */
export function importsOf(source: string): string[] {
  const code = withoutComments(source);
  return [STATIC, BARE, DYNAMIC].flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[2]!));
}

/** `./x.js` from `dir/a.ts` names `dir/x.ts`; undefined when no such file is among `files`. */
export function resolveSpecifier(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const path = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [path, path.replace(/\.js$/, '.ts'), `${path}.ts`, `${path}/index.ts`];
  return candidates.find((candidate) => files.has(candidate));
}

/** The graph of in-memory sources (repository-relative path → text); the test feeds it synthetic ones too. */
export function graphOf(sources: ReadonlyMap<string, string>): ImportGraph {
  const files = new Set(sources.keys());
  const graph: ImportGraph = new Map();
  for (const [file, source] of sources) {
    graph.set(
      file,
      importsOf(source).map((specifier) => ({
        specifier,
        target: specifier.startsWith('.') ? resolveSpecifier(file, specifier, files) : undefined,
      })),
    );
  }
  return graph;
}

/** Every .ts file under `folders` of the repository at `root`, read. */
export function readSources(root: string, folders: readonly string[]): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) sources.set(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return sources;
}

/** One import circle per strongly connected group of files, each spelt `a → b → … → a`; none when the graph has no circle. */
export function findCycles(graph: ImportGraph): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const targets = (file: string) => [...new Set((graph.get(file) ?? []).flatMap((edge) => (edge.target && graph.has(edge.target) ? [edge.target] : [])))];

  const connect = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of targets(file)) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== file);
      if (group.length > 1 || targets(file).includes(file)) groups.push(group);
    }
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) connect(file);

  // Within a group every file reaches every other: the shortest way back from its first file is one circle.
  return groups.map((group) => {
    const circle = shortestCircle(group);
    const others = group.filter((file) => !circle.includes(file)).sort();
    return others.length ? `${circle.join(' → ')} (and with it ${others.join(', ')})` : circle.join(' → ');
  });

  function shortestCircle(group: string[]): string[] {
    const members = new Set(group);
    const start = [...group].sort()[0]!;
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const file = queue.shift()!;
      for (const target of targets(file).filter((t) => members.has(t))) {
        if (target === start) {
          const path = [file];
          while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
          return [...path, start];
        }
        if (!previous.has(target) && target !== start) {
          previous.set(target, file);
          queue.push(target);
        }
      }
    }
    return [...group, group[0]!];
  }
}
