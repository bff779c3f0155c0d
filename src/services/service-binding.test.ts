import type { FailoverIPObject } from '../core/model.js';
import { SANDBOX_SERVICE } from '../sandbox/start-sandbox.js';
import { bindServices, resolveReference } from './service-binding.js';
import { ingressFor, type ServiceFacts } from './load-balancer-service.js';

const fip = (
  namespace: string,
  name: string,
  addresses: string[],
  namespaces?: string[],
  serviceSelector?: { matchLabels: Record<string, string> },
): FailoverIPObject => ({
  namespace,
  name,
  generation: 1,
  annotations: {},
  spec: {
    addresses,
    provider: { type: 'dry-run', secretRef: { name: 'x' } },
    ...(namespaces === undefined ? {} : { serviceAllocation: { namespaces, ...(serviceSelector === undefined ? {} : { serviceSelector }) } }),
  },
  status: {},
});

/** The sandbox's Service of ipshift's class, as web/NAME with externalTrafficPolicy Cluster. */
const svc = (name: string, overrides: Partial<ServiceFacts> = {}): ServiceFacts => ({
  ...SANDBOX_SERVICE,
  namespace: 'web',
  name,
  uid: `uid-${name}`,
  externalTrafficPolicy: 'Cluster',
  createdAt: 1000,
  ...overrides,
});

const bound = (result: ReturnType<typeof bindServices>): Record<string, string> =>
  Object.fromEntries(result.claims.map((c) => [c.service.name, c.kind === 'bound' ? c.failoverIP : c.reason]));

