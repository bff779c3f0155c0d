import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRD_PATH, failoverIPCrd, renderCrd } from '../../scripts/crd.js';
import { CRD_REFERENCE_PATH, renderCrdReference } from '../../scripts/crd-reference.js';
import { REPO_ROOT } from '../../scripts/build-monitoring.js';

type Schema = Record<string, unknown>;

const committed = (): string => readFileSync(join(REPO_ROOT, CRD_PATH), 'utf8');

/** The keywords apiextensions.k8s.io/v1 JSONSchemaProps knows; anything else is dropped or refused by the API server. */
const KNOWN = new Set([
  'description',
  'type',
  'format',
  'title',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'properties',
  'additionalProperties',
  'nullable',
  'example',
  'externalDocs',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
]);
/** Allowed by JSONSchemaProps but not in a structural schema (or never wanted here). */
const NOT_STRUCTURAL = new Set([
  '$ref',
  '$schema',
  'id',
  'definitions',
  'dependencies',
  'patternProperties',
  'additionalItems',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
]);

/** Every violation of the structural-schema rules, with its path: empty when the API server accepts it. */
function structuralProblems(node: Schema, path: string): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(node)) {
    if (NOT_STRUCTURAL.has(key)) problems.push(`${path}: ${key} is not allowed in a structural schema`);
    else if (!KNOWN.has(key)) problems.push(`${path}: unknown keyword ${key}`);
  }
  if (typeof node['type'] !== 'string' || node['type'] === '') problems.push(`${path}: no type`);
  if (typeof node['description'] !== 'string' || node['description'].trim() === '') problems.push(`${path}: no description`);
  if (node['properties'] !== undefined && node['additionalProperties'] !== undefined) problems.push(`${path}: properties and additionalProperties`);
  if (node['additionalProperties'] === false) problems.push(`${path}: additionalProperties: false`);
  if (node['type'] === 'array' && node['items'] === undefined) problems.push(`${path}: array without items`);
  if (node['x-kubernetes-list-type'] === 'map') {
    const item = node['items'] as Schema;
    for (const key of node['x-kubernetes-list-map-keys'] as string[]) {
      if (!(item['required'] as string[] | undefined)?.includes(key)) problems.push(`${path}: list-map key ${key} is not required`);
    }
  }
  const properties = (node['properties'] ?? {}) as Record<string, Schema>;
  for (const required of (node['required'] ?? []) as string[])
    if (properties[required] === undefined) problems.push(`${path}: required ${required} is no property`);
  for (const [name, child] of Object.entries(properties)) problems.push(...structuralProblems(child, `${path}.${name}`));
  if (typeof node['additionalProperties'] === 'object') problems.push(...structuralProblems(node['additionalProperties'] as Schema, `${path}{}`));
  if (node['items'] !== undefined) problems.push(...structuralProblems(node['items'] as Schema, `${path}[]`));
  return problems;
}

const openAPISchema = (crd: Schema): Schema =>
  ((crd['spec'] as { versions: Array<{ schema: { openAPIV3Schema: Schema } }> }).versions[0] as { schema: { openAPIV3Schema: Schema } }).schema.openAPIV3Schema;

describe(`${CRD_PATH}, generated from src/core/failover-ip-schema.ts`, () => {
  it('is up to date (rerun npx tsx scripts/crd.ts)', () => {
    expect(committed()).toBe(renderCrd());
  });

  it(`${CRD_REFERENCE_PATH} is up to date and lists every field (rerun npx tsx scripts/crd-reference.ts)`, () => {
    const reference = readFileSync(join(REPO_ROOT, CRD_REFERENCE_PATH), 'utf8');
    expect(reference).toBe(renderCrdReference());
    for (const field of ['spec.addresses', 'spec.policy.onCordon', 'status.nextMoveAllowedAt', 'status.conditions[].observedGeneration']) {
      expect(reference).toContain(`| \`${field}\` |`);
    }
  });

  it('is a structural schema with a type and a description on every field', () => {
    expect(structuralProblems(openAPISchema(parse(committed()) as Schema), 'FailoverIP')).toEqual([]);
  });

  it('the structural check finds what the API server refuses', () => {
    const broken: Schema = {
      description: 'x',
      type: 'object',
      properties: {
        a: { description: 'no type' },
        b: { type: 'string' },
        c: {
          description: 'c',
          type: 'object',
          properties: { d: { description: 'd', type: 'string' } },
          additionalProperties: { type: 'string', description: 'e' },
        },
        f: { description: 'f', type: 'string', anyOf: [{ type: 'string' }, { type: 'null' }], propertyNames: {} },
      },
      required: ['g'],
    };
    expect(structuralProblems(broken, 'X')).toEqual([
      'X: required g is no property',
      'X.a: no type',
      'X.b: no description',
      'X.c: properties and additionalProperties',
      'X.f: anyOf is not allowed in a structural schema',
      'X.f: unknown keyword propertyNames',
    ]);
  });

  it('keeps the admission rules the controller relies on', () => {
    const spec = (openAPISchema(failoverIPCrd()) as { properties: { spec: Schema } }).properties.spec;
    const selectorRule = JSON.stringify(spec);
    expect(selectorRule).toContain("self.operator in ['In', 'NotIn']");
    expect(spec['required']).toEqual(['addresses', 'provider']);
  });
});
