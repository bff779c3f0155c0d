import { canonicalAddress } from './address.js';
import type { AlertPolicy } from './alert-policy.js';

/** Looks up nodes by name and by address. Build it once per pass. */
export interface NodeIndex {
  readonly byName: ReadonlyMap<string, string>;
  readonly byAddress: ReadonlyMap<string, string>;
}

export function buildNodeIndex(nodes: ReadonlyArray<{ readonly name: string; readonly addresses: readonly string[] }>): NodeIndex {
  const byName = new Map<string, string>();
  const byAddress = new Map<string, string>();
  for (const node of nodes) {
    byName.set(node.name.toLowerCase(), node.name);
    for (const address of node.addresses) byAddress.set(normaliseAddress(address), node.name);
  }
  return { byName, byAddress };
}

/**
 * Cuts the port off an `instance` label: `host:9100` → `host`, `[2001:db8::1]:9100` → `2001:db8::1`.
 * A bare IPv6 address (several colons, no brackets) has no port to cut.
 */
export function stripPort(instance: string): string {
  const value = instance.trim();
  if (value.startsWith('[')) {
    const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
    if (bracketed?.[1] !== undefined) return bracketed[1];
  }
  const colon = value.indexOf(':');
  // Exactly one colon: host:port. More: a bare IPv6 address, which carries no port.
  if (colon >= 0 && colon === value.lastIndexOf(':')) return value.slice(0, colon);
  return value;
}

/** `2001:DB8:0::1` in a label and `2001:db8::1` on the Node are one address. */
function normaliseAddress(address: string): string {
  return canonicalAddress(address) ?? address.trim().toLowerCase();
}

/** A name or address as written in a label, resolved to a node name; a FQDN also matches by its first label. */
function resolve(value: string, index: NodeIndex): string | undefined {
  const exact = index.byName.get(value) ?? index.byAddress.get(normaliseAddress(value));
  if (exact !== undefined) return exact;
  const lower = value.trim().toLowerCase();
  if (lower === '') return undefined;
  const hit = index.byName.get(lower);
  if (hit !== undefined) return hit;
  const dot = lower.indexOf('.');
  if (dot > 0 && !/^[0-9.]+$/.test(lower)) return index.byName.get(lower.slice(0, dot));
  return undefined;
}

/** Who holds a FailoverIP: since when (epoch ms, null = unknown) and who held it before. */
export interface Holder {
  readonly node: string;
  readonly since: number | null;
  readonly previous: string | null;
}

/** A FailoverIP as the holder map needs it: `namespace/name`, its addresses, where it is now. */
export interface HeldFailoverIP {
  readonly key: string;
  readonly addresses: readonly string[];
  readonly assignedNode: string | null;
  readonly holderSince?: number | null;
  readonly previousHolder?: string | null;
}

/** The `holders` argument of alertNode: each FailoverIP's `namespace/name`, its `name` and each address to its holder. */
export function holderMap(fips: Iterable<HeldFailoverIP>): Map<string, Holder> {
  const holders = new Map<string, Holder>();
  for (const fip of fips) {
    if (fip.assignedNode === null) continue;
    const holder: Holder = { node: fip.assignedNode, since: fip.holderSince ?? null, previous: fip.previousHolder ?? null };
    holders.set(fip.key, holder);
    holders.set(fip.key.slice(fip.key.indexOf('/') + 1), holder);
    for (const address of fip.addresses) holders.set(address, holder);
  }
  return holders;
}

/**
 * The node an alert is about, or null when it names none we know:
 * 1. label `node`;
 * 2. label `instance` with the port cut off, matched against names and addresses, except for
 *    `job="kube-state-metrics"` (its `instance` is the exporter's pod, not the node);
 * 3. the labels the policy names, in order;
 * 4. the policy's FailoverIP label: the alert is about whoever held that FailoverIP when the
 *    alert started. A probe alert that began before the last move is about the node the IP
 *    left, not the one it went to: blaming the new holder would bounce the IP around.
 * `holders` maps a FailoverIP's `namespace/name`, its `name` and each of its addresses to its holder.
 */
export function alertNode(
  labels: Readonly<Record<string, string>>,
  index: NodeIndex,
  policy: AlertPolicy,
  holders: ReadonlyMap<string, Holder> = new Map(),
  startsAt?: number,
): string | null {
  const named = namedNode(labels, index, policy);
  return named === BY_HOLDER ? holderNode(labels, policy, holders, startsAt) : named;
}

/** Step 4 of alertNode, for an alert that names a FailoverIP. */
export function holderNode(
  labels: Readonly<Record<string, string>>,
  policy: AlertPolicy,
  holders: ReadonlyMap<string, Holder>,
  startsAt?: number,
): string | null {
  const fip = labels[policy.failoverIpLabel ?? ''];
  if (fip === undefined) return null;
  const holder = holders.get(fip) ?? holders.get(fip.replace(/\/(32|128)$/, ''));
  if (holder === undefined) return null;
  if (startsAt !== undefined && holder.since !== null && startsAt < holder.since) return holder.previous;
  return holder.node;
}

export const BY_HOLDER = Symbol('by-holder');

/** Steps 1-3 of alertNode; BY_HOLDER when the alert names a FailoverIP instead (step 4). */
export function namedNode(labels: Readonly<Record<string, string>>, index: NodeIndex, policy: AlertPolicy): string | null | typeof BY_HOLDER {
  const byNode = labels['node'];
  if (byNode !== undefined) {
    const hit = resolve(byNode, index);
    if (hit !== undefined) return hit;
  }
  const instance = labels['instance'];
  if (instance !== undefined && labels['job'] !== 'kube-state-metrics') {
    const hit = resolve(stripPort(instance), index);
    if (hit !== undefined) return hit;
  }
  for (const label of policy.nodeLabels) {
    const value = labels[label];
    if (value === undefined) continue;
    const hit = resolve(value, index) ?? resolve(stripPort(value), index);
    if (hit !== undefined) return hit;
  }
  if (policy.failoverIpLabel !== undefined && labels[policy.failoverIpLabel] !== undefined) return BY_HOLDER;
  return null;
}

/**
 * buildNodeIndex, once per node list when the caller keeps `memo` across passes: a cluster view
 * hands out the same array until a node changes. The core keeps no memo of its own.
 */
export function nodeIndexOf(
  nodes: ReadonlyArray<{ readonly name: string; readonly addresses: readonly string[] }>,
  memo?: WeakMap<object, NodeIndex>,
): NodeIndex {
  let index = memo?.get(nodes);
  if (index === undefined) {
    index = buildNodeIndex(nodes);
    memo?.set(nodes, index);
  }
  return index;
}
