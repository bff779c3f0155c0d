import { randomUUID } from 'node:crypto';

/** A stored API object: JSON as the API server would send it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ResourceType {
  readonly plural: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
  /** Main endpoint ignores status, `/status` changes only status, spec changes bump generation. */
  readonly statusSubresource: boolean;
}

export const RESOURCES: readonly ResourceType[] = [
  { plural: 'nodes', kind: 'Node', apiVersion: 'v1', namespaced: false, statusSubresource: false },
  { plural: 'pods', kind: 'Pod', apiVersion: 'v1', namespaced: true, statusSubresource: false },
  { plural: 'services', kind: 'Service', apiVersion: 'v1', namespaced: true, statusSubresource: true },
  { plural: 'secrets', kind: 'Secret', apiVersion: 'v1', namespaced: true, statusSubresource: false },
  { plural: 'events', kind: 'Event', apiVersion: 'v1', namespaced: true, statusSubresource: false },
  { plural: 'endpointslices', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', namespaced: true, statusSubresource: false },
  { plural: 'leases', kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', namespaced: true, statusSubresource: false },
  { plural: 'failoverips', kind: 'FailoverIP', apiVersion: 'ipshift.dev/v1alpha1', namespaced: true, statusSubresource: true },
  // external-dns's CRD (its own manifest has the status subresource); served unless a test removes it.
  { plural: 'dnsendpoints', kind: 'DNSEndpoint', apiVersion: 'externaldns.k8s.io/v1alpha1', namespaced: true, statusSubresource: true },
];

export interface StoredEvent {
  readonly rv: number;
  readonly resource: string;
  readonly type: WatchEventType;
  readonly object: KubeObject;
}

export interface Watcher {
  readonly resource: string;
  readonly matches: (obj: KubeObject) => boolean;
  send(type: WatchEventType, obj: KubeObject): void;
}

export class ConflictError extends Error {}
export class NotFoundError extends Error {}
export class AlreadyExistsError extends Error {}

const clone = <T>(value: T): T => structuredClone(value);
const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/**
 * Objects with one global resourceVersion counter and an event history, so a watch can
 * resume from any version newer than the compaction floor (older ones get 410 Gone).
 */
export class ObjectStore {
  private rv = 1;
  private compactedBelow = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoredEvent[] = [];
  readonly watchers = new Set<Watcher>();

  constructor() {
    for (const r of RESOURCES) this.objects.set(r.plural, new Map());
  }

  currentVersion(): string {
    return String(this.rv);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    return [...this.bucket(resource).values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace).map(clone);
  }

  /**
   * One page of a list, as the API server paginates (limit and continue). The token carries the
   * version of the first page; after a compaction above it the token is too old (null: 410
   * Expired), as etcd's compaction makes it. Later pages are served from the objects as they are
   * now, not from the first page's snapshot: enough for a client that merges pages by name.
   */
  listPage(
    resource: string,
    namespace: string | undefined,
    matches: (o: KubeObject) => boolean,
    limit: number,
    token: string | null,
  ): { items: KubeObject[]; resourceVersion: string; continue?: string } | null {
    let from: { rv: number; after: string } = { rv: this.rv, after: '' };
    if (token !== null && token !== '') {
      from = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv: number; after: string };
      if (from.rv < this.compactedBelow) return null;
    }
    const all = [...this.bucket(resource).entries()]
      .filter(([key, o]) => key > from.after && (namespace === undefined || o.metadata.namespace === namespace) && matches(o))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const page = limit > 0 ? all.slice(0, limit) : all;
    const last = page.at(-1)?.[0];
    const more = limit > 0 && all.length > limit && last !== undefined;
    return {
      items: page.map(([, o]) => clone(o)),
      resourceVersion: String(from.rv),
      ...(more ? { continue: Buffer.from(JSON.stringify({ rv: from.rv, after: last })).toString('base64url') } : {}),
    };
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(resource).get(keyOf(namespace, name));
    return found === undefined ? undefined : clone(found);
  }

  create(resource: string, obj: KubeObject): KubeObject {
    const bucket = this.bucket(resource);
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    if (bucket.has(key)) throw new AlreadyExistsError(`${resource} "${obj.metadata.name}" already exists`);
    const type = typeOf(resource);
    const stored = clone(obj);
    stored.apiVersion = type.apiVersion;
    stored.kind = type.kind;
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (type.statusSubresource) stored.metadata.generation = 1;
    return this.commit(resource, 'ADDED', stored);
  }

  /**
   * Replaces an object. `expectedVersion` (when given) must match, else a conflict.
   * Metadata the server owns (uid, creationTimestamp, generation) is carried over.
   */
  replace(resource: string, obj: KubeObject, expectedVersion?: string): KubeObject {
    const current = this.bucket(resource).get(keyOf(obj.metadata.namespace, obj.metadata.name));
    if (current === undefined) throw new NotFoundError(`${resource} "${obj.metadata.name}" not found`);
    if (expectedVersion !== undefined && expectedVersion !== '' && expectedVersion !== current.metadata.resourceVersion) {
      throw new ConflictError(
        `Operation cannot be fulfilled on ${resource} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const next = clone(obj);
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    next.metadata.uid = current.metadata.uid;
    next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    if (current.metadata.generation !== undefined) {
      const specChanged = JSON.stringify(current['spec'] ?? null) !== JSON.stringify(next['spec'] ?? null);
      next.metadata.generation = current.metadata.generation + (specChanged ? 1 : 0);
    }
    return this.commit(resource, 'MODIFIED', next);
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject {
    const bucket = this.bucket(resource);
    const current = bucket.get(keyOf(namespace, name));
    if (current === undefined) throw new NotFoundError(`${resource} "${name}" not found`);
    return this.commit(resource, 'DELETED', clone(current));
  }

  /** Events after `sinceVersion`, or null when that version is older than the compaction floor. */
  eventsSince(resource: string, sinceVersion: number): StoredEvent[] | null {
    if (sinceVersion < this.compactedBelow) return null;
    return this.history.filter((e) => e.resource === resource && e.rv > sinceVersion);
  }

  /** Forgets the history: every watch resuming from an older version now gets 410 Gone. */
  compact(): void {
    this.compactedBelow = this.rv;
    this.history.length = 0;
  }

  private commit(resource: string, type: WatchEventType, obj: KubeObject): KubeObject {
    this.rv += 1;
    obj.metadata.resourceVersion = String(this.rv);
    const bucket = this.bucket(resource);
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    if (type === 'DELETED') bucket.delete(key);
    else bucket.set(key, obj);
    const event: StoredEvent = { rv: this.rv, resource, type, object: clone(obj) };
    this.history.push(event);
    if (this.history.length > 5000) {
      this.history.splice(0, 1000);
      this.compactedBelow = (this.history[0]?.rv ?? this.rv) - 1;
    }
    for (const watcher of this.watchers) {
      if (watcher.resource === resource && watcher.matches(obj)) watcher.send(type, clone(obj));
    }
    return clone(obj);
  }

  private bucket(resource: string): Map<string, KubeObject> {
    const bucket = this.objects.get(resource);
    if (bucket === undefined) throw new NotFoundError(`unknown resource ${resource}`);
    return bucket;
  }
}

export function typeOf(resource: string): ResourceType {
  const type = RESOURCES.find((r) => r.plural === resource);
  if (type === undefined) throw new NotFoundError(`unknown resource ${resource}`);
  return type;
}
