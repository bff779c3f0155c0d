import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { secret, type Secret } from '../config/secret.js';
import type { KubeMetrics } from '../metrics/kube-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { SecretAccess } from '../ports/cluster.js';
import { makeKubeClient } from './kube-client.js';
import { classifyKubeError, statusCodeOf } from './kube-errors.js';

export interface KubeSecretAccessOptions {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly metrics: KubeMetrics;
  /** How long one request may take (default KUBE_REQUEST_DEADLINE_MS). */
  readonly deadlineMs?: number;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Provider credentials, read by name only: the RBAC grants `get` and `patch` on Secrets and
 * never `list` or `watch`, so the controller cannot enumerate the namespace's Secrets.
 */
export function createKubeSecretAccess(options: KubeSecretAccessOptions): SecretAccess {
  // A Secret GET that is never answered must fail in bounded time, not hold the provider call.
  const core = makeKubeClient(options.kubeConfig, CoreV1Api, options.deadlineMs);
  return {
    async read(namespace, name) {
      let data: Record<string, string> | undefined;
      let stringData: Record<string, string> | undefined;
      try {
        const found = await core.readNamespacedSecret({ namespace, name });
        data = found.data;
        stringData = found.stringData;
      } catch (error) {
        options.metrics.apiError('get_secret');
        throw classifyKubeError(error, 'get_secret', options.clock.now());
      }
      const values: Record<string, Secret> = {};
      for (const [key, value] of Object.entries(data ?? {})) values[key] = secret(Buffer.from(value, 'base64').toString('utf8'));
      for (const [key, value] of Object.entries(stringData ?? {})) values[key] ??= secret(value);
      return values;
    },

    /** Merges the given keys into the Secret; other keys stay as they are. */
    async write(namespace, name, values) {
      const data: Record<string, string> = {};
      for (const [key, value] of Object.entries(values)) data[key] = Buffer.from(value.reveal(), 'utf8').toString('base64');
      try {
        await core.patchNamespacedSecret({ namespace, name, body: { data } }, MERGE_PATCH);
      } catch (error) {
        options.metrics.apiError('patch_secret');
        throw classifyKubeError(error, 'patch_secret', options.clock.now());
      }
    },
  };
}

/**
 * Creates the Secret, or merges the keys into it when it exists: for `ipshift netcup-login
 * --apply`, run by a person with their own kubeconfig (the controller only ever patches).
 */
export async function upsertSecret(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  values: Record<string, Secret>,
  now: () => number = Date.now,
): Promise<'created' | 'updated'> {
  const core = makeKubeClient(kubeConfig, CoreV1Api);
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) data[key] = Buffer.from(value.reveal(), 'utf8').toString('base64');
  try {
    await core.createNamespacedSecret({ namespace, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data } });
    return 'created';
  } catch (error) {
    if (statusCodeOf(error) !== 409) throw classifyKubeError(error, 'create_secret', now());
  }
  try {
    await core.patchNamespacedSecret({ namespace, name, body: { data } }, MERGE_PATCH);
    return 'updated';
  } catch (error) {
    throw classifyKubeError(error, 'patch_secret', now());
  }
}
