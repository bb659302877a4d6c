import {
  App,
  applyDocumentTheme,
  applyHostFonts,
  applyHostStyleVariables,
  type McpUiHostContext,
} from '@modelcontextprotocol/ext-apps/app-with-deps';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { kindOf, render, type Rec, type Shown } from './view.js';
import { isComparisonSummary } from './ranking.js';

const root = document.getElementById('dashboard') as HTMLElement;
const app = new App({ name: 'prolific-study-dashboard', version: '1.0.0' }, {});
const shown: Shown = { busy: false, canRefresh: false };
/** The arguments of the summary shown, so that a refresh asks the same question. */
let summaryArgs: Rec | undefined;
/** The arguments of the ranking shown, likewise. */
let rankingArgs: Rec | undefined;
/** The host sends the call's arguments just before its result. */
let toolInput: Rec = {};

function draw(): void {
  render(root, shown, () => void refresh());
}

function textOf(result: CallToolResult): string {
  return result.content
    .filter((block) => block.type === 'text')
    .map((block) => (block as { text: string }).text)
    .join('\n');
}

/** Takes in one tool result and the arguments of its call; each kind replaces its own part of the dashboard. */
function accept(result: CallToolResult, args: Rec): void {
  shown.error = undefined;
  if (result.isError) {
    shown.error = textOf(result) || 'The tool reported an error.';
    return;
  }
  const data = result.structuredContent as Rec | undefined;
  const kind = data ? kindOf(data) : undefined;
  if (!data || !kind) {
    shown.message = 'This result has nothing the dashboard can draw; the text reply has all of it.';
    return;
  }
  // Pooled batches, a chosen method or one instruction are asked for again as they were.
  if (kind === 'summary') summaryArgs = Object.keys(args).length ? args : { batch_id: data.batch_id };
  if (kind === 'ranking') rankingArgs = Object.keys(args).length ? args : { batch_id: data.batch_id };
  shown[kind] = data;
  shown.updated = new Date();
}

function batchOfStudy(study: Rec | undefined): string | undefined {
  return study && study.data_collection_method === 'AI_TASK_BUILDER_BATCH' && typeof study.data_collection_id === 'string' ? study.data_collection_id : undefined;
}

/** Read-only calls only, through the host, so every guard of the server and the host still applies. */
async function refresh(): Promise<void> {
  if (shown.busy) return;
  const calls: { name: string; arguments: Rec }[] = [];
  if (typeof shown.study?.id === 'string') calls.push({ name: 'get_study', arguments: { study_id: shown.study.id } });
  if (typeof shown.batch?.id === 'string') calls.push({ name: 'get_batch', arguments: { batch_id: shown.batch.id } });
  const batchId = batchOfStudy(shown.study);
  if (rankingArgs) calls.push({ name: 'rank_models', arguments: rankingArgs });
  else if (summaryArgs) calls.push({ name: 'summarize_responses', arguments: summaryArgs });
  else if (batchId) calls.push({ name: 'summarize_responses', arguments: { batch_id: batchId } });
  shown.busy = true;
  draw();
  const settled = await Promise.allSettled(calls.map((call) => app.callServerTool(call)));
  const errors: string[] = [];
  for (const [index, outcome] of settled.entries()) {
    if (outcome.status === 'fulfilled') accept(outcome.value, calls[index]?.arguments ?? {});
    else shown.error = `${calls[index]?.name} could not be called: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`;
    if (shown.error) errors.push(shown.error);
  }
  shown.error = errors.length ? errors.join('\n') : undefined;
  await followComparison();
  shown.busy = false;
  draw();
}

/** A comparison batch is drawn as its ranking: a summary of one is followed by rank_models, which only reads. */
async function followComparison(): Promise<void> {
  const summary = shown.summary;
  if (!shown.canRefresh || shown.ranking || !summary || typeof summary.batch_id !== 'string' || !isComparisonSummary(summary)) return;
  const args = { batch_id: summary.batch_id };
  try {
    accept(await app.callServerTool({ name: 'rank_models', arguments: args }), args);
  } catch (failure) {
    shown.error = `rank_models could not be called: ${failure instanceof Error ? failure.message : String(failure)}`;
  }
}

function applyContext(context: McpUiHostContext): void {
  if (context.theme) applyDocumentTheme(context.theme);
  if (context.styles?.variables) applyHostStyleVariables(context.styles.variables);
  if (context.styles?.css?.fonts) applyHostFonts(context.styles.css.fonts);
  if (context.locale) shown.locale = context.locale;
  const size = context.containerDimensions;
  if (size) {
    const style = document.documentElement.style;
    if ('height' in size && size.height) style.height = `${size.height}px`;
    if ('maxHeight' in size && size.maxHeight) style.maxHeight = `${size.maxHeight}px`;
    if ('width' in size && size.width) style.width = `${size.width}px`;
    if ('maxWidth' in size && size.maxWidth) style.maxWidth = `${size.maxWidth}px`;
  }
}

app.ontoolinput = (params) => {
  toolInput = params.arguments ?? {};
};
app.ontoolresult = (params) => {
  accept(params as CallToolResult, toolInput);
  draw();
  void followComparison().then(draw);
};
app.onhostcontextchanged = (context) => {
  applyContext(context);
  draw();
};

async function start(): Promise<void> {
  await app.connect();
  const context = app.getHostContext();
  if (context) applyContext(context);
  shown.canRefresh = Boolean(app.getHostCapabilities()?.serverTools);
  draw();
}

start().catch((failure: unknown) => {
  shown.message = `Could not reach the host: ${failure instanceof Error ? failure.message : String(failure)}`;
  draw();
});
