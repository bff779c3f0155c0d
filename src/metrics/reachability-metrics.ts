import { Counter, type Registry } from 'prom-client';
import type { ProbeResult } from '../core/reachability.js';

export interface ReachabilityMetrics {
  probed(path: 'node-address' | 'failover-ip', result: ProbeResult): void;
  round(counted: boolean): void;
}

export function createReachabilityMetrics(registry: Registry): ReachabilityMetrics {
  const registers = [registry];
  const probes = new Counter({
    name: 'ipshift_node_probes_total',
    help: "ipshift's own TCP probes (two connects per address and round, counted once: answered if either was), by path (node-address: a node's InternalIP or ExternalIP; failover-ip: a held failover address) and result: answered (the node's identity, or a reset where no local answer is possible), silent (no reply in time, host unreachable), inconclusive (the prober could not send, or the answer may be its own node's: another identity, a reset on an address that may be local).",
    labelNames: ['path', 'result'] as const,
    registers,
  });
  const rounds = new Counter({
    name: 'ipshift_node_probe_rounds_total',
    help: 'Probe rounds; counted="false" when no node answered, so the round judged nobody (the controller\'s own network is the suspect).',
    labelNames: ['counted'] as const,
    registers,
  });
  for (const path of ['node-address', 'failover-ip'] as const)
    for (const result of ['answered', 'silent', 'inconclusive'] as const) probes.inc({ path, result }, 0);
  for (const counted of ['true', 'false']) rounds.inc({ counted }, 0);
  return {
    probed: (path, result) => probes.inc({ path, result }),
    round: (counted) => rounds.inc({ counted: String(counted) }),
  };
}
