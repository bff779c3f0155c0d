import type { DnsRecord } from '../core/dns-records.js';

/** A DNSEndpoint (externaldns.k8s.io/v1alpha1) that ipshift manages, as the store reads it back. */
export interface ManagedDnsEndpoint {
  readonly namespace: string;
  readonly name: string;
  /** The FailoverIP it belongs to (label ipshift.dev/failover-ip). */
  readonly failoverIP: string;
  readonly holder: string | null;
  readonly endpoints: readonly DnsRecord[];
}

/** What the publisher writes; `owner` is the FailoverIP (the adapter adds its uid as ownerReference). */
export interface DnsEndpointWrite {
  readonly namespace: string;
  readonly name: string;
  readonly failoverIP: string;
  readonly holder: string | null;
  readonly endpoints: readonly DnsRecord[];
}

/**
 * external-dns's DNSEndpoint objects, for the publisher (src/dns/dns-publisher.ts). Every call
 * rejects only with an IpshiftError; the code `crd-missing` says the DNSEndpoint CRD is not
 * installed (the API server does not know the resource), `exists` that an object of that name
 * exists and is not ipshift's.
 */
export interface DnsEndpointStore {
  /** The DNSEndpoints of `namespace` that carry ipshift's label. */
  list(namespace: string): Promise<readonly ManagedDnsEndpoint[]>;
  create(endpoint: DnsEndpointWrite): Promise<void>;
  /** Replaces the records and the holder annotation of an existing one (merge patch). */
  update(endpoint: DnsEndpointWrite): Promise<void>;
  delete(namespace: string, name: string): Promise<void>;
}
