import type { FailoverIPObject, FailoverIPStatus, NodeFacts, PodSelector } from '../core/model.js';
import type { DnsReason, Reason } from '../core/reasons.js';
import type { Secret } from '../config/secret.js';

/** What changed in the cluster; every change is only a hint to run a reconcile. */
export type ClusterChange = 'node' | 'failover-ip' | 'pod' | 'resync';

/** The reconciler's read view of the cluster, kept warm by a watch plus a periodic re-list. */
export interface ClusterView {
  nodes(): readonly NodeFacts[];
  failoverIPs(): readonly FailoverIPObject[];
  /** Names of nodes running a Ready pod matching the selector (the adapter watches pods only when asked). */
  nodesWithReadyPods(selector: PodSelector): ReadonlySet<string>;
  /** Calls `listener` on every relevant change (heartbeats filtered out). Returns an unsubscribe. */
  onChange(listener: (change: ClusterChange) => void): () => void;
}

export type EventType = 'Normal' | 'Warning';

/** Writes the reconciler makes. Every call rejects only with an IpshiftError. */
export interface ClusterWriter {
  /** Merge-patches the status subresource, retrying on conflict. */
  patchStatus(namespace: string, name: string, status: Partial<FailoverIPStatus>): Promise<void>;
  /** Records a Kubernetes Event on the FailoverIP; the adapter writes the decision's reason code in its CamelCase form (kubeReason). */
  recordEvent(fip: { namespace: string; name: string }, type: EventType, reason: Reason | DnsReason, message: string): Promise<void>;
  removeAnnotation(namespace: string, name: string, key: string): Promise<void>;
  /**
   * Merge-patches a Node's metadata: each label and annotation set to a value, or removed
   * (null). Only ipshift's own keys (the holder label, the server pin; the admission policy
   * refuses the rest).
   */
  patchNodeMetadata(name: string, patch: NodeMetadataPatch): Promise<void>;
}

export interface NodeMetadataPatch {
  readonly labels?: Readonly<Record<string, string | null>>;
  readonly annotations?: Readonly<Record<string, string | null>>;
}

/** Reads a Secret by name (get only) and writes back rotated keys. */
export interface SecretAccess {
  read(namespace: string, name: string): Promise<Record<string, Secret>>;
  write(namespace: string, name: string, values: Record<string, Secret>): Promise<void>;
}

/** Leader election as the rest of the service sees it. */
export interface Leadership {
  isLeader(): boolean;
  /** The webhook endpoint (base URL) the current leader advertises, or null when unknown. */
  leaderEndpoint(): string | null;
  onChange(listener: (isLeader: boolean) => void): () => void;
  /**
   * Voluntary hand-over: stop leading now (releasing the Lease, so a ready follower takes it at
   * once) and stay out of the election for `holdOffMs` (bounded; default two Lease durations).
   * Called by a follower, it only keeps this replica from campaigning for that time.
   */
  resign(reason: string, holdOffMs?: number): Promise<void>;
}

/** Every signal asks for a reconcile through this; requests coalesce. */
export interface ReconcileTrigger {
  request(reason: string): void;
}
