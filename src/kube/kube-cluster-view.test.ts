import type { ClusterChange } from '../ports/cluster.js';
import { heartbeat, makeFailoverIP, makeNode, makePod } from '../../test/fake-kube-api/index.js';
import { waitFor } from '../../test/support/wait.js';
import type { KubeClusterViewOptions } from './kube-cluster-view.js';
import { LIST_PAGE_SIZE } from './reflector.js';
import { metricValue } from '../../test/support/metric-value.js';
import { useKubeViews, type StartedView } from '../../test/support/kube-views.js';

const kube = useKubeViews();
const startView = (extra: Partial<KubeClusterViewOptions> = {}): StartedView => kube.startView(extra);

const count = (changes: ClusterChange[], kind: ClusterChange): number => changes.filter((c) => c === kind).length;

const nodeLists = (): number => kube.api.requests().filter((r) => r.method === 'GET' && r.path === '/api/v1/nodes' && r.query['watch'] === undefined).length;
const nodeWatches = (): number => kube.api.requests().filter((r) => r.path === '/api/v1/nodes' && r.query['watch'] === 'true').length;

describe('node watch', () => {
  it('lists in pages: a cluster of two pages and one node comes in three answers, not one', async () => {
    for (let i = 0; i < 2 * LIST_PAGE_SIZE + 1; i++)
      kube.api.setNode(makeNode({ name: `n${String(i).padStart(4, '0')}`, internalIP: `10.0.${i >> 8}.${i & 255}` }));
    const { view } = startView();
    await view.start();
    expect(view.nodes()).toHaveLength(2 * LIST_PAGE_SIZE + 1);
    const lists = kube.api.requests().filter((r) => r.method === 'GET' && r.path === '/api/v1/nodes' && r.query['watch'] === undefined);
    const limit = String(LIST_PAGE_SIZE);
    expect(lists.map((r) => [r.query['limit'], r.query['continue'] === undefined])).toEqual([
      [limit, true],
      [limit, false],
      [limit, false],
    ]);
  });

  it('lists again from the first page when a continue token expired (410), and loses no node', async () => {
    for (let i = 0; i < 2 * LIST_PAGE_SIZE + 1; i++)
      kube.api.setNode(makeNode({ name: `n${String(i).padStart(4, '0')}`, internalIP: `10.0.${i >> 8}.${i & 255}` }));
    kube.api.failNext({ method: 'GET', path: '/api/v1/nodes', query: /continue=/, status: 410 });
    const { view } = startView();
    await view.start();
    expect(view.nodes()).toHaveLength(2 * LIST_PAGE_SIZE + 1);
    const lists = kube.api.requests().filter((r) => r.method === 'GET' && r.path === '/api/v1/nodes' && r.query['watch'] === undefined);
    expect(lists.map((r) => r.query['continue'] === undefined)).toEqual([true, false, true, false, false]);
  });

  it('converts nodes and reports add, update and delete', async () => {
    kube.api.setNode(
      makeNode({
        name: 'n1',
        internalIP: '10.0.0.1',
        externalIP: '203.0.113.1',
        providerID: 'hcloud://42',
        taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
        annotations: { 'ipshift.dev/server-id': 'v2202' },
      }),
    );
    const { view, changes } = startView();
    await view.start();
    changes.length = 0; // the initial list reports every object once
    expect(view.hasSynced()).toBe(true);
    expect(view.nodes()).toEqual([
      {
        name: 'n1',
        labels: { 'kubernetes.io/hostname': 'n1' },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'ipshift.dev/server-id': 'v2202' },
        addresses: ['10.0.0.1', '203.0.113.1'],
        externalAddresses: ['203.0.113.1'],
        providerID: 'hcloud://42',
        conditions: { Ready: 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False' },
        taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
        unschedulable: false,
        deleting: false,
      },
    ]);

    kube.api.setNode(makeNode({ name: 'n2', internalIP: '10.0.0.2' }));
    await waitFor(() => view.nodes().length === 2, 5000, 'n2 added');
    kube.api.setNode(makeNode({ name: 'n2', internalIP: '10.0.0.2', conditions: { Ready: 'False' } }));
    await waitFor(() => view.nodes().find((n) => n.name === 'n2')?.conditions['Ready'] === 'False', 5000, 'n2 NotReady');
    kube.api.setNode(makeNode({ name: 'n2', internalIP: '10.0.0.2', unschedulable: true, deleting: true }));
    await waitFor(() => view.nodes().find((n) => n.name === 'n2')?.deleting === true, 5000, 'n2 deleting');
    expect(view.nodes().find((n) => n.name === 'n2')?.unschedulable).toBe(true);
    kube.api.deleteNode('n2');
    await waitFor(() => view.nodes().length === 1, 5000, 'n2 deleted');
    expect(count(changes, 'node')).toBe(4);
  });

  it('keeps the same node objects and list through heartbeats, so what is memoised by them stays valid', async () => {
    const node = makeNode({ name: 'n1', internalIP: '10.0.0.1' });
    kube.api.setNode(node);
    kube.api.setNode(makeNode({ name: 'n2', internalIP: '10.0.0.2' }));
    const { view } = startView();
    await view.start();
    const before = view.nodes();
    for (let i = 0; i < 3; i += 1) kube.api.setNode(heartbeat(node, `2026-01-01T00:00:0${i}Z`));
    // The watch is ordered: once this change of n2 is seen, the heartbeats were too.
    kube.api.setNode(makeNode({ name: 'n2', internalIP: '10.0.0.2', conditions: { DiskPressure: 'True' } }));
    await waitFor(() => view.nodes().find((n) => n.name === 'n2')?.conditions['DiskPressure'] === 'True', 5000, 'the n2 change');
    expect(view.nodes().find((n) => n.name === 'n1')).toBe(before.find((n) => n.name === 'n1'));
  });

  it('does not report kubelet heartbeats or unrelated annotations, but does report what the model reads', async () => {
    const node = makeNode({ name: 'n1', internalIP: '10.0.0.1' });
    kube.api.setNode(node);
    const { view, changes } = startView();
    await view.start();
    changes.length = 0; // the initial list reports every object once
    for (let i = 0; i < 5; i += 1) kube.api.setNode(heartbeat(node, `2026-01-01T00:00:0${i}Z`));
    kube.api.setNode({ ...node, metadata: { ...node.metadata, annotations: { 'flannel.alpha.coreos.com/public-ip': '10.0.0.1' } } });
    kube.api.setNode(makeNode({ name: 'n1', internalIP: '10.0.0.1', labels: { 'unused-label': 'x' } }));
    // The watch is ordered: once this relevant change arrives, every event above was seen too.
    kube.api.setNode(makeNode({ name: 'n1', internalIP: '10.0.0.1', conditions: { MemoryPressure: 'True' } }));
    await waitFor(() => count(changes, 'node') >= 1, 5000, 'the memory pressure change');
    await waitFor(() => view.nodes()[0]?.conditions['MemoryPressure'] === 'True', 5000, 'facts updated');
    expect(changes).toEqual(['node']);

    const relevant = [
      makeNode({ name: 'n1', internalIP: '10.0.0.1', annotations: { 'ipshift.dev/server-id': '7' } }),
      makeNode({ name: 'n1', internalIP: '10.0.0.1', annotations: { 'ipshift.dev/server-id': '7' }, taints: [{ key: 'k', effect: 'NoSchedule' }] }),
      makeNode({ name: 'n1', internalIP: '10.0.0.9', annotations: { 'ipshift.dev/server-id': '7' }, taints: [{ key: 'k', effect: 'NoSchedule' }] }),
    ];
    for (const [i, n] of relevant.entries()) {
      kube.api.setNode(n);
      await waitFor(() => count(changes, 'node') === i + 2, 5000, `relevant change ${i}`);
    }
  });

  it('reports a change of a label that a FailoverIP nodeSelector reads', async () => {
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'fip', nodeSelector: { matchExpressions: [{ key: 'ingress', operator: 'Exists' }] } }));
    kube.api.setNode(makeNode({ name: 'n1' }));
    const { view, changes } = startView();
    await view.start();
    changes.length = 0; // the initial list reports every object once
    kube.api.setNode(makeNode({ name: 'n1', labels: { ingress: 'yes' } }));
    await waitFor(() => count(changes, 'node') === 1, 5000, 'label change');
    expect(view.nodes()[0]?.labels['ingress']).toBe('yes');
  });

  it('resumes a dropped watch from the last resourceVersion without a re-list', async () => {
    kube.api.setNode(makeNode({ name: 'n1' }));
    const { view, changes, registry } = startView();
    await view.start();
    changes.length = 0; // the initial list reports every object once
    await waitFor(() => kube.api.activeWatches('nodes') === 1, 5000, 'watch open');
    const lists = nodeLists();
    kube.api.dropWatches();
    // A change while the stream is down: the resumed watch must replay it.
    kube.api.setNode(makeNode({ name: 'n1', conditions: { Ready: 'False' } }));
    await waitFor(() => view.nodes()[0]?.conditions['Ready'] === 'False', 5000, 'change made during the drop');
    await waitFor(() => kube.api.activeWatches('nodes') === 1, 5000, 'watch re-opened');
    expect(nodeLists()).toBe(lists);
    expect(nodeWatches()).toBeGreaterThanOrEqual(2);
    const resumed = kube.api
      .requests()
      .filter((r) => r.path === '/api/v1/nodes' && r.query['watch'] === 'true')
      .at(-1);
    expect(Number(resumed?.query['resourceVersion'])).toBeGreaterThan(0);
    expect(count(changes, 'node')).toBe(1);
    expect(await metricValue(registry, 'ipshift_kube_watch_restarts_total', { resource: 'nodes', reason: 'closed' })).toBeGreaterThanOrEqual(1);
  });

  it('re-lists after 410 Gone and reconciles deletions missed while away', async () => {
    kube.api.setNode(makeNode({ name: 'n1' }));
    kube.api.setNode(makeNode({ name: 'n2' }));
    const { view, registry } = startView();
    await view.start();
    await waitFor(() => kube.api.activeWatches('nodes') === 1, 5000, 'watch open');
    kube.api.store.watchers.clear(); // the stream stays open but hears nothing: events are lost
    kube.api.deleteNode('n2');
    kube.api.setNode(makeNode({ name: 'n3' }));
    kube.api.compact();
    const lists = nodeLists();
    kube.api.dropWatches();
    await waitFor(
      () =>
        view
          .nodes()
          .map((n) => n.name)
          .sort()
          .join() === 'n1,n3',
      5000,
      'n2 gone and n3 present after the re-list',
    );
    expect(nodeLists()).toBe(lists + 1);
    expect(await metricValue(registry, 'ipshift_kube_relists_total', { resource: 'nodes', reason: 'gone' })).toBe(1);
    expect(await metricValue(registry, 'ipshift_kube_watch_restarts_total', { resource: 'nodes', reason: 'gone' })).toBe(1);
  });

  it('restarts a failing watch with backoff and counts the API errors', async () => {
    kube.api.setNode(makeNode({ name: 'n1' }));
    kube.api.failNext({ method: 'GET', path: /^\/api\/v1\/nodes$/, status: 500, times: 3 });
    const { view, registry } = startView();
    await view.start();
    await waitFor(() => kube.api.activeWatches('nodes') === 1, 5000, 'watch open after failures');
    const errors =
      ((await metricValue(registry, 'ipshift_kube_api_errors_total', { operation: 'list_nodes' })) ?? 0) +
      ((await metricValue(registry, 'ipshift_kube_api_errors_total', { operation: 'watch_nodes' })) ?? 0);
    expect(errors).toBe(3);
    kube.api.setNode(makeNode({ name: 'n2' }));
    await waitFor(() => view.nodes().length === 2, 5000, 'watch works after the errors');
  });

  it('runs a full re-list on resync and reports it', async () => {
    kube.api.setNode(makeNode({ name: 'n1' }));
    const { view, changes } = startView();
    await view.start();
    changes.length = 0; // the initial list reports every object once
    kube.api.store.watchers.clear(); // a silently dead stream
    kube.api.setNode(makeNode({ name: 'n2' }));
    await view.resync();
    expect(
      view
        .nodes()
        .map((n) => n.name)
        .sort(),
    ).toEqual(['n1', 'n2']);
    expect(changes).toContain('resync');
  });

  it('rejects an invalid resync schedule', () => {
    expect(() => startView({ resyncSchedule: 'every minute' })).toThrow(/resync schedule/);
  });

  it('watches one node only when given a nodeName', async () => {
    kube.api.setNode(makeNode({ name: 'n1' }));
    kube.api.setNode(makeNode({ name: 'n2' }));
    const { view } = startView({ nodeName: 'n2', watchFailoverIPs: false });
    await view.start();
    expect(view.nodes().map((n) => n.name)).toEqual(['n2']);
    kube.api.setNode(makeNode({ name: 'n1', conditions: { Ready: 'False' } }));
    kube.api.setNode(makeNode({ name: 'n2', conditions: { Ready: 'False' } }));
    await waitFor(() => view.nodes()[0]?.conditions['Ready'] === 'False', 5000, 'n2 update');
    expect(view.nodes().map((n) => n.name)).toEqual(['n2']);
    expect(kube.api.requests().some((r) => r.path.includes('failoverips'))).toBe(false);
    expect(
      kube.api
        .requests()
        .filter((r) => r.path === '/api/v1/nodes')
        .every((r) => r.query['fieldSelector'] === 'metadata.name=n2'),
    ).toBe(true);
  });
});

