import { desiredDnsEndpoint } from './dns-records.js';
import { candidate } from './eligibility.js';
import { nodeHealth } from './health.js';
import type { FailoverIPObject, FailoverIPSpec, NodeFacts } from './model.js';
import { nodeFacts, type NodeSpec } from '../../test/support/node-facts.js';

const fip = (spec: Partial<FailoverIPSpec>): FailoverIPObject => ({
  namespace: 'ipshift',
  name: 'web',
  generation: 1,
  annotations: {},
  spec: { addresses: ['198.51.100.10'], provider: { type: 'dry-run', secretRef: { name: 'x' } }, ...spec },
  status: {},
});

function world(nodes: Record<string, NodeSpec & { external?: string[] }>): { facts: NodeFacts[]; candidates: ReturnType<typeof candidate>[] } {
  const facts = Object.entries(nodes).map(([name, spec]) => ({
    ...nodeFacts(name, spec),
    ...(spec.external === undefined ? {} : { externalAddresses: spec.external }),
  }));
  const candidates = facts.map((n) => candidate(n, nodeHealth(n, []), {}));
  return { facts, candidates };
}

describe('desiredDnsEndpoint', () => {
  it('is null without spec.dns', () => {
    const { facts, candidates } = world({ a: {} });
    expect(desiredDnsEndpoint({ fip: fip({}), holder: 'a', candidates, nodes: facts })).toBeNull();
  });

  it('names an IPv6 /64 by the address the agent configures in it, beside the IPv4 record', () => {
    const { facts, candidates } = world({ a: {} });
    const want = desiredDnsEndpoint({
      fip: fip({ addresses: ['198.51.100.10/32', '2001:db8:1::/64', '2001:db8:2::10/64'], dns: { hostname: 'web.example.com' } }),
      holder: 'a',
      candidates,
      nodes: facts,
    });
    expect(want).toEqual({
      name: 'ipshift-web',
      failoverIP: 'web',
      namespace: 'ipshift',
      holder: 'a',
      endpoints: [
        { dnsName: 'web.example.com', recordType: 'A', targets: ['198.51.100.10'] },
        { dnsName: 'web.example.com', recordType: 'AAAA', targets: ['2001:db8:1::1', '2001:db8:2::10'] },
      ],
    });
  });

  it('lists only eligible healthy nodes, of the chosen address type, and no record at all when none is left', () => {
    const nodes = {
      a: { addresses: ['10.0.0.1', '203.0.113.1'], external: ['203.0.113.1'] },
      b: { addresses: ['10.0.0.2', '203.0.113.2'], external: ['203.0.113.2'], conditions: { Ready: 'False' as const } },
      c: { addresses: ['10.0.0.3', '203.0.113.3'], external: ['203.0.113.3'], unschedulable: true },
      d: { addresses: ['10.0.0.4', '2001:db8::4'], external: ['2001:db8::4'], conditions: { MemoryPressure: 'True' as const } },
      e: { addresses: ['10.0.0.5', '2001:db8::5'], external: ['2001:db8::5'] },
    };
    const { facts, candidates } = world(nodes);
    const records = (addressType?: 'ExternalIP' | 'InternalIP') =>
      desiredDnsEndpoint({
        fip: fip({ dns: { hostname: 'web.example.com', ttl: 30, nodeRecords: { hostname: 'nodes.example.com', ...(addressType && { addressType }) } } }),
        holder: null,
        candidates,
        nodes: facts,
      })?.endpoints.filter((e) => e.dnsName === 'nodes.example.com');
    expect(records()).toEqual([
      { dnsName: 'nodes.example.com', recordType: 'A', targets: ['203.0.113.1'], recordTTL: 30 },
      { dnsName: 'nodes.example.com', recordType: 'AAAA', targets: ['2001:db8::5'], recordTTL: 30 },
    ]);
    expect(records('InternalIP')).toEqual([{ dnsName: 'nodes.example.com', recordType: 'A', targets: ['10.0.0.1', '10.0.0.5'], recordTTL: 30 }]);
    // Not selected by the FailoverIP: not eligible, not published. An empty record would take
    // external-dns's --default-targets, so there is none.
    const none = facts.map((n) => candidate(n, nodeHealth(n, []), { nodeSelector: { matchLabels: { role: 'edge' } } }));
    const want = desiredDnsEndpoint({
      fip: fip({ dns: { hostname: 'web.example.com', nodeRecords: { hostname: 'nodes.example.com' } } }),
      holder: null,
      candidates: none,
      nodes: facts,
    });
    expect(want?.endpoints.map((e) => e.dnsName)).toEqual(['web.example.com']);
  });
});
