import { kubeReason } from '../core/kube-reason.js';
import type { FailoverIPObject, FailoverIPStatus, NodeFacts, PodSelector } from '../core/model.js';
import type { Reason } from '../core/reasons.js';
import type { ClusterChange, ClusterView, ClusterWriter, EventType, Leadership, NodeMetadataPatch } from '../ports/cluster.js';
import { Listeners } from '../listeners.js';

export interface RecordedEvent {
  readonly namespace: string;
  readonly name: string;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  readonly at: number;
}

/**
 * An in-process cluster: the sandbox's simulated nodes and the fake behind in-process tests.
 * Writes land at once, so a status patch is visible to the very next run.
 */
export class MemoryCluster implements ClusterView, ClusterWriter {
  readonly #nodes = new Map<string, NodeFacts>();
  readonly #fips = new Map<string, FailoverIPObject>();
  readonly #podNodes = new Map<string, Set<string>>();
  readonly #listeners = new Listeners<ClusterChange>();
  readonly events: RecordedEvent[] = [];
  statusPatches = 0;

  constructor(private readonly now: () => number = Date.now) {}

  nodes(): readonly NodeFacts[] {
    return [...this.#nodes.values()];
  }

  failoverIPs(): readonly FailoverIPObject[] {
    return [...this.#fips.values()];
  }

  nodesWithReadyPods(selector: PodSelector): ReadonlySet<string> {
    return this.#podNodes.get(selector.namespace) ?? new Set();
  }

  onChange(listener: (change: ClusterChange) => void): () => void {
    return this.#listeners.add(listener);
  }

  setNode(node: NodeFacts): void {
    this.#nodes.set(node.name, node);
    this.#emit('node');
  }

  updateNode(name: string, change: (node: NodeFacts) => NodeFacts): void {
    const node = this.#nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    this.setNode(change(node));
  }

  deleteNode(name: string): void {
    this.#nodes.delete(name);
    this.#emit('node');
  }

  setFailoverIP(fip: FailoverIPObject): void {
    this.#fips.set(`${fip.namespace}/${fip.name}`, fip);
    this.#emit('failover-ip');
  }

  getFailoverIP(namespace: string, name: string): FailoverIPObject | undefined {
    return this.#fips.get(`${namespace}/${name}`);
  }

  deleteFailoverIP(namespace: string, name: string): void {
    this.#fips.delete(`${namespace}/${name}`);
    this.#emit('failover-ip');
  }

  setReadyPodNodes(namespace: string, nodes: readonly string[]): void {
    this.#podNodes.set(namespace, new Set(nodes));
    this.#emit('pod');
  }

  async patchStatus(namespace: string, name: string, status: Partial<FailoverIPStatus>): Promise<void> {
    const fip = this.#fips.get(`${namespace}/${name}`);
    if (fip === undefined) return;
    this.statusPatches++;
    // Status writes do not bump the generation and do not trigger a reconcile (as with a real API server + observedGeneration).
    this.#fips.set(`${namespace}/${name}`, { ...fip, status: { ...fip.status, ...status } });
  }

  /** As the Kubernetes adapter: the Event carries the reason's CamelCase form. */
  async recordEvent(fip: { namespace: string; name: string }, type: EventType, reason: Reason, message: string): Promise<void> {
    this.events.push({ namespace: fip.namespace, name: fip.name, type, reason: kubeReason(reason), message, at: this.now() });
    if (this.events.length > 500) this.events.shift();
  }

  async removeAnnotation(namespace: string, name: string, key: string): Promise<void> {
    const fip = this.#fips.get(`${namespace}/${name}`);
    if (fip === undefined || fip.annotations[key] === undefined) return;
    const annotations = { ...fip.annotations };
    delete annotations[key];
    this.setFailoverIP({ ...fip, annotations });
  }

  async patchNodeMetadata(name: string, patch: NodeMetadataPatch): Promise<void> {
    const node = this.#nodes.get(name);
    if (node === undefined) return;
    const merged = (current: Readonly<Record<string, string>>, change: Readonly<Record<string, string | null>> | undefined): Record<string, string> => {
      const next = { ...current };
      for (const [key, value] of Object.entries(change ?? {})) {
        if (value === null) delete next[key];
        else next[key] = value;
      }
      return next;
    };
    this.setNode({ ...node, labels: merged(node.labels, patch.labels), annotations: merged(node.annotations, patch.annotations) });
  }

  #emit(change: ClusterChange): void {
    this.#listeners.notify(change);
  }
}

/** Leadership that is fixed (the sandbox, single-replica tests), or flipped by hand in tests. */
export class StaticLeadership implements Leadership {
  readonly #listeners = new Listeners<boolean>();

  constructor(
    private leader = true,
    private endpoint: string | null = null,
  ) {}

  isLeader(): boolean {
    return this.leader;
  }

  leaderEndpoint(): string | null {
    return this.endpoint;
  }

  set(leader: boolean, endpoint: string | null = this.endpoint): void {
    this.endpoint = endpoint;
    if (leader === this.leader) return;
    this.leader = leader;
    this.#listeners.notify(leader);
  }

  onChange(listener: (leader: boolean) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Why leadership was given up, oldest first (tests read it). */
  readonly resignations: string[] = [];

  /** The only replica: it steps down for `holdOffMs` (default 0) and then leads again, as no one else would. */
  resign(reason: string, holdOffMs = 0): Promise<void> {
    this.resignations.push(reason);
    if (this.leader) {
      this.set(false);
      setTimeout(() => this.set(true), holdOffMs).unref();
    }
    return Promise.resolve();
  }
}