describe('FailoverIP watch', () => {
  it('follows the continue token of a custom-resource list (raw JSON: metadata.continue) past the first page', async () => {
    for (let i = 0; i < LIST_PAGE_SIZE + 1; i++)
      kube.api.upsertFailoverIP(makeFailoverIP({ name: `fip-${i}`, addresses: [`198.51.${100 + (i >> 8)}.${i & 255}/32`] }));
    const { view } = startView();
    await view.start();
    expect(view.failoverIPs()).toHaveLength(LIST_PAGE_SIZE + 1);
  });

  it('converts FailoverIPs and ignores status-only updates', async () => {
    kube.api.upsertFailoverIP(
      makeFailoverIP({
        name: 'web',
        addresses: ['198.51.100.7/32', '2001:db8::/64'],
        providerType: 'netcup',
        secretName: 'netcup',
        nodeSelector: { matchLabels: { role: 'edge' } },
        policy: { cooldownSeconds: 300, gracePeriodSeconds: 60, spread: false },
      }),
    );
    const { view, changes } = startView();
    await view.start();
    changes.length = 0; // the initial list reports every object once
    expect(view.failoverIPs()).toEqual([
      {
        namespace: 'ipshift',
        name: 'web',
        generation: 1,
        annotations: {},
        spec: {
          addresses: ['198.51.100.7/32', '2001:db8::/64'],
          provider: { type: 'netcup', secretRef: { name: 'netcup' } },
          nodeSelector: { matchLabels: { role: 'edge' } },
          policy: { cooldownSeconds: 300, gracePeriodSeconds: 60, spread: false },
          paused: false,
        },
        status: {},
      },
    ]);
    const stored = kube.api.getFailoverIP('ipshift', 'web');
    if (stored === undefined) throw new Error('missing');
    kube.api.upsertFailoverIP({ ...stored, status: { assignedNode: 'n1' } });
    await waitFor(() => view.failoverIPs()[0]?.status.assignedNode === 'n1', 5000, 'status in the cache');
    expect(changes).toEqual([]);

    kube.api.upsertFailoverIP({ ...stored, metadata: { ...stored.metadata, annotations: { 'ipshift.dev/move-to': 'n2' } } });
    await waitFor(() => changes.length === 1, 5000, 'annotation change');
    kube.api.upsertFailoverIP({ ...stored, spec: { ...(stored['spec'] as object), paused: true } });
    await waitFor(() => changes.length === 2, 5000, 'spec change');
    expect(view.failoverIPs()[0]?.generation).toBe(2);
    kube.api.deleteFailoverIP('ipshift', 'web');
    await waitFor(() => view.failoverIPs().length === 0, 5000, 'deleted');
    expect(changes).toEqual(['failover-ip', 'failover-ip', 'failover-ip']);
    expect(view.uidOf('ipshift', 'web')).toBeUndefined();
  });

  it('skips objects that do not match the schema', async () => {
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'bad', addresses: [] }));
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'good' }));
    const { view } = startView();
    await view.start();
    expect(view.failoverIPs().map((f) => f.name)).toEqual(['good']);
  });

  it('reads FailoverIPs only in the namespaces named (issue 15.1)', async () => {
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'ours', namespace: 'ipshift' }));
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'tenant', namespace: 'tenant' }));
    const { view } = startView({ failoverIPNamespaces: ['ipshift'] });
    await view.start();
    expect(view.failoverIPs().map((f) => `${f.namespace}/${f.name}`)).toEqual(['ipshift/ours']);
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'late', namespace: 'tenant' }));
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'later', namespace: 'ipshift' }));
    await waitFor(() => view.failoverIPs().length === 2, 5000, 'the later one');
    expect(
      view
        .failoverIPs()
        .map((f) => f.name)
        .sort(),
    ).toEqual(['later', 'ours']);
  });

  it('reports status-only changes of the decision when asked (the agent)', async () => {
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'web' }));
    const { view, changes } = startView({ failoverIPStatusChanges: true });
    await view.start();
    const before = count(changes, 'failover-ip');
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'web', status: { desiredNode: 'n2' } }));
    await waitFor(() => count(changes, 'failover-ip') > before, 5000, 'the status-only change reported');
    expect(view.failoverIPs()[0]?.generation).toBe(1);
  });
});

