import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolRequest, CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import * as extApps from '@modelcontextprotocol/ext-apps/server';
import { EXTENSION_ID, RESOURCE_MIME_TYPE } from '../src/mcp/apps/dashboard.js';
import { FAST, callTool, ok, readyBatch, startEnv, untilSubmitted, type TestEnv } from './support/env.js';

const URI = 'ui://prolific/study-dashboard';
const MIME = 'text/html;profile=mcp-app';
const APP_TOOLS = ['get_batch', 'get_study', 'rank_models', 'summarize_responses'];
const BIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
/**
 * The pictures in docs/ are remade only when asked (UPDATE_SCREENSHOTS=1): a PNG differs by a few bytes from
 * run to run, which would leave every test run with a changed tree. Otherwise they go to a scratch folder.
 */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
/** Made-up Prolific ids (24 hex digits) the study leaves out. */
const LEFT_OUT = ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb'];
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path));

describe('the study dashboard (MCP App) as the catalogue and resources show it', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('points get_study, summarize_responses, get_batch and rank_models at one ui:// page, and only them', async () => {
    const { tools } = await env.client.listTools();
    const pointing = tools.filter((tool) => tool._meta?.ui).map((tool) => tool.name).sort();
    expect(pointing).toEqual(APP_TOOLS);
    for (const tool of tools.filter((t) => APP_TOOLS.includes(t.name))) expect(tool._meta).toEqual({ ui: { resourceUri: URI } });
    expect(env.client.getServerCapabilities()?.extensions).toHaveProperty(['io.modelcontextprotocol/ui']);
  });

  it("names the extension and the page's MIME type as ext-apps does", () => {
    expect([EXTENSION_ID, RESOURCE_MIME_TYPE]).toEqual([extApps.EXTENSION_ID, extApps.RESOURCE_MIME_TYPE]);
  });

  it('lists and serves the page as text/html;profile=mcp-app: one self-contained file under 1 MB, no network', async () => {
    const { resources } = await env.client.listResources();
    const listed = resources.find((resource) => resource.uri === URI);
    expect(listed).toMatchObject({ mimeType: MIME, _meta: { ui: { csp: { connectDomains: [], resourceDomains: [] } } } });
    const read = await env.client.readResource({ uri: URI });
    const [page] = read.contents as { uri: string; mimeType: string; text: string; _meta?: Record<string, unknown> }[];
    expect(page?.mimeType).toBe(MIME);
    expect(page?._meta).toEqual(listed?._meta);
    const html = page?.text ?? '';
    expect(Buffer.byteLength(html)).toBeLessThan(1024 * 1024);
    expect(html).toMatch(/^<!doctype html>/i);
    // Scripts and styles are inlined: nothing is loaded from anywhere.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import/i);
    expect(html).toContain("default-src 'none'");
  });

  it('keeps the tools\' text and structuredContent as they were', async () => {
    const { batchId } = await readyBatch(env);
    const summary = await env.call('summarize_responses', { batch_id: batchId });
    expect(summary.raw._meta).toBeUndefined();
    expect(JSON.parse(summary.raw.content[0]?.type === 'text' ? summary.raw.content[0].text : '')).toEqual(summary.data);
  });

  it('is gone from the built server started with PROLIFIC_MCP_APPS=0', async () => {
    const client = new Client({ name: 'apps-off', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [BIN, '--sandbox'], env: { PATH: process.env.PATH ?? '', PROLIFIC_MCP_APPS: '0' }, stderr: 'ignore' }),
    );
    try {
      expect((await client.listTools()).tools.filter((tool) => tool._meta)).toEqual([]);
      expect((await client.listResources()).resources.map((r) => r.uri)).not.toContain(URI);
    } finally {
      await client.close();
    }
  });

  it('stays with --read-only (the page only reads), and is gone with apps off', async () => {
    const readOnly = await startEnv({ config: { readOnly: true } });
    const off = await startEnv({ config: { apps: false } });
    try {
      const { tools } = await readOnly.client.listTools();
      expect(tools.filter((tool) => tool._meta?.ui).map((tool) => tool.name).sort()).toEqual(APP_TOOLS);

      const plain = await off.client.listTools();
      expect(plain.tools.some((tool: Tool) => tool._meta)).toBe(false);
      expect((await off.client.listResources()).resources.map((r) => r.uri)).not.toContain(URI);
      expect(off.client.getServerCapabilities()?.extensions).toBeUndefined();
      await expect(off.client.readResource({ uri: URI })).rejects.toThrow();
    } finally {
      await readOnly.close();
      await off.close();
    }
  });
});

