/**
 * 32-bit FNV-1a. Used only to break exact ties between equally good nodes: stable across
 * runs, replicas and input order, and different per FailoverIP so that ties spread.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv1a(text: string, seed: number = FNV_OFFSET): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** hash(failoverIP, node), computed as a continuation of the FailoverIP's prefix hash. */
export function tieBreakHash(failoverIPSeed: number, node: string): number {
  return fnv1a(node, failoverIPSeed);
}

export function failoverIPSeed(failoverIPKey: string): number {
  return fnv1a(`${failoverIPKey}\u0000`);
}
