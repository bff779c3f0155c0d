import { IPV4_FAILOVER_PREFIX, IPV6_FAILOVER_PREFIX, networkOf, parseCidr } from '../core/address.js';
import type { NodeFacts } from '../core/model.js';
import { nodeServerIdentity } from '../core/node-identity.js';
import { serverPinKey } from '../core/server-pin.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import type { Logger } from '../ports/logger.js';

/** One discovery (all its retries included) gives up after this long. */
const DISCOVERY_DEADLINE_MS = 30_000;
/** Pin writes in flight at most: a first start at 5,000 nodes pins them a few at a time, pass by pass, not in one burst at the API server. */
const MAX_PINS_IN_FLIGHT = 8;

/** A node whose server, as found now, is not the one ipshift pinned. */
export interface ServerRemap {
  readonly node: string;
  readonly pinned: string;
  readonly found: string;
  /** What the new server was derived from. */
  readonly source: 'provider-id' | 'discovery';
}

export interface ResolvedServers {
  /** Every node's server id known and trusted now; unknown and remapped nodes are left out. */
  readonly servers: Map<string, string>;
  /** Nodes left out because their server changed since it was pinned. */
  readonly remapped: Map<string, ServerRemap>;
}

/** Writes a pin (the controller's Node patch); only the leader is given one. */
export type PinWriter = (node: string, key: string, serverId: string) => Promise<void>;

/**
 * The provider server behind each node: annotation ipshift.dev/server-id, then spec.providerID
 * (src/core/node-identity.ts), then the provider's own discovery (netcup by IP), cached per
 * provider instance; a failed discovery is retried after a while. Discovery runs beside the
 * reconcile and never holds it up: a node is left out until its server is found, then
 * `onDiscovered` asks for a fresh run.
 *
 * What a node says of itself (its providerID, its status.addresses) is pinned the first time it
 * leads to a server: the leader writes ipshift.dev/server-pin.<provider> on the Node, which the
 * node's own credentials may not change (deploy/admission). From then on a node whose
 * providerID or addresses lead to another server is not trusted with the IP: it is left out
 * (reason server-remapped) until an operator removes the pin (or names the server with
 * ipshift.dev/server-id, which is the operator's word and never pinned). Why not refuse the
 * address change at admission: a kubelet writes its status all the time, and a refused status
 * write stalls its heartbeat.
 */
export class ServerDirectory {
  readonly #discovered = new Map<string, { id: string | null; at: number }>();
  readonly #pending = new Set<string>();
  readonly #pinning = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly onDiscovered: () => void = () => undefined,
    private readonly retryMs = 5 * 60_000,
  ) {}

  /** How many discoveries are remembered (tests: the map must follow the nodes). */
  get size(): number {
    return this.#discovered.size;
  }

  /**
   * `isFailoverAddress`: one of the FailoverIPs' addresses. A node address that is one never
   * identifies the node's server: the agent puts the failover /32 on eligible nodes (a kubelet
   * may report it), and a node that claims it would be found as whichever server holds the IP.
   */
  resolve(
    providerKey: string,
    provider: FailoverIpProvider,
    nodes: readonly NodeFacts[],
    now: number,
    writePin?: PinWriter,
    isFailoverAddress: FailoverAddressTest = () => false,
  ): ResolvedServers {
    const servers = new Map<string, string>();
    const remapped = new Map<string, ServerRemap>();
    const current = new Set<string>();
    const pinKey = serverPinKey(provider.type);
    for (const node of nodes) {
      const fixed = nodeServerIdentity(node, provider.type);
      // The operator's annotation and dry-run's node name are not the node's own word.
      if (fixed !== null && fixed.source !== 'provider-id') {
        servers.set(node.name, fixed.serverId);
        continue;
      }
      const found = fixed?.serverId ?? this.#discover(providerKey, provider, node, now, current, isFailoverAddress);
      const pinned = node.annotations[pinKey]?.trim();
      if (pinned === undefined || pinned === '') {
        if (found === null) continue;
        servers.set(node.name, found);
        if (writePin !== undefined) this.#pin(writePin, node.name, pinKey, found);
      } else if (found === null || found === pinned) {
        // Nothing contradicts the pin (a discovery on its way or finding nothing keeps it).
        servers.set(node.name, pinned);
      } else {
        remapped.set(node.name, { node: node.name, pinned, found, source: fixed === null ? 'discovery' : 'provider-id' });
      }
    }
    // Nodes that left, or changed their addresses, take their entries with them: node churn
    // must not grow this map for the life of the process.
    const prefix = `${providerKey}\u0000`;
    for (const key of this.#discovered.keys()) if (key.startsWith(prefix) && !current.has(key)) this.#discovered.delete(key);
    return { servers, remapped };
  }

  /** The discovered server (null: unknown for now) of a node its providerID does not name. */
  #discover(
    providerKey: string,
    provider: FailoverIpProvider,
    node: NodeFacts,
    now: number,
    current: Set<string>,
    isFailoverAddress: FailoverAddressTest,
  ): string | null {
    if (provider.discoverServer === undefined) return null;
    const addresses = node.addresses.filter((address) => !isFailoverAddress(address));
    const cacheKey = `${providerKey}\u0000${node.name}\u0000${addresses.join(',')}`;
    current.add(cacheKey);
    const cached = this.#discovered.get(cacheKey);
    if (cached !== undefined && (cached.id !== null || now - cached.at < this.retryMs)) return cached.id;
    if (this.#pending.has(cacheKey)) return null;
    this.#pending.add(cacheKey);
    const discover = provider.discoverServer.bind(provider);
    void discover(
      { nodeName: node.name, addresses, ...(node.providerID === undefined ? {} : { providerID: node.providerID }) },
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
    return null;
  }

  #pin(writePin: PinWriter, node: string, key: string, serverId: string): void {
    const id = `${node}\u0000${key}`;
    if (this.#pinning.has(id) || this.#pinning.size >= MAX_PINS_IN_FLIGHT) return;
    this.#pinning.add(id);
    void writePin(node, key, serverId)
      .then(() => this.logger.info('server pinned', { node, annotation: key, serverId }))
      .catch((error: unknown) => this.logger.warn('pinning the server failed', { node, annotation: key, serverId, err: error }))
      .finally(() => this.#pinning.delete(id));
  }
}

/** A test for "this address is one of the FailoverIPs'" (IPv4 as given, IPv6 by its /64): set lookups, as it runs per node and pass. */
export type FailoverAddressTest = (address: string) => boolean;

export function failoverAddressTest(fips: ReadonlyArray<{ readonly spec: { readonly addresses: readonly string[] } }>): FailoverAddressTest {
  const keys = new Set<string>();
  const keyOf = (address: string, prefix?: number): string | null => {
    const cidr = parseCidr(address, (family) => prefix ?? (family === 4 ? IPV4_FAILOVER_PREFIX : IPV6_FAILOVER_PREFIX));
    return cidr === null ? null : `${cidr.family}/${networkOf(cidr)}`;
  };
  for (const fip of fips)
    for (const address of fip.spec.addresses) {
      const key = keyOf(address);
      if (key !== null) keys.add(key);
    }
  if (keys.size === 0) return () => false;
  // One test per pass, asked once per FailoverIP for the same node addresses: remember the answers.
  const known = new Map<string, boolean>();
  return (address) => {
    let answer = known.get(address);
    if (answer === undefined) {
      const key = keyOf(address.split('/')[0] ?? '');
      answer = key !== null && keys.has(key);
      known.set(address, answer);
    }
    return answer;
  };
}
