import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRD_PATH } from '../../scripts/crd.js';
import { REPO_ROOT } from '../../scripts/build-monitoring.js';
import { kubeCelEnvironment } from '../support/kube-cel.js';

type Rule = { rule: string; message: string };
/** The CRD's root-level rules, as committed (the API server evaluates them with metadata.name visible). */
const root =
  (
    parse(readFileSync(join(REPO_ROOT, CRD_PATH), 'utf8')) as {
      spec: { versions: Array<{ schema: { openAPIV3Schema: { 'x-kubernetes-validations'?: Rule[] } } }> };
    }
  ).spec.versions[0]?.schema.openAPIV3Schema['x-kubernetes-validations'] ?? [];
const env = kubeCelEnvironment();
const admit = (name: string, spec: Record<string, unknown>): string | null =>
  root.find(({ rule }) => env.evaluate(rule, { self: { metadata: { name }, spec } }) !== true)?.message ?? null;

describe('the CRD keeps the holder label key valid', () => {
  it('refuses spec.holderLabel on a name too long for a label key, and only then', () => {
    expect(admit('a'.repeat(57), { holderLabel: true })).toBeNull();
    expect(admit('a'.repeat(58), { holderLabel: true })).toMatch(/at most 57 characters/);
    expect(admit('a'.repeat(58), { holderLabel: false })).toBeNull();
    expect(admit('a'.repeat(200), {})).toBeNull();
  });
});
