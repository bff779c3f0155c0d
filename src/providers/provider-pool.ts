import type { FailoverIPObject } from '../core/model.js';
import type { SecretAccess } from '../ports/cluster.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import type { ProviderPool } from '../reconcile/reconciler.js';
import { createProvider, type ProviderDeps } from './provider-factory.js';

/**
 * One adapter per (provider type, namespace, Secret): adapters keep token and server caches,
 * so FailoverIPs sharing a Secret share them too. The Secret is read through `secrets` each
 * time the adapter asks, and a rotated credential is written back before it is relied on.
 */
export function createProviderPool(secrets: SecretAccess, deps: Omit<ProviderDeps, 'credentials'>): ProviderPool {
  const pool = new Map<string, FailoverIpProvider>();
  return {
    async forFailoverIP(fip: FailoverIPObject): Promise<FailoverIpProvider> {
      const { type, secretRef } = fip.spec.provider;
      const key = `${type}\u0000${fip.namespace}\u0000${secretRef.name}`;
      let provider = pool.get(key);
      if (provider === undefined) {
        provider = createProvider(type, {
          ...deps,
          credentials: {
            read: () => secrets.read(fip.namespace, secretRef.name),
            write: (values) => secrets.write(fip.namespace, secretRef.name, values),
          },
        });
        pool.set(key, provider);
      }
      return provider;
    },
  };
}
