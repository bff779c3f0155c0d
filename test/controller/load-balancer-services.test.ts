import { makeFailoverIP, makeService, makeEndpointSlice, type FakeKubeApi, type KubeObject, type ServiceInput } from '../fake-kube-api/index.js';
import { sleep, waitFor } from '../support/controller-harness.js';
import { KUBE_SERVER_OF, seededFailoverIP, useKubeCluster, type KubeCluster } from '../support/kube-controller.js';

/**
 * LoadBalancer Services of class ipshift.dev/failover-ip, end to end: the controller as in a
 * cluster (under deploy/'s RBAC) against the fake API server and the netcup emulator.
 */

const ADDRESS = '198.51.100.10';

const ingressOf = (api: FakeKubeApi, namespace: string, name: string): unknown =>
  ((api.getService(namespace, name)?.['status'] as { loadBalancer?: { ingress?: unknown } } | undefined)?.loadBalancer ?? {}).ingress;

const serviceEvents = (api: FakeKubeApi, namespace: string, name: string): KubeObject[] =>
  api.events(namespace).filter((e) => {
    const involved = e['involvedObject'] as { kind?: string; name?: string } | undefined;
    return involved?.kind === 'Service' && involved.name === name;
  });

const reasons = (events: KubeObject[]): string[] => events.map((e) => String(e['reason']));

const decisionOf = (api: FakeKubeApi): { outcome?: string; reason?: string; message?: string } =>
  ((api.getFailoverIP('default', 'web')?.['status'] as { lastDecision?: object } | undefined)?.lastDecision ?? {}) as {
    outcome?: string;
    reason?: string;
  };

