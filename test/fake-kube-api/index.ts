import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { handle, type FailureRule, type HandlerState, type RecordedRequest } from './http-handler.js';
import { deployRbac, type RbacObject, type ServiceAccountRef } from './rbac.js';
import { NotFoundError, ObjectStore, type KubeObject } from './store.js';
import { FaultLayer } from '../../src/emulators/fault-layer.js';
import { deployAdmissionPolicies, type AdmissionPolicy } from '../support/admission-policy.js';
import { listenOnLoopback } from '../support/listen.js';

export type { FailureRule, RecordedRequest } from './http-handler.js';
export type { Fault } from '../../src/emulators/fault-layer.js';
export type { KubeObject } from './store.js';
export { deployRbac, failoverIpNamespaceBinding, withoutVerb, type RbacObject, type ServiceAccountRef } from './rbac.js';

/** The ServiceAccounts deploy/ runs ipshift as. */
export const CONTROLLER_SA: ServiceAccountRef = { namespace: 'ipshift', name: 'ipshift-controller' };
export const AGENT_SA: ServiceAccountRef = { namespace: 'ipshift-agent', name: 'ipshift-agent' };
export { makeService, makeEndpointSlice, type ServiceInput, type EndpointSliceInput } from './service-objects.js';
export { makeNode, makeFailoverIP, makePod, heartbeat, type NodeSpecInput, type FailoverIPInput, type PodInput } from './objects.js';

/**
 * An HTTP-level fake of the Kubernetes API server, enough for the ipshift adapter: list with
 * resourceVersion, chunked watch streams with resume and 410 Gone, the status subresource,
 * merge patch, optimistic concurrency (409), failure injection and network partitions.
 * The real @kubernetes/client-node code talks to it over plain HTTP on 127.0.0.1.
 */
export interface FakeKubeApi {
  readonly url: string;
  readonly store: ObjectStore;
  /**
   * A kubeconfig for this server. With `serviceAccount`, it carries that ServiceAccount's token
   * (issued for the client `user`) and the requests are held to its RBAC; without, `user` itself
   * is the bearer token of an unidentified caller.
   */
  kubeConfig(user?: string, serviceAccount?: ServiceAccountRef): KubeConfig;
  /** A kubeconfig with the credentials of node `name`'s kubelet (user system:node:<name>): it may write only its own Node, under deploy/admission. */
  nodeKubeConfig(name: string): KubeConfig;
  /** A bearer token of ServiceAccount `namespace/name`, for the client `user` (partition and failNext name it). */
  tokenFor(namespace: string, name: string, user?: string): string;
  /** Adds Roles, ClusterRoles or bindings, as an operator would with kubectl. */
  addRbac(...objects: RbacObject[]): void;
  /** Creates or replaces a Node (emits ADDED or MODIFIED). */
  setNode(node: KubeObject): KubeObject;
  getNode(name: string): KubeObject | undefined;
  deleteNode(name: string): void;
  /** Creates or replaces a FailoverIP; an omitted status keeps the stored one. Spec changes bump generation. */
  upsertFailoverIP(fip: KubeObject): KubeObject;
  getFailoverIP(namespace: string, name: string): KubeObject | undefined;
  deleteFailoverIP(namespace: string, name: string): void;
  setPod(pod: KubeObject): KubeObject;
  deletePod(namespace: string, name: string): void;
  setSecret(secret: KubeObject): KubeObject;
  getSecret(namespace: string, name: string): KubeObject | undefined;
  getLease(namespace: string, name: string): KubeObject | undefined;
  /** Creates or replaces a Lease, as any client with write access to it could. */
  setLease(lease: KubeObject): KubeObject;
  /** Creates or replaces a Service; an omitted status keeps the stored one (as a kubectl apply of the spec would). */
  setService(service: KubeObject): KubeObject;
  getService(namespace: string, name: string): KubeObject | undefined;
  deleteService(namespace: string, name: string): void;
  deleteEndpointSlice(namespace: string, name: string): void;
  /** Creates or replaces an EndpointSlice (what the EndpointSlice controller publishes for a Service). */
  setEndpointSlice(slice: KubeObject): KubeObject;
  /** The DNSEndpoints (externaldns.k8s.io/v1alpha1) of a namespace. */
  dnsEndpoints(namespace?: string): KubeObject[];
  /** Installs or removes a CRD-backed resource (`dnsendpoints`): a removed one answers 404, as without its CRD. */
  serveResource(plural: string, served: boolean): void;
  /** core/v1 Events created through the API, oldest first. */
  events(namespace?: string): KubeObject[];
  /** Ends every open watch stream cleanly, as an API server restart or a load balancer would. */
  dropWatches(): void;
  /** Open watch streams, optionally of one resource (`nodes`, `pods`, `failoverips`, ...). */
  activeWatches(resource?: string): number;
  /** Forgets the event history so that resuming watches get 410 Gone. */
  compact(): void;
  /**
   * The next matching request(s) get the rule's fault: an HTTP status (5xx, 401, 403, ...), or
   * rate-limit with Retry-After, slow, hang, reset, lose-answer (processed, never answered).
   */
  failNext(rule: FailureRule): void;
  /** Forgets every planned fault. */
  clearFailures(): void;
  /** While on, every request from `user` gets 503, as if the network between them were cut. */
  partition(user: string, on: boolean): void;
  requests(): readonly RecordedRequest[];
  stop(): Promise<void>;
}

