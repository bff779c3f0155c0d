import { createConfiguration, ServerConfiguration, type ApiConstructor, type ApiType, type KubeConfig } from '@kubernetes/client-node';

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
 * Every typed client in src/kube is made here, so no call can forget its deadline.
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
          return Promise.resolve(context);
        },
        post: (response) => Promise.resolve(response),
      },
    ],
  });
  return new type(configuration);
}
