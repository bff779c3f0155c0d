import type { Family } from '../src/core/address.js';

/** One address as the kernel reports it. `address` is canonical (see src/core/address.ts). */
export interface IfaceAddress {
  readonly family: Family;
  readonly address: string;
  readonly prefixLength: number;
  /** `global`, `link`, `host`, ... as iproute2 names it. */
  readonly scope: string;
}

export interface Iface {
  readonly name: string;
  /** Lower-case colon form; empty for interfaces without a link-layer address. */
  readonly mac: string;
  readonly addresses: readonly IfaceAddress[];
}

export interface AddAddressOptions {
  /**
   * The address only receives: the kernel must not pick it as the source of the node's own
   * outgoing traffic. IPv6 source selection (RFC 6724, longest matching prefix) would
   * otherwise often prefer a failover address, and replies to such packets are routed to
   * whichever node holds the IP, not necessarily this one.
   */
  readonly receiveOnly?: boolean;
}

/**
 * One look at the node's own public path: an ARP request for the IPv4 default gateway on the
 * default route's interface. `unknown`: no default route, no arping, or the check itself failed.
 */
export type GatewayCheck =
  { readonly kind: 'reachable' | 'unreachable'; readonly iface: string; readonly gateway: string } | { readonly kind: 'unknown'; readonly detail: string };

/**
 * The node's network interfaces as the agent sees them. Every method rejects only with an
 * IpshiftError (code `exists` when an address is already there, `permission` without
 * NET_ADMIN, `ip-missing` without iproute2).
 */
export interface IpLink {
  listInterfaces(): Promise<Iface[]>;
  /** The next hops of every route in every table, both families (canonical addresses). */
  listGateways(): Promise<string[]>;
  /** `cidr` like `198.51.100.1/32` or `2001:db8:1::1/64`. */
  addAddress(iface: string, cidr: string, options?: AddAddressOptions): Promise<void>;
  /** Removing an address that is already gone succeeds. */
  delAddress(iface: string, cidr: string): Promise<void>;
  /**
   * Tells the neighbours (gratuitous ARP / unsolicited neighbour advertisement) where the
   * address now lives. Best effort: never rejects.
   */
  announce?(iface: string, cidr: string): Promise<void>;
  /** The uplink check (uplink-monitor.ts): never rejects. */
  checkGateway?(): Promise<GatewayCheck>;
}
