/**
 * Every tool a server could offer: what tools/list shows of it, its tool set, and how to load the rest of it.
 *
 * Most of what a host waits for before its first tools/list is loading every tool's module (with the job steps
 * and client code each imports) and turning the zod schemas into JSON Schema. So `npm run build` writes the
 * listing beside the built tools (BUILT_LISTING, by scripts/build-listing.ts): a server started from the build
 * lists from it, and loads a tool's module on that tool's first call. Run from sources (as the tests do) there
 * is no such file, and the listing is computed from the definitions.
 */
import { readFileSync } from 'node:fs';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolDefinition } from './tool.js';
import type { ToolsetName } from '../toolsets.js';
import { sketchOf } from '../util/shapes.js';
import { log } from '../util/log.js';

export interface CatalogueEntry {
  readonly toolset: ToolsetName;
  /** Name, title, description, JSON Schemas and annotations, as tools/list shows them. */
  readonly listing: Tool;
  /** The definition, whose schemas check the arguments and whose run makes the call. */
  load(): Promise<ToolDefinition>;
}

/** In the order tools/list shows them. */
export type Catalogue = readonly CatalogueEntry[];

interface BuiltEntry {
  toolset: ToolsetName;
  listing: Tool;
}

/** Written by `npm run build` beside the built tool modules, each of which is named after its tool. */
export const BUILT_LISTING = new URL('../../tools/listing.json', import.meta.url);

/** The build's listing when there is one, else the listing computed from every tool module. */
export async function loadCatalogue(): Promise<Catalogue> {
  return readBuiltCatalogue() ?? catalogueOf((await import('../../tools/index.js')).allTools);
}

export function catalogueOf(definitions: readonly ToolDefinition[]): Catalogue {
  return definitions.map((definition) => ({ toolset: definition.toolset, listing: listingOf(definition), load: async () => definition }));
}

/** What BUILT_LISTING holds. */
export function builtListing(definitions: readonly ToolDefinition[]): BuiltEntry[] {
  return definitions.map((definition) => ({ toolset: definition.toolset, listing: listingOf(definition) }));
}

function readBuiltCatalogue(): Catalogue | undefined {
  let text: string;
  try {
    text = readFileSync(BUILT_LISTING, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return (JSON.parse(text) as BuiltEntry[]).map(({ toolset, listing }) => ({ toolset, listing, load: () => loadBuilt(listing) }));
}

async function loadBuilt(listing: Tool): Promise<ToolDefinition> {
  const { default: definition } = (await import(new URL(`${listing.name}.js`, BUILT_LISTING).href)) as { default?: ToolDefinition };
  if (definition?.name !== listing.name) throw new Error(`tools/${listing.name}.js does not define the tool ${listing.name}; run "npm run build"`);
  // After a build by tsc alone the listing is the previous build's. The arguments are checked by the loaded
  // schemas all the same; this says how to bring what agents read up to date.
  if (JSON.stringify(listingOf(definition)) !== JSON.stringify(listing)) {
    log(`${listing.name}: its schemas have changed since tools/listing.json was written; run "npm run build" so that tools/list shows them`);
  }
  return definition;
}

/** Unknown arguments are refused rather than silently dropped: a misspelt field should not vanish. */
export function argumentsSchema(definition: ToolDefinition): z.ZodObject {
  return z.strictObject(definition.input);
}

/** The API's own fields pass through a result; only the named ones are checked. */
export function resultSchema(definition: ToolDefinition): z.ZodObject {
  return z.looseObject(definition.output);
}

/** Stateless HTTP and the tests build many servers; a tool's JSON Schemas are built once. */
const listings = new WeakMap<ToolDefinition, Tool>();

/** The published JSON Schemas are the very zod schemas the arguments and results are checked with. */
export function listingOf(definition: ToolDefinition): Tool {
  let listing = listings.get(definition);
  if (!listing) {
    listing = {
      name: definition.name,
      title: definition.title,
      description: definition.description,
      inputSchema: jsonSchema(argumentsSchema(definition), 'input') as Tool['inputSchema'],
      outputSchema: jsonSchema(resultSchema(definition), 'output') as Tool['outputSchema'],
      annotations: definition.annotations,
    };
    listings.set(definition, listing);
  }
  return listing;
}

/** A schema given a sketch (publishedAs) is published as the sketch. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema: generated }) => {
      const sketch = sketchOf(zodSchema);
      if (!sketch) return;
      for (const key of Object.keys(generated)) delete (generated as Record<string, unknown>)[key];
      Object.assign(generated, jsonSchema(sketch, io));
    },
  }) as Record<string, unknown>;
  return withoutNoise(rest) as Record<string, unknown>;
}

/**
 * Leaves out what zod spells out but JSON Schema already means, since every token is paid for in every
 * conversation: ±2^53 bounds on each integer, `additionalProperties: {}` on each loose object (extra properties
 * are allowed unless a schema says otherwise), and `propertyNames: {type: "string"}` on each record (object
 * keys are strings). What the schema accepts is unchanged.
 */
function withoutNoise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNoise);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'additionalProperties' && JSON.stringify(value) === '{}') continue;
    if (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}') continue;
    out[key] = withoutNoise(value);
  }
  return out;
}
