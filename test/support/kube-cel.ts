import { Environment } from '@marcbachmann/cel-js';
import ipaddr from 'ipaddr.js';

/**
 * A CEL environment with what CRD validation rules see of the Kubernetes IP and CIDR libraries
 * (k8s.io/apiserver/pkg/cel/library ip.go, cidr.go), written after their documented semantics
 * on Go's net/netip and independently of src/core/address.ts, so a rule that drifts from the
 * address policy shows. CEL itself (parser, macros, operators) is a real CEL implementation.
 *
 * netip's rules kept here: IPv4 only as four decimal parts without leading zeros, no zones,
 * IPv4-mapped IPv6 refused by ip()/cidr(); a prefix may have host bits set.
 */

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

class IP {
  constructor(readonly addr: Addr) {}
}
class CIDR {
  constructor(
    readonly addr: Addr,
    readonly bits: number,
  ) {}
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function parseAddr(text: string): Addr | null {
  if (IPV4.test(text)) return ipaddr.IPv4.parse(text);
  if (text.includes('%') || text.includes('.') || !ipaddr.IPv6.isValid(text)) return null;
  const v6 = ipaddr.IPv6.parse(text);
  return v6.isIPv4MappedAddress() ? null : v6;
}

function parsePrefix(text: string): CIDR | null {
  const [addr, bits, extra] = text.split('/');
  if (addr === undefined || bits === undefined || extra !== undefined || !/^(?:0|[1-9]\d{0,2})$/.test(bits)) return null;
  const parsed = parseAddr(addr);
  if (parsed === null || Number(bits) > (parsed.kind() === 'ipv4' ? 32 : 128)) return null;
  return new CIDR(parsed, Number(bits));
}

const bitsOf = (addr: Addr): number => (addr.kind() === 'ipv4' ? 32 : 128);
const toBig = (addr: Addr): bigint => addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
const masked = (addr: Addr, bits: number): bigint => {
  const all = bitsOf(addr);
  return all === bits ? toBig(addr) : (toBig(addr) >> BigInt(all - bits)) << BigInt(all - bits);
};

/** netip.Prefix.Contains. */
const contains = (c: CIDR, addr: Addr): boolean => c.addr.kind() === addr.kind() && masked(c.addr, c.bits) === masked(addr, c.bits);

const fail = (what: string, text: string): never => {
  throw new Error(`${what}: invalid ${what === 'ip' ? 'IP address' : 'CIDR'} "${text}"`);
};

export function kubeCelEnvironment(): Environment {
  return new Environment({ unlistedVariablesAreDyn: true })
    .registerType('net.IP', IP)
    .registerType('net.CIDR', CIDR)
    .registerFunction('isIP(string): bool', (text: string) => parseAddr(text) !== null)
    .registerFunction('ip(string): net.IP', (text: string) => new IP(parseAddr(text) ?? fail('ip', text)))
    .registerFunction('isCIDR(string): bool', (text: string) => parsePrefix(text) !== null)
    .registerFunction('cidr(string): net.CIDR', (text: string) => parsePrefix(text) ?? fail('cidr', text))
    .registerFunction('net.IP.family(): int', (ip: IP) => (ip.addr.kind() === 'ipv4' ? 4n : 6n))
    .registerFunction('net.CIDR.ip(): net.IP', (c: CIDR) => new IP(c.addr))
    .registerFunction('net.CIDR.prefixLength(): int', (c: CIDR) => BigInt(c.bits))
    .registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CIDR, ip: IP) => contains(c, ip.addr))
    .registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDR, other: CIDR) => contains(c, other.addr) && c.bits <= other.bits);
}
