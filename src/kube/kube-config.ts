import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { statusCodeOf } from './kube-errors.js';

export type { KubeConfig } from '@kubernetes/client-node';

export interface LoadKubeConfigOptions {
  /** A kubeconfig file (the KUBECONFIG setting, or ~/.kube/config); wins over in-cluster. */
  readonly kubeconfigPath?: string;
  /** KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT when running in a pod. */
  readonly inCluster?: { readonly host: string; readonly port: string };
  /** Where the ServiceAccount token and CA are mounted (default the standard path). */
  readonly serviceAccountDir?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * A KubeConfig from a kubeconfig file, else from the in-cluster ServiceAccount; null when
 * neither is configured (the service then runs its sandbox).
 */
export function loadKubeConfig(options: LoadKubeConfigOptions): KubeConfig | null {
  const kc = new KubeConfig();
  if (options.kubeconfigPath !== undefined && options.kubeconfigPath !== '') {
    kc.loadFromFile(options.kubeconfigPath);
    return kc;
  }
  if (options.inCluster !== undefined && options.inCluster.host !== '') {
    const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    const { host, port } = options.inCluster;
    const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
    const serverHost = host.includes(':') ? `[${host}]` : host;
    kc.loadFromClusterAndUser(
      { name: 'in-cluster', server: `${scheme}://${serverHost}:${port}`, caFile: `${dir}/ca.crt`, skipTLSVerify: false },
      { name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile: `${dir}/token` } } },
    );
    return kc;
  }
  return null;
}

/**
 * True when an API server answers at all (any HTTP status: a 401 still proves a cluster is
 * there, and failing loudly later beats a silent sandbox). False on no answer within timeoutMs.
 */
export async function probeCluster(kubeConfig: KubeConfig, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const api = kubeConfig.makeApiClient(VersionApi);
    const answer = await Promise.race([
      api.getCode().then(
        () => 'answer' as const,
        (error: unknown) => (statusCodeOf(error) === undefined ? ('no-answer' as const) : ('answer' as const)),
      ),
      timeout,
    ]);
    return answer === 'answer';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
