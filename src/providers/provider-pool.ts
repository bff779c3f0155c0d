import type { FailoverIPObject } from '../core/model.js';
import type { SecretAccess } from '../ports/cluster.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import type { ProviderPool } from '../reconcile/reconciler.js';
import { addressKey } from '../core/address.js';
import { createProvider, type ProviderDeps } from './provider-factory.js';

/**
 * One adapter per (provider type, namespace, Secret): adapters keep token and server caches,
 * so FailoverIPs sharing a Secret share them too. The Secret is read through `secrets` each
 * time the adapter asks, and a rotated credential is written back before it is relied on.
 *
 * Dry-run routing lives in the FailoverIP's status: the dry-run adapter of a new leader (or a
 * restarted controller) recalls an address's holder from status.assignedNode, which the
 * previous leader wrote after each simulated move, so it does not "move" again. The dry-run
 * server id of a node is its name (or its ipshift.dev/server-id annotation, which this recall
 * does not know: such nodes are re-read as unrouted once).
 */
export function createProviderPool(secrets: SecretAccess, deps: Omit<ProviderDeps, 'credentials'>): ProviderPool {
  const pool = new Map<string, FailoverIpProvider>();
  const persisted = new Map<string, string | null>();
  const recall = (address: string): string | null | undefined => persisted.get(addressKey(address));
  return {
    async forFailoverIP(fip: FailoverIPObject): Promise<FailoverIpProvider> {
      const { type, secretRef } = fip.spec.provider;
      if (type === 'dry-run') for (const address of fip.spec.addresses) persisted.set(addressKey(address), fip.status.assignedNode ?? null);
      const key = `${type}\u0000${fip.namespace}\u0000${secretRef.name}`;
      let provider = pool.get(key);
      if (provider === undefined) {
        provider = createProvider(type, {
          ...deps,
          recall,
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
