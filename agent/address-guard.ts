import {
  ADDRESS_REFUSALS,
  checkFailoverAddress,
  cidrContains,
  cidrsOverlap,
  type AddressPolicyOptions,
  type Cidr,
  type FailoverAddressVerdict,
} from '../src/core/address.js';

/** Why the agent refuses a FailoverIP address: the address policy's reasons, then the node's own facts. */
export const AGENT_REFUSALS = [...ADDRESS_REFUSALS, 'node-address', 'gateway', 'on-link', 'cluster-range'] as const;
export type AgentRefusal = (typeof AGENT_REFUSALS)[number];

export type GuardVerdict = FailoverAddressVerdict | { readonly ok: false; readonly reason: AgentRefusal; readonly detail: string };

/** What this node knows about the networks it already uses; read fresh on every sync. */
export interface NodeNetworkFacts {
  /** status.addresses of the Nodes the agent sees (its own; every Node where the view has them). */
  readonly nodeAddresses: readonly string[];
  /** Addresses on this node's interfaces that the agent did not add itself, with their prefix length. */
  readonly interfaceAddresses: readonly { readonly address: string; readonly prefixLength: number }[];
  /** Next hops of this node's routes (default gateways first of all). */
  readonly gateways: readonly string[];
  /** The cluster's pod and service ranges (IPSHIFT_AGENT_CLUSTER_CIDRS). */
  readonly clusterCidrs: readonly Cidr[];
  /** The node's native IPv6 /64 when configured (IPSHIFT_AGENT_IPV6_PREFIX). */
  readonly nativeIPv6Prefix?: Cidr;
}

/**
 * The agent's last word on a FailoverIP address before it touches the interface: the project's
 * address policy (src/core/address.ts), then nothing this node already uses:
 * - node-address: the node's own addresses (its Node's, its interfaces', its native /64);
 * - gateway: a next hop of its routes (taking it over makes the route to the gateway local);
 * - on-link: inside a subnet the node is attached to. A provider routes a failover IP to the
 *   server; it never sits in the server's own on-link subnet, where the neighbours (other
 *   nodes, the router) own the addresses: claiming one makes two hosts answer ARP for it.
 *   This catches another node's address without watching every Node;
 * - cluster-range: the pod and service ranges.
 * A failover /32 already on the interface (added by hand before ipshift) is no conflict:
 * adding it changes nothing, and it is never removed (it is not in the ledger).
 */
export function guardFailoverAddress(text: string, policy: AddressPolicyOptions, facts: NodeNetworkFacts): GuardVerdict {
  const verdict = checkFailoverAddress(text, policy);
  if (!verdict.ok) return verdict;
  const { cidr } = verdict;
  const inside = (address: string): boolean => cidrContains(cidr, address);

  const node = facts.nodeAddresses.find(inside);
  if (node !== undefined) return { ok: false, reason: 'node-address', detail: `a Node's own address (${node})` };
  const host = cidr.family === 4 ? 32 : 128;
  const mine = facts.interfaceAddresses.filter(
    (a) => (a.address.includes(':') ? 6 : 4) === cidr.family && !(a.prefixLength === host && a.address === cidr.address),
  );
  const local = mine.find((a) => inside(a.address));
  if (local !== undefined)
    return { ok: false, reason: 'node-address', detail: `an address of this node's interfaces (${local.address}/${local.prefixLength})` };
  if (facts.nativeIPv6Prefix !== undefined && cidrsOverlap(facts.nativeIPv6Prefix, cidr)) {
    return { ok: false, reason: 'node-address', detail: `this node's native IPv6 prefix` };
  }
  const gateway = facts.gateways.find(inside);
  if (gateway !== undefined) return { ok: false, reason: 'gateway', detail: `this node's gateway (${gateway})` };
  const link = mine.find((a) => cidrsOverlap({ family: cidr.family, address: a.address, prefixLength: a.prefixLength }, cidr));
  if (link !== undefined) return { ok: false, reason: 'on-link', detail: `inside this node's on-link subnet ${link.address}/${link.prefixLength}` };
  const cluster = facts.clusterCidrs.find((range) => cidrsOverlap(range, cidr));
  if (cluster !== undefined) return { ok: false, reason: 'cluster-range', detail: `the cluster's range ${cluster.address}/${cluster.prefixLength}` };
  return verdict;
}
