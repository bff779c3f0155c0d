/**
 * Runs inside one controller pod's network namespace for topology.test.ts: the real NodeProber
 * with the real TCP probe, as a replica on node `self`. Each stdin line "round" runs one round
 * and answers with a JSON line: the nodes judged unresponsive.
 */
import { createInterface } from 'node:readline';
import { Registry } from 'prom-client';
import { nodeFacts } from '../support/node-facts.js';
import { createReachabilityMetrics } from '../../src/metrics/reachability-metrics.js';
import { silentLogger } from '../../src/ports/logger.js';
import { NodeProber } from '../../src/reachability/node-prober.js';
import { tcpProbe } from '../../src/reachability/tcp-probe.js';

interface Setup {
  readonly self: string;
  readonly port: number;
  readonly nodes: Array<{ name: string; addresses: string[] }>;
  readonly holders: Record<string, string[]>;
}
const setup = JSON.parse(process.argv[2] as string) as Setup;
const prober = new NodeProber({
  probe: tcpProbe,
  port: setup.port,
  intervalMs: 500,
  failures: 3,
  self: setup.self,
  nodes: () => setup.nodes.map((n) => nodeFacts(n.name, { addresses: n.addresses })),
  holders: () => new Map(Object.entries(setup.holders)),
  onChange: () => undefined,
  metrics: createReachabilityMetrics(new Registry()),
  logger: silentLogger,
});

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'round') {
    await prober.roundOnce();
    process.stdout.write(`${JSON.stringify({ unresponsive: [...prober.unresponsive()].sort() })}\n`);
  } else if (line.startsWith('probe ')) {
    // One bare probe of an address: what a pod there gets back (the local-delivery check).
    process.stdout.write(`${JSON.stringify(await tcpProbe(line.slice(6), setup.port, 500))}\n`);
  }
}
