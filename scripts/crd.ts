/**
 * Renders deploy/crd-failoverip.yaml from the one schema of the FailoverIP resource
 * (src/core/failover-ip-schema.ts): `npx tsx scripts/crd.ts`. A test fails while the committed
 * file is stale (test/deploy/crd.test.ts).
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { failoverIPResourceSchema } from '../src/core/failover-ip-schema.js';
import { FAILOVERIP_GROUP, FAILOVERIP_KIND, FAILOVERIP_PLURAL, FAILOVERIP_VERSION } from '../src/kube/crd.js';
import { writeWhenRun } from './generated-files.js';

export const CRD_PATH = 'deploy/crd-failoverip.yaml';

type Schema = Record<string, unknown>;

/** The order `kubectl explain` readers and reviewers expect; unknown keys keep their place after these. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'nullable',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'required',
  'properties',
  'additionalProperties',
  'items',
];

/**
 * zod's OpenAPI 3.0 output → a structural schema as the API server wants it: integers are
 * int64 without JavaScript's safe-integer bounds, date-times carry the format (which the API
 * server checks) and not zod's regular expression for it, an empty `properties` is dropped
 * (metadata is the API server's own).
 */
export function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (node === null || typeof node !== 'object') return node;
  const input = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'properties' || key === 'additionalProperties' || key === 'items') {
      if (key === 'properties') {
        const props = Object.entries(value as Schema);
        if (props.length === 0) continue;
        out[key] = Object.fromEntries(props.map(([name, prop]) => [name, structural(prop)]));
      } else out[key] = structural(value);
      continue;
    }
    if (input['type'] === 'integer' && (key === 'maximum' || key === 'minimum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    if (input['format'] === 'date-time' && key === 'pattern') continue;
    // RegExp.source escapes `/`; Go's regexp does not need it.
    out[key] = key === 'pattern' ? (value as string).replaceAll('\\/', '/') : value;
  }
  if (out['type'] === 'integer' && out['format'] === undefined) out['format'] = 'int64';
  const rank = (key: string): number => (KEY_ORDER.includes(key) ? KEY_ORDER.indexOf(key) : KEY_ORDER.length);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => rank(a) - rank(b)));
}

export function failoverIPOpenAPISchema(): Schema {
  const schema = structural(z.toJSONSchema(failoverIPResourceSchema, { io: 'input', target: 'openapi-3.0' })) as Schema;
  delete schema['$schema'];
  return schema;
}

/**
 * Columns readable at any time. NEXT-MOVE is a string: a `date` column prints `<invalid>` for a
 * time in the future, which is exactly when a cooldown runs.
 */
const PRINTER_COLUMNS = [
  { name: 'Addresses', type: 'string', description: 'The addresses that move together.', jsonPath: '.spec.addresses' },
  { name: 'Node', type: 'string', description: 'Where the provider routes the addresses now.', jsonPath: '.status.assignedNode' },
  {
    name: 'Ready',
    type: 'string',
    description: 'The Ready condition: routed to a holder that serves.',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  },
  { name: 'Routed', type: 'string', description: 'The Routed condition.', jsonPath: '.status.conditions[?(@.type=="Routed")].status' },
  { name: 'Reason', type: 'string', description: 'The reason code of the last decision.', jsonPath: '.status.lastDecision.reason' },
  { name: 'Desired', type: 'string', priority: 1, description: 'Where the last decision wants the addresses.', jsonPath: '.status.desiredNode' },
  {
    name: 'Next-Move',
    type: 'string',
    priority: 1,
    description: 'When the cooldown ends (UTC, RFC 3339); empty while none runs.',
    jsonPath: '.status.nextMoveAllowedAt',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

export function failoverIPCrd(): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${FAILOVERIP_PLURAL}.${FAILOVERIP_GROUP}`, labels: { 'app.kubernetes.io/name': 'ipshift' } },
    spec: {
      group: FAILOVERIP_GROUP,
      scope: 'Namespaced',
      names: {
        kind: FAILOVERIP_KIND,
        listKind: `${FAILOVERIP_KIND}List`,
        plural: FAILOVERIP_PLURAL,
        singular: 'failoverip',
        shortNames: ['fip'],
        categories: ['ipshift'],
      },
      versions: [
        {
          name: FAILOVERIP_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: { openAPIV3Schema: failoverIPOpenAPISchema() },
        },
      ],
    },
  };
}

export function renderCrd(): string {
  return [
    '# Generated by scripts/crd.ts from src/core/failover-ip-schema.ts: edit the schema there and rerun',
    '# `npx tsx scripts/crd.ts`; test/deploy/crd.test.ts fails while this file is stale.',
    '#',
    '# FailoverIP: one failover IP (or a set of addresses that move together) and the policy that',
    '# decides which node holds it. The schema rejects bad input at admission, before the',
    '# controller ever sees it.',
    stringify(failoverIPCrd(), { lineWidth: 0 }),
  ].join('\n');
}

await writeWhenRun(import.meta.url, () => [[CRD_PATH, renderCrd()]]);
