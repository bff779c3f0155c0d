import type { KubeObject } from '../fake-kube-api/index.js';
import { waitFor } from '../support/controller-harness.js';
import { KUBE_SERVER_OF, seededFailoverIP, seededNode, useKubeCluster } from '../support/kube-controller.js';
import { createCapturingLogger, type CapturingLogger } from '../support/capturing-logger.js';

/**
 * spec.dns end to end: the controller as in a cluster (under deploy/'s RBAC) against the fake
 * API server, which serves external-dns's DNSEndpoint resource unless a test removes its CRD.
 */

const EXTERNAL: Record<string, string> = { 'node-1': '203.0.113.11', 'node-2': '203.0.113.12', 'node-3': '203.0.113.13' };

const node = (name: string, conditions: Record<string, 'True' | 'False' | 'Unknown'> = {}): KubeObject =>
  seededNode(name, { externalIP: EXTERNAL[name], conditions });

const webWithDns = (dns: Record<string, unknown> | undefined): KubeObject => seededFailoverIP({ spec: dns === undefined ? {} : { dns } });

interface Endpoint {
  dnsName: string;
  recordType: string;
  targets: string[];
  recordTTL?: number;
}

describe('DNS records through external-dns DNSEndpoint objects', () => {
  const cluster = useKubeCluster();

  const start = async (options: { unserved?: string[] } = {}, logger?: CapturingLogger): Promise<void> => {
    await cluster.seed(options.unserved === undefined ? {} : { api: { unserved: options.unserved } });
    for (const name of ['node-1', 'node-2', 'node-3']) cluster.api.setNode(node(name));
    cluster.api.upsertFailoverIP(webWithDns({ hostname: 'web.example.com', ttl: 60, nodeRecords: { hostname: 'nodes.example.com' } }));
    const controller = await cluster.start(logger === undefined ? {} : { logger });
    await waitFor(() => controller.elector.isLeader(), 5000, 'leadership');
  };

  const dnsEndpoint = (): KubeObject | undefined => cluster.api.dnsEndpoints('default').find((o) => o.metadata.name === 'ipshift-web');
  const endpoints = (): Endpoint[] => (dnsEndpoint()?.['spec'] as { endpoints?: Endpoint[] } | undefined)?.endpoints ?? [];
  const record = (dnsName: string): Endpoint | undefined => endpoints().find((e) => e.dnsName === dnsName);
  const holder = (): string | undefined => dnsEndpoint()?.metadata.annotations?.['ipshift.dev/holder'];

  it('publishes the failover address and the healthy nodes, owned by the FailoverIP, and follows a failover', async () => {
    await start();
    const { api, emulator } = cluster;
    await waitFor(() => holder() === 'node-1' && record('nodes.example.com')?.targets.length === 3, 5000, 'the DNSEndpoint');
    const fip = api.getFailoverIP('default', 'web');
    const published = dnsEndpoint();
    expect(published?.apiVersion).toBe('externaldns.k8s.io/v1alpha1');
    expect(published?.kind).toBe('DNSEndpoint');
    expect(published?.metadata.ownerReferences).toEqual([
      { apiVersion: 'ipshift.dev/v1alpha1', kind: 'FailoverIP', name: 'web', uid: fip?.metadata.uid, controller: true, blockOwnerDeletion: false },
    ]);
    expect(endpoints()).toEqual([
      { dnsName: 'web.example.com', recordType: 'A', targets: ['198.51.100.10'], recordTTL: 60 },
      { dnsName: 'nodes.example.com', recordType: 'A', targets: ['203.0.113.11', '203.0.113.12', '203.0.113.13'], recordTTL: 60 },
    ]);

    // The holder dies: the IP moves, the record names the new holder and the node records drop the dead node.
    api.setNode(node('node-1', { Ready: 'False' }));
    await waitFor(() => emulator.routing('198.51.100.10') !== KUBE_SERVER_OF['node-1'], 5000, 'the failover');
    await waitFor(
      () => holder() !== undefined && holder() !== 'node-1' && record('nodes.example.com')?.targets.length === 2,
      5000,
      'the DNSEndpoint after the failover',
    );
    expect(record('nodes.example.com')?.targets).toEqual(['203.0.113.12', '203.0.113.13']);
    expect(record('web.example.com')?.targets).toEqual(['198.51.100.10']);
    const newHolder = Object.entries(KUBE_SERVER_OF).find(([, id]) => id === emulator.routing('198.51.100.10'))?.[0];
    expect(holder()).toBe(newHolder);

    // A cordoned node leaves the node records too; back to health, it returns.
    api.setNode({ ...node('node-3'), spec: { unschedulable: true } });
    await waitFor(() => record('nodes.example.com')?.targets.join() === '203.0.113.12', 5000, 'the cordoned node dropped');
    api.setNode(node('node-3'));
    api.setNode(node('node-1'));
    await waitFor(() => record('nodes.example.com')?.targets.length === 3, 5000, 'the nodes back');
  });

  it('removes the DNSEndpoint when spec.dns goes, and when the FailoverIP is deleted', async () => {
    await start();
    const { api } = cluster;
    await waitFor(() => dnsEndpoint() !== undefined, 5000, 'the DNSEndpoint');
    api.upsertFailoverIP(webWithDns(undefined));
    await waitFor(() => dnsEndpoint() === undefined, 5000, 'the DNSEndpoint removed with spec.dns');
    api.upsertFailoverIP(webWithDns({ hostname: 'web.example.com' }));
    await waitFor(() => dnsEndpoint() !== undefined, 5000, 'the DNSEndpoint again');
    // Without a TTL the provider's default applies: no recordTTL, and no node records.
    expect(endpoints()).toEqual([{ dnsName: 'web.example.com', recordType: 'A', targets: ['198.51.100.10'] }]);
    // A real API server's garbage collector removes it through the ownerReference; the fake
    // has none, so this is ipshift's own clean-up at work.
    api.deleteFailoverIP('default', 'web');
    await waitFor(() => dnsEndpoint() === undefined, 5000, 'the DNSEndpoint removed with the FailoverIP');
  });

  it('without the DNSEndpoint CRD: says so once (log and Event) and keeps failing over', async () => {
    const logger = createCapturingLogger();
    await start({ unserved: ['dnsendpoints'] }, logger);
    const { api, emulator } = cluster;
    await waitFor(() => api.events('default').some((e) => e['reason'] === 'DnsEndpointCrdMissing'), 5000, 'the Warning Event');
    api.setNode(node('node-1', { Ready: 'False' }));
    await waitFor(() => emulator.routing('198.51.100.10') !== KUBE_SERVER_OF['node-1'], 5000, 'the failover');
    await waitFor(() => api.events('default').some((e) => e['reason'] === 'HolderDown'), 5000, 'the move Event');
    expect(api.events('default').filter((e) => e['reason'] === 'DnsEndpointCrdMissing')).toHaveLength(1);
    expect(api.events('default').find((e) => e['reason'] === 'DnsEndpointCrdMissing')?.['type']).toBe('Warning');
    expect(logger.records.filter((l) => l.level === 'warn' && /DNSEndpoint CRD is not installed/.test(l.message))).toHaveLength(1);
    // It looked once and remembered: no list per reconcile while the CRD is missing.
    expect(api.requests().filter((r) => r.path === '/apis/externaldns.k8s.io/v1alpha1/namespaces/default/dnsendpoints').length).toBe(1);
  });
});
