/**
 * The closed vocabulary of decisions. The same strings appear in status.lastDecision, the
 * structured log line, the Kubernetes Event and the metric labels, so a user can follow one
 * decision everywhere. Adding a value is an API change: update the dashboard and rules too.
 */

/** What the controller does with a FailoverIP. */
export const OUTCOMES = ['keep', 'move', 'wait-cooldown', 'wait-grace', 'no-eligible-node', 'paused'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Why. */
export const REASONS = [
  /** No eligible node is strictly healthier than the holder. */
  'holder-healthiest',
  /** The holder has a `down` issue (NotReady, unreachable, NetworkUnavailable, a down alert). */
  'holder-down',
  /** The holder is cordoned or has a `drain` alert. */
  'holder-draining',
  /** The holder is degraded (pressure, a degraded alert). */
  'holder-degraded',
  /**
   * The holder is deleted, no longer selected, lacks the required pod, a ready endpoint of the
   * LoadBalancer Service the FailoverIP serves (externalTrafficPolicy Local) or a server id.
   */
  'holder-ineligible',
  /** The provider routes the IP nowhere, or to a server that is no node of ours. */
  'unrouted',
  /** The ipshift.dev/move-to annotation asked for this node. */
  'manual-move',
  /** The ipshift.dev/move-to annotation names a node that is not eligible. */
  'manual-target-ineligible',
  /** spec.paused is true. */
  'paused',
  /**
   * The provider routes some addresses of the FailoverIP to the holder and others elsewhere (it
   * took a move in part, e.g. refused the second address with a rate limit): the rest follow.
   */
  'partial-routing',
  /**
   * The provider refused the target because its server already holds another address and it
   * allows one per server (DigitalOcean: one reserved IP per Droplet). The node is ruled out
   * (`server-in-use`) and the next candidate is tried.
   */
  'target-in-use',
  /** The chosen target did not answer the check before routing (its agent's identity, the service check): the next candidate. */
  'target-check-failed',
  /** After the move, the failover address did not answer from the new holder within spec.check.confirmSeconds. */
  'move-unconfirmed',
  /**
   * A node's provider server, found from its spec.providerID or its addresses, differs from the
   * one ipshift pinned for it (ipshift.dev/server-pin.<provider>): the node is not eligible until
   * an operator confirms (removes the pin, or names the server with ipshift.dev/server-id).
   */
  'server-remapped',
] as const;
export type Reason = (typeof REASONS)[number];

/**
 * What ipshift did with a LoadBalancer Service of its class (src/services): the Events on the
 * Service and the log lines carry these, the Events in their CamelCase form (kubeReason).
 */
export const SERVICE_REASONS = [
  /** The Service got the addresses of a FailoverIP in status.loadBalancer.ingress. */
  'address-assigned',
  /** The node that holds the Service's FailoverIP, told on every change (MetalLB's nodeAssigned). */
  'node-assigned',
  /** ipshift cleared the addresses it wrote: the Service changed type, class or annotation, or its claim is no longer allowed. */
  'address-released',
  /** The FailoverIP the annotation names does not exist, does not allow this Service or serves another one. */
  'claim-refused',
  /** No free FailoverIP allows this Service. */
  'pool-exhausted',
] as const;
export type ServiceReason = (typeof SERVICE_REASONS)[number];

/** The result of applying a move (ipshift_moves_total{result}). */
export const MOVE_RESULTS = ['success', 'failure', 'rate-limited', 'adopted', 'partial'] as const;
export type MoveResult = (typeof MOVE_RESULTS)[number];

/**
 * Why a FailoverIP's DNS records (spec.dns) are not published (src/dns/): in the log and in a
 * Warning Event on the FailoverIP. Failing over never waits for DNS.
 */
export const DNS_REASONS = [
  /** The DNSEndpoint CRD (externaldns.k8s.io/v1alpha1) is not installed. */
  'dns-endpoint-crd-missing',
  /** A DNSEndpoint of the name ipshift uses exists and is not ipshift's: it is left alone. */
  'dns-endpoint-name-taken',
] as const;
export type DnsReason = (typeof DNS_REASONS)[number];
