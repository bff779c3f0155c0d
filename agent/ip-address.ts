import { isIPv4, isIPv6 } from 'node:net';

/**
 * Address arithmetic the agent needs and node:net lacks: canonical text forms (so the
 * configured `2001:DB8:0::1` and iproute2's `2001:db8::1` compare equal), prefix checks and
 * the EUI-64 interface identifier.
 */

export type Family = 4 | 6;

export interface Cidr {
  readonly family: Family;
  /** Canonical text: dotted quad, or RFC 5952 (lower case, longest zero run compressed). */
  readonly address: string;
  readonly prefixLength: number;
}

export const formatCidr = (cidr: Cidr): string => `${cidr.address}/${cidr.prefixLength}`;

const IPV6_BITS = 128n;
const ALL_ONES_128 = (1n << IPV6_BITS) - 1n;

export function ipv4ToNumber(text: string): number | null {
  if (!isIPv4(text)) return null;
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function ipv4FromNumber(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function ipv6ToBigInt(text: string): bigint | null {
  const bare = text.split('%')[0] ?? '';
  if (!isIPv6(bare)) return null;
  let groupsText = bare.toLowerCase();
  // An embedded dotted quad (::ffff:192.0.2.1) stands for the last two groups.
  const lastColon = groupsText.lastIndexOf(':');
  const tail = groupsText.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToNumber(tail);
    if (v4 === null) return null;
    groupsText = `${groupsText.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = groupsText.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  if (groups.length !== 8) return null;
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

export function ipv6FromBigInt(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i -= 1) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical form of an IPv4 or IPv6 address, or null when it is neither. */
export function canonicalAddress(text: string): string | null {
  const trimmed = text.trim();
  if (isIPv4(trimmed)) return trimmed.split('.').map(Number).join('.');
  const v6 = ipv6ToBigInt(trimmed);
  return v6 === null ? null : ipv6FromBigInt(v6);
}

export const familyOf = (canonical: string): Family => (canonical.includes(':') ? 6 : 4);

/**
 * Parses `address` or `address/prefix`. Without a prefix, `defaultPrefix(family)` is used.
 * Returns null for anything malformed (bad address, prefix out of range, junk).
 */
export function parseCidr(text: string, defaultPrefix: (family: Family) => number = (f) => (f === 4 ? 32 : 128)): Cidr | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const address = canonicalAddress(addressText);
  if (address === null) return null;
  const family = familyOf(address);
  const max = family === 4 ? 32 : 128;
  let prefixLength = defaultPrefix(family);
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefixLength = Number(prefixText);
  }
  if (prefixLength < 0 || prefixLength > max) return null;
  return { family, address, prefixLength };
}

const ipv6Mask = (prefixLength: number): bigint => (ALL_ONES_128 << BigInt(128 - prefixLength)) & ALL_ONES_128;

/** The network part of an IPv6 CIDR (host bits zero), as a bigint. */
export function ipv6Network(cidr: Cidr): bigint {
  const value = ipv6ToBigInt(cidr.address) ?? 0n;
  return value & ipv6Mask(cidr.prefixLength);
}

/** True when IPv6 `address` lies inside the IPv6 `prefix`. */
export function ipv6InPrefix(address: string, prefix: Cidr): boolean {
  const value = ipv6ToBigInt(address);
  if (value === null || prefix.family !== 6) return false;
  return (value & ipv6Mask(prefix.prefixLength)) === ipv6Network(prefix);
}

/** Host bits of an IPv6 CIDR are all zero (it names a network, not an interface address). */
export function ipv6IsNetworkOnly(cidr: Cidr): boolean {
  return cidr.family === 6 && (ipv6ToBigInt(cidr.address) ?? 0n) === ipv6Network(cidr);
}

/** Normalises a MAC to lower-case colon form; accepts `:` or `-` separators. Null when malformed. */
export function normaliseMac(text: string): string | null {
  const parts = text.trim().toLowerCase().split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-f]{1,2}$/.test(p))) return null;
  return parts.map((p) => p.padStart(2, '0')).join(':');
}

/**
 * Modified EUI-64 interface identifier (RFC 4291 appendix A): ff:fe in the middle of the
 * MAC, universal/local bit flipped. This is the host half SLAAC would pick, and what netcup's
 * router expects as the next hop for a routed /64.
 */
export function eui64InterfaceId(mac: string): bigint | null {
  const normalised = normaliseMac(mac);
  if (normalised === null) return null;
  const bytes = normalised.split(':').map((b) => parseInt(b, 16));
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = bytes;
  const id = [b0 ^ 0x02, b1, b2, 0xff, 0xfe, b3, b4, b5];
  return id.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

/** The EUI-64 address of `mac` inside the /64 `prefix`, as a /64 CIDR. */
export function eui64Address(prefix: Cidr, mac: string): Cidr | null {
  const id = eui64InterfaceId(mac);
  if (id === null || prefix.family !== 6 || prefix.prefixLength !== 64) return null;
  return { family: 6, address: ipv6FromBigInt(ipv6Network(prefix) | id), prefixLength: 64 };
}

/** The first interface address (network + 1) inside an IPv6 prefix. */
export function ipv6FirstHost(prefix: Cidr): string {
  return ipv6FromBigInt(ipv6Network(prefix) | 1n);
}
