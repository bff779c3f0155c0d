import type { FailoverIPObject, NodeFacts } from '../core/model.js';
import type { PodFacts } from './convert.js';

/**
 * Which cache updates deserve a reconcile. A kubelet rewrites its Node every few seconds
 * (heartbeat times, resourceVersion, image lists); none of that can change a decision, so only
 * what the health model and the selectors read counts.
 */

const OWN_PREFIX = 'ipshift.dev/';

/** Label keys any FailoverIP's nodeSelector reads. */
export function labelKeysInUse(fips: Iterable<FailoverIPObject>): Set<string> {
  const keys = new Set<string>();
  for (const fip of fips) {
    for (const key of Object.keys(fip.spec.nodeSelector?.matchLabels ?? {})) keys.add(key);
    for (const e of fip.spec.nodeSelector?.matchExpressions ?? []) keys.add(e.key);
  }
  return keys;
}

function sameEntries(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>, keep: (key: string) => boolean): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter(keep));
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

const taintKey = (t: NodeFacts['taints'][number]): string => `${t.key}=${t.value ?? ''}:${t.effect}`;

export function nodeChanged(previous: NodeFacts, next: NodeFacts, labelKeys: ReadonlySet<string>): boolean {
  if (previous.unschedulable !== next.unschedulable || previous.deleting !== next.deleting) return true;
  if (previous.providerID !== next.providerID) return true;
  if (!sameEntries(previous.conditions, next.conditions, () => true)) return true;
  if (previous.taints.map(taintKey).sort().join('|') !== next.taints.map(taintKey).sort().join('|')) return true;
  if ([...previous.addresses].sort().join(',') !== [...next.addresses].sort().join(',')) return true;
  if (!sameEntries(previous.labels, next.labels, (k) => labelKeys.has(k) || k.startsWith(OWN_PREFIX))) return true;
  return !sameEntries(previous.annotations, next.annotations, (k) => k.startsWith(OWN_PREFIX));
}

/**
 * Status is written by the controller itself: a status-only update must not ask for another
 * reconcile, or every write would start the next one. Spec changes bump metadata.generation.
 */
export function failoverIPChanged(previous: FailoverIPObject, next: FailoverIPObject): boolean {
  return previous.generation !== next.generation || !sameEntries(previous.annotations, next.annotations, (k) => k.startsWith(OWN_PREFIX));
}

/** What the agent acts on in status: the controller's decision and its acceptance of the spec. */
export function failoverIPStatusChanged(previous: FailoverIPObject, next: FailoverIPObject): boolean {
  const decision = (f: FailoverIPObject): string =>
    JSON.stringify([f.status.desiredNode, f.status.assignedNode, f.status.observedGeneration, f.status.conditions?.find((c) => c.type === 'Accepted')]);
  return decision(previous) !== decision(next);
}

export function podChanged(previous: PodFacts, next: PodFacts): boolean {
  return previous.nodeName !== next.nodeName || previous.ready !== next.ready || !sameEntries(previous.labels, next.labels, () => true);
}
