import { parseCidr, type Cidr } from '../src/core/address.js';
import { guardFailoverAddress, type NodeNetworkFacts } from './address-guard.js';

const cidr = (text: string): Cidr => parseCidr(text) as Cidr;
const facts: NodeNetworkFacts = {
  nodeAddresses: ['185.12.64.5', '2a01:4f8:1:2::5'],
  interfaceAddresses: [
    { address: '185.12.64.5', prefixLength: 26 },
    { address: '2a01:4f8:1:2::5', prefixLength: 64 },
    { address: '85.10.20.30', prefixLength: 32 }, // a failover IP an administrator added by hand
    { address: '127.0.0.1', prefixLength: 8 },
  ],
  gateways: ['185.12.64.1', 'fe80::1', '46.4.0.1'],
  clusterCidrs: [cidr('100.100.0.0/16'), cidr('2a01:4f8:ffff::/48')],
};
const production = { allowDocumentation: false };

describe('guardFailoverAddress', () => {
  it.each([
    ['a public address outside every network of the node', '85.10.20.31', true],
    ['the failover /32 an administrator already configured', '85.10.20.30', true],
    ['a public /64 of its own', '2a01:4f8:9:9::/64', true],
  ])('accepts %s', (_description, text, ok) => {
    expect(guardFailoverAddress(text, production, facts).ok).toBe(ok);
  });

  it.each([
    ['the policy first: loopback', '127.0.0.53', 'not-global-unicast'],
    ["the Node's own address", '185.12.64.5', 'node-address'],
    ["the native /64 (holds the node's address)", '2a01:4f8:1:2::/64', 'node-address'],
    ['the gateway on the link', '185.12.64.1', 'gateway'],
    ['an off-link next hop', '46.4.0.1', 'gateway'],
    ['a neighbour on the link (another node)', '185.12.64.6', 'on-link'],
    ['a cluster range (public, so the policy alone lets it through)', '100.100.3.4', 'not-global-unicast'],
    ['an IPv6 cluster range', '2a01:4f8:ffff:1::/64', 'cluster-range'],
  ])('refuses %s', (_description, text, reason) => {
    const verdict = guardFailoverAddress(text, production, facts);
    expect(verdict.ok ? 'accepted' : verdict.reason).toBe(reason);
  });

  it('names the native prefix when configured and the interface does not show it', () => {
    const verdict = guardFailoverAddress('2a01:4f8:7:7::/64', production, { ...facts, nativeIPv6Prefix: cidr('2a01:4f8:7:7::/64') });
    expect(verdict).toEqual({ ok: false, reason: 'node-address', detail: "this node's native IPv6 prefix" });
  });
});
