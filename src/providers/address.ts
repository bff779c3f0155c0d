import { isIP } from 'node:net';

/**
 * The comparable form of a FailoverIP address: the network address without its prefix
 * length, IPv6 compressed and lower-cased. `198.51.100.1/32` and `198.51.100.1` compare equal,
 * as do `2001:DB8:0::/64` and `2001:db8::`. Providers answer in their own spelling; adapters
 * compare through this and hand back the address exactly as the user wrote it.
 */
export function addressKey(address: string): string {
  const bare = address.trim().split('/')[0] ?? '';
  if (isIP(bare) === 6) return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  return bare;
}

export function isIPv6Address(address: string): boolean {
  return isIP(addressKey(address)) === 6;
}
