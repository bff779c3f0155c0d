import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findHomeDir, KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { backoffDelayMs, type BackoffPolicy } from '../retry/backoff.js';
import { makeKubeClient } from './kube-client.js';
import { statusCodeOf } from './kube-errors.js';

export type { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigDiscoveryOptions {
  /** The KUBECONFIG setting: a list of files separated by the platform's path delimiter, merged as kubectl does. */
  readonly kubeconfig: string | undefined;
  /** The home directory holding .kube/config; default the library's findHomeDir(). null: none. */
  readonly home?: string | null;
  /** Prefix of the ServiceAccount mount /var/run/secrets/kubernetes.io/serviceaccount (tests use a temporary directory). */
  readonly serviceAccountPrefix?: string;
}

export interface KubeConfigDiscovery {
  readonly kubeConfig: KubeConfig;
  /** Where it came from, for the start-up log line: `KUBECONFIG`, `~/.kube/config` or `in-cluster`. */
  readonly source: 'KUBECONFIG' | '~/.kube/config' | 'in-cluster';
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The project's one kubeconfig discovery, in @kubernetes/client-node's documented order
 * (KubeConfig.loadFromDefault): the KUBECONFIG files, else ~/.kube/config, else the in-cluster
 * ServiceAccount (its token mounted, or KUBERNETES_SERVICE_HOST set), loaded by the library's
 * own loadFromCluster. Where loadFromDefault would fall back to http://localhost:8080, this
 * returns null: no cluster configuration exists at all, and only then may the sandbox run.
 */
export function discoverKubeConfig(options: KubeConfigDiscoveryOptions): KubeConfigDiscovery | null {
  const kc = new KubeConfig();
  const files = (options.kubeconfig ?? '').split(delimiter).filter((file) => file !== '');
  const [first, ...rest] = files;
  if (first !== undefined) {
    kc.loadFromFile(first);
    for (const file of rest) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      // loadFromDefault's contextFromStartingConfig: the first file's current-context wins, as in kubectl.
      kc.mergeConfig(more, true);
    }
    return { kubeConfig: kc, source: 'KUBECONFIG' };
  }
  const home = options.home === undefined ? findHomeDir() : options.home;
  if (home !== null && existsSync(join(home, '.kube', 'config'))) {
    kc.loadFromFile(join(home, '.kube', 'config'));
    return { kubeConfig: kc, source: '~/.kube/config' };
  }
  const prefix = options.serviceAccountPrefix ?? '';
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  if (existsSync(`${prefix}${SERVICE_ACCOUNT_TOKEN}`) || (host !== undefined && host !== '')) {
    kc.loadFromCluster(prefix);
    return { kubeConfig: kc, source: 'in-cluster' };
  }
  return null;
}

/**
 * True when an API server answers at all (any HTTP status: a 401 still proves a cluster is
 * there, and failing loudly later beats a silent sandbox). False on no answer within timeoutMs.
 */
export async function probeCluster(kubeConfig: KubeConfig, timeoutMs: number): Promise<boolean> {
  try {
    await makeKubeClient(kubeConfig, VersionApi, timeoutMs).getCode();
    return true;
  } catch (error) {
    return statusCodeOf(error) !== undefined;
  }
}

export interface WaitForApiServerOptions {
  readonly source: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** How long one probe may take. Default 3 s. */
  readonly probeTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  readonly signal?: AbortSignal;
}

/**
 * Resolves once the API server answers. A configured cluster that does not answer (yet) is
 * waited for, with backoff and one log line per attempt, never replaced by the sandbox: the
 * replica stays not Ready meanwhile. Rejects only when `signal` aborts.
 */
export async function waitForApiServer(kubeConfig: KubeConfig, options: WaitForApiServerOptions): Promise<void> {
  const server = kubeConfig.getCurrentCluster()?.server;
  const policy = options.backoff ?? { baseDelayMs: 1000, maxDelayMs: 30_000 };
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    if (await probeCluster(kubeConfig, options.probeTimeoutMs ?? 3000)) {
      if (attempt > 1) options.logger.info('the Kubernetes API server answers now', { server, source: options.source, attempts: attempt });
      return;
    }
    const retryInMs = Math.max(100, backoffDelayMs(policy, attempt));
    options.logger.warn('the Kubernetes API server does not answer; not Ready, retrying', { server, source: options.source, attempt, retryInMs });
    await options.clock.sleep(retryInMs, options.signal);
  }
}