describe.skipIf(!CHROMIUM)('the study dashboard rendered in headless Chromium by an AppBridge host', () => {
  let sandbox: RunningSandbox;
  let client: Client;
  let browser: Browser;
  let web: Server;
  let page: Page;
  let html: string;
  const hostCalls: CallToolRequest['params'][] = [];
  const requested: string[] = [];
  let study: CallToolResult;
  let summary: CallToolResult;
  let batch: CallToolResult;
  let ranking: CallToolResult;
  let comparisonSummary: CallToolResult;
  let hostUrl: string;
  let screenshots: string;
  const screenshot = (id: string, name: string) => page.locator(`#${id}`).screenshot({ path: join(screenshots, name) });

  beforeAll(async () => {
    screenshots = UPDATE_SCREENSHOTS ? DOCS : await mkdtemp(join(tmpdir(), 'prolific-dashboard-'));
    // The built server, as a host starts it, against a sandbox acting as the live API.
    sandbox = await startSandbox(FAST);
    client = new Client({ name: 'dashboard-test-host', version: '1.0.0' }, { capabilities: { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: [MIME] } } } });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [BIN, '--toolsets', 'run,results,audience,evaluations'], env: { PATH: process.env.PATH ?? '', PROLIFIC_URL: sandbox.baseUrl, PROLIFIC_TOKEN: sandbox.token }, stderr: 'ignore' }),
    );
    const mcp = { call: (name: string, args?: Record<string, unknown>) => callTool(client, name, args) };
    const { batchId } = await readyBatch(mcp);
    const found = ok(await mcp.call('find_filters', { query: 'UK residents' }));
    const country = found.filters.find((filter: { title: string }) => /^current country of residence$/i.test(filter.title));
    const created = ok(
      await mcp.call('create_study', {
        batch_id: batchId,
        name: 'Rate product reviews',
        description: 'Read short reviews.',
        reward: 150,
        estimated_completion_time: 5,
        annotators_per_task: 3,
        filters: [{ filter_id: country.filter_id, selected_values: ['United Kingdom'] }],
        exclude_participants: LEFT_OUT,
      }),
    );
    ok(await mcp.call('publish_study', { study_id: created.id, confirm_total_cost: created.total_cost }));
    await untilSubmitted(mcp, created.id);
    const [first] = ok(await mcp.call('get_study', { study_id: created.id })).awaiting_review;
    const bonus = { study_id: created.id, bonuses: [{ participant_id: first.participant_id, amount: 50 }] };
    const quote = ok(await mcp.call('pay_bonuses', bonus));
    expect(quote.message).toContain(`1 bonus on "${created.name}"`);
    ok(await mcp.call('pay_bonuses', { ...bonus, confirm_total_cost: quote.total_cost }));
    // Prolific pays bonuses within minutes; the dashboard shows them once the study's cost does.
    for (let tries = 0; tries < 200 && !(ok(await mcp.call('get_study', { study_id: created.id })).spent_on?.bonuses > 0); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    study = (await mcp.call('get_study', { study_id: created.id })).raw;
    summary = (await mcp.call('summarize_responses', { batch_id: batchId })).raw;
    batch = (await mcp.call('get_batch', { batch_id: batchId })).raw;
    // A comparison of four models whose hidden qualities the sandbox's annotators follow.
    const models = { 'kestrel-xl': 1.2, 'plover-m': 0.4, 'dunlin-s': -0.4, 'stint-xs': -1.2 };
    const rows = Array.from({ length: 12 }, (_, p) => Object.entries(models).map(([model, quality], i) => ({ prompt_id: `p${p}`, prompt: `Prompt ${p}`, model, output: `Reply ${i} to ${p}`, META_SANDBOX_QUALITY: quality }))).flat();
    const comparison = ok(await mcp.call('create_comparison', { name: 'Four models', rows, allow_ties: true, seed: 2 }));
    const compared = ok(
      await mcp.call('create_study', { batch_id: comparison.batch_id, name: 'Compare replies', description: 'Pick the better reply.', reward: 150, estimated_completion_time: 5, annotators_per_task: 3 }),
    );
    ok(await mcp.call('publish_study', { study_id: compared.id, confirm_total_cost: compared.total_cost }));
    await untilSubmitted(mcp, compared.id);
    ranking = (await mcp.call('rank_models', { batch_id: comparison.batch_id })).raw;
    comparisonSummary = (await mcp.call('summarize_responses', { batch_id: comparison.batch_id })).raw;
    html = ((await client.readResource({ uri: URI })).contents[0] as { text: string }).text;

    const hostScript = await bundleHost();
    web = createHttpServer((request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(`<!doctype html><html><body style="margin:0;padding:16px;background:#888"><script>${hostScript}</script></body></html>`);
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`;

    // Flags that keep Chromium from reaching out on its own (a closed network refuses it otherwise);
    // Playwright gives every launch a fresh profile of its own.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 800, height: 900 }, deviceScaleFactor: 2, timezoneId: 'UTC' });
    // A fixed clock keeps what the screenshots show the same from run to run ("Updated 10:00:00").
    await page.clock.setFixedTime(new Date('2026-11-30T10:00:00Z'));
    page.on('request', (request) => requested.push(request.url()));
    await page.exposeFunction('hostCallTool', async (params: CallToolRequest['params']) => {
      hostCalls.push(params);
      return client.callTool(params);
    });
    await page.goto(hostUrl);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => web?.close(resolve));
    await client?.close();
    await sandbox?.close();
    if (!UPDATE_SCREENSHOTS && screenshots) await rm(screenshots, { recursive: true, force: true });
  });

  /** Waits until the host has sized the frame to the view's own height, as the view reported it. */
  const settled = async (id: string) => {
    const heights = () =>
      Promise.all([page.locator(`#${id}`).evaluate((frame) => frame.getBoundingClientRect().height), page.frameLocator(`#${id}`).locator('html').evaluate((html) => html.scrollHeight)]);
    await expect.poll(async () => {
      const [frame, content] = await heights();
      return Math.abs(frame - content) <= 1;
    }).toBe(true);
  };

  const show = (id: string, theme: 'light' | 'dark', input: Record<string, unknown>, result: CallToolResult) =>
    page.evaluate(
      ([id, html, theme, input, result]) =>
        (window as unknown as { showTool(...args: unknown[]): Promise<void> }).showTool(id, html, { theme, locale: 'en-GB', containerDimensions: { width: 720, maxHeight: 4000 } }, input, result),
      [id, html, theme, input, result] as const,
    );

  it('shows the study from get_study: name, status, places, submissions, money', async () => {
    const data = study.structuredContent as Record<string, any>;
    await show('study', 'light', { study_id: data.id }, study);
    const view = page.frameLocator('#study');
    await expect.poll(() => view.locator('h1').innerText()).toBe('Rate product reviews');
    expect(await view.locator('header .badge').innerText()).toBe('AWAITING REVIEW');
    expect(await view.locator('.places').innerText()).toBe(`${data.places_taken} of ${data.total_available_places} taken`);
    expect(data.places_taken).toBe(6);
    expect(await view.locator('.legend').innerText()).toContain('AWAITING REVIEW 6');
    expect(await view.locator('.quoted').innerText()).toContain(`£${(data.total_cost / 100).toFixed(2)}`);
  });

  it('shows who may take part (the filters in words, the eligible count), who was left out, and rewards and bonuses apart', async () => {
    const data = study.structuredContent as Record<string, any>;
    const view = page.frameLocator('#study');
    expect(await view.locator('.who li').allInnerTexts()).toEqual(data.audience.who);
    expect(data.audience.who).toContain('Current Country of Residence: United Kingdom');
    expect(await view.locator('.eligible').innerText()).toBe(`${data.audience.eligible_participants.toLocaleString('en-GB')} eligible now`);
    expect(await view.locator('.left-out summary').innerText()).toBe('2 left out');
    await view.locator('.left-out summary').click();
    expect((await view.locator('.left-out li').allInnerTexts()).sort()).toEqual(LEFT_OUT);
    expect(data.spent_on.bonuses).toBeGreaterThan(0);
    const apart = await view.locator('.spent-apart').innerText();
    expect(apart).toContain(`Rewards £${(data.spent_on.rewards / 100).toFixed(2)}`);
    expect(apart).toContain(`Bonuses £${(data.spent_on.bonuses / 100).toFixed(2)}`);
  });

  it('refreshes through the host with read-only calls only, and then shows the labels too', async () => {
    const view = page.frameLocator('#study');
    await view.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => view.locator('.label-row').count()).toBeGreaterThan(0);
    expect(hostCalls.map((call) => call.name).sort()).toEqual(['get_study', 'summarize_responses']);
    await expectLabelsAndAnnotators(view);
    await settled('study');
    await screenshot('study', 'study-dashboard.png');
  });

  it('shows summarize_responses on its own, in the host\'s dark theme', async () => {
    const data = summary.structuredContent as Record<string, any>;
    await show('summary', 'dark', { batch_id: data.batch_id }, summary);
    const view = page.frameLocator('#summary');
    await expect.poll(() => view.locator('.label-row').count()).toBeGreaterThan(0);
    await expectLabelsAndAnnotators(view);
    expect(await view.locator('html').getAttribute('data-theme')).toBe('dark');
    const background = await view.locator('body').evaluate((body) => getComputedStyle(body).backgroundColor);
    expect(background).not.toBe('rgb(255, 255, 255)');
    await settled('summary');
    await screenshot('summary', 'study-dashboard-dark.png');
  });

  it('follows the host when it switches theme, with the host\'s own colours', async () => {
    const context = { theme: 'light', styles: { variables: { '--color-background-primary': 'rgb(250, 248, 240)' } } };
    await page.evaluate((context) => (window as unknown as { setContext(id: string, context: unknown): void }).setContext('summary', context), context);
    const view = page.frameLocator('#summary');
    await expect.poll(() => view.locator('html').getAttribute('data-theme')).toBe('light');
    expect(await view.locator('body').evaluate((body) => getComputedStyle(body).backgroundColor)).toBe('rgb(250, 248, 240)');
  });

  it('shows a batch from get_batch: name, status, tasks and questions', async () => {
    const data = batch.structuredContent as Record<string, any>;
    await show('batch', 'light', { batch_id: data.id }, batch);
    const view = page.frameLocator('#batch');
    await expect.poll(() => view.locator('h1').innerText()).toBe('Sentiment');
    expect(await view.locator('header .badge').innerText()).toBe('READY');
    expect(await view.locator('.facts').innerText()).toContain('Tasks 4');
    expect(await view.locator('.instructions li').allInnerTexts()).toEqual([expect.stringContaining('What is the sentiment of this review?'), expect.stringContaining('Why?')]);
  });

  it('says so plainly for a result it does not know, and shows a tool error as it came', async () => {
    await show('other', 'light', {}, { content: [{ type: 'text', text: '{"workspaces":[]}' }], structuredContent: { workspaces: [] } });
    await expect.poll(() => page.frameLocator('#other').locator('.plain').innerText()).toContain('nothing the dashboard can draw');
    await show('failed', 'light', { study_id: 'nope' }, { content: [{ type: 'text', text: 'Study nope was not found.' }], isError: true });
    await expect.poll(() => page.frameLocator('#failed').locator('.alert').innerText()).toBe('Study nope was not found.');
  });

  it('shows rank_models as a ranking: each score with its interval as a bar, win rates, the position bias', async () => {
    const data = ranking.structuredContent as Record<string, any>;
    await show('ranking', 'light', { batch_id: data.batch_id }, ranking);
    const view = page.frameLocator('#ranking');
    await expect.poll(() => view.locator('h1').innerText()).toBe('Model ranking');
    const rows = view.locator('tr.model-row');
    expect(await rows.count()).toBe(4);
    const names = await view.locator('tr.model-row .model-name').allInnerTexts();
    expect(names).toEqual(data.models.map((m: { model: string }) => m.model));
    expect(names).toEqual(['kestrel-xl', 'plover-m', 'dunlin-s', 'stint-xs']);
    // Each interval bar spans its score's dot, and the dots fall from the first row to the last.
    const spans = await view.locator('tr.model-row .scale').evaluateAll((scales) =>
      scales.map((scale) => {
        const box = (selector: string) => (scale.querySelector(selector) as HTMLElement).getBoundingClientRect();
        const ci = box('.ci');
        const dot = box('.point');
        return { left: ci.left, right: ci.right, dot: dot.left + dot.width / 2 };
      }),
    );
    for (const span of spans) {
      expect(span.dot).toBeGreaterThanOrEqual(span.left - 0.5);
      expect(span.dot).toBeLessThanOrEqual(span.right + 0.5);
    }
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.dot).toBeLessThan(spans[i - 1]!.dot);
    const first = data.models[0];
    expect(await rows.first().locator('.score').innerText()).toBe(`${first.score.toFixed(2)} [${first.ci95[0].toFixed(2)}, ${first.ci95[1].toFixed(2)}]`);
    const cells = await view.locator('table.win-rates td.rate:not(.none)').allInnerTexts();
    expect(cells).toHaveLength(12);
    expect(cells[0]).toBe(`${Math.round(data.win_rates.matrix[0][1] * 100)}%`);
    expect(await view.locator('.first-share').innerText()).toContain(`${Math.round(data.position_bias.first_share * 100)}%`);
    expect(await view.locator('.same-side').innerText()).toBe(`${data.annotators.same_side} of ${data.annotators.total} annotators always chose the same side`);
    // A ranking instead of per-item labels.
    expect(await view.locator('.label-row').count()).toBe(0);
    await settled('ranking');
    await screenshot('ranking', 'comparison-dashboard.png');
  });

  it('refreshes a ranking with rank_models, and draws a comparison batch\'s summary as its ranking', async () => {
    const before = hostCalls.length;
    const view = page.frameLocator('#ranking');
    await view.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => hostCalls.length).toBeGreaterThan(before);
    expect(hostCalls.slice(before).map((call) => call.name)).toEqual(['rank_models']);
    await expect.poll(() => view.locator('tr.model-row').count()).toBe(4);

    const summaryData = comparisonSummary.structuredContent as Record<string, any>;
    const calls = hostCalls.length;
    await show('comparison', 'light', { batch_id: summaryData.batch_id }, comparisonSummary);
    const drawn = page.frameLocator('#comparison');
    await expect.poll(() => drawn.locator('tr.model-row').count()).toBe(4);
    expect(hostCalls.slice(calls).map(({ name, arguments: args }) => ({ name, args }))).toEqual([{ name: 'rank_models', args: { batch_id: summaryData.batch_id } }]);
    expect(await drawn.locator('.label-row').count()).toBe(0);
  });

  it('loaded nothing but the host page: the views fetched nothing', () => {
    expect(requested).toEqual([hostUrl]);
  });

  /** What a person reads: each label with its count, and the annotator who agrees least at the top. */
  async function expectLabelsAndAnnotators(view: FrameLocator): Promise<void> {
    const data = summary.structuredContent as Record<string, any>;
    const choice = data.instructions.find((instruction: { counts?: unknown }) => instruction.counts);
    const rows = await view.locator('.label-row').allInnerTexts();
    for (const [label, count] of Object.entries(choice.counts as Record<string, number>)) {
      expect(rows.some((row) => row.replace(/\s+/g, ' ').startsWith(`${label} ${count} `)), `${label} ${count} in ${rows.join(' | ')}`).toBe(true);
    }
    // Contested: the tasks whose annotators did not all give the same answer.
    const disputed = choice.tasks.filter((task: { tie?: boolean; counts: object }) => task.tie || Object.keys(task.counts).length > 1);
    expect(disputed.length).toBeGreaterThan(0);
    expect(await view.locator('.stats').first().innerText()).toContain(`${disputed.length} of ${choice.tasks_total}`);
    expect(await view.locator('.contested tbody tr').count()).toBe(disputed.length);
    // The tool lists annotators worst first (by estimated accuracy when it has one, else agreement).
    const worst = data.participants[0];
    const first = await view.locator('table.annotators tbody tr').first().innerText();
    expect(first).toContain(worst.participant_id);
    expect(first).toContain(`${Math.round((worst.estimated_accuracy ?? worst.agreement_with_majority) * 100)}%`);
  }
});

if (!CHROMIUM) {
  console.warn('dashboard.test.ts: no Chromium found (/usr/bin/chromium; set CHROMIUM_PATH), so the browser test is skipped. Install it with "apt-get install -y chromium".');
}

/** The test host's script, bundled for the browser as a host would ship it. */
async function bundleHost(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    build: { write: false, minify: false, lib: { entry: fileURLToPath(new URL('./support/dashboard-host.ts', import.meta.url)), formats: ['iife'], name: 'host' } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = outputs.flatMap((out) => out.output).find((item): item is Rolldown.OutputChunk => item.type === 'chunk' && item.isEntry);
  if (!chunk) throw new Error('vite produced no host script');
  return chunk.code.replace(/<\/(script)/gi, '<\\/$1');
}
