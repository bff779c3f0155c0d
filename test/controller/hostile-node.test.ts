import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { makeNode } from '../fake-kube-api/index.js';
import { waitFor } from '../support/controller-harness.js';
import { failoverIPStatus, useSeededCluster } from '../support/kube-controller.js';

/**
 * A compromised node steering the IP through server discovery: netcup finds a node's server by
 * the node's own addresses, and a kubelet writes its status.addresses itself (the admission
 * policy cannot refuse that without stalling the kubelet). The controller as in a cluster,
 * against the fake API server (deploy/'s RBAC and admission policies) and the netcup emulator.
 */
const PIN = 'ipshift.dev/server-pin.netcup';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** The cluster's servers, plus one in the same account and site that is no node of the cluster. */
const SERVERS = [
  { id: 111001, siteId: 1, ips: ['192.0.2.11'] },
  { id: 111002, siteId: 1, ips: ['192.0.2.12'] },
  { id: 111003, siteId: 1, ips: ['192.0.2.13'] },
  { id: 111066, siteId: 1, ips: ['192.0.2.66'] },
];

describe('a node that rewrites its own addresses', () => {
  // No ipshift.dev/server-id: the servers are found by address, as a netcup install without annotations does.
  const cluster = useSeededCluster({ byAddress: true, emulator: { servers: SERVERS } });

  const annotations = (node: string): Record<string, string> => cluster.api.getNode(node)?.metadata.annotations ?? {};
  const status = (): Record<string, unknown> => failoverIPStatus(cluster.api);
  const kubelet = (node: string): CoreV1Api => cluster.api.nodeKubeConfig(node).makeApiClient(CoreV1Api);
  /** What node-N's kubelet writes about itself: its addresses and its Ready condition (the fake keeps status on the main resource). */
  const report = (node: string, address: string, ready: 'True' | 'False' = 'True') =>
    kubelet(node).patchNode(
      { name: node, body: { status: makeNode({ name: node, internalIP: address, conditions: { Ready: ready } })['status'] } },
      MERGE_PATCH,
    );

  it('is not trusted with the IP: pinned server kept, node ineligible (ServerRemapped), the IP never reaches its server', async () => {
    const { api, emulator } = cluster;
    const controller = await cluster.start();
    // The leader pins what it found; the node's own credentials cannot touch the pin.
    await waitFor(() => ['node-1', 'node-2', 'node-3'].every((n) => annotations(n)[PIN] !== undefined), 8000, 'the pins');
    expect(annotations('node-2')[PIN]).toBe('111002');
    await expect(kubelet('node-2').patchNode({ name: 'node-2', body: { metadata: { annotations: { [PIN]: null } } } }, MERGE_PATCH)).rejects.toMatchObject({
      code: 403,
    });

    // node-2 claims the other server's address (a status write the admission policy lets through), node-3 is down, then the holder fails.
    await report('node-2', '192.0.2.66');
    await report('node-3', '192.0.2.13', 'False');
    await waitFor(
      () => api.events('default').some((e) => e['reason'] === 'ServerRemapped' && String(e['message']).includes('node-2')),
      8000,
      'the ServerRemapped Event',
    );
    await report('node-1', '192.0.2.11', 'False');
    await waitFor(() => (status()['lastDecision'] as { outcome?: string } | undefined)?.outcome === 'no-eligible-node', 8000, 'no eligible node');
    expect(emulator.patches.filter((p) => p.serverId === 111066)).toEqual([]);
    expect(emulator.routing('198.51.100.10')).toBe(111001);
    expect(annotations('node-2')[PIN]).toBe('111002');
    const metrics = await controller.app.metrics.registry.metrics();
    expect(metrics).toMatch(/ipshift_failover_ip_nodes\{[^}]*eligibility="server-remapped"[^}]*\} 1/);
    const message = api.events('default').find((e) => e['reason'] === 'ServerRemapped')?.['message'];
    expect(message).toContain('kubectl annotate node node-2 ipshift.dev/server-pin.netcup-');

    // An operator confirms the new server (removes the pin): node-2 is pinned afresh and may hold the IP.
    api.setNode({
      ...(api.getNode('node-2') ?? makeNode({ name: 'node-2' })),
      metadata: { ...api.getNode('node-2')?.metadata, name: 'node-2', annotations: {} },
    });
    await waitFor(() => annotations('node-2')[PIN] === '111066', 8000, 'the new pin');
    await waitFor(() => emulator.routing('198.51.100.10') === 111066, 8000, 'the move after the confirmation');
  });
});
