import type { FailoverIPObject, NodeFacts } from '../core/model.js';
import { failoverIPChanged, labelKeysInUse, nodeChanged } from './relevance.js';

const base: NodeFacts = {
  name: 'n1',
  labels: { 'kubernetes.io/hostname': 'n1', zone: 'a' },
  annotations: { 'ipshift.dev/server-id': '1', 'node.alpha.kubernetes.io/ttl': '0' },
  addresses: ['10.0.0.1'],
  conditions: { Ready: 'True', MemoryPressure: 'False' },
  taints: [],
  unschedulable: false,
  deleting: false,
};

describe('nodeChanged', () => {
  it.each<[string, Partial<NodeFacts>, boolean]>([
    ['identical (a heartbeat)', {}, false],
    ['an unrelated annotation', { annotations: { ...base.annotations, 'node.alpha.kubernetes.io/ttl': '30' } }, false],
    ['a label no selector reads', { labels: { ...base.labels, 'kubernetes.io/hostname': 'x' } }, false],
    ['a label a selector reads', { labels: { ...base.labels, zone: 'b' } }, true],
    ['an ipshift.dev label', { labels: { ...base.labels, 'ipshift.dev/role': 'edge' } }, true],
    ['the server-id annotation', { annotations: { ...base.annotations, 'ipshift.dev/server-id': '2' } }, true],
    ['a condition status', { conditions: { Ready: 'Unknown', MemoryPressure: 'False' } }, true],
    ['a new condition', { conditions: { ...base.conditions, NetworkUnavailable: 'True' } }, true],
    ['a taint', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }, true],
    ['cordoned', { unschedulable: true }, true],
    ['being deleted', { deleting: true }, true],
    ['an address', { addresses: ['10.0.0.2'] }, true],
    ['address order only', { addresses: ['10.0.0.1'] }, false],
    ['providerID', { providerID: 'hcloud://1' }, true],
  ])('%s → %s', (_name, change, expected) => {
    expect(nodeChanged(base, { ...base, ...change }, new Set(['zone']))).toBe(expected);
  });
});

describe('failoverIPChanged', () => {
  const fip: FailoverIPObject = {
    namespace: 'ipshift',
    name: 'web',
    generation: 1,
    annotations: {},
    spec: {
      addresses: ['198.51.100.1'],
      provider: { type: 'dry-run', secretRef: { name: 's' } },
      nodeSelector: { matchLabels: { zone: 'a' }, matchExpressions: [{ key: 'edge', operator: 'Exists' }] },
    },
    status: {},
  };
  it.each<[string, Partial<FailoverIPObject>, boolean]>([
    ['a status update', { status: { assignedNode: 'n1' } }, false],
    ['a generation bump', { generation: 2 }, true],
    ['the move-to annotation', { annotations: { 'ipshift.dev/move-to': 'n2' } }, true],
    ['a foreign annotation', { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, false],
  ])('%s → %s', (_name, change, expected) => {
    expect(failoverIPChanged(fip, { ...fip, ...change })).toBe(expected);
  });

  it('collects the label keys selectors read', () => {
    expect([...labelKeysInUse([fip])].sort()).toEqual(['edge', 'zone']);
  });
});
