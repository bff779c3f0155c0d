import type { FailoverIPObject, NodeFacts } from '../src/core/model.js';
import { guardFailoverAddress } from './address-guard.js';
import { desiredAddresses, failoverAddressCidr, mustHold, nativeIPv6Prefix, type AgentMode } from './desired-addresses.js';
import { formatCidr, parseCidr, type Cidr } from '../src/core/address.js';
import type { Iface } from './ip-link.js';
import { failoverIP, nodeFacts } from './test-fixtures.js';

const MAC = '52:54:00:ab:cd:ef';
const EUI64_HOST = '5054:ff:feab:cdef';

const iface = (...cidrs: string[]): Iface => ({
  name: 'eth0',
  mac: MAC,
  addresses: cidrs.map((c) => {
    const p = parseCidr(c);
    if (p === null) throw new Error(`bad test cidr ${c}`);
    const scope = p.address.startsWith('fe80:') ? 'link' : 'global';
    return { family: p.family, address: p.address, prefixLength: p.prefixLength, scope };
  }),
});
const cidr = (text: string): Cidr => {
  const p = parseCidr(text);
  if (p === null) throw new Error(`bad test cidr ${text}`);
  return p;
};

// The tests' addresses are documentation ranges: allowed here, as in the agent's tests mode.
const accept = (address: string) => guardFailoverAddress(address, { allowDocumentation: true }, NO_FACTS);
const NO_FACTS = { nodeAddresses: [], interfaceAddresses: [], gateways: [], clusterCidrs: [] };

describe('failoverAddressCidr (what is configured for an accepted address)', () => {
  it.each([
    ['bare IPv4 becomes /32', '198.51.100.1', '198.51.100.1/32'],
    ['IPv4 /32 as given', '198.51.100.1/32', '198.51.100.1/32'],
    ['bare IPv6 /64 prefix: its first address, with the prefix length', '2001:db8:1::/64', '2001:db8:1::1/64'],
    ['IPv6 without a length is taken as a /64', '2001:db8:1::', '2001:db8:1::1/64'],
    ['IPv6 address with host bits is used as given', '2001:db8:1::10/64', '2001:db8:1::10/64'],
    ['upper case IPv6 is canonicalised', '2001:DB8:0001::/64', '2001:db8:1::1/64'],
  ])('%s: %s', (_description, input, expected) => {
    const verdict = accept(input);
    expect(verdict.ok && formatCidr(failoverAddressCidr(verdict.cidr))).toBe(expected);
  });
});

describe('mustHold', () => {
  const node = nodeFacts('node-a', { labels: { 'ipshift.dev/edge': 'true', zone: 'nbg' } });
  const rows: { description: string; mode: AgentMode; fip: FailoverIPObject; expected: boolean }[] = [
    { description: 'all-eligible: no selector selects every node', mode: 'all-eligible', fip: failoverIP('f', ['198.51.100.1']), expected: true },
    {
      description: 'all-eligible: matchLabels selects',
      mode: 'all-eligible',
      fip: failoverIP('f', ['198.51.100.1'], { nodeSelector: { matchLabels: { 'ipshift.dev/edge': 'true' } } }),
      expected: true,
    },
    {
      description: 'all-eligible: matchExpressions excludes',
      mode: 'all-eligible',
      fip: failoverIP('f', ['198.51.100.1'], { nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['nbg'] }] } }),
      expected: false,
    },
    {
      description: 'all-eligible: a holder that is no longer selected keeps the address until moved',
      mode: 'all-eligible',
      fip: failoverIP('f', ['198.51.100.1'], { nodeSelector: { matchLabels: { role: 'db' } }, status: { assignedNode: 'node-a', desiredNode: 'node-b' } }),
      expected: true,
    },
    { description: 'holder-only: eligible but neither desired nor assigned', mode: 'holder-only', fip: failoverIP('f', ['198.51.100.1']), expected: false },
    {
      description: 'holder-only: desired (new holder adds before the provider moved)',
      mode: 'holder-only',
      fip: failoverIP('f', ['198.51.100.1'], { status: { assignedNode: 'node-b', desiredNode: 'node-a' } }),
      expected: true,
    },
    {
      description: 'holder-only: assigned (old holder keeps it until the provider moved)',
      mode: 'holder-only',
      fip: failoverIP('f', ['198.51.100.1'], { status: { assignedNode: 'node-a', desiredNode: 'node-b' } }),
      expected: true,
    },
    {
      description: 'holder-only: neither desired nor assigned any more (handover done)',
      mode: 'holder-only',
      fip: failoverIP('f', ['198.51.100.1'], { status: { assignedNode: 'node-b', desiredNode: 'node-b' } }),
      expected: false,
    },
    {
      description: 'holder-only: null status fields',
      mode: 'holder-only',
      fip: failoverIP('f', ['198.51.100.1'], { status: { assignedNode: null, desiredNode: null } }),
      expected: false,
    },
  ];
  it.each(rows)('$description', ({ mode, fip, expected }) => {
    expect(mustHold(fip, node, mode)).toBe(expected);
  });
});

