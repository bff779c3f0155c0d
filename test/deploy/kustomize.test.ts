import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { PROVIDER_TYPES } from '../../src/core/model.js';

/**
 * Renders the install with `kubectl kustomize` (kubectl >= 1.27, for kustomize v5 components)
 * and checks what a reviewer would: every object is well-formed, RBAC is no wider than the
 * allow-list below, and the controller Deployment, CRD and admission policy say what the
 * docs promise.
 */

const run = promisify(execFile);
const DEPLOY = resolve(process.cwd(), 'deploy');

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

async function render(dir: string): Promise<Obj[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 }).catch((error: unknown) => {
    throw new Error(`kubectl kustomize ${dir} failed (is kubectl >= 1.27 on PATH?): ${String(error)}`);
  });
  const docs = parseAllDocuments(stdout);
  for (const doc of docs) if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
  return docs.map((d) => d.toJS() as Obj);
}

const find = (objs: Obj[], kind: string, name: string): Obj => {
  const found = objs.find((o) => o.kind === kind && o.metadata?.name === name);
  if (found === undefined) throw new Error(`${kind}/${name} missing from the render`);
  return found;
};

// deep access without a cast at every step
const at = (value: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined), value);

/** `role kind/name` → the (apiGroup resource verb [resourceName]) tuples it may grant. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'ClusterRole/ipshift-controller': [
    ' nodes get',
    ' nodes list',
    ' nodes watch',
    ' nodes patch',
    'ipshift.dev failoverips get',
    'ipshift.dev failoverips list',
    'ipshift.dev failoverips watch',
    'ipshift.dev failoverips patch',
    'ipshift.dev failoverips/status patch',
    ' pods list',
    ' pods watch',
  ],
  'Role/ipshift-controller-leader-election': [
    'coordination.k8s.io leases create',
    'coordination.k8s.io leases get ipshift-controller',
    'coordination.k8s.io leases update ipshift-controller',
    'discovery.k8s.io endpointslices list',
  ],
  'ClusterRole/ipshift-controller-failoverip-namespace': [
    ' secrets get',
    ' secrets patch',
    ' events create',
    'externaldns.k8s.io dnsendpoints list',
    'externaldns.k8s.io dnsendpoints create',
    'externaldns.k8s.io dnsendpoints patch',
    'externaldns.k8s.io dnsendpoints delete',
  ],
  'ClusterRole/ipshift-controller-load-balancer-services': [
    ' services list',
    ' services watch',
    ' services/status patch',
    'discovery.k8s.io endpointslices list',
    'discovery.k8s.io endpointslices watch',
    ' events create',
  ],
  'ClusterRole/ipshift-agent': [
    ' nodes get',
    ' nodes list',
    ' nodes watch',
    'ipshift.dev failoverips get',
    'ipshift.dev failoverips list',
    'ipshift.dev failoverips watch',
  ],
};

/** binding kind/name → [role kind/name, subjects]; a binding may bind only what is listed here. */
const BINDINGS: Readonly<Record<string, readonly [string, readonly string[]]>> = {
  'ClusterRoleBinding/ipshift-controller': ['ClusterRole/ipshift-controller', ['ServiceAccount ipshift/ipshift-controller']],
  'RoleBinding/ipshift-controller-leader-election': ['Role/ipshift-controller-leader-election', ['ServiceAccount ipshift/ipshift-controller']],
  'RoleBinding/ipshift-controller-failoverip-namespace': ['ClusterRole/ipshift-controller-failoverip-namespace', ['ServiceAccount ipshift/ipshift-controller']],
  'ClusterRoleBinding/ipshift-agent': ['ClusterRole/ipshift-agent', ['ServiceAccount ipshift-agent/ipshift-agent']],
  'ClusterRoleBinding/ipshift-controller-load-balancer-services': [
    'ClusterRole/ipshift-controller-load-balancer-services',
    ['ServiceAccount ipshift/ipshift-controller'],
  ],
};

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);

