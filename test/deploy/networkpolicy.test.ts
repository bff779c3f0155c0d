import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

/**
 * The shipped NetworkPolicy, read from the rendered install and evaluated the way the
 * NetworkPolicy API defines it (for the selector forms it uses): who may reach the controller.
 */

const run = promisify(execFile);

type Labels = Record<string, string>;
interface Peer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
}
interface Policy {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: { matchLabels: Labels };
    policyTypes: string[];
    ingress: Array<{ from: Peer[]; ports: Array<{ port: number | string; protocol: string }> }>;
  };
}
interface Deployment {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { template: { metadata: { labels: Labels }; spec: { containers: Array<{ ports: Array<{ name: string; containerPort: number }> }> } } };
}

const matches = (selector: { matchLabels?: Labels } | undefined, labels: Labels): boolean =>
  Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);

/** A connection from a pod (its namespace, its labels) to `port` on a selected pod. */
function allowed(policy: Policy, from: { namespace: string; namespaceLabels: Labels; labels: Labels }, port: number): boolean {
  return policy.spec.ingress.some(
    (rule) =>
      rule.ports.some((p) => p.port === port && p.protocol === 'TCP') &&
      rule.from.some((peer) =>
        peer.namespaceSelector === undefined
          ? from.namespace === policy.metadata.namespace && matches(peer.podSelector, from.labels)
          : matches(peer.namespaceSelector, from.namespaceLabels) && matches(peer.podSelector, from.labels),
      ),
  );
}

let policy: Policy;
let deployment: Deployment;

beforeAll(async () => {
  const { stdout } = await run('kubectl', ['kustomize', resolve(process.cwd(), 'deploy')], { maxBuffer: 64 * 1024 * 1024 });
  const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
  policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'ipshift-controller') as unknown as Policy;
  deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ipshift-controller') as unknown as Deployment;
}, 60_000);

describe('the controller NetworkPolicy', () => {
  it('is part of the install and selects the controller pods, for ingress only', () => {
    expect(policy).toBeDefined();
    expect(policy.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(matches(policy.spec.podSelector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
  });

  const port = (): number => deployment.spec.template.spec.containers[0]?.ports.find((p) => p.name === 'http')?.containerPort ?? 0;
  const ns = (name: string): { namespace: string; namespaceLabels: Labels } => ({ namespace: name, namespaceLabels: { 'kubernetes.io/metadata.name': name } });

  it('lets in the other replica, Alertmanager and Prometheus (operator-labelled, any namespace)', () => {
    expect(allowed(policy, { ...ns('ipshift'), labels: deployment.spec.template.metadata.labels }, port())).toBe(true);
    expect(allowed(policy, { ...ns('monitoring'), labels: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'main' } }, port())).toBe(true);
    expect(allowed(policy, { ...ns('kube-prometheus-stack'), labels: { 'app.kubernetes.io/name': 'prometheus' } }, port())).toBe(true);
  });

  it('keeps out every other pod, the agent included, and every other port', () => {
    expect(allowed(policy, { ...ns('shop'), labels: { app: 'checkout' } }, port())).toBe(false);
    expect(allowed(policy, { ...ns('ipshift-agent'), labels: { 'app.kubernetes.io/name': 'ipshift', 'app.kubernetes.io/component': 'agent' } }, port())).toBe(
      false,
    );
    expect(allowed(policy, { ...ns('ipshift'), labels: { 'app.kubernetes.io/name': 'ipshift' } }, port())).toBe(false);
    expect(allowed(policy, { ...ns('monitoring'), labels: { 'app.kubernetes.io/name': 'alertmanager' } }, 9999)).toBe(false);
  });
});