describe('pod watch', () => {
  it('watches no pods while no FailoverIP has a podSelector', async () => {
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'plain' }));
    const { view } = startView();
    await view.start();
    await view.resync();
    expect(kube.api.requests().some((r) => r.path.includes('/pods'))).toBe(false);
  });

  it('answers nodesWithReadyPods from a watch started for the podSelector namespace', async () => {
    kube.api.setPod(makePod({ namespace: 'ingress', name: 'a', nodeName: 'n1', labels: { app: 'ingress' } }));
    kube.api.setPod(makePod({ namespace: 'ingress', name: 'b', nodeName: 'n2', labels: { app: 'ingress' }, ready: false }));
    kube.api.setPod(makePod({ namespace: 'ingress', name: 'c', nodeName: 'n3', labels: { app: 'other' } }));
    kube.api.setPod(makePod({ namespace: 'other', name: 'd', nodeName: 'n4', labels: { app: 'ingress' } }));
    const selector = { namespace: 'ingress', matchLabels: { app: 'ingress' } };
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'web', podSelector: selector }));
    const { view, changes } = startView();
    await view.start();
    changes.length = 0; // the initial list reports every object once
    await waitFor(() => view.nodesWithReadyPods(selector).size === 1, 5000, 'pods listed');
    expect([...view.nodesWithReadyPods(selector)]).toEqual(['n1']);
    expect(
      kube.api
        .requests()
        .filter((r) => r.path.includes('/pods'))
        .every((r) => r.path === '/api/v1/namespaces/ingress/pods'),
    ).toBe(true);

    const before = count(changes, 'pod');
    kube.api.setPod(makePod({ namespace: 'ingress', name: 'b', nodeName: 'n2', labels: { app: 'ingress' }, ready: true }));
    await waitFor(() => view.nodesWithReadyPods(selector).has('n2'), 5000, 'b became ready');
    expect(count(changes, 'pod')).toBe(before + 1);

    kube.api.deleteFailoverIP('ipshift', 'web');
    await waitFor(() => kube.api.activeWatches('pods') === 0, 5000, 'pod watch stopped');
  });
});
