import { desiredDnsEndpoint, type DesiredDnsEndpoint, type DnsRecord } from '../core/dns-records.js';
import { failoverIPKey, type FailoverIPObject } from '../core/model.js';
import type { DnsReason } from '../core/reasons.js';
import { classify } from '../errors.js';
import type { ClusterWriter, Leadership } from '../ports/cluster.js';
import type { Clock } from '../ports/clock.js';
import type { DnsEndpointStore, ManagedDnsEndpoint } from '../ports/dns-endpoints.js';
import type { Logger } from '../ports/logger.js';
import type { ReconcileSnapshot } from '../reconcile/reconciler.js';

export interface DnsPublisherDeps {
  readonly store: DnsEndpointStore;
  readonly snapshot: () => ReconcileSnapshot;
  readonly leadership: Pick<Leadership, 'isLeader'>;
  readonly writer: Pick<ClusterWriter, 'recordEvent'>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Re-list a namespace's DNSEndpoints this often, to heal hand edits and deletions (default 5 min). */
  readonly relistMs?: number;
  /** Look for a missing DNSEndpoint CRD again after this long (default 60 s). */
  readonly crdRetryMs?: number;
}

interface NamespaceState {
  listedAt: number;
  crdMissing: boolean;
  readonly items: Map<string, ManagedDnsEndpoint>;
}

