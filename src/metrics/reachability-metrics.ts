import { Counter, type Registry } from 'prom-client';
import type { ProbeResult } from '../core/reachability.js';

export interface ReachabilityMetrics {
  probed(path: 'internal' | 'failover-ip', result: ProbeResult): void;
  round(counted: boolean): void;
}

export function createReachabilityMetrics(registry: Registry): ReachabilityMetrics {
  const registers = [registry];
  const probes = new Counter({
    name: 'ipshift_node_probes_total',
    help: "ipshift's own TCP probes (two connects per address and round, counted once: answered if either was), by path (internal: a node's InternalIP; failover-ip: a held failover address) and result: answered (connected or refused), silent (no reply in time, host unreachable), inconclusive (the prober could not send).",
    labelNames: ['path', 'result'] as const,
    registers,
  });
  const rounds = new Counter({
    name: 'ipshift_node_probe_rounds_total',
    help: 'Probe rounds; counted="false" when no node answered, so the round judged nobody (the controller\'s own network is the suspect).',
    labelNames: ['counted'] as const,
    registers,
  });
  for (const path of ['internal', 'failover-ip'] as const)
    for (const result of ['answered', 'silent', 'inconclusive'] as const) probes.inc({ path, result }, 0);
  for (const counted of ['true', 'false']) rounds.inc({ counted }, 0);
  return {
    probed: (path, result) => probes.inc({ path, result }),
    round: (counted) => rounds.inc({ counted: String(counted) }),
  };
}
