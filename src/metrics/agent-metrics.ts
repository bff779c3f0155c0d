import { Gauge, Counter, type Registry } from 'prom-client';

/** What the agent can fail at; a closed set, so the `operation` label stays bounded. */
export const AGENT_OPERATIONS = [
  'list-interfaces',
  'list-routes',
  'choose-interface',
  'add-address',
  'del-address',
  'ledger-read',
  'ledger-write',
  'node-missing',
  'invalid-address',
] as const;
export type AgentOperation = (typeof AGENT_OPERATIONS)[number];

export interface AddressPresence {
  readonly failoverIP: string;
  readonly address: string;
  readonly iface: string;
  readonly present: boolean;
}

export interface AgentMetrics {
  /** Replaces the whole set: addresses no longer desired disappear from the scrape. */
  setAddresses(addresses: readonly AddressPresence[]): void;
  error(operation: AgentOperation): void;
  /** FailoverIP addresses the agent refuses now, by reason; replaces the previous counts. */
  setRefused(byReason: Readonly<Record<string, number>>): void;
  syncFinished(nowMs: number): void;
  /** The uplink check (agent/uplink-monitor.ts); null: it cannot run, no series. */
  uplink(state: { readonly iface: string; readonly gateway: string; readonly up: boolean } | null): void;
}

export function createAgentMetrics(registry: Registry): AgentMetrics {
  const registers = [registry];
  const present = new Gauge({
    name: 'ipshift_agent_address_present',
    help: 'Per address this node must hold: 1 when the interface holds it, 0 when it is missing (adding failed). The EUI-64 next-hop address of an IPv6 FailoverIP is listed under that FailoverIP.',
    labelNames: ['failover_ip', 'address', 'interface'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'ipshift_agent_errors_total',
    help: 'Failed agent operations, by operation.',
    labelNames: ['operation'] as const,
    registers,
  });
  const refused = new Gauge({
    name: 'ipshift_agent_refused_addresses',
    help: "FailoverIP addresses this node refuses to configure (not an acceptable failover address, or one the node already uses: its own, a Node's, its gateway, a cluster range), by reason.",
    labelNames: ['reason'] as const,
    registers,
  });
  const lastSync = new Gauge({
    name: 'ipshift_agent_last_sync_timestamp_seconds',
    help: 'Unix time of the last completed sync of the node interface with the FailoverIPs.',
    registers,
  });
  const uplink = new Gauge({
    name: 'ipshift_agent_uplink_up',
    help: "The node's own public path: 1 while its IPv4 default gateway answers ARP, 0 after IPSHIFT_AGENT_UPLINK_FAILURES unanswered checks in a row. No series while the check cannot run (no default route, no arping). Feeds the IpshiftNodeUplinkDown signal.",
    labelNames: ['interface', 'gateway'] as const,
    registers,
  });
  // Zeros from the start, so rate() and the dashboard see a series before the first failure.
  for (const operation of AGENT_OPERATIONS) errors.inc({ operation }, 0);

  return {
    setAddresses(addresses) {
      present.reset();
      for (const a of addresses) present.set({ failover_ip: a.failoverIP, address: a.address, interface: a.iface }, a.present ? 1 : 0);
    },
    error(operation) {
      errors.inc({ operation });
    },
    setRefused(byReason) {
      refused.reset();
      for (const [reason, count] of Object.entries(byReason)) refused.set({ reason }, count);
    },
    syncFinished(nowMs) {
      lastSync.set(nowMs / 1000);
    },
    uplink(state) {
      uplink.reset();
      if (state !== null) uplink.set({ interface: state.iface, gateway: state.gateway }, state.up ? 1 : 0);
    },
  };
}
