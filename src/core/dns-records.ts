import { canonicalAddress, checkFailoverAddress, failoverAddressCidr, formatCidr } from './address.js';
import type { Candidate } from './eligibility.js';
import { tierOf } from './health.js';
import type { FailoverIPObject, NodeFacts } from './model.js';

/**
 * The DNS records a FailoverIP asks for (spec.dns), as external-dns's DNSEndpoint spells them:
 * one endpoint per (name, record type). Pure: the publisher (src/dns/) writes what this returns.
 */

export type RecordType = 'A' | 'AAAA';

/** One entry of a DNSEndpoint's spec.endpoints (external-dns's endpoint.Endpoint). */
export interface DnsRecord {
  readonly dnsName: string;
  readonly recordType: RecordType;
  readonly targets: readonly string[];
  readonly recordTTL?: number;
}

export interface DesiredDnsEndpoint {
  /** metadata.name of the DNSEndpoint: `ipshift-<FailoverIP name>`. */
  readonly name: string;
  /** The FailoverIP it belongs to (its namespace is the DNSEndpoint's). */
  readonly failoverIP: string;
  readonly namespace: string;
  /** The node the provider routes the addresses to, null when none (shown as an annotation). */
  readonly holder: string | null;
  readonly endpoints: readonly DnsRecord[];
}

export const dnsEndpointName = (failoverIPName: string): string => `ipshift-${failoverIPName}`;

const familyOf = (address: string): RecordType => (address.includes(':') ? 'AAAA' : 'A');

/**
 * The address a record names for one spec.addresses entry: IPv4 as is; an IPv6 /64 as the
 * address the agent configures in it (the prefix's first address, or the one written).
 */
function recordAddress(entry: string, provider: string): string | null {
  const verdict = checkFailoverAddress(entry, { allowDocumentation: true, provider });
  if (!verdict.ok) return null;
  return formatCidr(failoverAddressCidr(verdict.cidr)).split('/')[0] ?? null;
}

/** Records of one name, one per family that has targets; targets sorted so the spec is stable. */
function recordsFor(dnsName: string, addresses: readonly string[], ttl: number | undefined): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (const recordType of ['A', 'AAAA'] as const) {
    const targets = [...new Set(addresses.filter((a) => familyOf(a) === recordType))].sort();
    // An endpoint without targets would take external-dns's --default-targets: never publish one.
    if (targets.length === 0) continue;
    records.push({ dnsName, recordType, targets, ...(ttl === undefined ? {} : { recordTTL: ttl }) });
  }
  return records;
}

export interface DnsInput {
  readonly fip: FailoverIPObject;
  /** Where the provider routes the addresses (status.assignedNode as the controller knows it). */
  readonly holder: string | null;
  /** This FailoverIP's candidates from the last decision pass (eligibility and health per node). */
  readonly candidates: readonly Candidate[];
  readonly nodes: readonly NodeFacts[];
}

/**
 * The DNSEndpoint a FailoverIP wants, or null without spec.dns. The failover records name the
 * failover addresses (they do not change on a failover: the provider moves them). The node
 * records name the nodes that are eligible and healthy (no issue above `info`) right now.
 */
export function desiredDnsEndpoint(input: DnsInput): DesiredDnsEndpoint | null {
  const { fip } = input;
  const dns = fip.spec.dns;
  if (dns === undefined) return null;
  const failover = fip.spec.addresses.map((a) => recordAddress(a, fip.spec.provider.type)).filter((a): a is string => a !== null);
  const endpoints = recordsFor(dns.hostname, failover, dns.ttl);
  if (dns.nodeRecords !== undefined) {
    const external = dns.nodeRecords.addressType !== 'InternalIP';
    const serving = new Set(input.candidates.filter((c) => c.eligible && tierOf(c.mask) === 'healthy').map((c) => c.name));
    const addresses: string[] = [];
    for (const node of input.nodes) {
      if (!serving.has(node.name)) continue;
      const externals = node.externalAddresses ?? [];
      for (const address of node.addresses) {
        if (externals.includes(address) !== external) continue;
        const canonical = canonicalAddress(address);
        if (canonical !== null) addresses.push(canonical);
      }
    }
    endpoints.push(...recordsFor(dns.nodeRecords.hostname, addresses, dns.ttl));
  }
  return { name: dnsEndpointName(fip.name), failoverIP: fip.name, namespace: fip.namespace, holder: input.holder, endpoints };
}
