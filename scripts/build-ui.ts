/**
 * Part of `npm run build`: the study dashboard as one self-contained HTML file (dist/ui/study-dashboard.html).
 * Hosts load an MCP App's page from the resource text alone, with no network, so its script (ext-apps'
 * App with its dependencies, and ours) and its styles are inlined here. Vite bundles the script; the
 * inlining is the few lines below rather than a plugin.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rolldown } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));
const source = `${root}ui/study-dashboard/`;
const output = `${root}dist/ui/study-dashboard.html`;
/** Hosts take resources of any size, but a page this size loads at once; ext-apps alone is about 340 KB. */
const MAX_BYTES = 1024 * 1024;

const result = await build({
  configFile: false,
  root: source,
  logLevel: 'warn',
  publicDir: false,
  build: {
    write: false,
    minify: true,
    target: 'es2022',
    lib: { entry: `${source}main.ts`, formats: ['iife'], name: 'studyDashboard', fileName: 'study-dashboard' },
  },
});
const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
const chunk = outputs.flatMap((out) => out.output).find((item): item is Rolldown.OutputChunk => item.type === 'chunk' && item.isEntry);
if (!chunk) throw new Error('vite produced no script for the dashboard');

const [template, css] = await Promise.all([readFile(`${source}index.html`, 'utf8'), readFile(`${source}style.css`, 'utf8')]);
// "</script" inside the code would end the inline script early; "<\/script" means the same to JavaScript.
const script = chunk.code.replace(/<\/(script)/gi, '<\\/$1');
// Replacer functions, so that "$&" and friends in the minified code are not read as replacement patterns.
const html = template.replace('/* style.css */', () => css).replace('/* main.ts */', () => script);
const size = Buffer.byteLength(html);
if (size > MAX_BYTES) throw new Error(`dist/ui/study-dashboard.html is ${size} bytes, over the ${MAX_BYTES}-byte limit`);
await mkdir(dirname(output), { recursive: true });
await writeFile(output, html);
console.log(`dist/ui/study-dashboard.html ${(size / 1024).toFixed(0)} KB`);