const sameRecords = (a: readonly DnsRecord[], b: readonly DnsRecord[]): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Keeps external-dns's DNSEndpoint objects in line with the FailoverIPs that ask for DNS
 * (spec.dns): one per FailoverIP, named ipshift-<name>, in its namespace, owned by it (so the
 * API server's garbage collector removes it with the FailoverIP), rewritten only when its
 * records or holder change. Only the leader writes. It runs beside the reconcile loop, one sync
 * at a time (requests coalesce), so a slow or broken API for DNSEndpoints never delays a
 * failover. Without the DNSEndpoint CRD it says so once in the log and once per FailoverIP in a
 * Warning Event, and looks again every crdRetryMs.
 */
export class DnsPublisher {
  readonly #deps: DnsPublisherDeps;
  readonly #known = new Map<string, NamespaceState>();
  /** FailoverIPs told (by Event) that their records cannot be published, with why. */
  readonly #told = new Map<string, DnsReason>();
  #crdWarned = false;
  #running: Promise<void> | null = null;
  #dirty = false;
  #stopped = false;

  constructor(deps: DnsPublisherDeps) {
    this.#deps = deps;
  }

  /** Asks for a sync (after each reconcile); coalesces with one that is running. */
  request(): void {
    if (this.#stopped) return;
    this.#dirty = true;
    if (this.#running !== null) return;
    this.#running = (async () => {
      while (this.#dirty && !this.#stopped) {
        this.#dirty = false;
        await this.#sync().catch((error: unknown) => this.#deps.logger.error('DNS publishing failed', { err: error }));
      }
    })().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves when no sync is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.idle();
  }

  async #sync(): Promise<void> {
    if (!this.#deps.leadership.isLeader()) {
      // A new leader learns what exists from the API, not from what this replica wrote earlier.
      this.#known.clear();
      return;
    }
    const snapshot = this.#deps.snapshot();
    const desired = new Map<string, Map<string, { want: DesiredDnsEndpoint; fip: FailoverIPObject }>>();
    for (const { object, memory } of snapshot.failoverIPs) {
      const want = desiredDnsEndpoint({ fip: object, holder: memory.assignedNode, candidates: memory.candidates, nodes: snapshot.nodes });
      if (want === null) {
        this.#told.delete(failoverIPKey(object));
        continue;
      }
      const inNamespace = desired.get(object.namespace) ?? new Map();
      inNamespace.set(want.name, { want, fip: object });
      desired.set(object.namespace, inNamespace);
    }
    for (const namespace of new Set([...desired.keys(), ...this.#known.keys()])) {
      await this.#syncNamespace(namespace, desired.get(namespace) ?? new Map());
    }
  }

  async #syncNamespace(namespace: string, desired: ReadonlyMap<string, { want: DesiredDnsEndpoint; fip: FailoverIPObject }>): Promise<void> {
    const { store, logger, clock } = this.#deps;
    const state = await this.#listed(namespace, desired);
    if (state === null) return;
    if (state.crdMissing) {
      for (const { fip } of desired.values()) {
        this.#tell(
          fip,
          'dns-endpoint-crd-missing',
          'the DNSEndpoint CRD (externaldns.k8s.io/v1alpha1) is not installed: no DNS records are published (docs/dns.md)',
        );
      }
      return;
    }
    for (const [name, { want, fip }] of desired) {
      const existing = state.items.get(name);
      if (existing !== undefined && existing.holder === want.holder && sameRecords(existing.endpoints, want.endpoints)) continue;
      const write = { namespace, name, failoverIP: want.failoverIP, holder: want.holder, endpoints: want.endpoints };
      try {
        if (existing === undefined) await store.create(write);
        else await store.update(write);
        state.items.set(name, { ...write });
        this.#told.delete(failoverIPKey(fip));
        logger.info(existing === undefined ? 'DNSEndpoint created' : 'DNSEndpoint updated', {
          failoverIP: failoverIPKey(fip),
          dnsEndpoint: name,
          holder: want.holder,
          records: want.endpoints.map((e) => `${e.dnsName} ${e.recordType} ${e.targets.join(',')}`),
        });
      } catch (error) {
        const classified = classify(error);
        if (classified.code === 'crd-missing') {
          state.crdMissing = true;
          state.listedAt = clock.now();
          return;
        }
        if (classified.code === 'exists') {
          this.#tell(fip, 'dns-endpoint-name-taken', `a DNSEndpoint named ${name} exists and is not ipshift's: it is left alone, no records are published`);
          continue;
        }
        // Not-found on an update: deleted by hand since the last list; the next list recreates it.
        if (classified.code === 'not-found') state.items.delete(name);
        logger.warn('writing a DNSEndpoint failed', {
          failoverIP: failoverIPKey(fip),
          dnsEndpoint: name,
          kind: classified.kind,
          code: classified.code,
          err: error,
        });
      }
    }
    for (const [name, existing] of [...state.items]) {
      if (desired.has(name)) continue;
      try {
        await store.delete(namespace, name);
        state.items.delete(name);
        logger.info('DNSEndpoint deleted', { failoverIP: `${namespace}/${existing.failoverIP}`, dnsEndpoint: name });
      } catch (error) {
        const classified = classify(error);
        logger.warn('deleting a DNSEndpoint failed', { dnsEndpoint: `${namespace}/${name}`, kind: classified.kind, code: classified.code, err: error });
      }
    }
    if (desired.size === 0 && state.items.size === 0) this.#known.delete(namespace);
  }

  /** The namespace's managed DNSEndpoints, listed when not known or due again; null when the list failed. */
  async #listed(namespace: string, desired: ReadonlyMap<string, unknown>): Promise<NamespaceState | null> {
    const { store, logger, clock } = this.#deps;
    const now = clock.now();
    const state = this.#known.get(namespace);
    const due = state === undefined || now - state.listedAt >= (state.crdMissing ? (this.#deps.crdRetryMs ?? 60_000) : (this.#deps.relistMs ?? 300_000));
    if (!due) return state;
    if (desired.size === 0 && state?.crdMissing === true) {
      this.#known.delete(namespace);
      return null;
    }
    try {
      const items = await store.list(namespace);
      if (this.#crdWarned && state?.crdMissing === true) logger.info('the DNSEndpoint CRD is installed now: publishing DNS records', { namespace });
      const fresh: NamespaceState = { listedAt: now, crdMissing: false, items: new Map(items.map((i) => [i.name, i])) };
      this.#known.set(namespace, fresh);
      return fresh;
    } catch (error) {
      const classified = classify(error);
      if (classified.code !== 'crd-missing') {
        logger.warn('listing DNSEndpoints failed', { namespace, kind: classified.kind, code: classified.code, err: error });
        return null;
      }
      if (!this.#crdWarned) {
        this.#crdWarned = true;
        logger.warn('the DNSEndpoint CRD is not installed: FailoverIPs with spec.dns get no DNS records until it is (failover is not affected)', {
          namespace,
          crd: 'dnsendpoints.externaldns.k8s.io',
        });
      }
      const missing: NamespaceState = { listedAt: now, crdMissing: true, items: new Map() };
      this.#known.set(namespace, missing);
      return missing;
    }
  }

  /** One Warning Event per FailoverIP and cause (again only after the cause went away). */
  #tell(fip: FailoverIPObject, reason: DnsReason, message: string): void {
    const key = failoverIPKey(fip);
    if (this.#told.get(key) === reason) return;
    this.#told.set(key, reason);
    this.#deps.writer.recordEvent(fip, 'Warning', reason, message).catch((error: unknown) => {
      this.#deps.logger.warn('could not record a Kubernetes Event', { failoverIP: key, reason, err: error });
    });
  }
}
