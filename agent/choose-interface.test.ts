import { PRIMARY_MAC_ANNOTATION } from '../src/core/model.js';
import { chooseInterface } from './choose-interface.js';
import { parseCidr } from '../src/core/address.js';
import type { Iface } from './ip-link.js';
import type { AddressOnInterface } from './reconcile-addresses.js';
import { nodeFacts } from './test-fixtures.js';

const iface = (name: string, mac: string, ...cidrs: string[]): Iface => ({
  name,
  mac,
  addresses: cidrs.map((c) => {
    const p = parseCidr(c);
    if (p === null) throw new Error(`bad test cidr ${c}`);
    return { family: p.family, address: p.address, prefixLength: p.prefixLength, scope: 'global' };
  }),
});

const interfaces = [
  iface('lo', '00:00:00:00:00:00', '127.0.0.1/8'),
  iface('eth0', '52:54:00:00:00:01', '203.0.113.5/24', '2a03:4000:6:1::5/64'),
  iface('eth1', '52:54:00:00:00:02', '10.0.0.5/16'),
];

interface Row {
  description: string;
  annotations?: Record<string, string>;
  addresses?: string[];
  configured?: string;
  ledger?: AddressOnInterface[];
  expected: { iface: string | null; rule?: string; warnings: number };
}

const rows: Row[] = [
  {
    description: 'primary-mac annotation wins',
    annotations: { [PRIMARY_MAC_ANNOTATION]: '52:54:00:00:00:02' },
    addresses: ['203.0.113.5'],
    expected: { iface: 'eth1', rule: 'primary-mac', warnings: 0 },
  },
  {
    description: 'primary-mac in upper case with dashes',
    annotations: { [PRIMARY_MAC_ANNOTATION]: '52-54-00-00-00-02' },
    expected: { iface: 'eth1', rule: 'primary-mac', warnings: 0 },
  },
  {
    description: 'unknown MAC: falls back to the node address, with a warning',
    annotations: { [PRIMARY_MAC_ANNOTATION]: '52:54:00:00:00:99' },
    addresses: ['10.0.0.5'],
    expected: { iface: 'eth1', rule: 'node-address', warnings: 1 },
  },
  {
    description: 'malformed MAC: warning and fallback',
    annotations: { [PRIMARY_MAC_ANNOTATION]: 'eth0' },
    addresses: ['203.0.113.5'],
    expected: { iface: 'eth0', rule: 'node-address', warnings: 1 },
  },
  { description: 'InternalIP found on an interface', addresses: ['10.0.0.5', '203.0.113.5'], expected: { iface: 'eth1', rule: 'node-address', warnings: 0 } },
  { description: 'IPv6 node address, differently spelled', addresses: ['2A03:4000:6:1:0::5'], expected: { iface: 'eth0', rule: 'node-address', warnings: 0 } },
  {
    description: 'node address the agent added itself does not count',
    addresses: ['10.0.0.5'],
    ledger: [{ iface: 'eth1', cidr: '10.0.0.5/16' }],
    configured: 'eth0',
    expected: { iface: 'eth0', rule: 'configured', warnings: 0 },
  },
  {
    description: 'no node address on any interface: the configured one',
    addresses: ['192.0.2.1'],
    configured: 'eth1',
    expected: { iface: 'eth1', rule: 'configured', warnings: 0 },
  },
  { description: 'configured interface missing: no interface, explained', configured: 'ens3', expected: { iface: null, warnings: 2 } },
  { description: 'loopback never qualifies', addresses: ['127.0.0.1'], expected: { iface: null, warnings: 1 } },
];

describe('chooseInterface', () => {
  it.each(rows)('$description', ({ annotations, addresses, configured, ledger, expected }) => {
    const node = nodeFacts('node-a', { annotations: annotations ?? {}, addresses: addresses ?? [] });
    const choice = chooseInterface(node, interfaces, configured, ledger ?? []);
    expect(choice.iface?.name ?? null).toBe(expected.iface);
    if (choice.iface !== null) expect('rule' in choice ? choice.rule : undefined).toBe(expected.rule);
    expect(choice.warnings).toHaveLength(expected.warnings);
  });
});
