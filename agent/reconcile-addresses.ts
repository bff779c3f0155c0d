import { parseCidr } from '../src/core/address.js';
import type { Iface } from './ip-link.js';

/** An address (canonical CIDR, see src/core/address.ts) on a named interface. */
export interface AddressOnInterface {
  readonly iface: string;
  readonly cidr: string;
}

export interface ReconcileInput {
  /** What must be there. */
  readonly desired: readonly AddressOnInterface[];
  /** What the kernel reports. */
  readonly actual: readonly Iface[];
  /** What the agent added earlier and still owns. */
  readonly ledger: readonly AddressOnInterface[];
}

export interface ReconcilePlan {
  readonly add: AddressOnInterface[];
  /** Only ever entries of the ledger, present with exactly the same prefix length. */
  readonly remove: AddressOnInterface[];
  /** Ledger entries that are gone from the kernel (by hand, interface deleted) and no longer wanted. */
  readonly forget: AddressOnInterface[];
}

const sameEntry = (a: AddressOnInterface, b: AddressOnInterface): boolean => a.iface === b.iface && a.cidr === b.cidr;

/**
 * The pure diff. Rules, in order of importance:
 * - an address the ledger does not list is never removed (it belongs to someone else);
 * - an address counts as present when the interface holds it with any prefix length (a second
 *   copy would not change what the node accepts, and the kernel refuses one for IPv6);
 * - a ledger entry is removed only when it is no longer desired on that interface and the
 *   interface holds it with exactly the recorded prefix length;
 * - applying the plan and diffing again yields an empty plan (idempotent).
 */
export function reconcileAddresses(input: ReconcileInput): ReconcilePlan {
  const held = new Map<string, Map<string, Set<number>>>();
  for (const iface of input.actual) {
    const byAddress = new Map<string, Set<number>>();
    for (const a of iface.addresses) {
      const lengths = byAddress.get(a.address) ?? new Set<number>();
      lengths.add(a.prefixLength);
      byAddress.set(a.address, lengths);
    }
    held.set(iface.name, byAddress);
  }
  const holds = (entry: AddressOnInterface, exactPrefix: boolean): boolean => {
    const cidr = parseCidr(entry.cidr);
    const lengths = cidr === null ? undefined : held.get(entry.iface)?.get(cidr.address);
    if (cidr === null || lengths === undefined) return false;
    return exactPrefix ? lengths.has(cidr.prefixLength) : true;
  };

  const add: AddressOnInterface[] = [];
  for (const entry of input.desired) {
    if (!held.has(entry.iface)) continue; // no such interface: nothing can be added there
    if (holds(entry, false) || add.some((a) => sameEntry(a, entry))) continue;
    add.push({ iface: entry.iface, cidr: entry.cidr });
  }

  const remove: AddressOnInterface[] = [];
  const forget: AddressOnInterface[] = [];
  for (const entry of input.ledger) {
    if (input.desired.some((d) => sameEntry(d, entry))) continue;
    if (remove.some((r) => sameEntry(r, entry)) || forget.some((f) => sameEntry(f, entry))) continue;
    (holds(entry, true) ? remove : forget).push({ iface: entry.iface, cidr: entry.cidr });
  }
  return { add, remove, forget };
}
