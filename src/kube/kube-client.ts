import { statSync } from 'node:fs';
import { createConfiguration, ServerConfiguration, type ApiConstructor, type ApiType, type KubeConfig, type RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * One connection pool per kubeconfig and TLS identity. Why: client-node 2.0.1 builds a new undici
 * Agent for every request (applySecurityAuthentication → createDispatcher, the same defect as
 * kubernetes-client/javascript#2893 for its https agents), so every call opened its own TCP and
 * TLS connection and the idle ones lingered. Measured with the memory bench against 5,000 Nodes:
 * 1,900 agents and sockets alive and 500+ MiB resident, and the Lease lost. A changed CA, client
 * certificate or key (a rotated file) makes a new pool and closes the old one.
 */
const pools = new WeakMap<KubeConfig, { readonly identity: string; readonly dispatcher: Dispatcher }>();

function tlsIdentity(kubeConfig: KubeConfig): string {
  const cluster = kubeConfig.getCurrentCluster();
  const user = kubeConfig.getCurrentUser();
  const file = (path: string | undefined): string => {
    if (path === undefined || path === '') return '';
    try {
      const stat = statSync(path);
      return `${path}@${stat.mtimeMs}/${stat.size}`;
    } catch {
      return path;
    }
  };
  return JSON.stringify([
    cluster?.server,
    cluster?.skipTLSVerify,
    cluster?.tlsServerName,
    cluster?.proxyUrl,
    cluster?.caData,
    file(cluster?.caFile),
    user?.certData,
    file(user?.certFile),
    user?.keyData,
    file(user?.keyFile),
  ]);
}

function sharedDispatcher(kubeConfig: KubeConfig, fresh: Dispatcher): Dispatcher {
  const identity = tlsIdentity(kubeConfig);
  const pool = pools.get(kubeConfig);
  if (pool?.dispatcher === fresh) return fresh;
  if (pool !== undefined && pool.identity === identity) {
    // The library's new agent has no connection yet: closing it frees nothing but its object.
    void fresh.close().catch(() => undefined);
    return pool.dispatcher;
  }
  pools.set(kubeConfig, { identity, dispatcher: fresh });
  // In-flight requests on the old pool finish; close() waits for them.
  if (pool !== undefined) void pool.dispatcher.close().catch(() => undefined);
  return fresh;
}

/**
 * How long one Kubernetes request may take, answer body included. client-go's default
 * client has no timeout either, but its informers and leader election bound every call;
 * an unanswered request here must never hold a reconcile, a move or a Lease renewal.
 */
export const KUBE_REQUEST_DEADLINE_MS = 10_000;

/**
 * `kubeConfig.makeApiClient(type)` with a deadline on every request the client makes: the
 * request is aborted (socket closed) when it has not completed within `deadlineMs`, and the
 * call rejects with the signal's TimeoutError, which classifyKubeError counts as "no answer".
 * client-node 2.x hands the RequestContext's signal to undici's fetch, so this middleware is
 * the deadline on 1.x and 2.x alike (src/kube/kube-deadlines.test.ts holds it to that).
 * Every typed client in src/kube is made here, so no call can forget its deadline, and all share
 * one connection pool (sharedDispatcher).
 */
export function makeKubeClient<T extends ApiType>(kubeConfig: KubeConfig, type: ApiConstructor<T>, deadlineMs: number = KUBE_REQUEST_DEADLINE_MS): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig names no current cluster');
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: (context) => {
          context.setSignal(AbortSignal.timeout(deadlineMs));
          const fresh = context.getDispatcher();
          if (fresh !== undefined) context.setDispatcher(sharedDispatcher(kubeConfig, fresh));
          return Promise.resolve(context);
        },
        post: (response) => Promise.resolve(response),
      },
    ],
  });
  return new type(configuration);
}
