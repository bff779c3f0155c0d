import type { NodeFacts, ProviderType } from '../core/model.js';
import { SERVER_ID_ANNOTATION } from '../core/model.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import type { Logger } from '../ports/logger.js';

const PROVIDER_ID_SCHEMES: Partial<Record<ProviderType, string>> = {
  'hetzner-cloud': 'hcloud://',
  digitalocean: 'digitalocean://',
};

/**
 * The provider server behind a node, per design.md: annotation ipshift.dev/server-id, then
 * spec.providerID (hcloud://, digitalocean://), then the provider's own discovery (netcup by
 * IP), cached. dry-run needs no server: the node name stands in for it.
 */
export function staticServerId(node: NodeFacts, type: ProviderType): string | null {
  const annotated = node.annotations[SERVER_ID_ANNOTATION];
  if (annotated !== undefined && annotated.trim() !== '') return annotated.trim();
  const scheme = PROVIDER_ID_SCHEMES[type];
  if (scheme !== undefined && node.providerID?.startsWith(scheme) === true) {
    const id = node.providerID.slice(scheme.length).replace(/^\/+/, '');
    if (id !== '') return id;
  }
  if (type === 'dry-run') return node.name;
  return null;
}

/** Caches discovered server ids per provider instance; a failed discovery is retried after a while. */
export class ServerDirectory {
  readonly #discovered = new Map<string, { id: string | null; at: number }>();

  constructor(private readonly logger: Logger, private readonly retryMs = 5 * 60_000) {}

  /** Resolves every node's server id for one provider; unknown nodes are left out. */
  async resolve(providerKey: string, provider: FailoverIpProvider, nodes: readonly NodeFacts[], now: number): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    const pending: Array<Promise<void>> = [];
    for (const node of nodes) {
      const fixed = staticServerId(node, provider.type);
      if (fixed !== null) {
        result.set(node.name, fixed);
        continue;
      }
      if (provider.discoverServer === undefined) continue;
      const cacheKey = `${providerKey}\u0000${node.name}\u0000${node.addresses.join(',')}`;
      const cached = this.#discovered.get(cacheKey);
      if (cached !== undefined && (cached.id !== null || now - cached.at < this.retryMs)) {
        if (cached.id !== null) result.set(node.name, cached.id);
        continue;
      }
      const discover = provider.discoverServer.bind(provider);
      pending.push(
        discover({ nodeName: node.name, addresses: node.addresses, ...(node.providerID === undefined ? {} : { providerID: node.providerID }) })
          .then((id) => {
            this.#discovered.set(cacheKey, { id, at: now });
            if (id !== null) result.set(node.name, id);
          })
          .catch((error: unknown) => {
            this.#discovered.set(cacheKey, { id: null, at: now });
            this.logger.warn('server discovery failed', { node: node.name, provider: provider.type, error: (error as Error).message });
          }),
      );
    }
    await Promise.all(pending);
    return result;
  }
}
