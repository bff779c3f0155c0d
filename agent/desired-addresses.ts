import { matchesSelector } from '../src/core/label-selector.js';
import { failoverIPKey, type FailoverIPObject, type NodeFacts } from '../src/core/model.js';
import { addressToBigInt, cidrContains, failoverAddressCidr, formatCidr, parseCidr, type Cidr, type Family } from '../src/core/address.js';
import type { AgentRefusal, GuardVerdict } from './address-guard.js';
import { eui64Address } from './eui64.js';
import type { Iface } from './ip-link.js';
import type { AddressOnInterface } from './reconcile-addresses.js';

export const AGENT_MODES = ['all-eligible', 'holder-only'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

export interface DesiredAddress {
  /** Canonical CIDR as it is configured on the interface. */
  readonly cidr: string;
  readonly family: Family;
  /** `failover`: an address of a FailoverIP; `next-hop`: the node's EUI-64 address netcup routes a /64 to. */
  readonly kind: 'failover' | 'next-hop';
  /** `namespace/name` of every FailoverIP that needs this address. */
  readonly failoverIPs: readonly string[];
}

export interface RefusedAddress {
  readonly failoverIP: string;
  readonly address: string;
  readonly reason: AgentRefusal;
  readonly detail: string;
}

export { failoverAddressCidr };

/**
 * Whether this node must hold the FailoverIP's addresses.
 * - all-eligible: every node the nodeSelector selects, plus the desired and assigned node
 *   (a holder that stops being selected still receives the traffic until the move is done).
 * - holder-only: only the desired node (it adds as soon as it is chosen, before the provider
 *   routes there) and the assigned node (it keeps the addresses until the provider moved away).
 */
export function mustHold(fip: FailoverIPObject, node: NodeFacts, mode: AgentMode): boolean {
  const holder = fip.status.desiredNode === node.name || fip.status.assignedNode === node.name;
  if (holder) return true;
  return mode === 'all-eligible' && matchesSelector(node.labels, fip.spec.nodeSelector);
}

export interface DesiredInput {
  readonly node: NodeFacts;
  readonly failoverIPs: readonly FailoverIPObject[];
  readonly mode: AgentMode;
  /** The interface chosen for the addresses (chooseInterface). */
  readonly iface: Iface;
  /** The node's native IPv6 /64 from configuration, when given. */
  readonly nativePrefix?: Cidr;
  /** Addresses the agent added itself: never taken for the node's native prefix. */
  readonly ledger: readonly AddressOnInterface[];
  /** The verdict on each spec address of a FailoverIP (guardFailoverAddress with this node's facts and its provider). */
  readonly accept: (address: string, fip: FailoverIPObject) => GuardVerdict;
}

export interface DesiredResult {
  readonly addresses: readonly DesiredAddress[];
  readonly refused: readonly RefusedAddress[];
  readonly warnings: readonly string[];
}

/** Unique local (fc00::/7) and link-local (fe80::/10) addresses are no provider's native prefix. */
const NOT_NATIVE = ['fc00::/7', 'fe80::/10'].map((text) => parseCidr(text) as Cidr);
const isPublicIPv6 = (address: string): boolean => !NOT_NATIVE.some((range) => cidrContains(range, address));

/**
 * The node's native /64: the configured one, else the first (lowest) global IPv6 /64 on the
 * interface that is neither inside a FailoverIP prefix nor an address the agent added.
 */
export function nativeIPv6Prefix(input: Pick<DesiredInput, 'failoverIPs' | 'iface' | 'nativePrefix' | 'ledger'>): Cidr | null {
  if (input.nativePrefix !== undefined) return input.nativePrefix;
  const failoverPrefixes: Cidr[] = [];
  for (const fip of input.failoverIPs) {
    for (const address of fip.spec.addresses) {
      const cidr = parseCidr(address, (family) => (family === 4 ? 32 : 64));
      if (cidr !== null && cidr.family === 6) failoverPrefixes.push(cidr);
    }
  }
  const owned = new Set(input.ledger.filter((e) => e.iface === input.iface.name).map((e) => e.cidr.split('/')[0]));
  const candidates = input.iface.addresses
    .filter((a) => a.family === 6 && a.prefixLength === 64 && a.scope === 'global' && isPublicIPv6(a.address))
    .filter((a) => !owned.has(a.address) && !failoverPrefixes.some((p) => cidrContains(p, a.address)))
    .map((a) => ({ family: 6 as const, address: a.address, prefixLength: 64 }))
    .sort((a, b) => ((addressToBigInt(a.address) ?? 0n) < (addressToBigInt(b.address) ?? 0n) ? -1 : 1));
  return candidates[0] ?? null;
}

/**
 * Everything this node's interface must hold, from the FailoverIPs and this node's facts.
 * Pure: the same input always gives the same output, in a stable order (failover addresses in
 * FailoverIP order, then the next-hop address).
 */
export function desiredAddresses(input: DesiredInput): DesiredResult {
  const byCidr = new Map<string, { family: Family; kind: DesiredAddress['kind']; failoverIPs: string[] }>();
  const refused: RefusedAddress[] = [];
  const warnings: string[] = [];
  const needsNextHop: string[] = [];

  for (const fip of input.failoverIPs) {
    if (!mustHold(fip, input.node, input.mode)) continue;
    const key = failoverIPKey(fip);
    const digitalocean = fip.spec.provider.type === 'digitalocean';
    for (const address of fip.spec.addresses) {
      const verdict = input.accept(address, fip);
      if (!verdict.ok) {
        refused.push({ failoverIP: key, address, reason: verdict.reason, detail: verdict.detail });
        continue;
      }
      const cidr = failoverAddressCidr(verdict.cidr);
      // DigitalOcean delivers a reserved IPv4's traffic to the Droplet's anchor IP (an address
      // DigitalOcean put on eth0), translated: no packet arrives for the reserved IPv4 itself,
      // so holding it would only make this node answer it locally. A reserved IPv6 arrives as
      // itself and must be on the interface.
      if (digitalocean && cidr.family === 4) continue;
      const text = formatCidr(cidr);
      const entry = byCidr.get(text) ?? { family: cidr.family, kind: 'failover' as const, failoverIPs: [] };
      if (!entry.failoverIPs.includes(key)) entry.failoverIPs.push(key);
      byCidr.set(text, entry);
      // The EUI-64 next hop is netcup's (and Hetzner's) routed /64; a /128 is delivered on-link.
      if (cidr.family === 6 && cidr.prefixLength < 128 && !needsNextHop.includes(key)) needsNextHop.push(key);
    }
  }

  if (needsNextHop.length > 0) {
    const native = nativeIPv6Prefix(input);
    const nextHop = native === null ? null : eui64Address(native, input.iface.mac);
    if (native === null) {
      warnings.push(`no native IPv6 /64 on ${input.iface.name} and IPSHIFT_AGENT_IPV6_PREFIX is unset: the EUI-64 next-hop address cannot be derived`);
    } else if (nextHop === null) {
      warnings.push(`interface ${input.iface.name} has no usable MAC ("${input.iface.mac}"): the EUI-64 next-hop address cannot be derived`);
    } else {
      const text = formatCidr(nextHop);
      const existing = byCidr.get(text);
      if (existing === undefined) byCidr.set(text, { family: 6, kind: 'next-hop', failoverIPs: [...needsNextHop] });
      else for (const key of needsNextHop) if (!existing.failoverIPs.includes(key)) existing.failoverIPs.push(key);
    }
  }

  const addresses = [...byCidr].map(([cidr, e]) => ({ cidr, family: e.family, kind: e.kind, failoverIPs: e.failoverIPs }));
  return { addresses, refused, warnings };
}
