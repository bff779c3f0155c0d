import type { ServiceReason } from '../core/reasons.js';
import type { LoadBalancerIngress, ServiceFacts } from '../services/load-balancer-service.js';
import type { EventType } from './cluster.js';

/** The LoadBalancer Services side of the cluster, kept warm by watches (src/kube/service-view.ts). */
export interface ServiceView {
  services(): readonly ServiceFacts[];
  /**
   * Nodes with a ready endpoint of the Service (EndpointSlices: conditions.ready not false,
   * nodeName set); undefined while its namespace's EndpointSlices are not listed yet (the
   * caller then imposes no constraint rather than one built on nothing).
   */
  readyEndpointNodes(namespace: string, name: string): ReadonlySet<string> | undefined;
  /** Calls `listener` on every change of a Service or of an EndpointSlice that matters. */
  onChange(listener: (change: 'service' | 'endpoints') => void): () => void;
}

/** Writes on Services. ipshift owns only status.loadBalancer of Services of its class. Every call rejects only with an IpshiftError. */
export interface ServiceWriter {
  /** Merge-patches status.loadBalancer.ingress through the status subresource; an empty list removes it. */
  patchIngress(namespace: string, name: string, ingress: readonly LoadBalancerIngress[]): Promise<void>;
  /** An Event on the Service; the reason in its CamelCase form (kubeReason). */
  recordEvent(service: { namespace: string; name: string; uid: string }, type: EventType, reason: ServiceReason, message: string): Promise<void>;
}