describe('LoadBalancer Services of class ipshift.dev/failover-ip', () => {
  const cluster = useKubeCluster();

  /** The seeded cluster, its FailoverIP default/web opted into serving Services of `namespaces`. */
  const start = async (cooldownSeconds = 0, namespaces = ['default']): Promise<KubeCluster> => {
    await cluster.seed({ cooldownSeconds });
    cluster.api.upsertFailoverIP(seededFailoverIP({ cooldownSeconds, spec: { serviceAllocation: { namespaces } } }));
    return cluster;
  };
  const service = (input: Partial<ServiceInput> & { name: string }): KubeObject => cluster.api.setService(makeService({ namespace: 'default', ...input }));

  it('gives a Service the FailoverIP its annotation names, with ipMode VIP, and an Event naming the holder', async () => {
    const { api } = await start();
    service({ name: 'shop', annotations: { 'ipshift.dev/failover-ip': 'default/web' } });
    await cluster.start();
    await waitFor(() => JSON.stringify(ingressOf(api, 'default', 'shop')) === JSON.stringify([{ ip: ADDRESS, ipMode: 'VIP' }]), 5000, 'the ingress');
    await waitFor(() => reasons(serviceEvents(api, 'default', 'shop')).includes('NodeAssigned'), 5000, 'the NodeAssigned Event');
    const events = serviceEvents(api, 'default', 'shop');
    expect(reasons(events)).toContain('AddressAssigned');
    expect(events.find((e) => e['reason'] === 'NodeAssigned')?.['message']).toContain('node-1');
    expect(events.every((e) => e['type'] === 'Normal')).toBe(true);
  });

  it('externalTrafficPolicy Local with ready endpoints on node-2 only: the IP goes to node-2', async () => {
    const { api, emulator } = await start();
    service({ name: 'shop', externalTrafficPolicy: 'Local' });
    api.setEndpointSlice(
      makeEndpointSlice({
        namespace: 'default',
        service: 'shop',
        endpoints: [{ node: 'node-2' }, { node: 'node-3', ready: false }],
      }),
    );
    await cluster.start();
    await waitFor(() => emulator.routing(ADDRESS) === KUBE_SERVER_OF['node-2'], 5000, 'routing to node-2');
    await waitFor(
      () => serviceEvents(api, 'default', 'shop').some((e) => e['reason'] === 'NodeAssigned' && String(e['message']).includes('node-2')),
      5000,
      'NodeAssigned node-2',
    );
    expect(JSON.stringify(ingressOf(api, 'default', 'shop'))).toBe(JSON.stringify([{ ip: ADDRESS, ipMode: 'VIP' }]));
    // The move was the core's: the holder lost eligibility for want of a ready endpoint.
    expect(api.events('default').some((e) => (e['involvedObject'] as { kind?: string }).kind === 'FailoverIP')).toBe(true);
  });

  it('endpoints moving away: the IP follows, but only after the cooldown', async () => {
    const { api, emulator } = await start(4);
    service({ name: 'shop', externalTrafficPolicy: 'Local' });
    api.setEndpointSlice(makeEndpointSlice({ namespace: 'default', service: 'shop', endpoints: [{ node: 'node-2' }] }));
    await cluster.start();
    await waitFor(() => emulator.routing(ADDRESS) === KUBE_SERVER_OF['node-2'], 5000, 'routing to node-2');
    api.setEndpointSlice(makeEndpointSlice({ namespace: 'default', service: 'shop', endpoints: [{ node: 'node-3' }] }));
    await waitFor(() => decisionOf(api).outcome === 'wait-cooldown', 3000, 'the decision waiting for the cooldown');
    expect(decisionOf(api).reason).toBe('holder-ineligible');
    expect(decisionOf(api).message).toContain('no-ready-endpoint');
    expect(emulator.routing(ADDRESS)).toBe(KUBE_SERVER_OF['node-2']);
    await waitFor(() => emulator.routing(ADDRESS) === KUBE_SERVER_OF['node-3'], 10_000, 'routing to node-3 after the cooldown');
    expect(emulator.patches.length).toBe(2);
    await waitFor(
      () => serviceEvents(api, 'default', 'shop').some((e) => e['reason'] === 'NodeAssigned' && String(e['message']).includes('node-3 (was node-2)')),
      5000,
      'NodeAssigned node-3',
    );
  });

  it('never touches a Service of another class, or of none, even one naming the FailoverIP', async () => {
    const { api } = await start();
    service({ name: 'other', loadBalancerClass: 'example.com/other', annotations: { 'ipshift.dev/failover-ip': 'web' }, externalTrafficPolicy: 'Local' });
    service({ name: 'default-lb', loadBalancerClass: null, annotations: { 'ipshift.dev/failover-ip': 'web' } });
    service({ name: 'mine', annotations: { 'ipshift.dev/failover-ip': 'web' } });
    await cluster.start();
    await waitFor(() => ingressOf(api, 'default', 'mine') !== undefined, 5000, 'the Service of our class served');
    await sleep(300);
    for (const name of ['other', 'default-lb']) {
      expect(ingressOf(api, 'default', name)).toBeUndefined();
      expect(serviceEvents(api, 'default', name)).toEqual([]);
      expect(api.requests().filter((r) => r.method !== 'GET' && r.path.includes(`/services/${name}`))).toEqual([]);
    }
    // Endpoints are watched only for Local Services of ipshift's class: `other` is Local, but not ours.
    expect(api.requests().some((r) => r.path.includes('/endpointslices') && r.path.includes('/namespaces/default/'))).toBe(false);
  });

  it('a Service deleted frees its FailoverIP for the next; a type change clears what ipshift wrote', async () => {
    const { api } = await start();
    service({ name: 'first', creationTimestamp: '2026-01-01T00:00:00Z' });
    service({ name: 'second', creationTimestamp: '2026-01-02T00:00:00Z' });
    await cluster.start();
    await waitFor(() => ingressOf(api, 'default', 'first') !== undefined, 5000, 'the older Service served');
    await waitFor(() => reasons(serviceEvents(api, 'default', 'second')).includes('PoolExhausted'), 5000, 'the younger one told why not');
    expect(serviceEvents(api, 'default', 'second').find((e) => e['reason'] === 'PoolExhausted')?.['type']).toBe('Warning');
    expect(ingressOf(api, 'default', 'second')).toBeUndefined();

    api.deleteService('default', 'first');
    await waitFor(() => JSON.stringify(ingressOf(api, 'default', 'second')) === JSON.stringify([{ ip: ADDRESS, ipMode: 'VIP' }]), 5000, 'second served');

    // LoadBalancer → ClusterIP wipes spec.loadBalancerClass; status.loadBalancer stays until the implementation clears it.
    const current = api.getService('default', 'second') as KubeObject;
    api.setService({ ...makeService({ namespace: 'default', name: 'second', type: 'ClusterIP' }), status: current['status'] });
    await waitFor(() => ingressOf(api, 'default', 'second') === undefined, 5000, 'the ingress cleared');
    await waitFor(() => reasons(serviceEvents(api, 'default', 'second')).includes('AddressReleased'), 5000, 'the AddressReleased Event');
  });

  it('an annotation changed moves the Service to the FailoverIP it names now and frees the old one; a port change changes nothing', async () => {
    const { api } = await start();
    const other = makeFailoverIP({ namespace: 'default', name: 'api', addresses: ['198.51.100.20'] });
    api.upsertFailoverIP({ ...other, spec: { ...(other['spec'] as object), serviceAllocation: { namespaces: ['default'] } } });
    service({ name: 'shop', annotations: { 'ipshift.dev/failover-ip': 'web' } });
    await cluster.start();
    await waitFor(() => JSON.stringify(ingressOf(api, 'default', 'shop')) === JSON.stringify([{ ip: ADDRESS, ipMode: 'VIP' }]), 5000, 'web first');

    service({
      name: 'shop',
      annotations: { 'ipshift.dev/failover-ip': 'web' },
      ports: [
        { name: 'https', port: 443 },
        { name: 'http', port: 80 },
      ],
    });
    await sleep(500);
    expect(JSON.stringify(ingressOf(api, 'default', 'shop'))).toBe(JSON.stringify([{ ip: ADDRESS, ipMode: 'VIP' }]));
    expect(reasons(serviceEvents(api, 'default', 'shop')).filter((r) => r === 'AddressAssigned' || r === 'AddressReleased')).toEqual(['AddressAssigned']);

    service({ name: 'shop', annotations: { 'ipshift.dev/failover-ip': 'default/api' } });
    await waitFor(() => JSON.stringify(ingressOf(api, 'default', 'shop')) === JSON.stringify([{ ip: '198.51.100.20', ipMode: 'VIP' }]), 5000, 'api now');
    // web is free again: a Service that needs any FailoverIP gets it.
    service({ name: 'blog' });
    await waitFor(() => JSON.stringify(ingressOf(api, 'default', 'blog')) === JSON.stringify([{ ip: ADDRESS, ipMode: 'VIP' }]), 5000, 'web for blog');
  });

  it('refuses a Service in a namespace the FailoverIP does not allow, with a Warning there, and writes nothing on it', async () => {
    const { api, emulator } = await start();
    api.setService(
      makeService({ namespace: 'tenant', name: 'steal', annotations: { 'ipshift.dev/failover-ip': 'default/web' }, externalTrafficPolicy: 'Local' }),
    );
    api.setService(makeService({ namespace: 'tenant', name: 'pool' }));
    await cluster.start();
    await waitFor(() => reasons(serviceEvents(api, 'tenant', 'steal')).includes('ClaimRefused'), 5000, 'the refusal Event');
    await waitFor(() => reasons(serviceEvents(api, 'tenant', 'pool')).includes('PoolExhausted'), 5000, 'no FailoverIP for the other');
    const refusal = serviceEvents(api, 'tenant', 'steal').find((e) => e['reason'] === 'ClaimRefused');
    expect(refusal?.['type']).toBe('Warning');
    expect(refusal?.['message']).toContain('allows Services in default only, not in tenant');
    expect(ingressOf(api, 'tenant', 'steal')).toBeUndefined();
    expect(ingressOf(api, 'tenant', 'pool')).toBeUndefined();
    expect(api.requests().filter((r) => r.method === 'PATCH' && r.path.includes('/namespaces/tenant/'))).toEqual([]);
    // Its endpoints do not steer the IP: it stays where it was.
    expect(emulator.patches.length).toBe(0);
  });

  it('refuses a FailoverIP outside the namespaces the install reads, however open its serviceAllocation', async () => {
    const { api } = await start();
    const open = makeFailoverIP({ namespace: 'elsewhere', name: 'open', addresses: ['198.51.100.30'] });
    api.upsertFailoverIP({ ...open, spec: { ...(open['spec'] as object), serviceAllocation: { namespaces: ['*'] } } });
    service({ name: 'reach', annotations: { 'ipshift.dev/failover-ip': 'elsewhere/open' } });
    await cluster.start();
    await waitFor(() => reasons(serviceEvents(api, 'default', 'reach')).includes('ClaimRefused'), 5000, 'the refusal Event');
    expect(serviceEvents(api, 'default', 'reach')[0]?.['message']).toContain('does not exist in the namespaces ipshift reads');
    expect(ingressOf(api, 'default', 'reach')).toBeUndefined();
  });
});
