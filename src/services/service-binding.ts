import { matchesSelector } from '../core/label-selector.js';
import { failoverIPKey, type FailoverIPObject } from '../core/model.js';
import type { ServiceReason } from '../core/reasons.js';
import {
  FAILOVER_IP_ANNOTATION,
  ingressAddress,
  ingressFor,
  isOurs,
  serviceKey,
  type LoadBalancerIngress,
  type ServiceFacts,
} from './load-balancer-service.js';

/**
 * Which FailoverIP serves which LoadBalancer Service. Pure: the same Services and FailoverIPs
 * always give the same bindings, so every replica (and a restarted one) agrees, and nothing but
 * the objects themselves is remembered. The rules, in order:
 *
 * 1. Only Services of type LoadBalancer with spec.loadBalancerClass ipshift.dev/failover-ip
 *    take part; a FailoverIP serves at most one Service, and only when its
 *    spec.serviceAllocation allows the Service (its namespace is listed, or `*`; its labels
 *    match serviceSelector). A FailoverIP without serviceAllocation serves none: a Service
 *    cannot take an IP its owner did not offer, whatever it names.
 * 2. Services naming a FailoverIP (annotation ipshift.dev/failover-ip) go first, oldest first;
 *    a FailoverIP already claimed by an older one refuses the younger.
 * 3. The others get a free FailoverIP: first the one whose addresses the Service already
 *    shows (ipshift wrote them; a restart or a new leader keeps them), then the first free one
 *    in namespace/name order. None free: the Service waits, with a Warning Event.
 */

export type Claim =
  | {
      readonly kind: 'bound';
      readonly service: ServiceFacts;
      /** `namespace/name` of the FailoverIP. */
      readonly failoverIP: string;
      readonly ingress: readonly LoadBalancerIngress[];
    }
  | {
      readonly kind: 'refused';
      readonly service: ServiceFacts;
      readonly reason: Extract<ServiceReason, 'claim-refused' | 'pool-exhausted'>;
      readonly message: string;
    };

export interface Bindings {
  /** One per Service of ipshift's class, in the order they were decided (oldest first). */
  readonly claims: readonly Claim[];
  /** FailoverIP key → the Service it serves. */
  readonly byFailoverIP: ReadonlyMap<string, ServiceFacts>;
  /**
   * Services no longer of ipshift's class (the type changed, which wipes the class) whose status
   * still shows FailoverIP addresses: what ipshift wrote there is to be cleared. A LoadBalancer
   * Service of another class is never in this list, whatever it shows.
   */
  readonly stale: readonly ServiceFacts[];
}

/** Why `fip` may not serve `service`, or null when it may. */
export function refusal(fip: FailoverIPObject, service: ServiceFacts): string | null {
  const allocation = fip.spec.serviceAllocation;
  const name = failoverIPKey(fip);
  if (allocation === undefined) return `FailoverIP ${name} serves no Services (it has no spec.serviceAllocation)`;
  if (!allocation.namespaces.includes('*') && !allocation.namespaces.includes(service.namespace)) {
    return `FailoverIP ${name} allows Services in ${allocation.namespaces.join(', ')} only, not in ${service.namespace}`;
  }
  if (!matchesSelector(service.labels, allocation.serviceSelector))
    return `the spec.serviceAllocation.serviceSelector of FailoverIP ${name} does not select this Service`;
  if (ingressFor(fip.spec.addresses, service.ipFamilies).length === 0) {
    return `FailoverIP ${name} has no address of the Service's IP families (${service.ipFamilies.join(', ')})`;
  }
  return null;
}

/**
 * The FailoverIP an annotation value names: `namespace/name` exactly; a bare name in the
 * Service's own namespace, else the one FailoverIP of that name among those ipshift reads.
 */
export function resolveReference(value: string, service: ServiceFacts, fips: readonly FailoverIPObject[]): FailoverIPObject | string {
  const ref = value.trim();
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const found = fips.find((f) => f.namespace === ref.slice(0, slash) && f.name === ref.slice(slash + 1));
    return found ?? `the ${FAILOVER_IP_ANNOTATION} annotation names FailoverIP ${ref}, which does not exist in the namespaces ipshift reads`;
  }
  const named = fips.filter((f) => f.name === ref);
  const own = named.find((f) => f.namespace === service.namespace);
  if (own !== undefined) return own;
  if (named.length === 1 && named[0] !== undefined) return named[0];
  if (named.length === 0) return `the ${FAILOVER_IP_ANNOTATION} annotation names FailoverIP ${ref}, which does not exist in the namespaces ipshift reads`;
  return `the ${FAILOVER_IP_ANNOTATION} annotation names ${ref}, which is ambiguous (${named.map(failoverIPKey).join(', ')}): write namespace/name`;
}

