import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { waitFor } from '../support/controller-harness.js';
import { KUBE_SERVER_OF, seededFailoverIP, seededNode, useSeededCluster } from '../support/kube-controller.js';

/**
 * The holder label (spec.holderLabel) end to end: the controller as in a cluster, its node
 * patches held to deploy/'s RBAC and admission policies by the fake API server, the kubelets'
 * own credentials trying to set it.
 */
const LABEL = 'ipshift.dev/holds-web';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('holder label', () => {
  const cluster = useSeededCluster();
  beforeEach(() => {
    cluster.api.upsertFailoverIP(seededFailoverIP({ spec: { holderLabel: true } }));
  });

  const labels = (node: string): Record<string, string> => cluster.api.getNode(node)?.metadata.labels ?? {};
  const holdsLabel = (node: string): boolean => labels(node)[LABEL] === 'true';
  const setNode = (name: string, extra: { ready?: 'True' | 'False'; labels?: Record<string, string> } = {}): void => {
    cluster.api.setNode(seededNode(name, { conditions: { Ready: extra.ready ?? 'True' }, labels: extra.labels }));
  };
  /** A node's label over time, from the fake API's watch history: true = set, false = absent. */
  const labelHistory = (node: string): boolean[] =>
    (cluster.api.store.eventsSince('nodes', 0) ?? [])
      .filter((e) => e.object.metadata.name === node)
      .map((e) => e.object.metadata.labels?.[LABEL] === 'true')
      .filter((value, i, all) => i === 0 || all[i - 1] !== value);

  it('labels the holder, removes a stale label on start, and leaves other ipshift.dev labels alone', async () => {
    setNode('node-3', { labels: { [LABEL]: 'true', 'ipshift.dev/edge': 'true' } });
    await cluster.start();
    await waitFor(() => holdsLabel('node-1') && !holdsLabel('node-3'), 8000, 'the label on the holder only');
    expect(labels('node-3')['ipshift.dev/edge']).toBe('true');
    expect(holdsLabel('node-2')).toBe(false);
  });

  it("a node's own credentials can neither set nor remove it; the controller's patches pass the admission policy", async () => {
    await cluster.start();
    await waitFor(() => holdsLabel('node-1'), 8000, 'the label on the holder');
    const kubelet = (node: string): CoreV1Api => cluster.api.nodeKubeConfig(node).makeApiClient(CoreV1Api);
    await expect(kubelet('node-2').patchNode({ name: 'node-2', body: { metadata: { labels: { [LABEL]: 'true' } } } }, MERGE_PATCH)).rejects.toMatchObject({
      code: 403,
      body: expect.stringContaining('ipshift-node-self-labels'),
    });
    await expect(kubelet('node-1').patchNode({ name: 'node-1', body: { metadata: { labels: { [LABEL]: null } } } }, MERGE_PATCH)).rejects.toMatchObject({
      code: 403,
    });
    // Its other writes pass: a kubelet is not stalled by the policy.
    await kubelet('node-2').patchNode({ name: 'node-2', body: { metadata: { labels: { 'topology.kubernetes.io/zone': 'nbg1' } } } }, MERGE_PATCH);
    expect(holdsLabel('node-2')).toBe(false);
    expect(holdsLabel('node-1')).toBe(true);
  });

  it('a move: the new holder is labelled before the provider is asked, the old one unlabelled after it succeeded', async () => {
    const { emulator } = cluster;
    await cluster.start();
    await waitFor(() => holdsLabel('node-1'), 8000, 'the label on the holder');
    // The route request is held for a while once received: long enough to look at both nodes.
    emulator.faults.slowNext(3000, 1, 'mutation');
    setNode('node-1', { ready: 'False', labels: { [LABEL]: 'true' } });
    await waitFor(() => emulator.faults.mutationCount() === 1, 8000, 'the route request');
    expect(holdsLabel('node-2')).toBe(true);
    expect(holdsLabel('node-1')).toBe(true);
    await waitFor(() => emulator.routing('198.51.100.10') === KUBE_SERVER_OF['node-2'], 8000, 'the move');
    await waitFor(() => !holdsLabel('node-1'), 8000, 'the old holder unlabelled');
    expect(holdsLabel('node-2')).toBe(true);
    expect(labelHistory('node-2')).toEqual([false, true]);
  });

  it('a failed move: the label set on the target is taken back, the holder keeps it', async () => {
    const { emulator } = cluster;
    await cluster.start();
    await waitFor(() => holdsLabel('node-1'), 8000, 'the label on the holder');
    // Every route request is refused (the provider does nothing), until cleared.
    emulator.faults.failNext(1000, 400, 'mutation');
    setNode('node-3', { ready: 'False' });
    setNode('node-1', { ready: 'False', labels: { [LABEL]: 'true' } });
    await waitFor(
      () => emulator.faults.mutationCount() >= 1 && labelHistory('node-2').join().startsWith('false,true,false'),
      8000,
      'the label set and taken back',
    );
    expect(emulator.routing('198.51.100.10')).toBe(KUBE_SERVER_OF['node-1']);
    expect(holdsLabel('node-1')).toBe(true);
    emulator.faults.clear();
    await waitFor(() => emulator.routing('198.51.100.10') === KUBE_SERVER_OF['node-2'], 15000, 'the retried move');
    await waitFor(() => holdsLabel('node-2') && !holdsLabel('node-1'), 8000, 'the label follows the IP');
  });
});
