import ipaddr from 'ipaddr.js';

/**
 * The one address type of ipshift: parsing, the canonical text form, prefix arithmetic and the
 * failover-address policy. Used by the core, the providers, the emulators and the agent, so
 * `2001:DB8:0::1`, `2001:db8::1` and iproute2's spelling always compare equal.
 *
 * Parsing and formatting come from ipaddr.js. The classification is this module's own table
 * (FAILOVER_REFUSED_RANGES) rather than ipaddr.js's `range()` names: the CRD's CEL rules mirror
 * the same table, and a table of CIDRs is what CEL's `cidr().containsIP()` can check.
 */

export type Family = 4 | 6;

export interface Cidr {
  readonly family: Family;
  /** Canonical text: dotted quad, or RFC 5952 (lower case, longest zero run compressed). */
  readonly address: string;
  readonly prefixLength: number;
}

export const formatCidr = (cidr: Cidr): string => `${cidr.address}/${cidr.prefixLength}`;

const familyOfParsed = (ip: ipaddr.IPv4 | ipaddr.IPv6): Family => (ip.kind() === 'ipv4' ? 4 : 6);

// Cheap shape checks first: ipaddr.js reports malformed input by throwing, which costs
// microseconds per call, and alert labels hand this module mostly names, not addresses.
const IPV4_DECIMAL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_CHARACTERS = /^[0-9a-f:.]*:[0-9a-f:.]*(?:%[\w.~-]+)?$/i;

/**
 * Strict parse: IPv4 only as four decimal parts without leading zeros (ipaddr.js alone also
 * takes `127.1` and `0x7f.0.0.1`, which a human reading the spec would not recognise as
 * loopback); IPv6 in any RFC 4291 spelling, a zone id (`%eth0`) dropped.
 */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const trimmed = text.trim();
  if (IPV4_DECIMAL.test(trimmed)) return new ipaddr.IPv4(trimmed.split('.').map(Number));
  if (!IPV6_CHARACTERS.test(trimmed)) return null;
  try {
    return new ipaddr.IPv6(ipaddr.IPv6.parse(trimmed).parts);
  } catch {
    return null;
  }
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups compressed (the first on a tie). */
function formatIPv6(parts: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (parts[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = parts.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

// ipaddr.js's own toRFC5952String builds its regular expressions on every call (about 30 µs).
const format = (ip: ipaddr.IPv4 | ipaddr.IPv6): string => (ip.kind() === 'ipv4' ? ip.toString() : formatIPv6((ip as ipaddr.IPv6).parts));

/** The canonical form of an IPv4 or IPv6 address, or null when it is neither. */
export function canonicalAddress(text: string): string | null {
  const ip = parseAddress(text);
  return ip === null ? null : format(ip);
}

/**
 * The comparable form of an address as users and providers write it, prefix length dropped:
 * `198.51.100.1/32` and `198.51.100.1` give the same key, as do `2001:DB8:0::/64` and
 * `2001:db8::`. Text that is no address comes back trimmed, so it still compares to itself.
 */
export function addressKey(text: string): string {
  const bare = text.trim().split('/')[0] ?? '';
  return canonicalAddress(bare) ?? bare;
}

export const isIPv6Address = (text: string): boolean => parseAddress(text.trim().split('/')[0] ?? '')?.kind() === 'ipv6';

/**
 * Parses `address` or `address/prefix`. Without a prefix, `defaultPrefix(family)` is used.
 * Returns null for anything malformed (bad address, prefix out of range, junk).
 */
export function parseCidr(text: string, defaultPrefix: (family: Family) => number = (f) => (f === 4 ? 32 : 128)): Cidr | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const ip = parseAddress(slash < 0 ? trimmed : trimmed.slice(0, slash));
  if (ip === null) return null;
  const family = familyOfParsed(ip);
  let prefixLength = defaultPrefix(family);
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefixLength = Number(prefixText);
  }
  if (prefixLength < 0 || prefixLength > (family === 4 ? 32 : 128)) return null;
  return { family, address: format(ip), prefixLength };
}

const bitsOf = (family: Family): number => (family === 4 ? 32 : 128);

/** The address as an unsigned integer (32 or 128 bits). */
export function addressToBigInt(canonical: string): bigint | null {
  const ip = parseAddress(canonical);
  return ip === null ? null : toBigInt(ip);
}

const toBigInt = (ip: ipaddr.IPv4 | ipaddr.IPv6): bigint => ip.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);

export function addressFromBigInt(value: bigint, family: Family): string {
  const bytes: number[] = [];
  for (let i = bitsOf(family) / 8 - 1; i >= 0; i -= 1) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return format(ipaddr.fromByteArray(bytes));
}

const mask = (family: Family, prefixLength: number): bigint => {
  const all = (1n << BigInt(bitsOf(family))) - 1n;
  return (all << BigInt(bitsOf(family) - prefixLength)) & all;
};