const byAge = (a: ServiceFacts, b: ServiceFacts): number =>
  a.createdAt - b.createdAt || (serviceKey(a) < serviceKey(b) ? -1 : serviceKey(a) > serviceKey(b) ? 1 : 0);

const fipAddresses = (fip: FailoverIPObject): ReadonlySet<string> =>
  new Set(fip.spec.addresses.flatMap((text) => (ingressAddress(text) === null ? [] : [ingressAddress(text)?.ip ?? ''])));

export function bindServices(services: readonly ServiceFacts[], fips: readonly FailoverIPObject[]): Bindings {
  const ordered = [...fips].sort((a, b) => (failoverIPKey(a) < failoverIPKey(b) ? -1 : 1));
  const ours = services.filter(isOurs).sort(byAge);
  const servedBy = new Map<string, ServiceFacts>();
  const decided = new Map<string, Claim>();
  const bind = (service: ServiceFacts, fip: FailoverIPObject): void => {
    servedBy.set(failoverIPKey(fip), service);
    decided.set(service.uid === '' ? serviceKey(service) : service.uid, {
      kind: 'bound',
      service,
      failoverIP: failoverIPKey(fip),
      ingress: ingressFor(fip.spec.addresses, service.ipFamilies),
    });
  };
  const refuse = (service: ServiceFacts, reason: 'claim-refused' | 'pool-exhausted', message: string): void => {
    decided.set(service.uid === '' ? serviceKey(service) : service.uid, { kind: 'refused', service, reason, message });
  };

  const named = ours.filter((s) => s.annotations[FAILOVER_IP_ANNOTATION] !== undefined);
  for (const service of named) {
    const fip = resolveReference(service.annotations[FAILOVER_IP_ANNOTATION] ?? '', service, ordered);
    if (typeof fip === 'string') {
      refuse(service, 'claim-refused', fip);
      continue;
    }
    const why = refusal(fip, service);
    const holder = servedBy.get(failoverIPKey(fip));
    if (why !== null) refuse(service, 'claim-refused', why);
    else if (holder !== undefined)
      refuse(service, 'claim-refused', `FailoverIP ${failoverIPKey(fip)} already serves Service ${serviceKey(holder)}, the older claim`);
    else bind(service, fip);
  }

  const pooled = ours.filter((s) => s.annotations[FAILOVER_IP_ANNOTATION] === undefined);
  const free = (service: ServiceFacts): FailoverIPObject[] => ordered.filter((f) => !servedBy.has(failoverIPKey(f)) && refusal(f, service) === null);
  // What a Service already shows keeps it, before any newcomer picks: no binding flips on a restart.
  const waiting: ServiceFacts[] = [];
  for (const service of pooled) {
    const shown = new Set(service.ingress.map((e) => e.ip));
    const kept = shown.size === 0 ? undefined : free(service).find((f) => [...fipAddresses(f)].some((ip) => shown.has(ip)));
    if (kept === undefined) waiting.push(service);
    else bind(service, kept);
  }
  for (const service of waiting) {
    const fip = free(service)[0];
    if (fip === undefined) {
      refuse(
        service,
        'pool-exhausted',
        `no free FailoverIP allows this Service: name one with the ${FAILOVER_IP_ANNOTATION} annotation, or give one a spec.serviceAllocation that allows it`,
      );
    } else bind(service, fip);
  }

  const everyAddress = new Set(fips.flatMap((f) => [...fipAddresses(f)]));
  const stale = services.filter((s) => s.type !== 'LoadBalancer' && !s.deleting && s.ingress.length > 0 && s.ingress.every((e) => everyAddress.has(e.ip)));
  return {
    claims: ours.map((s) => decided.get(s.uid === '' ? serviceKey(s) : s.uid)).filter((c): c is Claim => c !== undefined),
    byFailoverIP: servedBy,
    stale,
  };
}
