import {
  cidrContains,
  DOCUMENTATION_RANGES,
  FAILOVER_REFUSED_RANGES,
  IPV4_FAILOVER_PREFIX,
  IPV6_FAILOVER_PREFIX,
  IPV6_SINGLE_ADDRESS_PREFIX,
  IPV6_GLOBAL_UNICAST,
  parseCidr,
  type Cidr,
} from './address.js';

/**
 * The failover-address policy of address.ts as CRD validation rules (CEL), written from the
 * same tables so the API server refuses at admission what the agent would refuse to configure.
 * They use the Kubernetes IP and CIDR CEL libraries (isIP, isCIDR, ip, cidr), which CRD
 * validation rules may use from Kubernetes 1.31 on.
 *
 * What admission cannot know stays with the agent: the node's own addresses, its gateway, the
 * pod and service ranges. Documentation ranges are refused unless `provider.type` is dry-run:
 * a dry-run FailoverIP routes nothing and the agent configures documentation addresses only in
 * the sandbox, so a try-out object may use them.
 */

export interface CelRule {
  readonly rule: string;
  readonly message: string;
}

const list = (cidrs: readonly string[]): string => `[${cidrs.map((c) => `'${c}'`).join(', ')}]`;

/** The address as a CIDR: a bare IPv4 address is its /32 (IPv6 needs a prefix: the pattern says so). */
const asCidr = (v: string): string => `(isCIDR(${v}) ? cidr(${v}) : cidr(${v} + '/${IPV4_FAILOVER_PREFIX}'))`;
const parses = (v: string): string => `(isCIDR(${v}) || (isIP(${v}) && ip(${v}).family() == 4))`;
/** `c` overlaps one of `ranges`. */
const overlapsAny = (c: string, ranges: readonly string[]): string => `${list(ranges)}.exists(r, cidr(r).containsCIDR(${c}) || ${c}.containsCIDR(cidr(r)))`;

/**
 * The refused ranges CEL has to list: IPv4 ones, and IPv6 ones inside 2000::/3 (the rest is
 * refused by the 2000::/3 rule, and Kubernetes' cidr() refuses IPv4-mapped IPv6 outright).
 */
const GLOBAL_V6 = parseCidr(IPV6_GLOBAL_UNICAST) as Cidr;
const REFUSED_FOR_CEL = FAILOVER_REFUSED_RANGES.map((r) => r.cidr).filter((text) => {
  const cidr = parseCidr(text) as Cidr;
  return cidr.family === 4 || cidrContains(GLOBAL_V6, cidr.address);
});

/** Rules on one entry of spec.addresses (`self` is the string). */
export const ADDRESS_CEL_RULES: readonly CelRule[] = [
  {
    rule: `${parses('self')} && (${asCidr('self')}.ip().family() == 4 ? ${asCidr('self')}.prefixLength() == ${IPV4_FAILOVER_PREFIX} : ${asCidr('self')}.prefixLength() in [${IPV6_FAILOVER_PREFIX}, ${IPV6_SINGLE_ADDRESS_PREFIX}])`,
    message: `an IPv4 failover address is one address (/${IPV4_FAILOVER_PREFIX}); IPv6 is a /${IPV6_FAILOVER_PREFIX} prefix or, at DigitalOcean, one /${IPV6_SINGLE_ADDRESS_PREFIX} address, what the providers hand out`,
  },
  {
    rule: `!${parses('self')} || (!${overlapsAny(asCidr('self'), REFUSED_FOR_CEL)} && (${asCidr('self')}.ip().family() == 4 || cidr('${IPV6_GLOBAL_UNICAST}').containsCIDR(${asCidr('self')})))`,
    message: `not a global unicast address: loopback, link-local, multicast, unspecified, private, CGNAT and the other special-purpose ranges are refused`,
  },
];

/**
 * The rule on spec for the provider's IPv6 length (ipv6PrefixesFor): DigitalOcean's reserved
 * IPv6 is one /128 address; netcup and Hetzner route /64 prefixes; dry-run takes either.
 */
export const IPV6_PROVIDER_CEL_RULE: CelRule = {
  rule: `self.provider.type == 'dry-run' || self.addresses.all(a, !isCIDR(a) || cidr(a).ip().family() == 4 || cidr(a).prefixLength() == (self.provider.type == 'digitalocean' ? ${IPV6_SINGLE_ADDRESS_PREFIX} : ${IPV6_FAILOVER_PREFIX}))`,
  message: `IPv6 at DigitalOcean is a reserved IPv6 address written as /${IPV6_SINGLE_ADDRESS_PREFIX}; at netcup and Hetzner a /${IPV6_FAILOVER_PREFIX} prefix`,
};

/** The rule on spec (`self` is the spec): documentation ranges only for dry-run. */
export const DOCUMENTATION_CEL_RULE: CelRule = {
  rule: `self.provider.type == 'dry-run' || !self.addresses.exists(a, ${parses('a')} && ${overlapsAny(
    asCidr('a'),
    DOCUMENTATION_RANGES.map((r) => r.cidr),
  )})`,
  message: `a documentation address (${DOCUMENTATION_RANGES.map((r) => r.cidr).join(', ')}) is only a placeholder: put your failover IP here (provider dry-run may use one)`,
};
