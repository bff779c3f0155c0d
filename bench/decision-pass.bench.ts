// One full decision pass at scale: 5,000 nodes, 100 FailoverIPs, 20,000 active alerts.
// Run: npx tsx bench/decision-pass.bench.ts   (npm run bench runs it with --expose-gc)
import { createPassMemo, planPass, type PassAlert, type PassFailoverIP } from '../src/core/plan.js';
import { loadAlertPolicy } from '../src/config/load-alert-policy.js';
import type { NodeFacts } from '../src/core/model.js';
import { seededRandom } from '../test/support/node-facts.js';
import { collect, mib, ms, summary } from './stats.js';

const NODES = 5000;
const FIPS = Number(process.env.FIPS ?? 100);
const ALERTS = Number(process.env.ALERTS ?? 20000);
const RUNS = 200;

const random = seededRandom(42);
const now = Date.parse('2026-11-23T12:00:00Z');
const nodes: NodeFacts[] = Array.from({ length: NODES }, (_, i) => ({
  name: `node-${i}`,
  labels: { 'kubernetes.io/hostname': `node-${i}`, zone: `zone-${i % 3}`, pool: i % 10 === 0 ? 'edge' : 'general' },
  annotations: { 'ipshift.dev/server-id': String(100000 + i) },
  addresses: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
  conditions: { Ready: random() < 0.98 ? 'True' : 'False', MemoryPressure: random() < 0.02 ? 'True' : 'False', DiskPressure: 'False', PIDPressure: 'False' },
  taints: [],
  unschedulable: random() < 0.01,
  deleting: false,
}));
const names = ['KubeNodeNotReady', 'NodeHighLoad', 'NodeFilesystemSpaceFillingUp', 'NodeClockSkew', 'KubePodCrashLooping'];
const severities = ['critical', 'warning', 'info'];
const alerts: PassAlert[] = Array.from({ length: ALERTS }, (_, i) => {
  const node = Math.floor(random() * NODES);
  const byInstance = random() < 0.5;
  return {
    fingerprint: `fp${i}`,
    labels: {
      alertname: names[i % names.length] as string,
      severity: severities[Math.floor(random() * 3)] as string,
      ...(byInstance ? { instance: `10.${(node >> 16) & 255}.${(node >> 8) & 255}.${node & 255}:9100`, job: 'node-exporter' } : { node: `node-${node}` }),
    },
  };
});
const servers = new Set(nodes.map((n) => n.name));
const failoverIPs: PassFailoverIP[] = Array.from({ length: FIPS }, (_, i) => ({
  key: `ns-${i % 7}/fip-${i}`,
  addresses: [`198.51.100.${i}`],
  nodeSelector:
    i % 4 === 0 ? { matchLabels: { pool: 'edge' } } : { matchExpressions: [{ key: 'zone', operator: 'In', values: [`zone-${i % 3}`, `zone-${(i + 1) % 3}`] }] },
  nodesWithServer: servers,
  assignedNode: `node-${Math.floor(random() * NODES)}`,
  cooldownMs: 300_000,
  gracePeriodMs: 60_000,
  spread: true,
  paused: false,
  moveTo: null,
  lastMoveAt: random() < 0.2 ? now - 100_000 : null,
  blockedUntil: null,
  holderDegradedSince: null,
}));
const policy = loadAlertPolicy();
// As the reconciler does: one memo kept across passes (the core keeps none itself).
const memo = createPassMemo();

collect();
const heapBefore = process.memoryUsage().heapUsed;
const samples: number[] = [];
let moves = 0;
let retained: unknown = null;
for (let run = 0; run < RUNS; run++) {
  const start = process.hrtime.bigint();
  const result = planPass({ now, nodes, alerts, policy, failoverIPs, memo });
  samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  moves = result.plans.filter((p) => p.decision.outcome === 'move').length;
  retained = result;
}
const heapWithResult = process.memoryUsage().heapUsed;
collect();
const heapAfter = process.memoryUsage().heapUsed;
void retained;
const s = summary(samples.slice(5)); // the first runs warm the JIT up
console.log(
  `| decision pass (${NODES} nodes, ${FIPS} FailoverIPs, ${ALERTS} alerts) | median ${ms(s.median)}, p99 ${ms(s.p99)} over ${RUNS - 5} runs | target median <= 20 ms |`,
);
console.log(
  `| heap: inputs + one pass result (5,000 nodes, 100 FailoverIPs, 20,000 alerts) | ${mib(heapAfter)} live after GC (inputs ${mib(heapBefore)}, peak seen ${mib(Math.max(heapWithResult, heapAfter))}); ${moves} moves planned | — |`,
);
