import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

/**
 * The RBAC of the manifests in deploy/, as the API server's authorizer applies it: a
 * ServiceAccount may do what a ClusterRoleBinding grants anywhere and what a RoleBinding grants
 * in its namespace, nothing else. The fake API server answers 403 for the rest, so a rule
 * missing from deploy/ fails the test that needs it.
 */

export interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface RbacObject {
  readonly kind: 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly rules?: readonly PolicyRule[];
  readonly roleRef?: { readonly kind: string; readonly name: string };
  readonly subjects?: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly namespace?: string }>;
}

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/** What the authorizer looks at: the same attributes Kubernetes' SubjectAccessReview carries. */
export interface RequestAttributes {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const run = promisify(execFile);
let rendered: Promise<readonly RbacObject[]> | undefined;

/** The Roles, ClusterRoles and bindings of `kubectl kustomize deploy/` (rendered once per test file). */
export function deployRbac(): Promise<readonly RbacObject[]> {
  rendered ??= run('kubectl', ['kustomize', resolve(process.cwd(), 'deploy')], { maxBuffer: 64 * 1024 * 1024 }).then(({ stdout }) =>
    parseAllDocuments(stdout)
      .map((d) => d.toJS() as RbacObject | null)
      .filter((o): o is RbacObject => o !== null && RBAC_KINDS.has(o.kind)),
  );
  return rendered;
}

/** The request's verb, as the API server derives it from the method and the list/watch query. */
export function verbOf(method: string, named: boolean, watching: boolean): string {
  switch (method) {
    case 'GET':
      return named ? 'get' : watching ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

const has = (list: readonly string[] | undefined, value: string): boolean => list !== undefined && (list.includes('*') || list.includes(value));

function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  const resource = attrs.subresource === undefined ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  if (!has(rule.verbs, attrs.verb) || !has(rule.apiGroups, attrs.apiGroup) || !has(rule.resources, resource)) return false;
  // resourceNames cannot limit a request that names no object (list, watch, create).
  if (rule.resourceNames !== undefined && rule.resourceNames.length > 0) return attrs.name !== undefined && rule.resourceNames.includes(attrs.name);
  return true;
}

const bindsTo = (binding: RbacObject, sa: ServiceAccountRef): boolean =>
  (binding.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace);

export function authorize(objects: readonly RbacObject[], sa: ServiceAccountRef, attrs: RequestAttributes): boolean {
  const role = (kind: string, name: string, namespace: string | undefined): RbacObject | undefined =>
    objects.find((o) => o.kind === kind && o.metadata.name === name && (kind === 'ClusterRole' || o.metadata.namespace === namespace));
  for (const binding of objects) {
    if ((binding.kind !== 'RoleBinding' && binding.kind !== 'ClusterRoleBinding') || binding.roleRef === undefined || !bindsTo(binding, sa)) continue;
    // A RoleBinding grants only inside its own namespace, whatever role it names.
    if (binding.kind === 'RoleBinding' && attrs.namespace !== binding.metadata.namespace) continue;
    const granted = role(binding.roleRef.kind, binding.roleRef.name, binding.metadata.namespace);
    if ((granted?.rules ?? []).some((rule) => ruleAllows(rule, attrs))) return true;
  }
  return false;
}

/** The API server's 403 text, so a log line in a test reads like one from a cluster. */
export function forbiddenMessage(sa: ServiceAccountRef, attrs: RequestAttributes): string {
  const resource = attrs.subresource === undefined ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const subject = attrs.name === undefined ? resource : `${attrs.resource} "${attrs.name}"`;
  const scope = attrs.namespace === undefined ? 'at the cluster scope' : `in the namespace "${attrs.namespace}"`;
  return `${subject} is forbidden: User "system:serviceaccount:${sa.namespace}:${sa.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" ${scope}`;
}

/** The RoleBinding docs/kubernetes.md tells an operator to create for each namespace that holds FailoverIPs. */
export function failoverIpNamespaceBinding(namespace: string): RbacObject {
  return {
    kind: 'RoleBinding',
    metadata: { namespace, name: 'ipshift-controller-failoverip-namespace' },
    roleRef: { kind: 'ClusterRole', name: 'ipshift-controller-failoverip-namespace' },
    subjects: [{ kind: 'ServiceAccount', name: 'ipshift-controller', namespace: 'ipshift' }],
  };
}

/** `objects` with one verb taken away from every rule of role `kind/name` that grants `resource` (a test of a missing rule). */
export function withoutVerb(objects: readonly RbacObject[], kind: string, name: string, resource: string, verb: string): RbacObject[] {
  let removed = false;
  const result = objects.map((o) => {
    if (o.kind !== kind || o.metadata.name !== name) return o;
    const rules = (o.rules ?? []).map((rule) => {
      if (!(rule.resources ?? []).includes(resource) || !rule.verbs.includes(verb)) return rule;
      removed = true;
      return { ...rule, verbs: rule.verbs.filter((v) => v !== verb) };
    });
    return { ...o, rules };
  });
  if (!removed) throw new Error(`${kind}/${name} grants no ${verb} on ${resource}`);
  return result;
}