/** The network part of a CIDR (host bits zero), as an integer. */
export function networkOf(cidr: Cidr): bigint {
  return (addressToBigInt(cidr.address) ?? 0n) & mask(cidr.family, cidr.prefixLength);
}

/** True when `address` (either family) lies inside `prefix`. Different families never match. */
export function cidrContains(prefix: Cidr, address: string): boolean {
  const ip = parseAddress(address);
  if (ip === null || familyOfParsed(ip) !== prefix.family) return false;
  return (toBigInt(ip) & mask(prefix.family, prefix.prefixLength)) === networkOf(prefix);
}

/** Two CIDRs share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = a.prefixLength <= b.prefixLength ? a : b;
  const longer = shorter === a ? b : a;
  return cidrContains(shorter, addressFromBigInt(networkOf(longer), longer.family));
}

/** Host bits all zero: the CIDR names a network, not an interface address. */
export const isNetworkOnly = (cidr: Cidr): boolean => (addressToBigInt(cidr.address) ?? 0n) === networkOf(cidr);

/** The first interface address (network + 1) inside a prefix. */
export const firstHost = (prefix: Cidr): string => addressFromBigInt(networkOf(prefix) | 1n, prefix.family);

/**
 * How an accepted FailoverIP address (agent/address-guard.ts) is configured on the interface:
 * IPv4 as its /32; IPv6 with its /64. A bare prefix (`2001:db8:1::/64`, host bits zero) is
 * configured as its first address (`2001:db8:1::1/64`): the subnet-router anycast address
 * `2001:db8:1::` itself is reserved (RFC 4291 2.6.1). An address with host bits
 * (`2001:db8:1::10/64`) is used as given. The agent configures it; DNS publishes it.
 */
export function failoverAddressCidr(accepted: Cidr): Cidr {
  return accepted.family === 6 && accepted.prefixLength < 128 && isNetworkOnly(accepted) ? { ...accepted, address: firstHost(accepted) } : accepted;
}

// ---------------------------------------------------------------------------------------------
// The failover-address policy. The CRD's CEL rules implement the same table; change both.
// ---------------------------------------------------------------------------------------------

/** A failover IPv4 is one address: the providers route single /32s. */
export const IPV4_FAILOVER_PREFIX = 32;
/**
 * netcup (failoverips/v6 `networkPrefixLength`), Hetzner Robot (failover `/64` nets) and Hetzner
 * Cloud (Floating IPv6) hand out /64s and nothing else, so /64 is the one IPv6 length accepted.
 */
export const IPV6_FAILOVER_PREFIX = 64;
/** DigitalOcean's reserved IPv6 is one address: a /128, its only IPv6 length. */
export const IPV6_SINGLE_ADDRESS_PREFIX = 128;

/** The IPv6 length a provider hands out (`provider.type`); unknown or none: either. */
export function ipv6PrefixesFor(provider: string | undefined): readonly number[] {
  if (provider === undefined) return [IPV6_FAILOVER_PREFIX, IPV6_SINGLE_ADDRESS_PREFIX];
  return provider === 'digitalocean'
    ? [IPV6_SINGLE_ADDRESS_PREFIX]
    : provider === 'dry-run'
      ? [IPV6_FAILOVER_PREFIX, IPV6_SINGLE_ADDRESS_PREFIX]
      : [IPV6_FAILOVER_PREFIX];
}

export interface NamedRange {
  readonly cidr: string;
  /** What the range is, as a log line or a CRD message says it. */
  readonly name: string;
}

/** IPv6 global unicast (RFC 4291 2.4): every other IPv6 address is refused outright. */
export const IPV6_GLOBAL_UNICAST = '2000::/3';

/**
 * Never a failover address: the special-purpose ranges of the IANA registries (RFC 6890) that
 * are not globally reachable, plus private and shared (CGNAT) space. Failover IPs at netcup,
 * Hetzner and DigitalOcean are public; a private or CGNAT "failover IP" would only shadow the
 * node's own networks. Listed IPv6 ranges outside 2000::/3 are named for the message only.
 */
export const FAILOVER_REFUSED_RANGES: readonly NamedRange[] = [
  { cidr: '0.0.0.0/8', name: 'unspecified ("this network")' },
  { cidr: '10.0.0.0/8', name: 'private' },
  { cidr: '100.64.0.0/10', name: 'shared address space (CGNAT)' },
  { cidr: '127.0.0.0/8', name: 'loopback' },
  { cidr: '169.254.0.0/16', name: 'link-local' },
  { cidr: '172.16.0.0/12', name: 'private' },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments' },
  { cidr: '192.88.99.0/24', name: '6to4 relay anycast' },
  { cidr: '192.168.0.0/16', name: 'private' },
  { cidr: '198.18.0.0/15', name: 'benchmarking' },
  { cidr: '224.0.0.0/4', name: 'multicast' },
  { cidr: '240.0.0.0/4', name: 'reserved (and broadcast)' },
  { cidr: '::/128', name: 'unspecified' },
  { cidr: '::1/128', name: 'loopback' },
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped' },
  { cidr: '64:ff9b::/96', name: 'NAT64' },
  { cidr: 'fc00::/7', name: 'unique local' },
  { cidr: 'fe80::/10', name: 'link-local' },
  { cidr: 'ff00::/8', name: 'multicast' },
  { cidr: '2001::/23', name: 'IETF protocol assignments (Teredo, benchmarking, ORCHID)' },
  { cidr: '2002::/16', name: '6to4' },
];

