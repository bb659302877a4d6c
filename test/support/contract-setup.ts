/**
 * Parses and dereferences the spec once for the whole run and hands it to every test worker
 * (test/support/contract.ts): that takes about a second, which every test file would otherwise pay.
 */
import { readFile } from 'node:fs/promises';
import $RefParser from '@apidevtools/json-schema-ref-parser';
import { parse } from 'yaml';
import type { TestProject } from 'vitest/node';

export const SPEC_FILE = new URL('../contract/prolific-openapi.yaml', import.meta.url);

/** The spec as a plain object with every `$ref` replaced by what it points to. */
export async function loadSpecDocument(): Promise<object> {
  // The spec shares one security requirement through a YAML alias about a hundred times.
  const document = typelessNullable(parse(await readFile(SPEC_FILE, 'utf8'), { maxAliasCount: -1 })) as object;
  // openapi-backend's own quick dereferencing leaves a `$ref` that has siblings (CreateStudy) unresolved.
  return $RefParser.dereference(document);
}

/**
 * The spec marks `$ref`s and `oneOf`s `nullable`, which OpenAPI 3.0 leaves without effect when there is no `type`
 * and Ajv refuses outright; the spec's authors mean "or null", so that is what it becomes.
 */
function typelessNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(typelessNullable);
  if (node === null || typeof node !== 'object') return node;
  const object = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, typelessNullable(value)]));
  if (object['nullable'] !== true || 'type' in object) return object;
  const { nullable: _, description, title, ...schema } = object;
  return { ...(description === undefined ? {} : { description }), ...(title === undefined ? {} : { title }), anyOf: [schema, { type: 'null' }] };
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('prolificOpenApi', await loadSpecDocument());
}