describe('bindServices', () => {
  const a = fip('ipshift', 'a', ['198.51.100.1'], ['web']);
  const b = fip('ipshift', 'b', ['198.51.100.2'], ['*']);
  const closed = fip('ipshift', 'closed', ['198.51.100.3']);

  it('ignores Services of another class, of none, not of type LoadBalancer, or being deleted', () => {
    const result = bindServices(
      [
        svc('other', { loadBalancerClass: 'example.com/lb' }),
        svc('none', { loadBalancerClass: undefined }),
        svc('nodeport', { type: 'NodePort' }),
        svc('gone', { deleting: true }),
      ],
      [a, b],
    );
    expect(result.claims).toEqual([]);
    expect(result.stale).toEqual([]);
  });

  it('gives free FailoverIPs in name order, oldest Service first, and tells the rest the pool is exhausted', () => {
    const result = bindServices([svc('young', { createdAt: 3000 }), svc('old', { createdAt: 1000 }), svc('mid', { createdAt: 2000 })], [b, a, closed]);
    expect(bound(result)).toEqual({ old: 'ipshift/a', mid: 'ipshift/b', young: 'pool-exhausted' });
  });

  it('keeps the FailoverIP a Service already shows, whatever its age (a restart changes nothing)', () => {
    const result = bindServices([svc('old', { createdAt: 1 }), svc('shows-a', { createdAt: 9, ingress: [{ ip: '198.51.100.1', ipMode: 'VIP' }] })], [a, b]);
    expect(bound(result)).toEqual({ old: 'ipshift/b', 'shows-a': 'ipshift/a' });
  });

  it('an annotation wins over the pool; the older of two claims on one FailoverIP wins', () => {
    const result = bindServices(
      [
        svc('pooled', { createdAt: 1, ingress: [{ ip: '198.51.100.1' }] }),
        svc('named', { createdAt: 5, annotations: { 'ipshift.dev/failover-ip': 'ipshift/a' } }),
        svc('late', { createdAt: 9, annotations: { 'ipshift.dev/failover-ip': 'a' } }),
      ],
      [a, b],
    );
    expect(bound(result)).toEqual({ pooled: 'ipshift/b', named: 'ipshift/a', late: 'claim-refused' });
    const late = result.claims.find((c) => c.service.name === 'late');
    expect(late?.kind === 'refused' && late.message).toContain('already serves Service web/named');
  });

  it('refuses a claim the FailoverIP does not allow: no serviceAllocation, another namespace, a selector that does not match', () => {
    const labelled = fip('ipshift', 'labelled', ['198.51.100.4'], ['web'], { matchLabels: { tier: 'edge' } });
    const result = bindServices(
      [
        svc('closed', { annotations: { 'ipshift.dev/failover-ip': 'ipshift/closed' } }),
        svc('tenant', { namespace: 'tenant', annotations: { 'ipshift.dev/failover-ip': 'ipshift/a' } }),
        svc('unlabelled', { annotations: { 'ipshift.dev/failover-ip': 'ipshift/labelled' } }),
        svc('edge', { labels: { tier: 'edge' }, annotations: { 'ipshift.dev/failover-ip': 'ipshift/labelled' } }),
        svc('missing', { annotations: { 'ipshift.dev/failover-ip': 'ipshift/nope' } }),
      ],
      [a, closed, labelled],
    );
    expect(bound(result)).toEqual({
      closed: 'claim-refused',
      tenant: 'claim-refused',
      unlabelled: 'claim-refused',
      edge: 'ipshift/labelled',
      missing: 'claim-refused',
    });
    const messages = Object.fromEntries(result.claims.map((c) => [c.service.name, c.kind === 'refused' ? c.message : '']));
    expect(messages['closed']).toContain('no spec.serviceAllocation');
    expect(messages['tenant']).toContain('allows Services in web only, not in tenant');
    expect(messages['unlabelled']).toContain('serviceSelector');
    expect(messages['missing']).toContain('does not exist');
  });

  it('a pooled Service in a namespace no FailoverIP allows gets none', () => {
    expect(bound(bindServices([svc('t', { namespace: 'tenant' })], [a, closed]))).toEqual({ t: 'pool-exhausted' });
    expect(bound(bindServices([svc('t', { namespace: 'tenant' })], [a, b]))).toEqual({ t: 'ipshift/b' });
  });

  it('lists for clearing only Services that left type LoadBalancer and still show FailoverIP addresses', () => {
    const result = bindServices(
      [
        svc('was-ours', { type: 'ClusterIP', loadBalancerClass: undefined, ingress: [{ ip: '198.51.100.1', ipMode: 'VIP' }] }),
        svc('foreign-lb', { loadBalancerClass: 'example.com/lb', ingress: [{ ip: '198.51.100.1' }] }),
        svc('unrelated', { type: 'ClusterIP', loadBalancerClass: undefined, ingress: [{ ip: '203.0.113.7' }] }),
      ],
      [a],
    );
    expect(result.stale.map((s) => s.name)).toEqual(['was-ours']);
  });

  it('serves only the Service IP families and refuses a FailoverIP with none of them', () => {
    const dual = fip('ipshift', 'dual', ['198.51.100.9/32', '2001:db8:9::/64'], ['web']);
    expect(ingressFor(dual.spec.addresses, ['IPv6'])).toEqual([{ ip: '2001:db8:9::1', ipMode: 'VIP' }]);
    expect(ingressFor(dual.spec.addresses, [])).toEqual([
      { ip: '198.51.100.9', ipMode: 'VIP' },
      { ip: '2001:db8:9::1', ipMode: 'VIP' },
    ]);
    const result = bindServices([svc('v6', { ipFamilies: ['IPv6'], annotations: { 'ipshift.dev/failover-ip': 'ipshift/a' } })], [a]);
    expect(result.claims[0]?.kind === 'refused' && result.claims[0].message).toContain("no address of the Service's IP families");
  });
});

describe('resolveReference', () => {
  const own = fip('web', 'ip', ['198.51.100.1'], ['web']);
  const shared = fip('ipshift', 'ip', ['198.51.100.2'], ['*']);
  const elsewhere = fip('edge', 'ip', ['198.51.100.3'], ['*']);

  it('namespace/name exactly; a bare name in the Service namespace first, else the only one of that name', () => {
    expect(resolveReference('ipshift/ip', svc('s'), [own, shared])).toBe(shared);
    expect(resolveReference('ip', svc('s'), [shared, own])).toBe(own);
    expect(resolveReference('ip', svc('s', { namespace: 'other' }), [shared])).toBe(shared);
    expect(resolveReference('ip', svc('s', { namespace: 'other' }), [shared, elsewhere])).toContain('ambiguous');
    expect(resolveReference('edge/none', svc('s'), [elsewhere])).toContain('does not exist');
  });
});
