import { admit, deployAdmissionPolicies, type AdmissionRequest } from '../support/admission-policy.js';

/**
 * deploy/admission's ValidatingAdmissionPolicies, their CEL evaluated by a real CEL engine on
 * the committed text: what a node's own credentials, the controller and everyone else may
 * change on a Node, and that a kubelet's ordinary writes (registration, status heartbeats with
 * changing addresses) always pass.
 */
const policies = deployAdmissionPolicies();

const KUBELET = 'system:node:worker-1';
const CONTROLLER = 'system:serviceaccount:ipshift:ipshift-controller';
const CLOUD_CONTROLLER = 'system:serviceaccount:kube-system:cloud-controller-manager';
const ADMIN = 'kubernetes-admin';

interface NodeShape {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  providerID?: string;
  unschedulable?: boolean;
  taints?: Array<{ key: string; effect: string }>;
  addresses?: string[];
  ready?: string;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }>;
}

function node(shape: NodeShape = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'worker-1',
      labels: { 'kubernetes.io/hostname': 'worker-1', ...shape.labels },
      ...(shape.annotations === undefined ? {} : { annotations: shape.annotations }),
      ...(shape.ownerReferences === undefined ? {} : { ownerReferences: shape.ownerReferences }),
    },
    spec: {
      ...(shape.providerID === undefined ? {} : { providerID: shape.providerID }),
      ...(shape.unschedulable === undefined ? {} : { unschedulable: shape.unschedulable }),
      ...(shape.taints === undefined ? {} : { taints: shape.taints }),
    },
    status: {
      addresses: (shape.addresses ?? ['192.0.2.11']).map((address) => ({ type: 'InternalIP', address })),
      conditions: [{ type: 'Ready', status: shape.ready ?? 'True' }],
    },
  };
}

const update = (username: string, before: NodeShape, after: NodeShape, resource = 'nodes'): AdmissionRequest => ({
  operation: 'UPDATE',
  resource,
  username,
  oldObject: node(before),
  object: node(after),
});
const create = (username: string, shape: NodeShape): AdmissionRequest => ({
  operation: 'CREATE',
  resource: 'nodes',
  username,
  oldObject: null,
  object: node(shape),
});
const verdict = (request: AdmissionRequest): string | null => admit(policies, request)?.message ?? null;

const PIN = { 'ipshift.dev/server-pin.netcup': '111001' };
const HOLDS = { 'ipshift.dev/holds-web': 'true' };

describe("a node's own credentials cannot steer the IP (ipshift-node-self-labels)", () => {
  it('a kubelet registers with its providerID and reports changing addresses and conditions in its status', () => {
    expect(verdict(create(KUBELET, { providerID: 'hcloud://4711' }))).toBeNull();
    expect(verdict(create(KUBELET, {}))).toBeNull();
    // The heartbeat: status only, addresses changed (DHCP, a second NIC), Ready flapping.
    expect(
      verdict(update(KUBELET, { providerID: 'hcloud://4711' }, { providerID: 'hcloud://4711', addresses: ['192.0.2.99', '203.0.113.7'] }, 'nodes/status')),
    ).toBeNull();
    expect(verdict(update(KUBELET, { annotations: PIN }, { annotations: PIN, ready: 'False' }, 'nodes/status'))).toBeNull();
    // Its own non-ipshift labels stay its business (NodeRestriction limits those).
    expect(verdict(update(KUBELET, {}, { labels: { 'node.kubernetes.io/instance-type': 'rs2000' } }))).toBeNull();
  });

  it('a node may not set a first spec.providerID after registration, nor change one', () => {
    expect(verdict(update(KUBELET, {}, { providerID: 'hcloud://666' }))).toMatch(/spec\.providerID/);
    expect(verdict(update(KUBELET, { providerID: 'hcloud://4711' }, { providerID: 'hcloud://666' }))).toMatch(/spec\.providerID/);
    expect(verdict(update(KUBELET, { providerID: 'hcloud://4711' }, {}))).toMatch(/spec\.providerID/);
  });

  it('a cloud-controller-manager (not a node user) and an admin still set it', () => {
    expect(verdict(update(CLOUD_CONTROLLER, {}, { providerID: 'hcloud://4711' }))).toBeNull();
    expect(verdict(update(ADMIN, { providerID: 'hcloud://4711' }, { providerID: 'hcloud://4712' }))).toBeNull();
  });

  it('a node may not set, change or remove the holder label or the server pin, on create or update', () => {
    expect(verdict(create(KUBELET, { labels: HOLDS }))).toMatch(/ipshift\.dev\/ labels/);
    expect(verdict(update(KUBELET, {}, { labels: HOLDS }))).toMatch(/ipshift\.dev\/ labels/);
    expect(verdict(update(KUBELET, {}, { labels: HOLDS }, 'nodes/status'))).toMatch(/ipshift\.dev\/ labels/);
    expect(verdict(update(KUBELET, { labels: HOLDS }, {}))).toMatch(/ipshift\.dev\/ labels/);
    expect(verdict(update(KUBELET, {}, { annotations: PIN }))).toMatch(/ipshift\.dev\/ annotations/);
    expect(verdict(update(KUBELET, { annotations: PIN }, { annotations: { 'ipshift.dev/server-pin.netcup': '999' } }))).toMatch(/annotations/);
    expect(verdict(update(KUBELET, { annotations: PIN }, {}))).toMatch(/annotations/);
  });

  it('a node may not give itself an owner (the garbage collector would delete it, and its pins with it)', () => {
    const owner = { apiVersion: 'v1', kind: 'Namespace', name: 'gone', uid: '00000000-0000-0000-0000-000000000000' };
    expect(verdict(update(KUBELET, {}, { ownerReferences: [owner] }))).toMatch(/ownerReferences/);
    expect(verdict(create(KUBELET, { ownerReferences: [owner] }))).toMatch(/ownerReferences/);
  });
});

