import type { Secret } from '../config/secret.js';
import type { ProviderType } from '../core/model.js';

export { PROVIDER_TYPES, type ProviderType } from '../core/model.js';

/** Where the provider routes one address right now. `serverId: null` means routed nowhere. */
export interface Routing {
  readonly address: string;
  readonly serverId: string | null;
}

/** What the provider may use to find the server behind a Kubernetes node. */
export interface NodeIdentityHint {
  readonly nodeName: string;
  /** InternalIP and ExternalIP addresses of the node. */
  readonly addresses: readonly string[];
  readonly providerID?: string;
}

/**
 * The one interface every cloud adapter implements. Owned by the core; kept narrow on purpose.
 * Every method rejects only with an IpshiftError (src/errors.ts), classified at the adapter.
 */
export interface FailoverIpProvider {
  readonly type: ProviderType;
  /** The provider's own minimum interval between two moves of one IP, in ms (netcup: 300 000). */
  readonly minMoveIntervalMs: number;
  /**
   * The provider routes at most one address per family to a server (DigitalOcean: one reserved
   * IP per Droplet): the core rules out servers holding another FailoverIP's address, and a
   * move it refuses for that rejects with kind `target-refused`, code `node-in-use`.
   */
  readonly onePerServer?: boolean;
  /** Where each address is routed now, in the order given. */
  getRouting(addresses: readonly string[], signal?: AbortSignal): Promise<Routing[]>;
  /**
   * Routes every address to `serverId` and resolves once the provider reports the move done
   * (async tasks/actions polled to completion). Routing to the current server is a no-op.
   */
  route(addresses: readonly string[], serverId: string, signal?: AbortSignal): Promise<void>;
  /** Optional discovery of the server behind a node (netcup: by the node's IP). null = unknown. */
  discoverServer?(node: NodeIdentityHint, signal?: AbortSignal): Promise<string | null>;
}

/**
 * Credentials come from a Kubernetes Secret (keys per provider, see README). A provider that
 * receives a rotated credential writes it back through `write` before relying on it.
 */
export interface CredentialStore {
  read(): Promise<Record<string, Secret>>;
  write(values: Record<string, Secret>): Promise<void>;
}
