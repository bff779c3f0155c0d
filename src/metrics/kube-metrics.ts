import { Counter, Gauge, type Registry } from 'prom-client';

/** Kubernetes API operations the adapter makes; a fixed vocabulary so the `operation` label stays bounded. */
export type KubeOperation =
  | 'list_nodes'
  | 'watch_nodes'
  | 'list_failoverips'
  | 'watch_failoverips'
  | 'list_pods'
  | 'watch_pods'
  | 'list_services'
  | 'watch_services'
  | 'list_endpointslices'
  | 'watch_endpointslices'
  | 'patch_service_status'
  | 'patch_status'
  | 'patch_failoverip'
  | 'patch_node'
  | 'create_event'
  | 'get_secret'
  | 'patch_secret'
  | 'create_secret'
  | 'get_lease'
  | 'create_lease'
  | 'update_lease'
  | 'list_dnsendpoints'
  | 'create_dnsendpoint'
  | 'patch_dnsendpoint'
  | 'delete_dnsendpoint';

/** The resources the adapter keeps a watch on (`resource` label). */
export type WatchedResource = 'nodes' | 'failoverips' | 'pods' | 'services' | 'endpointslices';

/** Why a watch was restarted: the server closed it, it failed, or its version was too old (410). */
export type WatchRestartReason = 'closed' | 'error' | 'gone';

/** Why the adapter listed a resource in full. */
export type RelistReason = 'initial' | 'resync' | 'gone' | 'recovery';

export interface KubeMetrics {
  apiError(operation: KubeOperation): void;
  watchRestart(resource: WatchedResource, reason: WatchRestartReason): void;
  relist(resource: WatchedResource, reason: RelistReason): void;
  cachedObjects(resource: WatchedResource, count: number): void;
  leader(isLeader: boolean): void;
  leaderTransition(): void;
  /** How many watched collections of `resource` cannot be listed right now (403, no answer). */
  listFailing(resource: WatchedResource, count: number): void;
}

export function createKubeMetrics(registry: Registry): KubeMetrics {
  const registers = [registry];
  const apiErrors = new Counter({
    name: 'ipshift_kube_api_errors_total',
    help: 'Failed Kubernetes API requests (HTTP error or no answer) by operation.',
    labelNames: ['operation'] as const,
    registers,
  });
  const watchRestarts = new Counter({
    name: 'ipshift_kube_watch_restarts_total',
    help: 'Watch streams re-opened, by resource and reason (closed by the server, error, 410 Gone).',
    labelNames: ['resource', 'reason'] as const,
    registers,
  });
  const relists = new Counter({
    name: 'ipshift_kube_relists_total',
    help: 'Full lists of a watched resource, by reason (initial, periodic resync, after 410 Gone, after an error).',
    labelNames: ['resource', 'reason'] as const,
    registers,
  });
  const objects = new Gauge({
    name: 'ipshift_kube_cached_objects',
    help: 'Objects in the local cache of a watched resource.',
    labelNames: ['resource'] as const,
    registers,
  });
  const leader = new Gauge({
    name: 'ipshift_leader',
    help: '1 while this replica holds the leader Lease, else 0.',
    registers,
  });
  const transitions = new Counter({
    name: 'ipshift_leader_transitions_total',
    help: 'Times this replica became or stopped being the leader.',
    registers,
  });
  const listFailing = new Gauge({
    name: 'ipshift_kube_list_failing',
    help: 'Watched collections of a resource whose list fails right now (403 from RBAC, no answer); what depends on them is judged without them.',
    labelNames: ['resource'] as const,
    registers,
  });
  leader.set(0);
  return {
    listFailing: (resource, count) => listFailing.set({ resource }, count),
    apiError: (operation) => apiErrors.inc({ operation }),
    watchRestart: (resource, reason) => watchRestarts.inc({ resource, reason }),
    relist: (resource, reason) => relists.inc({ resource, reason }),
    cachedObjects: (resource, count) => objects.set({ resource }, count),
    leader: (isLeader) => leader.set(isLeader ? 1 : 0),
    leaderTransition: () => transitions.inc(),
  };
}
