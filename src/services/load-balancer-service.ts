import { firstHost, isNetworkOnly, parseCidr } from '../core/address.js';

/** The spec.loadBalancerClass ipshift implements; a Service of any other class (or none) is never touched. */
export const LOAD_BALANCER_CLASS = 'ipshift.dev/failover-ip';
/** The Service annotation that names its FailoverIP: `namespace/name`, or a bare name (see service-binding.ts). */
export const FAILOVER_IP_ANNOTATION = 'ipshift.dev/failover-ip';

export type IPFamily = 'IPv4' | 'IPv6';

/** One entry of status.loadBalancer.ingress, as ipshift writes it. */
export interface LoadBalancerIngress {
  readonly ip: string;
  /** VIP: kube-proxy handles the address on every node (the traffic arrives on the node with the destination unchanged). */
  readonly ipMode?: 'VIP' | 'Proxy';
}

/** What ipshift needs to know about one Service. */
export interface ServiceFacts {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** spec.type (ClusterIP, NodePort, LoadBalancer, ExternalName). */
  readonly type: string;
  readonly loadBalancerClass: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly externalTrafficPolicy: 'Local' | 'Cluster';
  /** spec.ipFamilies; empty when the API server did not say (then every family is served). */
  readonly ipFamilies: readonly IPFamily[];
  /** status.loadBalancer.ingress as observed. */
  readonly ingress: readonly LoadBalancerIngress[];
  /** metadata.creationTimestamp in epoch ms (0 when absent): the older claim wins. */
  readonly createdAt: number;
  readonly deleting: boolean;
}

export const serviceKey = (s: { readonly namespace: string; readonly name: string }): string => `${s.namespace}/${s.name}`;

/** A LoadBalancer Service of ipshift's class: the only kind whose status ipshift writes. */
export const isOurs = (s: ServiceFacts): boolean => s.type === 'LoadBalancer' && s.loadBalancerClass === LOAD_BALANCER_CLASS && !s.deleting;

/**
 * The address a Service is reached on for one FailoverIP address: IPv4 without its /32; an IPv6
 * prefix as the address the node agent configures (its first host when the host bits are zero,
 * else the address as given). Null for text that is no address (the schema refuses it anyway).
 */
export function ingressAddress(text: string): { readonly ip: string; readonly family: IPFamily } | null {
  const cidr = parseCidr(text, (family) => (family === 4 ? 32 : 64));
  if (cidr === null) return null;
  if (cidr.family === 4) return { ip: cidr.address, family: 'IPv4' };
  return { ip: isNetworkOnly(cidr) ? firstHost(cidr) : cidr.address, family: 'IPv6' };
}

/** The ingress entries of a Service bound to a FailoverIP with these addresses (only the Service's IP families). */
export function ingressFor(addresses: readonly string[], families: readonly IPFamily[]): LoadBalancerIngress[] {
  const out: LoadBalancerIngress[] = [];
  for (const text of addresses) {
    const address = ingressAddress(text);
    if (address === null || (families.length > 0 && !families.includes(address.family))) continue;
    if (!out.some((e) => e.ip === address.ip)) out.push({ ip: address.ip, ipMode: 'VIP' });
  }
  return out;
}

/** Whether two ingress lists say the same (order and all: ipshift writes them in spec order). */
export const sameIngress = (a: readonly LoadBalancerIngress[], b: readonly LoadBalancerIngress[]): boolean =>
  a.length === b.length && a.every((e, i) => e.ip === b[i]?.ip && (e.ipMode ?? null) === (b[i]?.ipMode ?? null));
