import { waitFor } from '../support/controller-harness.js';
import { failoverIPStatus, KUBE_SERVER_OF, notReadyNode, useSeededCluster } from '../support/kube-controller.js';

/**
 * The provider's "not before" (429 with Retry-After, a per-IP limit) outlives the leader that
 * heard it: it is kept in the FailoverIP's status, and the next leader honours it.
 */
describe('a provider block across a leader hand-over', () => {
  const cluster = useSeededCluster();

  it('the leader hears 429 Retry-After 60 s and hands over: the new leader waits for it and does not call the provider to move', async () => {
    const { api, emulator } = cluster;
    const [a, b] = await cluster.startLeaderAndStandby();
    await waitFor(() => a.app.reconciler.snapshot().failoverIPs[0]?.memory.routingReadAt != null, 5000, 'a has read the routing');

    emulator.faults.rateLimitNext(60, 'mutation');
    api.setNode(notReadyNode('node-1'));
    await waitFor(() => emulator.faults.mutationCount() === 1, 5000, 'a asks to move and is refused');
    await waitFor(() => typeof failoverIPStatus(api)['providerBlockedUntil'] === 'string', 5000, 'the block in status');
    const blockedUntil = Date.parse(failoverIPStatus(api)['providerBlockedUntil'] as string);
    expect(blockedUntil).toBeGreaterThan(Date.now() + 50_000);

    // A hands over (it stops, releasing the Lease); B leads with no memory of the 429.
    await cluster.stop(a);
    await waitFor(() => b.elector.isLeader(), 10_000, 'b takes over');
    // B has read the routing (so it could move) and decided: it waits for the provider.
    await waitFor(
      () => {
        const entry = b.app.reconciler.snapshot().failoverIPs[0];
        return entry?.memory.routingReadAt != null && entry.memory.lastDecision?.outcome === 'wait-cooldown';
      },
      10_000,
      "b waits for the provider's block",
    );
    await b.app.loop.idle();
    expect(b.app.reconciler.snapshot().failoverIPs[0]?.memory.lastDecision?.cooldownEndsAt).toBe(blockedUntil);
    expect(emulator.faults.mutationCount()).toBe(1);
    expect(emulator.routing('198.51.100.10')).toBe(KUBE_SERVER_OF['node-1']);
    // B's own status writes keep the block for whoever leads next.
    expect(Date.parse(failoverIPStatus(api)['providerBlockedUntil'] as string)).toBe(blockedUntil);
  }, 30_000);
});