/** Documentation ranges (RFC 5737, RFC 3849, RFC 9637): accepted only where the install allows them (tests, sandbox). */
export const DOCUMENTATION_RANGES: readonly NamedRange[] = [
  { cidr: '192.0.2.0/24', name: 'documentation (TEST-NET-1)' },
  { cidr: '198.51.100.0/24', name: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', name: 'documentation (TEST-NET-3)' },
  { cidr: '2001:db8::/32', name: 'documentation' },
  { cidr: '3fff::/20', name: 'documentation' },
];

export const ADDRESS_REFUSALS = ['malformed', 'prefix-length', 'not-global-unicast', 'documentation'] as const;
export type AddressRefusal = (typeof ADDRESS_REFUSALS)[number];

export type FailoverAddressVerdict =
  { readonly ok: true; readonly cidr: Cidr } | { readonly ok: false; readonly reason: AddressRefusal; readonly detail: string };

export interface AddressPolicyOptions {
  /** Accept the documentation ranges (the sandbox and tests use them). Default false. */
  readonly allowDocumentation: boolean;
  /** The FailoverIP's provider.type: it decides the IPv6 length (ipv6PrefixesFor). Absent: /64 or /128. */
  readonly provider?: string;
}

const parsedRanges = (ranges: readonly NamedRange[]): { cidr: Cidr; name: string; text: string }[] =>
  ranges.map((r) => ({ cidr: parseCidr(r.cidr) as Cidr, name: r.name, text: r.cidr }));
const REFUSED = parsedRanges(FAILOVER_REFUSED_RANGES);
const DOCUMENTATION = parsedRanges(DOCUMENTATION_RANGES);
const GLOBAL_UNICAST_V6 = parseCidr(IPV6_GLOBAL_UNICAST) as Cidr;

/** The first named range among `ranges` that overlaps `cidr`. */
const hit = (ranges: ReturnType<typeof parsedRanges>, cidr: Cidr): { name: string; text: string } | undefined => ranges.find((r) => cidrsOverlap(r.cidr, cidr));

/**
 * Whether `text` (a FailoverIP's `spec.addresses` entry) is an acceptable failover address:
 * IPv4 as `a.b.c.d` or `a.b.c.d/32`; IPv6 as `prefix/64`, or for DigitalOcean as one address
 * `address/128` (a bare IPv6 address means the provider's length, /64 when it has two);
 * global unicast only, the documentation ranges only when allowed. The accepted CIDR keeps the
 * address as written (canonicalised): what is configured from it is the caller's business.
 */
export function checkFailoverAddress(text: string, options: AddressPolicyOptions): FailoverAddressVerdict {
  const v6 = ipv6PrefixesFor(options.provider);
  const cidr = parseCidr(text, (family) => (family === 4 ? IPV4_FAILOVER_PREFIX : (v6[0] ?? IPV6_FAILOVER_PREFIX)));
  if (cidr === null) return { ok: false, reason: 'malformed', detail: 'not an IPv4 address or IPv6 prefix' };
  if (cidr.family === 4 ? cidr.prefixLength !== IPV4_FAILOVER_PREFIX : !v6.includes(cidr.prefixLength)) {
    const what =
      cidr.family === 4
        ? 'an IPv4 failover address is a single address (/32)'
        : options.provider === 'digitalocean'
          ? 'a DigitalOcean reserved IPv6 is one address (/128)'
          : v6.length === 1
            ? 'an IPv6 failover prefix is a /64 (what netcup and Hetzner hand out)'
            : 'an IPv6 failover address is a /64 prefix or, at DigitalOcean, one /128 address';
    return { ok: false, reason: 'prefix-length', detail: `${what}, got /${cidr.prefixLength}` };
  }
  const refused = hit(REFUSED, cidr);
  if (refused !== undefined) return { ok: false, reason: 'not-global-unicast', detail: `${refused.name} range ${refused.text}` };
  if (cidr.family === 6 && !cidrContains(GLOBAL_UNICAST_V6, cidr.address)) {
    return { ok: false, reason: 'not-global-unicast', detail: `outside IPv6 global unicast ${IPV6_GLOBAL_UNICAST}` };
  }
  const documentation = hit(DOCUMENTATION, cidr);
  if (documentation !== undefined && !options.allowDocumentation) {
    return { ok: false, reason: 'documentation', detail: `${documentation.name} range ${documentation.text}, accepted only in the sandbox and tests` };
  }
  return { ok: true, cidr };
}
