import { waitFor } from '../support/controller-harness.js';
import { failoverIPStatus, KUBE_SERVER_OF, notReadyNode, useSeededCluster } from '../support/kube-controller.js';

/** The controller wired as in a cluster, against the HTTP-level fake API server. */
describe('controller against the fake Kubernetes API', () => {
  const cluster = useSeededCluster();

  it('becomes leader, writes status, and moves the IP when the holder turns NotReady', async () => {
    const { api, emulator } = cluster;
    const controller = await cluster.start();
    const status = (): Record<string, unknown> => failoverIPStatus(api);
    await waitFor(() => controller.elector.isLeader(), 5000, 'leadership');
    await waitFor(() => status()['assignedNode'] === 'node-1', 5000, 'status assignedNode');
    api.setNode(notReadyNode('node-1'));
    await waitFor(() => emulator.patches.length === 1, 5000, 'the route request');
    await waitFor(() => emulator.routing('198.51.100.10') !== KUBE_SERVER_OF['node-1'], 5000, 'routing changed');
    await waitFor(() => status()['assignedNode'] !== 'node-1', 5000, 'status updated');
    await waitFor(() => (status()['lastDecision'] as { outcome?: string } | undefined)?.outcome === 'keep', 5000, 'the settled decision in status');
    expect(api.events('default').some((e) => e['reason'] === 'HolderDown')).toBe(true);
  });
});
