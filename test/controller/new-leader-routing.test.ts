import { waitFor } from '../support/controller-harness.js';
import { KUBE_SERVER_OF, notReadyNode, useSeededCluster } from '../support/kube-controller.js';

const ADDRESS = '198.51.100.10';

/**
 * A follower learns the routing only from its own periodic read (hourly by default). When the
 * IP moved since that read, the replica that takes the Lease must read the provider again before
 * it decides, or it guards a node that no longer holds the IP.
 */
describe('a new leader reads the routing before it decides', () => {
  const cluster = useSeededCluster();

  it('the IP moved behind the follower, the real holder fails, the leader is lost: the new leader moves the IP off the failed node', async () => {
    const { api, emulator } = cluster;
    const [a, b] = await cluster.startLeaderAndStandby();
    const bMemory = () => b.app.reconciler.snapshot().failoverIPs[0]?.memory;
    await waitFor(() => bMemory()?.routingReadAt != null, 5000, 'b has read the routing');
    expect(bMemory()?.assignedNode).toBe('node-1');

    // Out of band (a person in the provider's UI): the IP goes to node-2, which then fails.
    emulator.setRouting(ADDRESS, KUBE_SERVER_OF['node-2'] ?? null);
    api.setNode(notReadyNode('node-2'));
    await b.app.loop.idle();
    // B's last read is older than the change: it still believes node-1 holds the IP.
    expect(bMemory()?.assignedNode).toBe('node-1');

    await cluster.stop(a);
    await waitFor(() => b.elector.isLeader(), 10_000, 'b takes over');
    await waitFor(() => emulator.routing(ADDRESS) !== KUBE_SERVER_OF['node-2'], 10_000, 'b moves the IP off the failed node-2');
    expect([KUBE_SERVER_OF['node-1'], KUBE_SERVER_OF['node-3']]).toContain(emulator.routing(ADDRESS));
    expect(emulator.patches.length).toBe(1);
  }, 30_000);
});
