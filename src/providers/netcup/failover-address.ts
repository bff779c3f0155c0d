import { isIPv4, isIPv6 } from 'node:net';

/** One address of a FailoverIP as netcup sees it: an IPv4 address or an IPv6 network prefix. */
export type FailoverAddress = { readonly family: 4; readonly ip: string } | { readonly family: 6; readonly prefix: string; readonly prefixLength: number };

/**
 * Parses `198.51.100.1`, `198.51.100.1/32` and `2001:db8::/64` (a bare IPv6 address means /64,
 * the size netcup hands out). Returns null for anything else, so the caller can say which
 * address was bad without guessing.
 */
export function parseFailoverAddress(text: string): FailoverAddress | null {
  const [ip = '', length, ...rest] = text.trim().split('/');
  if (rest.length > 0) return null;
  if (isIPv4(ip)) {
    if (length !== undefined && length !== '32') return null;
    return { family: 4, ip };
  }
  if (isIPv6(ip)) {
    const prefixLength = length === undefined ? 64 : Number(length);
    if (!Number.isInteger(prefixLength) || prefixLength < 1 || prefixLength > 128) return null;
    return { family: 6, prefix: canonicalIPv6(ip), prefixLength };
  }
  return null;
}

/** Expands an IPv6 address to eight 4-digit groups so two spellings of one address compare equal. */
export function canonicalIPv6(address: string): string {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.map((group) => group.padStart(4, '0')).join(':');
}

export function describeAddress(address: FailoverAddress): string {
  return address.family === 4 ? address.ip : `${address.prefix}/${address.prefixLength}`;
}
