import { Counter, type Registry } from 'prom-client';
import type { ProbeResult } from '../core/reachability.js';

export interface ReachabilityMetrics {
  probed(result: ProbeResult): void;
  round(counted: boolean): void;
}

export function createReachabilityMetrics(registry: Registry): ReachabilityMetrics {
  const registers = [registry];
  const probes = new Counter({
    name: 'ipshift_node_probes_total',
    help: "ipshift's own TCP probes of node addresses, by result: answered (connected or refused), silent (no reply in time, host unreachable), inconclusive (the prober could not send).",
    labelNames: ['result'] as const,
    registers,
  });
  const rounds = new Counter({
    name: 'ipshift_node_probe_rounds_total',
    help: 'Probe rounds; counted="false" when no node answered, so the round judged nobody (the controller\'s own network is the suspect).',
    labelNames: ['counted'] as const,
    registers,
  });
  for (const result of ['answered', 'silent', 'inconclusive'] as const) probes.inc({ result }, 0);
  for (const counted of ['true', 'false']) rounds.inc({ counted }, 0);
  return {
    probed: (result) => probes.inc({ result }),
    round: (counted) => rounds.inc({ counted: String(counted) }),
  };
}