describe('the controller may change only what it owns on a Node (ipshift-controller-node-writes)', () => {
  it('sets and removes the holder label, writes the server pin', () => {
    expect(verdict(update(CONTROLLER, {}, { labels: HOLDS }))).toBeNull();
    expect(verdict(update(CONTROLLER, { labels: { ...HOLDS, 'ipshift.dev/edge': 'true' } }, { labels: { 'ipshift.dev/edge': 'true' } }))).toBeNull();
    expect(verdict(update(CONTROLLER, {}, { annotations: PIN }))).toBeNull();
    expect(
      verdict(update(CONTROLLER, { annotations: { ...PIN, 'ipshift.dev/server-id': '7' } }, { annotations: { 'ipshift.dev/server-id': '7' } })),
    ).toBeNull();
  });

  it('changes nothing else: other labels and annotations, taints, cordon, providerID, owners; never creates or deletes', () => {
    expect(verdict(update(CONTROLLER, {}, { labels: { 'ipshift.dev/edge': 'true' } }))).toMatch(/only the ipshift\.dev\/holds-\* labels/);
    expect(verdict(update(CONTROLLER, { labels: { 'node-role.kubernetes.io/worker': '' } }, {}))).toMatch(/labels/);
    expect(verdict(update(CONTROLLER, {}, { annotations: { 'ipshift.dev/server-id': '666' } }))).toMatch(/only the ipshift\.dev\/server-pin\.\* annotations/);
    expect(verdict(update(CONTROLLER, {}, { unschedulable: true }))).toMatch(/spec/);
    expect(verdict(update(CONTROLLER, {}, { taints: [{ key: 'x', effect: 'NoExecute' }] }))).toMatch(/spec/);
    expect(verdict(update(CONTROLLER, { providerID: 'hcloud://1' }, { providerID: 'hcloud://2' }))).not.toBeNull();
    const owner = { apiVersion: 'v1', kind: 'Namespace', name: 'gone', uid: '0' };
    expect(verdict(update(CONTROLLER, {}, { ownerReferences: [owner] }))).toMatch(/ownerReferences/);
    expect(verdict(create(CONTROLLER, {}))).toMatch(/never creates or deletes/);
    expect(verdict({ operation: 'DELETE', resource: 'nodes', username: CONTROLLER, oldObject: node(), object: null })).toMatch(/never creates or deletes/);
  });

  it('binds nobody else: an admin still labels and cordons', () => {
    expect(verdict(update(ADMIN, {}, { labels: { 'ipshift.dev/edge': 'true' }, unschedulable: true }))).toBeNull();
    expect(verdict(update(ADMIN, {}, { labels: HOLDS }))).toBeNull();
  });
});
