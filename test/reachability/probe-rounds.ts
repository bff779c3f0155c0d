/**
 * Runs inside the "controller" network namespace for netns-probe.test.ts: one NodeProber with
 * the real TCP probe of a holder (InternalIP and failover address) and a witness; each line "round" on stdin runs one round and answers with a JSON line.
 */
import { createInterface } from 'node:readline';
import { Registry } from 'prom-client';
import { nodeFacts } from '../support/node-facts.js';
import { createReachabilityMetrics } from '../../src/metrics/reachability-metrics.js';
import { silentLogger } from '../../src/ports/logger.js';
import { NodeProber } from '../../src/reachability/node-prober.js';
import { tcpProbe } from '../../src/reachability/tcp-probe.js';

const [holderAddress, witnessAddress, failoverAddress] = process.argv.slice(2);
let lastRoundCounted: boolean | null = null;
const results: string[] = [];
const metrics = createReachabilityMetrics(new Registry());
const prober = new NodeProber({
  probe: tcpProbe,
  port: 9102,
  intervalMs: 500,
  failures: 3,
  // The prober's own node is none of the probed ones: a reset on their own addresses is theirs.
  self: 'controller-node',
  nodes: () => [nodeFacts('holder', { addresses: [holderAddress as string] }), nodeFacts('witness', { addresses: [witnessAddress as string] })],
  holders: () => new Map([['holder', [failoverAddress as string]]]),
  onChange: () => undefined,
  metrics: {
    probed: (path, result) => {
      results.push(`${path}:${result}`);
      metrics.probed(path, result);
    },
    round: (counted) => {
      lastRoundCounted = counted;
      metrics.round(counted);
    },
  },
  logger: silentLogger,
});

for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'round') continue;
  results.length = 0;
  await prober.roundOnce();
  process.stdout.write(`${JSON.stringify({ unresponsive: [...prober.unresponsive()], counted: lastRoundCounted, results: [...results].sort() })}\n`);
}
