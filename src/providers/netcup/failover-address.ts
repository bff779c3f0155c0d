import { parseCidr } from '../../core/address.js';

/** One address of a FailoverIP as netcup's API shapes it: an IPv4 address or an IPv6 network prefix. */
export type FailoverAddress = { readonly family: 4; readonly ip: string } | { readonly family: 6; readonly prefix: string; readonly prefixLength: number };

/**
 * Parses `198.51.100.1`, `198.51.100.1/32` and `2001:db8::/64` (a bare IPv6 address means /64,
 * the size netcup hands out) into netcup's shape, canonical text from src/core/address.ts.
 * Returns null for anything else, so the caller can say which address was bad without guessing.
 */
export function parseFailoverAddress(text: string): FailoverAddress | null {
  const cidr = parseCidr(text, (family) => (family === 4 ? 32 : 64));
  if (cidr === null) return null;
  if (cidr.family === 4) return cidr.prefixLength === 32 ? { family: 4, ip: cidr.address } : null;
  return cidr.prefixLength < 1 ? null : { family: 6, prefix: cidr.address, prefixLength: cidr.prefixLength };
}
