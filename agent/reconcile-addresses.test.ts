import type { Iface } from './ip-link.js';
import { parseCidr } from '../src/core/address.js';
import { reconcileAddresses, type AddressOnInterface, type ReconcilePlan } from './reconcile-addresses.js';

const iface = (name: string, ...cidrs: string[]): Iface => ({
  name,
  mac: '52:54:00:00:00:01',
  addresses: cidrs.map((c) => {
    const p = parseCidr(c);
    if (p === null) throw new Error(`bad test cidr ${c}`);
    return { family: p.family, address: p.address, prefixLength: p.prefixLength, scope: 'global' };
  }),
});
const on = (name: string, cidr: string): AddressOnInterface => ({ iface: name, cidr });
const nothing: ReconcilePlan = { add: [], remove: [], forget: [] };

interface Row {
  description: string;
  desired: AddressOnInterface[];
  actual: Iface[];
  ledger: AddressOnInterface[];
  expected: ReconcilePlan;
}

const rows: Row[] = [
  {
    description: 'adds a missing IPv4 /32',
    desired: [on('eth0', '198.51.100.1/32')],
    actual: [iface('eth0', '203.0.113.5/24')],
    ledger: [],
    expected: { ...nothing, add: [on('eth0', '198.51.100.1/32')] },
  },
  {
    description: 'nothing to do when already there and owned (idempotent)',
    desired: [on('eth0', '198.51.100.1/32')],
    actual: [iface('eth0', '203.0.113.5/24', '198.51.100.1/32')],
    ledger: [on('eth0', '198.51.100.1/32')],
    expected: nothing,
  },
  {
    description: 'present but foreign: no add, and the ledger stays out of it',
    desired: [on('eth0', '198.51.100.1/32')],
    actual: [iface('eth0', '198.51.100.1/32')],
    ledger: [],
    expected: nothing,
  },
  {
    description: 'present with another prefix length counts as present',
    desired: [on('eth0', '2001:db8:1::1/64')],
    actual: [iface('eth0', '2001:db8:1::1/56')],
    ledger: [],
    expected: nothing,
  },
  {
    description: 'removes an owned address that is no longer desired',
    desired: [],
    actual: [iface('eth0', '198.51.100.1/32')],
    ledger: [on('eth0', '198.51.100.1/32')],
    expected: { ...nothing, remove: [on('eth0', '198.51.100.1/32')] },
  },
  {
    description: 'never removes a foreign address that is not desired',
    desired: [],
    actual: [iface('eth0', '198.51.100.1/32', '203.0.113.5/24')],
    ledger: [],
    expected: nothing,
  },
  {
    description: 'owned address replaced by hand with another prefix length: forgotten, not removed',
    desired: [],
    actual: [iface('eth0', '198.51.100.1/24')],
    ledger: [on('eth0', '198.51.100.1/32')],
    expected: { ...nothing, forget: [on('eth0', '198.51.100.1/32')] },
  },
  {
    description: 'owned address removed by hand and not desired: forgotten',
    desired: [],
    actual: [iface('eth0')],
    ledger: [on('eth0', '198.51.100.1/32')],
    expected: { ...nothing, forget: [on('eth0', '198.51.100.1/32')] },
  },
  {
    description: 'owned address removed by hand but still desired: added again',
    desired: [on('eth0', '198.51.100.1/32')],
    actual: [iface('eth0')],
    ledger: [on('eth0', '198.51.100.1/32')],
    expected: { ...nothing, add: [on('eth0', '198.51.100.1/32')] },
  },
  {
    description: 'interface changed: add on the new one, remove from the old one',
    desired: [on('eth1', '198.51.100.1/32')],
    actual: [iface('eth0', '198.51.100.1/32'), iface('eth1')],
    ledger: [on('eth0', '198.51.100.1/32')],
    expected: { add: [on('eth1', '198.51.100.1/32')], remove: [on('eth0', '198.51.100.1/32')], forget: [] },
  },
  {
    description: 'owned interface vanished: its entries are forgotten',
    desired: [],
    actual: [iface('eth1')],
    ledger: [on('eth9', '198.51.100.1/32')],
    expected: { ...nothing, forget: [on('eth9', '198.51.100.1/32')] },
  },
  {
    description: 'desired on a missing interface: nothing can be added',
    desired: [on('eth9', '198.51.100.1/32')],
    actual: [iface('eth0')],
    ledger: [],
    expected: nothing,
  },
  {
    description: 'IPv6 failover address and EUI-64 next hop both missing',
    desired: [on('eth0', '2001:db8:1::1/64'), on('eth0', '2001:db8:ff::5054:ff:fe00:1/64')],
    actual: [iface('eth0', 'fe80::5054:ff:fe00:1/64')],
    ledger: [],
    expected: { ...nothing, add: [on('eth0', '2001:db8:1::1/64'), on('eth0', '2001:db8:ff::5054:ff:fe00:1/64')] },
  },
  {
    description: 'EUI-64 next hop already configured (SLAAC): only the failover address is added',
    desired: [on('eth0', '2001:db8:1::1/64'), on('eth0', '2001:db8:ff::5054:ff:fe00:1/64')],
    actual: [iface('eth0', '2001:db8:ff::5054:ff:fe00:1/64')],
    ledger: [],
    expected: { ...nothing, add: [on('eth0', '2001:db8:1::1/64')] },
  },
  {
    description: 'a duplicate desired entry is added once',
    desired: [on('eth0', '198.51.100.1/32'), on('eth0', '198.51.100.1/32')],
    actual: [iface('eth0')],
    ledger: [],
    expected: { ...nothing, add: [on('eth0', '198.51.100.1/32')] },
  },
  {
    description: 'mixed: keep one, add one, remove one, leave the foreign one alone',
    desired: [on('eth0', '198.51.100.1/32'), on('eth0', '198.51.100.2/32')],
    actual: [iface('eth0', '198.51.100.1/32', '198.51.100.3/32', '192.0.2.9/32')],
    ledger: [on('eth0', '198.51.100.1/32'), on('eth0', '198.51.100.3/32')],
    expected: { add: [on('eth0', '198.51.100.2/32')], remove: [on('eth0', '198.51.100.3/32')], forget: [] },
  },
];

describe('reconcileAddresses', () => {
  it.each(rows)('$description', ({ desired, actual, ledger, expected }) => {
    expect(reconcileAddresses({ desired, actual, ledger })).toEqual(expected);
  });

  it.each(rows)('applying the plan then diffing again changes nothing: $description', ({ desired, actual, ledger }) => {
    const plan = reconcileAddresses({ desired, actual, ledger });
    const after = actual.map((i) => {
      const removed = plan.remove.filter((r) => r.iface === i.name).map((r) => r.cidr);
      const added = plan.add.filter((a) => a.iface === i.name).map((a) => a.cidr);
      const kept = i.addresses.map((a) => `${a.address}/${a.prefixLength}`).filter((c) => !removed.includes(c));
      return iface(i.name, ...kept, ...added);
    });
    const sameAs = (a: AddressOnInterface) => (b: AddressOnInterface) => a.iface === b.iface && a.cidr === b.cidr;
    const ledgerAfter = [
      ...ledger.filter((l) => !plan.remove.some(sameAs(l)) && !plan.forget.some(sameAs(l))),
      ...plan.add.filter((a) => !ledger.some(sameAs(a))),
    ];
    expect(reconcileAddresses({ desired, actual: after, ledger: ledgerAfter })).toEqual(nothing);
  });
});