export interface FakeKubeApiOptions {
  /** The RBAC in force; the rendered deploy/ by default. */
  readonly rbac?: readonly RbacObject[];
  /**
   * A caller without a ServiceAccount token is refused everything unless a test opts in with
   * 'full-access' (for tests of the adapter itself, not of what ipshift may do).
   */
  readonly unidentifiedCallers?: 'full-access' | 'forbidden';
  /** CRD-backed resources not installed at start (`dnsendpoints`); see serveResource. */
  readonly unserved?: readonly string[];
  /** The ValidatingAdmissionPolicies on Node writes; deploy/admission's by default. */
  readonly admission?: readonly AdmissionPolicy[];
}

export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const store = new ObjectStore();
  const faults = new FaultLayer();
  const state: HandlerState = {
    store,
    requests: [],
    failures: [],
    partitioned: new Set(),
    openWatches: new Set(),
    faults,
    tokens: new Map(),
    rbac: options.rbac ?? (await deployRbac()),
    unidentifiedCallers: options.unidentifiedCallers ?? 'forbidden',
    unserved: new Set(options.unserved ?? []),
    nodeTokens: new Map(),
    admission: options.admission ?? deployAdmissionPolicies(),
  };
  const tokenFor = (namespace: string, name: string, user = `${namespace}/${name}`): string => {
    const token = `sa.${namespace}.${name}.${user}`;
    state.tokens.set(token, { user, serviceAccount: { namespace, name } });
    return token;
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const { url } = await listenOnLoopback(server);

  const upsert = (resource: string, obj: KubeObject, keepStatus: boolean): KubeObject => {
    const existing = store.get(resource, obj.metadata.namespace, obj.metadata.name);
    if (existing === undefined) return store.create(resource, obj);
    const next = keepStatus && obj['status'] === undefined && existing['status'] !== undefined ? { ...obj, status: existing['status'] } : obj;
    return store.replace(resource, next);
  };
  const remove = (resource: string, namespace: string | undefined, name: string): void => {
    try {
      store.delete(resource, namespace, name);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  };

  return {
    url,
    store,
    kubeConfig(user = 'test', serviceAccount) {
      const kc = new KubeConfig();
      const token = serviceAccount === undefined ? user : tokenFor(serviceAccount.namespace, serviceAccount.name, user);
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: user, token }],
        contexts: [{ name: 'fake', cluster: 'fake', user }],
        currentContext: 'fake',
      });
      return kc;
    },
    nodeKubeConfig(name) {
      const token = `node.${name}`;
      state.nodeTokens.set(token, name);
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: `system:node:${name}`, token }],
        contexts: [{ name: 'fake', cluster: 'fake', user: `system:node:${name}` }],
        currentContext: 'fake',
      });
      return kc;
    },
    tokenFor,
    addRbac(...objects) {
      state.rbac = [...state.rbac, ...objects];
    },
    setNode: (node) => upsert('nodes', node, false),
    getNode: (name) => store.get('nodes', undefined, name),
    deleteNode: (name) => remove('nodes', undefined, name),
    upsertFailoverIP: (fip) => upsert('failoverips', fip, true),
    getFailoverIP: (namespace, name) => store.get('failoverips', namespace, name),
    deleteFailoverIP: (namespace, name) => remove('failoverips', namespace, name),
    setPod: (pod) => upsert('pods', pod, false),
    deletePod: (namespace, name) => remove('pods', namespace, name),
    setSecret: (secret) => upsert('secrets', secret, false),
    getSecret: (namespace, name) => store.get('secrets', namespace, name),
    getLease: (namespace, name) => store.get('leases', namespace, name),
    setLease: (lease) => upsert('leases', lease, false),
    setEndpointSlice: (slice) => upsert('endpointslices', slice, false),
    deleteEndpointSlice: (namespace, name) => remove('endpointslices', namespace, name),
    setService: (service) => upsert('services', service, true),
    getService: (namespace, name) => store.get('services', namespace, name),
    deleteService: (namespace, name) => remove('services', namespace, name),
    events: (namespace) => store.list('events', namespace),
    dnsEndpoints: (namespace) => store.list('dnsendpoints', namespace),
    serveResource(plural, served) {
      if (served) state.unserved.delete(plural);
      else state.unserved.add(plural);
    },
    dropWatches() {
      for (const entry of [...state.openWatches]) entry.res.end();
    },
    activeWatches: (resource) => [...state.openWatches].filter((w) => resource === undefined || w.resource === resource).length,
    compact: () => store.compact(),
    failNext: (rule) => {
      state.failures.push({ ...rule });
    },
    clearFailures: () => {
      state.failures.length = 0;
    },
    partition(user, on) {
      if (on) state.partitioned.add(user);
      else state.partitioned.delete(user);
    },
    requests: () => state.requests,
    async stop() {
      faults.close();
      for (const entry of [...state.openWatches]) entry.res.end();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
