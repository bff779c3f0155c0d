/**
 * The set of nodes with a known server, one Set object per provider account kept from pass to
 * pass while its nodes stay the same. The pass shares a candidate list between FailoverIPs, and
 * reuses the last pass's, only for the same Set object: a new Set per FailoverIP per pass made it
 * build a list of every node for every FailoverIP on every pass (5,000 nodes and 100
 * FailoverIPs: 500,000 candidates a pass, most of the controller's memory in bench/memory.bench.ts).
 */
export class ServerNodeSets {
  #sets = new Map<string, ReadonlySet<string>>();
  #checked = new Set<string>();

  /** Call before each pass: each account's set is compared with the directory's answer once per pass. */
  newPass(): void {
    this.#checked.clear();
  }

  /** `account` names the provider account the servers were resolved for (null: no provider, no servers). */
  of(account: string | null, servers: ReadonlyMap<string, string>): ReadonlySet<string> {
    const key = account ?? '';
    const known = this.#sets.get(key);
    if (known !== undefined && (this.#checked.has(key) || sameNodes(known, servers))) {
      this.#checked.add(key);
      return known;
    }
    const set: ReadonlySet<string> = new Set(servers.keys());
    this.#sets.set(key, set);
    this.#checked.add(key);
    return set;
  }
}

function sameNodes(set: ReadonlySet<string>, servers: ReadonlyMap<string, string>): boolean {
  if (set.size !== servers.size) return false;
  for (const node of servers.keys()) if (!set.has(node)) return false;
  return true;
}
