import { makeFailoverIP } from '../fake-kube-api/index.js';
import { waitFor } from '../support/controller-harness.js';
import { failoverIPStatus, KUBE_SERVER_OF, notReadyNode, useSeededCluster } from '../support/kube-controller.js';

/**
 * Kubernetes calls that never get an answer, end to end through the controller as
 * `ipshift controller` composes it: every call has a deadline, so one hanging request holds up
 * neither the other FailoverIPs nor the election, and the leader that cannot renew steps down
 * (README: IPSHIFT_LEASE_RENEW_DEADLINE_SECONDS, "the leader steps down when it cannot renew").
 */
describe('the controller when Kubernetes calls hang', () => {
  const cluster = useSeededCluster({
    emulator: {
      failoverIps: [
        { address: '198.51.100.10', serverId: KUBE_SERVER_OF['node-1'] ?? null },
        { address: '198.51.100.20', serverId: KUBE_SERVER_OF['node-1'] ?? null },
      ],
    },
  });
  const statusOf = (name: string): Record<string, unknown> => failoverIPStatus(cluster.api, name);
  const nodeDown = (): void => {
    cluster.api.setNode(notReadyNode('node-1'));
  };

  it("one FailoverIP's status PATCH hangs: the other still fails over, /healthz stays 200, and the first follows once the API answers", async () => {
    const { api, emulator } = cluster;
    api.upsertFailoverIP(
      makeFailoverIP({
        namespace: 'default',
        name: 'api',
        addresses: ['198.51.100.20'],
        providerType: 'netcup',
        secretName: 'netcup',
        policy: { cooldownSeconds: 0 },
      }),
    );
    const c = await cluster.start();
    await waitFor(() => c.elector.isLeader(), 5000, 'leadership');
    await waitFor(() => statusOf('web')['assignedNode'] === 'node-1' && statusOf('api')['assignedNode'] === 'node-1', 5000, 'both seen on node-1');

    // From now on no status write of `web` is answered.
    api.failNext({ method: 'PATCH', path: '/failoverips/web/status', fault: { kind: 'hang' }, times: 1000 });
    nodeDown();
    await waitFor(() => emulator.routing('198.51.100.20') !== KUBE_SERVER_OF['node-1'], 10_000, 'api routed away from node-1');
    await waitFor(() => ![undefined, null, 'node-1'].includes(statusOf('api')['assignedNode'] as string | null | undefined), 10_000, "api's status follows");
    expect(statusOf('web')['assignedNode']).toBe('node-1');
    const healthz = await fetch(`${c.url}/healthz`);
    expect(healthz.status).toBe(200);

    // The API answers again: `web` is failed over and its status says so.
    api.clearFailures();
    await waitFor(() => emulator.routing('198.51.100.10') !== KUBE_SERVER_OF['node-1'], 30_000, 'web routed away from node-1');
    await waitFor(() => ![undefined, null, 'node-1'].includes(statusOf('web')['assignedNode'] as string | null | undefined), 30_000, "web's status follows");
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
  }, 90_000);

  it("the leader's Lease renewal hangs: it steps down within the renew deadline, the standby takes over and fails over", async () => {
    const { api, emulator } = cluster;
    const [a, b] = await cluster.startLeaderAndStandby();
    await waitFor(() => b.app.reconciler.snapshot().failoverIPs[0]?.memory.routingReadAt != null, 5000, 'b has a view');
    expect(b.elector.isLeader()).toBe(false);

    // Every Lease write of `a` goes unanswered (its reads of everything else still work).
    api.failNext({ method: 'PUT', path: '/leases/', user: 'ipshift-a', fault: { kind: 'hang' }, times: 1000 });
    await waitFor(() => !a.elector.isLeader(), 5000, 'a steps down');
    await waitFor(() => b.elector.isLeader(), 10_000, 'b takes over');
    expect(a.elector.isLeader()).toBe(false);

    nodeDown();
    await waitFor(() => emulator.routing('198.51.100.10') !== KUBE_SERVER_OF['node-1'], 10_000, 'b moves the IP');
    expect(emulator.patches.filter((p) => p.status === 202)).toHaveLength(1);
    expect(a.elector.isLeader()).toBe(false);

    // The API answers `a` again and `b` goes away: `a`, whose hung requests ended at their
    // deadline instead of holding its election loop, takes the Lease back.
    api.clearFailures();
    await cluster.stop(b);
    await waitFor(() => a.elector.isLeader(), 15_000, 'a leads again');
  }, 60_000);
});
