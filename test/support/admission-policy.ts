import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../scripts/build-monitoring.js';
import { kubeCelEnvironment } from './kube-cel.js';

/**
 * The ValidatingAdmissionPolicies of deploy/admission, applied as the API server applies them
 * (Kubernetes docs, "Validating Admission Policy"): a request is matched by
 * matchConstraints.resourceRules (group, version, operation, resource with its subresource),
 * then every matchCondition must be true; the variables are evaluated in order, each seeing the
 * ones before it; the first validation that is false (or fails to evaluate, under
 * failurePolicy Fail) denies with its message. The CEL is evaluated by a real CEL engine
 * (@marcbachmann/cel-js), on the policy text as committed.
 */

interface Rule {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly operations: readonly string[];
  readonly resources: readonly string[];
}

export interface AdmissionPolicy {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly failurePolicy?: 'Fail' | 'Ignore';
    readonly matchConstraints: { readonly resourceRules: readonly Rule[] };
    readonly matchConditions?: ReadonlyArray<{ readonly name: string; readonly expression: string }>;
    readonly variables?: ReadonlyArray<{ readonly name: string; readonly expression: string }>;
    readonly validations: ReadonlyArray<{ readonly expression: string; readonly message?: string }>;
  };
}

export interface AdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  /** `nodes`, or `nodes/status` for the status subresource. */
  readonly resource: string;
  readonly apiGroup?: string;
  readonly apiVersion?: string;
  readonly username: string;
  readonly object: unknown;
  readonly oldObject: unknown;
}

export interface AdmissionDenial {
  readonly policy: string;
  readonly message: string;
}

const ADMISSION_DIR = join(REPO_ROOT, 'deploy/admission');

/** Every ValidatingAdmissionPolicy in deploy/admission (their bindings all Deny; kustomize.test.ts checks that). */
export function deployAdmissionPolicies(): AdmissionPolicy[] {
  return readdirSync(ADMISSION_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(ADMISSION_DIR, f), 'utf8')).map((d) => d.toJS() as { kind?: string } & AdmissionPolicy))
    .filter((o) => o.kind === 'ValidatingAdmissionPolicy');
}

const env = kubeCelEnvironment();
const listed = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

function matches(policy: AdmissionPolicy, request: AdmissionRequest): boolean {
  return policy.spec.matchConstraints.resourceRules.some(
    (rule) =>
      listed(rule.apiGroups, request.apiGroup ?? '') &&
      listed(rule.apiVersions, request.apiVersion ?? 'v1') &&
      listed(rule.operations, request.operation) &&
      listed(rule.resources, request.resource),
  );
}

/** What one policy says of the request: null = admitted (or not matched). */
export function evaluatePolicy(policy: AdmissionPolicy, request: AdmissionRequest): AdmissionDenial | null {
  if (!matches(policy, request)) return null;
  // As JSON, the way the API server has them (no undefined members).
  const json = (value: unknown): unknown => (value === null || value === undefined ? null : JSON.parse(JSON.stringify(value)));
  const context: Record<string, unknown> = {
    object: json(request.object),
    oldObject: json(request.oldObject),
    request: { operation: request.operation, userInfo: { username: request.username } },
  };
  const deny = (message: string): AdmissionDenial => ({ policy: policy.metadata.name, message });
  const failClosed = policy.spec.failurePolicy !== 'Ignore';
  try {
    for (const condition of policy.spec.matchConditions ?? []) if (env.evaluate(condition.expression, context) !== true) return null;
  } catch (error) {
    return failClosed ? deny(`matchCondition failed: ${String(error)}`) : null;
  }
  const variables: Record<string, unknown> = {};
  context['variables'] = variables;
  for (const validation of policy.spec.validations) {
    try {
      // Variables are lazy in the API server; evaluated once each, in order, they give the same answers.
      for (const variable of policy.spec.variables ?? [])
        if (!(variable.name in variables)) variables[variable.name] = env.evaluate(variable.expression, context);
      if (env.evaluate(validation.expression, context) !== true) return deny(validation.message ?? `failed expression: ${validation.expression}`);
    } catch (error) {
      if (failClosed) return deny(`expression failed: ${String(error)}`);
    }
  }
  return null;
}

/** The first denial of any policy, as the API server answers a request several policies match. */
export function admit(policies: readonly AdmissionPolicy[], request: AdmissionRequest): AdmissionDenial | null {
  for (const policy of policies) {
    const denial = evaluatePolicy(policy, request);
    if (denial !== null) return denial;
  }
  return null;
}
