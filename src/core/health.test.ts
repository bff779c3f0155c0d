import { ISSUES, type Issue } from './issues.js';
import { maskOf, nodeHealth, nodeObjectIssues, tierOf } from './health.js';
import { nodeFacts, type NodeSpec } from '../../test/support/node-facts.js';

describe('node issues from the Node object', () => {
  it.each<{ desc: string; spec: NodeSpec; issues: Issue[] }>([
    { desc: 'a Ready node has no issue', spec: {}, issues: [] },
    { desc: 'Ready=False', spec: { conditions: { Ready: 'False' } }, issues: ['ready-false'] },
    { desc: 'Ready=Unknown', spec: { conditions: { Ready: 'Unknown' } }, issues: ['ready-unknown'] },
    { desc: 'no Ready condition counts as Ready=Unknown (foip-operator counts it healthy)', spec: { noReady: true }, issues: ['ready-unknown'] },
    { desc: 'NetworkUnavailable=True', spec: { conditions: { NetworkUnavailable: 'True' } }, issues: ['network-unavailable'] },
    { desc: 'NetworkUnavailable=False is fine', spec: { conditions: { NetworkUnavailable: 'False' } }, issues: [] },
    { desc: 'unreachable taint', spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }, issues: ['unreachable'] },
    { desc: 'cordoned via spec.unschedulable', spec: { unschedulable: true }, issues: ['cordoned'] },
    {
      desc: 'cordoned via the unschedulable taint',
      spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
      issues: ['cordoned'],
    },
    { desc: 'PIDPressure', spec: { conditions: { PIDPressure: 'True' } }, issues: ['pid-pressure'] },
    { desc: 'MemoryPressure', spec: { conditions: { MemoryPressure: 'True' } }, issues: ['memory-pressure'] },
    { desc: 'DiskPressure', spec: { conditions: { DiskPressure: 'True' } }, issues: ['disk-pressure'] },
    { desc: 'pressure Unknown is not an issue', spec: { conditions: { DiskPressure: 'Unknown' } }, issues: [] },
    { desc: 'an unrelated taint is not an issue', spec: { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] }, issues: [] },
    {
      desc: 'several at once, most severe first',
      spec: { conditions: { Ready: 'False', DiskPressure: 'True', NetworkUnavailable: 'True' }, unschedulable: true },
      issues: ['network-unavailable', 'ready-false', 'cordoned', 'disk-pressure'],
    },
  ])('$desc', ({ spec, issues }) => {
    expect(nodeObjectIssues(nodeFacts('n', spec))).toEqual(issues);
    expect(nodeHealth(nodeFacts('n', spec)).issues).toEqual(issues);
  });

  it('adds alert classes; info only weighs', () => {
    const health = nodeHealth(nodeFacts('n'), ['degraded', 'info', 'info', 'down', 'ignore']);
    expect(health.issues).toEqual(['alert-down', 'alert-degraded']);
    expect(health.infoWeight).toBe(2);
    expect(health.tier).toBe('down');
  });
});

describe('lexicographic order of issue classes (foip-operator order for the Kubernetes classes)', () => {
  const pairs = ISSUES.flatMap((worse, i) => ISSUES.slice(i + 1).map((better) => ({ worse, better })));
  it.each(pairs)('$worse is worse than $better, even with every lesser issue added', ({ worse, better }) => {
    const lesser = ISSUES.slice(ISSUES.indexOf(worse) + 1);
    expect(maskOf([worse])).toBeGreaterThan(maskOf([better]));
    expect(maskOf([worse])).toBeGreaterThan(maskOf(lesser));
  });

  it('keeps the order netcup users know', () => {
    const kube = ISSUES.filter((i) => !i.startsWith('alert-') && i !== 'not-eligible' && i !== 'unresponsive');
    expect(kube).toEqual([
      'network-unavailable',
      'ready-false',
      'ready-unknown',
      'unreachable',
      'cordoned',
      'pid-pressure',
      'memory-pressure',
      'disk-pressure',
    ]);
  });

  it.each<{ issues: Issue[]; tier: string }>([
    { issues: [], tier: 'healthy' },
    { issues: ['disk-pressure'], tier: 'degraded' },
    { issues: ['cordoned', 'disk-pressure'], tier: 'drain' },
    { issues: ['alert-down', 'cordoned'], tier: 'down' },
    { issues: ['not-eligible'], tier: 'ineligible' },
  ])('tier of $issues is $tier', ({ issues, tier }) => {
    expect(tierOf(maskOf(issues))).toBe(tier);
  });
});
