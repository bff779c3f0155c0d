// One full decision pass at scale: 5,000 nodes, 100 FailoverIPs, 20,000 active alerts.
// Run: npx tsx bench/decision-pass.bench.ts   (npm run bench runs it with --expose-gc)
import { PerformanceObserver, constants as perfConstants, type PerformanceEntry } from 'node:perf_hooks';
import { createPassMemo, planPass, type PassAlert, type PassFailoverIP } from '../src/core/plan.js';
import { loadAlertPolicy } from '../src/config/load-alert-policy.js';
import type { NodeFacts } from '../src/core/model.js';
import { seededRandom } from '../test/support/node-facts.js';
import { collect, mib, ms, paired, times } from './stats.js';

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

// The same-run baseline: one linear scan of the same inputs, touching every alert, node and
// FailoverIP once (an alert's node looked up by name or address, a count per node). Its time
// is what this machine takes to merely read the inputs; the pass's ratio to it carries between
// machines where the absolute figure does not.
const byName = new Map(nodes.map((n, i) => [n.name, i]));
const byAddress = new Map(nodes.map((n, i) => [n.addresses[0] as string, i]));
function linearScan(): number {
  const counts = new Int32Array(nodes.length);
  for (const alert of alerts) {
    const named = alert.labels['node'];
    const instance = alert.labels['instance'];
    const at = named !== undefined ? byName.get(named) : instance === undefined ? undefined : byAddress.get(instance.slice(0, instance.lastIndexOf(':')));
    if (at !== undefined) counts[at] = (counts[at] ?? 0) + 1;
  }
  let ready = 0;
  for (const node of nodes) if (node.conditions['Ready'] === 'True' && !node.unschedulable) ready += counts[byName.get(node.name) ?? 0] ?? 0;
  for (const fip of failoverIPs) if (fip.assignedNode !== null && byName.has(fip.assignedNode)) ready++;
  return ready;
}

// Major GCs while sampling were the p99 spikes (see plan.ts layoutOf): count them with
// `node --expose-gc --trace-gc --import tsx bench/decision-pass.bench.ts | grep -c Mark-Compact`
// (the `testing` ones are this file's own collect() calls between the measurements).

// Steady: the same alert and node objects every pass, as the reconciler sees them between
// changes. Changing: one alert flips each pass (a node's health differs, so nothing is reused).
const flipped: PassAlert = { fingerprint: 'flip', labels: { alertname: 'KubeNodeNotReady', severity: 'critical', node: 'node-1' } };
const changing = [alerts, [...alerts, flipped]];

// Every collection, with its kind and span, to tell which samples a collection fell into: the
// p99's source is then read off this run's own numbers (GC, or the scheduler when no GC was in it).
interface GcSpan {
  readonly start: number;
  readonly end: number;
  readonly major: boolean;
}
const gcSpans: GcSpan[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    gcSpans.push({ start: entry.startTime, end: entry.startTime + entry.duration, major: kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR });
  }
});
gcObserver.observe({ entryTypes: ['gc'] });
const flushGc = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

async function measure(label: string, alertsFor: (run: number) => readonly PassAlert[]): Promise<void> {
  collect();
  const spans: Array<[number, number]> = [];
  const memo = createPassMemo(); // as the reconciler does: one memo kept across passes
  const samples: number[] = [];
  const baseline: number[] = [];
  let moves = 0;
  let sink = 0;
  for (let run = 0; run < RUNS; run++) {
    const input = alertsFor(run);
    let start = process.hrtime.bigint();
    sink += linearScan();
    baseline.push(Number(process.hrtime.bigint() - start) / 1e6);
    const began = performance.now();
    start = process.hrtime.bigint();
    const result = planPass({ now, nodes, alerts: input, policy, failoverIPs, memo });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    spans.push([began, performance.now()]);
    moves = result.plans.filter((p) => p.decision.outcome === 'move').length;
  }
  void sink;
  await flushGc(); // the observer reports asynchronously
  const WARM = 5; // the first runs warm the JIT up
  const r = paired(samples.slice(WARM), baseline.slice(WARM));
  // Which passes had a collection inside them, and what the slowest 2 % had.
  const gcIn = spans.map(([from, to]) => gcSpans.filter((gc) => gc.start < to && gc.end > from));
  const warm = samples.map((value, run) => ({ value, run, gcs: gcIn[run] ?? [] })).slice(WARM);
  const slowest = [...warm].sort((a, b) => b.value - a.value).slice(0, Math.max(1, Math.ceil(warm.length / 50)));
  const withGc = warm.filter((s) => s.gcs.length > 0).length;
  const majors = warm.filter((s) => s.gcs.some((gc) => gc.major)).length;
  const slowWithGc = slowest.filter((s) => s.gcs.length > 0).length;
  const quiet = paired(
    warm.filter((s) => s.gcs.length === 0).map((s) => s.value),
    baseline.slice(WARM),
  );
  const first = samples[0] ?? NaN;
  console.log(
    `| decision pass (${NODES} nodes, ${FIPS} FailoverIPs, ${ALERTS} alerts), ${label} | ${times(r.medianRatio)} one linear scan of the inputs (same run: pass median ${ms(r.own.median)}, scan ${ms(r.base.median)}); p99 ${times(r.p99OverMedian)} its median (${ms(r.own.p99)}); ${moves} moves | median <= 20 ms, p99 <= 2× median |`,
  );
  console.log(
    `| the same: where its slow passes come from | a collection ran inside ${withGc} of ${warm.length} passes (${majors} major), inside ${slowWithGc} of the slowest ${slowest.length}; passes without one: p99 ${times(quiet.p99OverMedian)} their median, against the scan's own p99 ${times(r.base.p99 / r.base.median)} its median (the machine's jitter: the scan allocates nothing); the first (cold) pass ${ms(first)} | — |`,
  );
}

collect();
const heapBefore = process.memoryUsage().heapUsed;
await measure('same inputs each pass', () => alerts);
await measure('one alert changes each pass', (run) => changing[run % 2] as readonly PassAlert[]);
const retained = planPass({ now, nodes, alerts, policy, failoverIPs, memo: createPassMemo() });
const heapWithResult = process.memoryUsage().heapUsed;
collect();
const heapAfter = process.memoryUsage().heapUsed;
void retained;
gcObserver.disconnect();
console.log(
  `| heap: inputs + one pass result (5,000 nodes, 100 FailoverIPs, 20,000 alerts) | ${mib(heapAfter)} live after GC (inputs ${mib(heapBefore)}, peak seen ${mib(Math.max(heapWithResult, heapAfter))}) | — |`,
);
