/**
 * Stable hashes to break exact ties between equally good nodes: the same across runs, replicas
 * and input order, and different per FailoverIP so that ties spread over the nodes.
 * hash(FailoverIP, node) = fmix32(fnv1a(FailoverIP) XOR fnv1a(node)): each node's part is
 * computed once per pass, which keeps a 5,000-node pass cheap.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv1a(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function failoverIPSeed(failoverIPKey: string): number {
  return fnv1a(failoverIPKey);
}

export function tieBreakHash(failoverIPSeed: number, nodeHash: number): number {
  return fmix32(failoverIPSeed ^ nodeHash);
}
