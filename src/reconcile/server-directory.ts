import type { NodeFacts } from '../core/model.js';
import { nodeServerId } from '../core/node-identity.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import type { Logger } from '../ports/logger.js';

/**
 * The provider server behind each node, per design.md: annotation ipshift.dev/server-id, then
 * spec.providerID (src/core/node-identity.ts), then the provider's own discovery (netcup by
 * IP), cached per provider instance; a failed discovery is retried after a while.
 */
export class ServerDirectory {
  readonly #discovered = new Map<string, { id: string | null; at: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly retryMs = 5 * 60_000,
  ) {}

  /** Resolves every node's server id for one provider; unknown nodes are left out. */
  async resolve(providerKey: string, provider: FailoverIpProvider, nodes: readonly NodeFacts[], now: number): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    const pending: Array<Promise<void>> = [];
    for (const node of nodes) {
      const fixed = nodeServerId(node, provider.type);
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