function grants(rule: unknown): string[] {
  const list = (key: string): string[] => (at(rule, key) as string[] | undefined) ?? [];
  const names = list('resourceNames');
  const out: string[] = [];
  for (const group of list('apiGroups'))
    for (const resource of list('resources'))
      for (const verb of list('verbs')) {
        if (names.length === 0) out.push(`${group} ${resource} ${verb}`);
        else for (const name of names) out.push(`${group} ${resource} ${verb} ${name}`);
      }
  return out;
}

let objects: Obj[];

beforeAll(async () => {
  objects = await render(DEPLOY);
}, 60_000);

describe('kubectl kustomize deploy/', () => {
  it('renders well-formed objects, namespaced ones in ipshift, the agent alone in ipshift-agent', () => {
    expect(objects.length).toBeGreaterThan(10);
    const agentObjects = new Set(['ServiceAccount/ipshift-agent', 'DaemonSet/ipshift-agent']);
    for (const o of objects) {
      expect(typeof o.apiVersion).toBe('string');
      expect(typeof o.kind).toBe('string');
      expect(typeof o.metadata?.name).toBe('string');
      const id = `${o.kind}/${o.metadata?.name}`;
      if (!CLUSTER_SCOPED.has(o.kind ?? '')) expect(`${id} ${o.metadata?.namespace}`).toBe(`${id} ${agentObjects.has(id) ? 'ipshift-agent' : 'ipshift'}`);
    }
    const keys = objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [kind, name] of [
      ['Namespace', 'ipshift'],
      ['Namespace', 'ipshift-agent'],
      ['CustomResourceDefinition', 'failoverips.ipshift.dev'],
      ['ServiceAccount', 'ipshift-controller'],
      ['ServiceAccount', 'ipshift-agent'],
      ['Deployment', 'ipshift-controller'],
      ['DaemonSet', 'ipshift-agent'],
      ['PodDisruptionBudget', 'ipshift-controller'],
      ['Service', 'ipshift'],
      ['ServiceMonitor', 'ipshift-controller'],
      ['ValidatingAdmissionPolicy', 'ipshift-node-self-labels'],
      ['ValidatingAdmissionPolicyBinding', 'ipshift-node-self-labels'],
      ['ValidatingAdmissionPolicy', 'ipshift-controller-node-writes'],
      ['ValidatingAdmissionPolicyBinding', 'ipshift-controller-node-writes'],
    ] as const)
      find(objects, kind, name);
  });

  it('grants no RBAC beyond the allow-list and binds only the listed roles to the listed accounts', () => {
    const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    expect(roles.map((r) => `${r.kind}/${r.metadata?.name}`).sort()).toEqual(Object.keys(ALLOWED).sort());
    for (const role of roles) {
      const allowed = new Set(ALLOWED[`${role.kind}/${role.metadata?.name}`]);
      expect(at(role, 'aggregationRule')).toBeUndefined();
      for (const rule of (at(role, 'rules') as unknown[]) ?? []) {
        expect(at(rule, 'nonResourceURLs')).toBeUndefined();
        for (const grant of grants(rule))
          expect(`${role.metadata?.name}: ${grant} allowed=${allowed.has(grant)}`).toBe(`${role.metadata?.name}: ${grant} allowed=true`);
      }
    }
    const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding');
    expect(bindings.map((b) => `${b.kind}/${b.metadata?.name}`).sort()).toEqual(Object.keys(BINDINGS).sort());
    for (const binding of bindings) {
      const [role, subjects] = BINDINGS[`${binding.kind}/${binding.metadata?.name}`] ?? ['', []];
      expect(`${at(binding, 'roleRef', 'kind')}/${at(binding, 'roleRef', 'name')}`).toBe(role);
      const actual = ((at(binding, 'subjects') as unknown[]) ?? []).map((s) => `${at(s, 'kind')} ${at(s, 'namespace')}/${at(s, 'name')}`);
      expect(actual.sort()).toEqual([...subjects].sort());
    }
  });

  it('runs the controller as designed: 2 replicas on different nodes, probes, restricted security, downward API', async () => {
    const deployment = find(objects, 'Deployment', 'ipshift-controller');
    const pod = at(deployment, 'spec', 'template');
    const podLabels = at(pod, 'metadata', 'labels') as Record<string, string>;
    expect(at(deployment, 'spec', 'replicas')).toBe(2);
    const antiAffinity = at(pod, 'spec', 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 0);
    expect(at(antiAffinity, 'topologyKey')).toBe('kubernetes.io/hostname');
    expect(at(antiAffinity, 'labelSelector', 'matchLabels')).toEqual(podLabels);
    expect(at(pod, 'spec', 'serviceAccountName')).toBe('ipshift-controller');
    expect(at(pod, 'spec', 'securityContext', 'runAsNonRoot')).toBe(true);
    expect(at(pod, 'spec', 'securityContext', 'seccompProfile', 'type')).toBe('RuntimeDefault');
    const container = at(pod, 'spec', 'containers', 0);
    expect(at(container, 'image')).toBe(`ipshift:${(JSON.parse(await readFile(join(DEPLOY, '..', 'package.json'), 'utf8')) as { version: string }).version}`);
    expect(at(container, 'command')).toEqual(['node', 'dist/src/cli/main.js', 'controller']);
    expect(at(container, 'securityContext')).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(at(container, 'ports')).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(at(container, 'livenessProbe', 'httpGet')).toEqual({ path: '/healthz', port: 'http' });
    expect(at(container, 'readinessProbe', 'httpGet')).toEqual({ path: '/readyz', port: 'http' });
    expect(at(container, 'resources', 'requests')).toBeDefined();
    expect(at(container, 'resources', 'limits', 'memory')).toBeDefined();
    const env = Object.fromEntries(((at(container, 'env') as unknown[]) ?? []).map((e) => [at(e, 'name'), at(e, 'valueFrom', 'fieldRef', 'fieldPath')]));
    expect(env).toMatchObject({ POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', POD_IP: 'status.podIP' });

    // The webhook token: a Secret volume marked optional, so a pod that starts before the Secret
    // exists waits for it (not Ready) instead of crash-looping on a missing env value.
    expect(((at(container, 'env') as unknown[]) ?? []).filter((e) => at(e, 'valueFrom', 'secretKeyRef') !== undefined)).toEqual([]);
    const tokenFile = String(
      ((at(container, 'env') as unknown[]) ?? [])
        .map((e) => (at(e, 'name') === 'IPSHIFT_WEBHOOK_TOKEN_FILE' ? at(e, 'value') : undefined))
        .find((v) => v !== undefined),
    );
    const volume = ((at(pod, 'spec', 'volumes') as unknown[]) ?? []).find((v) => at(v, 'secret', 'secretName') === 'ipshift-webhook');
    expect(at(volume, 'secret', 'optional')).toBe(true);
    const mount = ((at(container, 'volumeMounts') as unknown[]) ?? []).find((m) => at(m, 'name') === at(volume, 'name'));
    expect(tokenFile).toBe(`${String(at(mount, 'mountPath'))}/token`);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);

    const pdb = find(objects, 'PodDisruptionBudget', 'ipshift-controller');
    expect(at(pdb, 'spec', 'minAvailable')).toBe(1);
    expect(at(pdb, 'spec', 'selector', 'matchLabels')).toEqual(podLabels);
    const service = find(objects, 'Service', 'ipshift');
    expect(at(service, 'spec', 'selector')).toEqual(podLabels);
    expect(at(service, 'spec', 'ports')).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    const monitor = find(objects, 'ServiceMonitor', 'ipshift-controller');
    const serviceLabels = service.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(at(monitor, 'spec', 'selector', 'matchLabels') as Record<string, string>)) expect(serviceLabels[k]).toBe(v);
    expect(at(monitor, 'spec', 'endpoints', 0)).toMatchObject({ port: 'http', path: '/metrics' });
  });

  it('stops nodes from changing their own ipshift.dev annotations and labels', () => {
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'ipshift-node-self-labels');
    const binding = find(objects, 'ValidatingAdmissionPolicyBinding', 'ipshift-node-self-labels');
    expect(at(binding, 'spec', 'policyName')).toBe('ipshift-node-self-labels');
    expect(at(binding, 'spec', 'validationActions')).toEqual(['Deny']);
    expect(at(policy, 'spec', 'matchConstraints', 'resourceRules', 0, 'resources')).toEqual(['nodes', 'nodes/status']);
    expect(String(at(policy, 'spec', 'matchConditions', 0, 'expression'))).toContain("startsWith('system:node:')");
    const expressions = JSON.stringify(at(policy, 'spec', 'variables'));
    expect(expressions).toContain('metadata.annotations');
    expect(expressions).toContain('metadata.labels');
    expect(expressions).toContain("startsWith('ipshift.dev/')");
  });
});

