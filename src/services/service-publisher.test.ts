import { nodeFacts } from '../../agent/test-fixtures.js';
import type { FailoverIPObject } from '../core/model.js';
import { silentLogger } from '../ports/logger.js';
import { freshMemory } from '../reconcile/failover-ip-state.js';
import type { ReconcileSnapshot } from '../reconcile/reconciler.js';
import { MemoryServices } from '../sandbox/memory-services.js';
import { SANDBOX_SERVICE } from '../sandbox/start-sandbox.js';
import type { ServiceFacts } from './load-balancer-service.js';
import { ServicePublisher } from './service-publisher.js';

const fip: FailoverIPObject = {
  namespace: 'ipshift',
  name: 'web',
  generation: 1,
  annotations: {},
  spec: { addresses: ['198.51.100.10'], provider: { type: 'dry-run', secretRef: { name: 'x' } }, serviceAllocation: { namespaces: ['shop'] } },
  status: {},
};

/** The sandbox's Service (a fresh Local LoadBalancer Service of ipshift's class), as shop/front. */
const service = (overrides: Partial<ServiceFacts> = {}): ServiceFacts => ({ ...SANDBOX_SERVICE, namespace: 'shop', name: 'front', uid: 'u1', ...overrides });

const snapshot = (holder: string | null, fips: FailoverIPObject[] = [fip]): ReconcileSnapshot => ({
  at: 1,
  pass: null,
  failoverIPs: fips.map((object) => ({ object, memory: { ...freshMemory(), assignedNode: holder } })),
  nodes: [nodeFacts('a'), nodeFacts('b')],
  moves: [],
});

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One pass as app.ts runs it: bind, (the reconcile), publish. */
async function pass(publisher: ServicePublisher, holder: string | null, leader = true, fips: FailoverIPObject[] = [fip]): Promise<void> {
  publisher.bind(fips);
  publisher.publish(snapshot(holder, fips), leader);
  await settle();
}

describe('ServicePublisher', () => {
  it('hands the pass the ready endpoint nodes only for a Local Service it binds', () => {
    const services = new MemoryServices();
    const publisher = new ServicePublisher({ view: services, writer: services, logger: silentLogger });
    services.setService(service());
    services.setReadyEndpointNodes('shop', 'front', ['b']);
    publisher.bind([fip]);
    expect(publisher.readyEndpointNodes('ipshift/web')).toEqual(new Set(['b']));
    services.setService(service({ externalTrafficPolicy: 'Cluster' }));
    publisher.bind([fip]);
    expect(publisher.readyEndpointNodes('ipshift/web')).toBeUndefined();
  });

  it('a follower writes nothing; the leader writes the ingress once and tells each holder once', async () => {
    const services = new MemoryServices();
    const publisher = new ServicePublisher({ view: services, writer: services, logger: silentLogger });
    services.setService(service());
    await pass(publisher, 'a', false);
    expect(services.getService('shop', 'front')?.ingress).toEqual([]);
    expect(services.events).toEqual([]);
    expect(publisher.state()).toMatchObject([{ failoverIP: 'ipshift/web', addresses: ['198.51.100.10'], holder: 'a' }]);

    await pass(publisher, 'a');
    await pass(publisher, 'a');
    await pass(publisher, 'b');
    await pass(publisher, 'b');
    expect(services.getService('shop', 'front')?.ingress).toEqual([{ ip: '198.51.100.10', ipMode: 'VIP' }]);
    expect(services.events.map((e) => `${e.reason}: ${e.message}`)).toEqual([
      'AddressAssigned: assigned 198.51.100.10 from FailoverIP ipshift/web',
      'NodeAssigned: 198.51.100.10 (FailoverIP ipshift/web) is on node a',
      'NodeAssigned: 198.51.100.10 (FailoverIP ipshift/web) is on node b (was a)',
    ]);
  });

  it('a claim that stops being allowed clears the ingress, with one Warning saying why', async () => {
    const services = new MemoryServices();
    const publisher = new ServicePublisher({ view: services, writer: services, logger: silentLogger });
    services.setService(service());
    await pass(publisher, 'a');
    await pass(publisher, 'a');
    expect(services.events.map((e) => e.reason)).toEqual(['AddressAssigned', 'NodeAssigned']);
    const closed = { ...fip, spec: { ...fip.spec, serviceAllocation: { namespaces: ['other'] } } };
    await pass(publisher, 'a', true, [closed]);
    await pass(publisher, 'a', true, [closed]);
    expect(services.getService('shop', 'front')?.ingress).toEqual([]);
    const late = services.events.slice(2).map((e) => [e.type, e.reason, e.message]);
    expect(late).toEqual([
      ['Warning', 'PoolExhausted', expect.stringContaining('no free FailoverIP allows this Service')],
      ['Normal', 'AddressReleased', expect.stringContaining('released 198.51.100.10')],
    ]);
  });
});
