import type { NodeFacts } from '../core/model.js';
import { nodeServerId } from '../core/node-identity.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import type { Logger } from '../ports/logger.js';

/** One discovery (all its retries included) gives up after this long. */
const DISCOVERY_DEADLINE_MS = 30_000;

/**
 * The provider server behind each node: annotation ipshift.dev/server-id, then spec.providerID
 * (src/core/node-identity.ts), then the provider's own discovery (netcup by IP), cached per
 * provider instance; a failed discovery is retried after a while. Discovery runs beside the
 * reconcile and never holds it up: a node is left out until its server is found, then
 * `onDiscovered` asks for a fresh run.
 */
export class ServerDirectory {
  readonly #discovered = new Map<string, { id: string | null; at: number }>();
  readonly #pending = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly onDiscovered: () => void = () => undefined,
    private readonly retryMs = 5 * 60_000,
  ) {}

  /** How many discoveries are remembered (tests: the map must follow the nodes). */
  get size(): number {
    return this.#discovered.size;
  }

  /** Every node's server id known now for one provider; unknown nodes are left out. */
  resolve(providerKey: string, provider: FailoverIpProvider, nodes: readonly NodeFacts[], now: number): Map<string, string> {
    const result = new Map<string, string>();
    const current = new Set<string>();
    for (const node of nodes) {
      const fixed = nodeServerId(node, provider.type);
      if (fixed !== null) {
        result.set(node.name, fixed);
        continue;
      }
      if (provider.discoverServer === undefined) continue;
      const cacheKey = `${providerKey}\u0000${node.name}\u0000${node.addresses.join(',')}`;
      current.add(cacheKey);
      const cached = this.#discovered.get(cacheKey);
      if (cached !== undefined && (cached.id !== null || now - cached.at < this.retryMs)) {
        if (cached.id !== null) result.set(node.name, cached.id);
        continue;
      }
      if (this.#pending.has(cacheKey)) continue;
      this.#pending.add(cacheKey);
      const discover = provider.discoverServer.bind(provider);
      void discover(
        { nodeName: node.name, addresses: node.addresses, ...(node.providerID === undefined ? {} : { providerID: node.providerID }) },
        AbortSignal.timeout(DISCOVERY_DEADLINE_MS),
      )
        .then((id) => {
          this.#discovered.set(cacheKey, { id, at: now });
          if (id !== null) this.onDiscovered();
        })
        .catch((error: unknown) => {
          this.#discovered.set(cacheKey, { id: null, at: now });
          this.logger.warn('server discovery failed', { node: node.name, provider: provider.type, err: error });
        })
        .finally(() => this.#pending.delete(cacheKey));
    }
    // Nodes that left, or changed their addresses, take their entries with them: node churn
    // must not grow this map for the life of the process.
    const prefix = `${providerKey}\u0000`;
    for (const key of this.#discovered.keys()) if (key.startsWith(prefix) && !current.has(key)) this.#discovered.delete(key);
    return result;
  }
}
