import type { Clock } from '../ports/clock.js';
import type { NodeIdentityHint } from '../ports/provider.js';
import { addressKey } from '../core/address.js';

/** One server as a provider's server list shows it. */
export interface ServerEntry {
  readonly id: string;
  readonly name: string;
  readonly addresses: readonly string[];
}

export interface ServerDirectory {
  /** The server whose addresses include one of the node's, else the one named like the node, else null. */
  find(node: NodeIdentityHint, signal?: AbortSignal): Promise<string | null>;
}

/**
 * Finds the server behind a node from the provider's server list, loaded at most once per
 * `ttlMs` (nodes are looked up on every reconcile; servers rarely change). An address that two
 * servers claim decides nothing: a guess would route the IP to the wrong machine.
 */
export function createServerDirectory(load: (signal?: AbortSignal) => Promise<readonly ServerEntry[]>, clock: Clock, ttlMs = 300_000): ServerDirectory {
  let cached: { entries: readonly ServerEntry[]; at: number } | undefined;

  return {
    async find(node, signal) {
      if (!cached || clock.now() - cached.at >= ttlMs) cached = { entries: await load(signal), at: clock.now() };
      const keys = new Set(node.addresses.map(addressKey));
      const byAddress = cached.entries.filter((entry) => entry.addresses.some((a) => keys.has(addressKey(a))));
      if (byAddress.length === 1 && byAddress[0]) return byAddress[0].id;
      if (byAddress.length > 1) return null;
      const byName = cached.entries.filter((entry) => entry.name === node.nodeName);
      return byName.length === 1 && byName[0] ? byName[0].id : null;
    },
  };
}