describe('nativeIPv6Prefix', () => {
  const fips = [failoverIP('v6', ['2001:db8:1::/64'])];
  it.each([
    ['configured prefix wins', iface('2a03:4000:6:1::5/64'), '2a03:4000:9:9::/64', [], '2a03:4000:9:9::/64'],
    ['global /64 on the interface', iface('fe80::1/64', '2a03:4000:6:1::5/64'), undefined, [], '2a03:4000:6:1::5/64'],
    ['failover prefix addresses are not native', iface('2001:db8:1::1/64'), undefined, [], null],
    ['link-local and ULA are not native', iface('fe80::1/64', 'fd00:1::1/64'), undefined, [], null],
    ['not /64: ignored', iface('2a03:4000:6:1::5/128'), undefined, [], null],
    ['an address the agent added is not native', iface('2a03:4000:6:1::5/64'), undefined, [{ iface: 'eth0', cidr: '2a03:4000:6:1::5/64' }], null],
    ['several: the lowest wins (stable)', iface('2a03:4000:9::1/64', '2a03:4000:6::1/64'), undefined, [], '2a03:4000:6::1/64'],
  ])('%s', (_description, ifc, configured, ledger, expected) => {
    const result = nativeIPv6Prefix({ failoverIPs: fips, iface: ifc, nativePrefix: configured === undefined ? undefined : cidr(configured), ledger });
    expect(result === null ? null : formatCidr(result)).toBe(expected);
  });
});

