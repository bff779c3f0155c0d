import type { Candidate } from './eligibility.js';
import { issueBit } from './health.js';

/**
 * "One address per server" providers (DigitalOcean: a Droplet holds at most one reserved IP):
 * a server that already holds an address of the same family for another FailoverIP of such a
 * provider cannot take this one, so it is no candidate at all (a hard rule, unlike `spread`).
 * The family split is ours: DigitalOcean documents one reserved IP per Droplet and offers
 * reserved IPv4 and reserved IPv6 separately; a Droplet with one of each is assumed fine.
 */

export type Family = 4 | 6;

/** The address families of a FailoverIP's addresses. */
export function familiesOf(addresses: readonly string[]): ReadonlySet<Family> {
  return new Set(addresses.map((a) => (a.includes(':') ? 6 : 4)));
}

/**
 * Who holds what, per (family, node): the FailoverIPs (keys) that hold or are being moved to
 * a node. Built and used within one pass (plan.ts); the caller owns it.
 */
export class ServerClaims {
  readonly #claims = new Map<string, Set<string>>();

  claim(failoverIP: string, node: string | null, families: ReadonlySet<Family>): void {
    if (node === null) return;
    for (const family of families) {
      const key = `${family}|${node}`;
      const set = this.#claims.get(key) ?? new Set<string>();
      set.add(failoverIP);
      this.#claims.set(key, set);
    }
  }

  /** Nodes where another FailoverIP holds (or was just given) an address of one of `families`. */
  inUseFor(failoverIP: string, families: ReadonlySet<Family>): Set<string> {
    const nodes = new Set<string>();
    for (const [key, holders] of this.#claims) {
      const [family, node] = [Number(key.slice(0, 1)) as Family, key.slice(2)];
      if (!families.has(family)) continue;
      if ([...holders].some((h) => h !== failoverIP)) nodes.add(node);
    }
    return nodes;
  }
}

const NOT_ELIGIBLE = issueBit('not-eligible');

/** The candidates with every eligible node of `inUse` ruled out as `server-in-use`; the list itself when none is. */
export function ruleOutInUse(candidates: readonly Candidate[], inUse: ReadonlySet<string>): readonly Candidate[] {
  if (inUse.size === 0 || !candidates.some((c) => c.eligible && inUse.has(c.name))) return candidates;
  return candidates.map((c) => (c.eligible && inUse.has(c.name) ? { ...c, eligible: false, ineligibility: 'server-in-use', mask: c.mask | NOT_ELIGIBLE } : c));
}