/**
 * The restricted Pod Security Standard (Kubernetes docs, "Pod Security Standards"), the checks
 * a pod spec can fail: what `pod-security.kubernetes.io/enforce: restricted` would refuse.
 */
function restrictedViolations(pod: unknown): string[] {
  const out: string[] = [];
  const spec = at(pod, 'spec');
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) if (at(spec, key) === true) out.push(key);
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const volume of (at(spec, 'volumes') as unknown[]) ?? [])
    for (const key of Object.keys(volume as object)) if (key !== 'name' && !allowedVolumes.includes(key)) out.push(`volume ${key}`);
  const podContext = at(spec, 'securityContext');
  const containers = [...((at(spec, 'initContainers') as unknown[]) ?? []), ...((at(spec, 'containers') as unknown[]) ?? [])];
  for (const c of containers) {
    const ctx = at(c, 'securityContext');
    const name = String(at(c, 'name'));
    if (at(ctx, 'privileged') === true) out.push(`${name}: privileged`);
    if (at(ctx, 'allowPrivilegeEscalation') !== false) out.push(`${name}: allowPrivilegeEscalation not false`);
    if ((at(ctx, 'runAsNonRoot') ?? at(podContext, 'runAsNonRoot')) !== true) out.push(`${name}: runAsNonRoot not true`);
    if ((at(ctx, 'runAsUser') ?? at(podContext, 'runAsUser')) === 0) out.push(`${name}: runAsUser 0`);
    const seccomp = at(ctx, 'seccompProfile', 'type') ?? at(podContext, 'seccompProfile', 'type');
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${name}: seccompProfile ${String(seccomp)}`);
    const caps = at(ctx, 'capabilities');
    if (!((at(caps, 'drop') as string[] | undefined) ?? []).includes('ALL')) out.push(`${name}: capabilities not dropping ALL`);
    for (const cap of (at(caps, 'add') as string[] | undefined) ?? []) if (cap !== 'NET_BIND_SERVICE') out.push(`${name}: adds ${cap}`);
    for (const port of (at(c, 'ports') as unknown[]) ?? []) if (at(port, 'hostPort') !== undefined) out.push(`${name}: hostPort`);
  }
  return out;
}

describe('Pod Security: the controller out of the privileged namespace', () => {
  const level = (ns: string): string | undefined => find(objects, 'Namespace', ns).metadata?.labels?.['pod-security.kubernetes.io/enforce'];
  const workloads = (): Obj[] => objects.filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'Pod'].includes(o.kind ?? ''));

  it('enforces restricted in ipshift, and every pod there meets it', () => {
    expect(level('ipshift')).toBe('restricted');
    const there = workloads().filter((w) => w.metadata?.namespace === 'ipshift');
    expect(there.map((w) => `${w.kind}/${w.metadata?.name}`)).toEqual(['Deployment/ipshift-controller']);
    for (const w of there)
      expect(`${w.kind}/${w.metadata?.name}: ${restrictedViolations(at(w, 'spec', 'template')).join(', ')}`).toBe(`${w.kind}/${w.metadata?.name}: `);
  });

  it('keeps privileged to ipshift-agent, which holds only the agent (hostNetwork, NET_ADMIN)', () => {
    expect(level('ipshift-agent')).toBe('privileged');
    const there = workloads().filter((w) => w.metadata?.namespace === 'ipshift-agent');
    expect(there.map((w) => `${w.kind}/${w.metadata?.name}`)).toEqual(['DaemonSet/ipshift-agent']);
    // The checker can fail: the agent breaks restricted, which is why it lives apart.
    expect(restrictedViolations(at(there[0], 'spec', 'template'))).toEqual(expect.arrayContaining(['hostNetwork', 'agent: adds NET_ADMIN']));
    const podMonitor = find(objects, 'PodMonitor', 'ipshift-agent');
    expect(at(podMonitor, 'spec', 'namespaceSelector', 'matchNames')).toEqual(['ipshift-agent']);
  });
});

describe('the Alertmanager URL is a setting of the install', () => {
  const configMapOf = (rendered: Obj[]): Obj => {
    const container = at(find(rendered, 'Deployment', 'ipshift-controller'), 'spec', 'template', 'spec', 'containers', 0);
    const name = String(at(container, 'envFrom', 0, 'configMapRef', 'name'));
    expect(((at(container, 'env') as unknown[]) ?? []).map((e) => at(e, 'name'))).not.toContain('IPSHIFT_ALERTMANAGER_URL');
    return find(rendered, 'ConfigMap', name);
  };

  it('comes from the ipshift-controller-settings ConfigMap, empty by default, and names no namespace of its own', () => {
    expect(at(configMapOf(objects), 'data')).toMatchObject({ IPSHIFT_ALERTMANAGER_URL: '' });
    expect(JSON.stringify(find(objects, 'Deployment', 'ipshift-controller'))).not.toContain('.svc:9093');
  });

  it("is set from a kustomization of the user's own, and the controller pods follow the change", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ipshift-kustomize-'));
    try {
      const url = 'http://alertmanager-operated.observability.svc:9093';
      await writeFile(
        join(dir, 'kustomization.yaml'),
        `resources:\n  - ${relative(dir, DEPLOY)}\nconfigMapGenerator:\n  - name: ipshift-controller-settings\n    namespace: ipshift\n    behavior: merge\n    literals:\n      - IPSHIFT_ALERTMANAGER_URL=${url}\n`,
      );
      const rendered = await render(dir);
      const configMap = configMapOf(rendered);
      expect(at(configMap, 'data', 'IPSHIFT_ALERTMANAGER_URL')).toBe(url);
      expect(configMap.metadata?.name).not.toBe(configMapOf(objects).metadata?.name);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a default kube-prometheus-stack selects every monitoring object', () => {
  // kube-prometheus-stack's Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by
  // `release: <Helm release>`; an object without it is silently never scraped or loaded.
  it('every monitoring.coreos.com object carries release: kube-prometheus-stack', () => {
    const monitoring = objects.filter((o) => o.apiVersion?.startsWith('monitoring.coreos.com/'));
    expect(monitoring.map((o) => o.kind).sort()).toEqual(['AlertmanagerConfig', 'PodMonitor', 'PrometheusRule', 'PrometheusRule', 'ServiceMonitor']);
    for (const o of monitoring)
      expect(`${o.kind}/${o.metadata?.name} release=${o.metadata?.labels?.['release']}`).toBe(`${o.kind}/${o.metadata?.name} release=kube-prometheus-stack`);
  });

  it('sets the selector label in one place: the kube-prometheus-stack component', async () => {
    const { stdout } = await run('grep', ['-rlE', '^\\s*release:', DEPLOY]).catch(() => ({ stdout: '' }));
    expect(
      stdout
        .split('\n')
        .filter((f) => f !== '')
        .map((f) => relative(DEPLOY, f)),
    ).toEqual([]);
    const component = await readFile(join(DEPLOY, 'components', 'kube-prometheus-stack', 'kustomization.yaml'), 'utf8');
    expect(component).toContain('value: kube-prometheus-stack');
  });

  it('the PodMonitor selects the agent pods and the ServiceMonitor the controller Service', () => {
    const agentPod = at(find(objects, 'DaemonSet', 'ipshift-agent'), 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
    for (const [k, v] of Object.entries(at(find(objects, 'PodMonitor', 'ipshift-agent'), 'spec', 'selector', 'matchLabels') as Record<string, string>))
      expect(agentPod[k]).toBe(v);
    const service = find(objects, 'Service', 'ipshift').metadata?.labels ?? {};
    for (const [k, v] of Object.entries(at(find(objects, 'ServiceMonitor', 'ipshift-controller'), 'spec', 'selector', 'matchLabels') as Record<string, string>))
      expect(service[k]).toBe(v);
  });
});

describe('FailoverIP CRD', () => {
  const crd = (): Obj => find(objects, 'CustomResourceDefinition', 'failoverips.ipshift.dev');
  const version = (): unknown => at(crd(), 'spec', 'versions', 0);
  const spec = (): unknown => at(version(), 'schema', 'openAPIV3Schema', 'properties', 'spec');

  it('names, scope, status subresource and printer columns', () => {
    expect(at(crd(), 'spec', 'scope')).toBe('Namespaced');
    expect(at(crd(), 'spec', 'names', 'shortNames')).toEqual(['fip']);
    expect(at(crd(), 'spec', 'names', 'kind')).toBe('FailoverIP');
    expect(at(version(), 'name')).toBe('v1alpha1');
    expect(at(version(), 'subresources', 'status')).toEqual({});
    const columns = (at(version(), 'additionalPrinterColumns') as unknown[])
      .filter((c) => at(c, 'priority') === undefined)
      .map((c) => String(at(c, 'name')).toUpperCase());
    expect(columns).toEqual(['ADDRESSES', 'NODE', 'READY', 'ROUTED', 'REASON', 'AGE']);
  });

  it('rejects bad input: addresses, provider type, secretRef, durations, selectors', () => {
    expect(at(spec(), 'required')).toEqual(['addresses', 'provider']);
    expect(at(spec(), 'properties', 'addresses', 'minItems')).toBe(1);
    expect(at(spec(), 'properties', 'provider', 'properties', 'type', 'enum')).toEqual([...PROVIDER_TYPES]);
    expect(at(spec(), 'properties', 'provider', 'properties', 'secretRef', 'required')).toEqual(['name']);
    for (const field of ['cooldownSeconds', 'gracePeriodSeconds']) {
      expect(at(spec(), 'properties', 'policy', 'properties', field)).toMatchObject({ type: 'integer', minimum: 0 });
    }
    expect(at(spec(), 'properties', 'podSelector', 'required')).toEqual(['namespace']);
    for (const selector of ['nodeSelector', 'podSelector']) {
      expect(at(spec(), 'properties', selector, 'properties', 'matchExpressions', 'items', 'properties', 'operator', 'enum')).toEqual([
        'In',
        'NotIn',
        'Exists',
        'DoesNotExist',
      ]);
      expect(at(spec(), 'properties', selector, 'properties', 'matchLabels', 'additionalProperties')).toMatchObject({ type: 'string' });
    }
    const status = at(version(), 'schema', 'openAPIV3Schema', 'properties', 'status', 'properties') as Record<string, unknown>;
    expect(Object.keys(status).sort()).toEqual(
      [
        'assignedNode',
        'conditions',
        'desiredNode',
        'lastDecision',
        'lastMoveTime',
        'lastSyncAttempt',
        'lastSyncSuccess',
        'nextMoveAllowedAt',
        'providerBlockedUntil',
        'observedGeneration',
      ].sort(),
    );
  });

  it.each([
    ['198.51.100.1', true],
    ['198.51.100.1/32', true],
    ['0.0.0.0', true],
    ['255.255.255.255/32', true],
    ['2001:db8::/64', true],
    ['2001:db8:1234:5678::/64', true],
    ['2a03:4000:6:1::/64', true],
    ['::/0', true],
    ['fe80::1/128', true],
    ['2001:0db8:0000:0000:0000:0000:0000:0001/128', true],
    ['198.51.100.1/24', false],
    ['198.51.100.256', false],
    ['198.51.100', false],
    ['01.2.3.4', false],
    ['2001:db8::', false],
    ['2001:db8::/129', false],
    ['2001:db8:::1/64', false],
    ['2001:db8::g/64', false],
    ['example.com', false],
    ['', false],
    [' 198.51.100.1', false],
  ])('address %j valid=%s', (address, valid) => {
    const pattern = String(at(spec(), 'properties', 'addresses', 'items', 'pattern'));
    expect(new RegExp(pattern).test(address)).toBe(valid);
  });
});

describe('deploy/examples and the without-* components', () => {
  it('renders examples whose FailoverIPs satisfy the schema patterns and enums', async () => {
    const examples = await render(join(DEPLOY, 'examples'));
    const pattern = new RegExp(
      String(
        at(
          objects.find((o) => o.kind === 'CustomResourceDefinition'),
          'spec',
          'versions',
          0,
          'schema',
          'openAPIV3Schema',
          'properties',
          'spec',
          'properties',
          'addresses',
          'items',
          'pattern',
        ),
      ),
    );
    const fips = examples.filter((o) => o.kind === 'FailoverIP');
    expect(fips.length).toBeGreaterThan(0);
    for (const fip of fips) {
      expect(fip.apiVersion).toBe('ipshift.dev/v1alpha1');
      for (const address of at(fip, 'spec', 'addresses') as string[]) expect(pattern.test(address)).toBe(true);
      expect(PROVIDER_TYPES).toContain(at(fip, 'spec', 'provider', 'type'));
      expect(typeof at(fip, 'spec', 'provider', 'secretRef', 'name')).toBe('string');
    }
    // Applying the examples must never replace a real token or credential with a placeholder.
    expect(examples.filter((o) => o.kind === 'Secret').map((o) => o.metadata?.name)).toEqual([]);
  }, 60_000);

  it.each([
    ['without-prometheus-operator', 'monitoring.coreos.com/'],
    // Kubernetes < 1.30 does not serve admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy.
    ['without-admission-policy', 'admissionregistration.k8s.io/'],
  ])(
    'the %s component drops every %s object and keeps the rest',
    async (component, group) => {
      const dir = await mkdtemp(join(tmpdir(), 'ipshift-kustomize-'));
      try {
        const base = relative(dir, DEPLOY);
        await writeFile(join(dir, 'kustomization.yaml'), `resources:\n  - ${base}\ncomponents:\n  - ${base}/components/${component}\n`);
        const rendered = await render(dir);
        expect(objects.filter((o) => o.apiVersion?.startsWith(group)).length).toBeGreaterThan(0);
        expect(rendered.filter((o) => o.apiVersion?.startsWith(group))).toEqual([]);
        const kept = objects.filter((o) => !o.apiVersion?.startsWith(group));
        expect(rendered.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual(kept.map((o) => `${o.kind}/${o.metadata?.name}`).sort());
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