describe('desiredAddresses', () => {
  const node: NodeFacts = nodeFacts('node-a', { labels: { edge: 'true' } });
  const v4 = failoverIP('web-v4', ['198.51.100.1']);
  const v6 = failoverIP('web-v6', ['2001:db8:1::/64']);
  const other = failoverIP('db', ['198.51.100.9'], { nodeSelector: { matchLabels: { edge: 'false' } } });

  it.each([
    {
      description: 'IPv4 only: one /32 per selecting FailoverIP, the others skipped',
      fips: [v4, other],
      ifc: iface('203.0.113.5/24'),
      expected: [{ cidr: '198.51.100.1/32', family: 4, kind: 'failover', failoverIPs: ['default/web-v4'] }],
    },
    {
      description: 'IPv6: the failover /64 and the EUI-64 next hop from the native /64 on the interface',
      fips: [v6],
      ifc: iface('2a03:4000:6:1::5/64', 'fe80::5054:ff:feab:cdef/64'),
      expected: [
        { cidr: '2001:db8:1::1/64', family: 6, kind: 'failover', failoverIPs: ['default/web-v6'] },
        { cidr: `2a03:4000:6:1:${EUI64_HOST}/64`, family: 6, kind: 'next-hop', failoverIPs: ['default/web-v6'] },
      ],
    },
    {
      description: 'two FailoverIPs with the same address: one entry naming both',
      fips: [v4, failoverIP('web-v4-copy', ['198.51.100.1/32'])],
      ifc: iface(),
      expected: [{ cidr: '198.51.100.1/32', family: 4, kind: 'failover', failoverIPs: ['default/web-v4', 'default/web-v4-copy'] }],
    },
    {
      description: 'two IPv6 FailoverIPs share one next hop',
      fips: [v6, failoverIP('api-v6', ['2001:db8:2::/64'])],
      ifc: iface('2a03:4000:6:1::5/64'),
      expected: [
        { cidr: '2001:db8:1::1/64', family: 6, kind: 'failover', failoverIPs: ['default/web-v6'] },
        { cidr: '2001:db8:2::1/64', family: 6, kind: 'failover', failoverIPs: ['default/api-v6'] },
        { cidr: `2a03:4000:6:1:${EUI64_HOST}/64`, family: 6, kind: 'next-hop', failoverIPs: ['default/web-v6', 'default/api-v6'] },
      ],
    },
    { description: 'no FailoverIPs: nothing', fips: [], ifc: iface('2a03:4000:6:1::5/64'), expected: [] },
  ])('$description', ({ fips, ifc, expected }) => {
    const result = desiredAddresses({ node, failoverIPs: fips, mode: 'all-eligible', iface: ifc, ledger: [], accept });
    expect(result.addresses).toEqual(expected);
    expect(result.refused).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('uses the configured native prefix when the interface has none', () => {
    const result = desiredAddresses({
      node,
      failoverIPs: [v6],
      mode: 'all-eligible',
      iface: iface(),
      nativePrefix: cidr('2a03:4000:9:9::/64'),
      ledger: [],
      accept,
    });
    expect(result.addresses.map((a) => a.cidr)).toEqual(['2001:db8:1::1/64', `2a03:4000:9:9:${EUI64_HOST}/64`]);
  });

  it('without a native prefix: the failover /64 alone, and a warning naming the setting', () => {
    const result = desiredAddresses({ node, failoverIPs: [v6], mode: 'all-eligible', iface: iface('fe80::1/64'), ledger: [], accept });
    expect(result.addresses.map((a) => a.cidr)).toEqual(['2001:db8:1::1/64']);
    expect(result.warnings).toEqual([expect.stringContaining('IPSHIFT_AGENT_IPV6_PREFIX')]);
  });

  it('reports refused addresses with their reason and keeps the accepted ones of the same FailoverIP', () => {
    const mixed = failoverIP('mixed', ['198.51.100.0/29', '198.51.100.7', 'bogus', '2001:db8:9::7/96']);
    const result = desiredAddresses({ node, failoverIPs: [mixed], mode: 'all-eligible', iface: iface(), ledger: [], accept });
    expect(result.addresses.map((a) => a.cidr)).toEqual(['198.51.100.7/32']);
    expect(result.refused.map((i) => [i.address, i.reason])).toEqual([
      ['198.51.100.0/29', 'prefix-length'],
      ['bogus', 'malformed'],
      ['2001:db8:9::7/96', 'prefix-length'],
    ]);
  });

  it('DigitalOcean: no reserved IPv4 on the interface (its traffic arrives on the anchor IP), the reserved IPv6 as its /128 without a next hop', () => {
    const base = failoverIP('do', ['198.51.100.7', '2001:db8:9::7/128']);
    const droplet = { ...base, spec: { ...base.spec, provider: { type: 'digitalocean' as const, secretRef: { name: 'do' } } } };
    const byProvider = (address: string, fip: FailoverIPObject) =>
      guardFailoverAddress(address, { allowDocumentation: true, provider: fip.spec.provider.type }, NO_FACTS);
    const result = desiredAddresses({ node, failoverIPs: [droplet], mode: 'all-eligible', iface: iface(), ledger: [], accept: byProvider });
    expect(result.addresses).toEqual([{ cidr: '2001:db8:9::7/128', family: 6, kind: 'failover', failoverIPs: ['default/do'] }]);
    expect(result.refused).toEqual([]);
    expect(result.warnings).toEqual([]);
    // The same addresses for netcup: the IPv4 is held, and a /128 is no netcup failover address.
    const netcup = { ...droplet, spec: { ...droplet.spec, provider: { type: 'netcup' as const, secretRef: { name: 'n' } } } };
    const other = desiredAddresses({ node, failoverIPs: [netcup], mode: 'all-eligible', iface: iface(), ledger: [], accept: byProvider });
    expect(other.addresses.map((a) => a.cidr)).toEqual(['198.51.100.7/32']);
    expect(other.refused.map((r) => [r.address, r.reason])).toEqual([['2001:db8:9::7/128', 'prefix-length']]);
  });

  it('holder-only: only the FailoverIPs this node holds or is about to hold', () => {
    const held = failoverIP('held', ['198.51.100.1'], { status: { assignedNode: 'node-a', desiredNode: 'node-a' } });
    const elsewhere = failoverIP('elsewhere', ['198.51.100.2'], { status: { assignedNode: 'node-b', desiredNode: 'node-b' } });
    const result = desiredAddresses({ node, failoverIPs: [held, elsewhere], mode: 'holder-only', iface: iface(), ledger: [], accept });
    expect(result.addresses.map((a) => a.cidr)).toEqual(['198.51.100.1/32']);
  });
});
