/**
 * The README is the front page and docs/ holds the rest: every link between them must lead somewhere, every
 * page must be reachable from the front page, and the configuration reference must name every setting the
 * code reads. Reading the files is the behaviour here: these are what a new user opens first.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const MAX_README_BYTES = 16 * 1024;

const pages = [README, ...readdirSync(DOCS).filter((name) => name.endsWith('.md')).map((name) => join(DOCS, name))];

/** Markdown with fenced blocks and inline code blanked out: a link or heading written inside code is not one. */
function prose(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/(`+)[^`\n]*?\1/g, (code) => (/[[\]()]/.test(code) ? '``' : code));
}

function links(markdown: string): string[] {
  const found: string[] = [];
  for (const match of prose(markdown).matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) found.push(match[1] ?? '');
  for (const match of prose(markdown).matchAll(/<(?:a|img)\b[^>]*\b(?:href|src)="([^"]*)"/gi)) found.push(match[1] ?? '');
  return found;
}

/** Anchors as GitHub makes them from headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (match[1] ?? '').replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count ? `${slug}-${count}` : slug);
  }
  return result;
}

function shown(file: string): string {
  return relative(ROOT, file);
}

describe('README and docs', () => {
  it(`the README stays a front page: at most ${MAX_README_BYTES} bytes`, () => {
    expect(statSync(README).size).toBeLessThanOrEqual(MAX_README_BYTES);
  });

  it('every link resolves: files inside the repository, anchors to real headings, and nothing but http(s) outside', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      for (const target of links(text)) {
        const where = `${shown(page)} → ${target || '(empty)'}`;
        if (/^https?:\/\/[^\s/]+/.test(target)) continue;
        if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/') || target.startsWith('//')) {
          broken.push(`${where}: only relative links and http(s) URLs are allowed`);
          continue;
        }
        const [pathPart = '', anchor] = target.split('#', 2);
        const file = pathPart ? resolve(dirname(page), decodeURIComponent(pathPart)) : page;
        if (file !== ROOT.replace(/[\\/]$/, '') && !file.startsWith(ROOT)) {
          broken.push(`${where}: leads outside the repository`);
          continue;
        }
        if (!existsSync(file)) {
          broken.push(`${where}: no such file`);
          continue;
        }
        if (anchor !== undefined) {
          if (!file.endsWith('.md')) broken.push(`${where}: an anchor into a file that is not a Markdown page`);
          else if (!anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${where}: no heading with that anchor`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every page in docs/ is linked from the README', () => {
    const fromReadme = new Set(
      links(readFileSync(README, 'utf8'))
        .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
        .map((target) => resolve(ROOT, target.split('#')[0] ?? '')),
    );
    const unlinked = pages.filter((page) => page !== README && !fromReadme.has(page)).map(shown);
    expect(unlinked).toEqual([]);
  });

  it('the configuration reference names every PROLIFIC_* setting the code reads and every flag it parses', () => {
    const reference = readFileSync(join(DOCS, 'configuration.md'), 'utf8');
    const names = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bPROLIFIC_[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(match[0]);
    }
    expect(names.size).toBeGreaterThan(10);
    const config = readFileSync(join(ROOT, 'src', 'config.ts'), 'utf8');
    const options = /options:\s*\{([\s\S]*?)\n\s*\},\n/.exec(config)?.[1] ?? '';
    const flags = [...options.matchAll(/^\s*'?([a-z][a-z-]*)'?\s*:\s*\{\s*type:/gm)].map((match) => `--${match[1]}`);
    expect(flags).toContain('--sandbox');
    const missing = [...names, ...flags].filter((name) => !new RegExp(`\`${name}[\\s=\`]`).test(reference));
    expect(missing).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !path.split(sep).includes('node_modules') ? [path] : [];
  });
}
