import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadAlertPolicy } from '../src/config/load-alert-policy.js';
import { ipshiftPolicy, PLACEMENTS } from './policies/ipshift.js';
import { callTable, checkTargets, intervalTable, quantile, scenarioTable } from './report.js';
import { crash, partition, SCENARIOS, type Scenario } from './scenarios.js';
import { runScenario, standardPolicies, type ScenarioResult } from './simulate.js';
import { defaultTimings, withOverrides, type Timings } from './timings.js';

/** `npm run simulate [-- --seeds 20 --days 3 --nodes 5 --scenario crash --set nodeMonitorGraceMs=50000]` */
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    days: { type: 'string', default: '3' },
    nodes: { type: 'string', default: '5' },
    scenario: { type: 'string', multiple: true },
    set: { type: 'string', multiple: true },
  },
});

const seedCount = Number(values.seeds);
const days = Number(values.days);
const nodes = Number(values.nodes);
if (!(seedCount >= 1 && days > 0 && nodes >= 2)) throw new Error('need --seeds ≥ 1, --days > 0, --nodes ≥ 2');
const wanted = values.scenario;
const pick = (list: readonly Scenario[]): Scenario[] => (wanted === undefined ? [...list] : list.filter((s) => wanted.includes(s.name)));
if (pick(SCENARIOS).length === 0) throw new Error(`no such scenario; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);

const base = withOverrides(defaultTimings(), values.set ?? []);
const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
const policies = standardPolicies(loadAlertPolicy());
const started = performance.now();
let events = 0;
const out: string[] = [];

/** The per-IP window and the OIDC token endpoint are netcup's; the other providers take a static API token. */
const NETCUP_ONLY = ['rate-limit', 'provider-hang', 'provider-hang-held', 'token-outage'];

/**
 * The provider profiles: netcup's 5-minute window, and the providers without one, whose routing
 * takes as long as the provider takes. Hetzner Robot: 40–60 s per Hetzner's documentation (the
 * middle, 50 s, here). Hetzner Cloud and DigitalOcean publish no figure: an assumption of 3 s
 * (both answer with an action that finishes in seconds).
 */
const profiles: Array<{ title: string; note: string; timings: Timings; scenarios: Scenario[] }> = [
  {
    title: 'netcup (one move per IP per 300 s)',
    note: "ipshift's cooldown defaults to the provider's minimum, 300 s. Routing task 0.8 s (the netcup emulator; live tasks took 0.4–0.8 s).",
    timings: base,
    scenarios: pick(SCENARIOS),
  },
  {
    title: 'hetzner-robot (no per-IP limit, routing 50 s)',
    note: "Robot declares minMoveIntervalMs 0, so ipshift's cooldown defaults to 0. Routing takes 40–60 s per Hetzner's documentation; 50 s here.",
    timings: { ...base, providerMoveWindowMs: 0, taskMs: 50_000, accessTokenLifetimeMs: 0 },
    scenarios: pick(SCENARIOS.filter((s) => s.failures && !NETCUP_ONLY.includes(s.name))),
  },
  {
    title: 'hetzner-cloud, digitalocean (no per-IP limit, routing 3 s)',
    note: "Both declare minMoveIntervalMs 0, so ipshift's cooldown defaults to 0. Neither publishes how long an assignment takes: 3 s is an assumption.",
    timings: { ...base, providerMoveWindowMs: 0, taskMs: 3_000, accessTokenLifetimeMs: 0 },
    scenarios: pick(SCENARIOS.filter((s) => !NETCUP_ONLY.includes(s.name))),
  },
];

out.push('# ipshift failover simulation');
out.push('');
out.push(
  `${nodes} nodes, one failover IP, ${days} day(s) of virtual time per run, seeds ${seeds[0]}–${seeds[seeds.length - 1]}. Every figure is the SUM over the ${seedCount} seeds.`,
);
out.push(
  `Node signals from rules/node-signals.rules.yaml: evaluated every ${base.ruleIntervalMs / 1000} s, for: NotReady ${base.forMs.IpshiftNodeNotReady / 1000} s, ExporterDown ${base.forMs.IpshiftNodeExporterDown / 1000} s, ProbeFailed ${base.forMs.IpshiftFailoverIPProbeFailed / 1000} s; ` +
    `Alertmanager group_wait ${base.groupWaitMs / 1000} s, group_interval ${base.groupIntervalMs / 1000} s (deploy/monitoring/alertmanagerconfig.yaml).`,
);
out.push(
  base.nodeProbeIntervalMs > 0
    ? `ipshift's own node probe (src/config/settings.ts defaults): a round every ${base.nodeProbeIntervalMs / 1000} s, unresponsive after ${base.nodeProbeFailures} silent rounds.`
    : "ipshift's own node probe: off.",
);
out.push(
  `Kubernetes: node-monitor grace ${base.nodeMonitorGraceMs / 1000} s (1.32 and later; 40 s before, shown as a what-if below). ipshift: two controller replicas, Lease ${base.leaseDurationMs / 1000} s, retry ${base.leaseRetryPeriodMs / 1000} s; the agent checks its uplink by ARP every ${base.uplinkIntervalMs / 1000} s, down after ${base.uplinkFailures} misses (IpshiftNodeUplinkDown, for: ${base.forMs.IpshiftNodeUplinkDown / 1000} s). No blackbox prober outside the cluster (IpshiftFailoverIPProbeFailed never fires, as in the default install).`,
);
if ((values.set ?? []).length > 0) out.push(`What-if: ${(values.set ?? []).join(', ')} (not the shipped defaults).`);

const reference = standardPolicies(loadAlertPolicy()).slice(1);
const placementPolicies = [...Object.values(PLACEMENTS).map((placement) => ipshiftPolicy({ policy: loadAlertPolicy(), placement })), ...reference];
const targets: string[] = [];
const target = (ok: boolean, text: string, detail: string): number => targets.push(`- ${ok ? 'met' : 'MISSED'}: ${text} — ${detail}`);
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
/** Two decimals where a target's edge is decided (5.0 s printed may be 5.04 s). */
const sec2 = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

if (wanted === undefined || wanted.includes('crash') || wanted.includes('partition')) {
  out.push(
    '',
    '## Per controller placement (netcup)',
    '',
    'Each stretch of time the IP pointed at a node that did not serve, per holder failure. "Leader died with the holder": the stretches in which ipshift\'s leader ran on the node that failed.',
  );
  for (const scenario of [crash, partition]) {
    const result = runScenario(scenario, placementPolicies, { nodes, days, seeds, timings: base });
    events += result.results.reduce((sum, r) => sum + r.events, 0);
    out.push('', `### ${scenario.name}`, '', intervalTable(result.results));
    if (scenario !== crash) continue;
    for (const r of result.results.filter((row) => row.policy.startsWith('ipshift') && !row.policy.includes('what-if'))) {
      const median = quantile(
        r.deadIntervals.map((d) => d.ms),
        0.5,
      );
      target(median <= 5_000, `crash, ${r.policy}: median ≤ 5 s`, sec2(median));
    }
    const shipped = result.results.filter((row) => row.policy.startsWith('ipshift') && !row.policy.includes('what-if'));
    const together = shipped.flatMap((row) => row.deadIntervals.filter((d) => d.leaderWithHolder).map((d) => d.ms));
    const without = result.results.find((row) => row.policy === ipshiftPolicy({ policy: loadAlertPolicy(), placement: PLACEMENTS.holderNoHandOver }).name);
    const cost = (without?.deadIntervals ?? []).filter((d) => d.leaderWithHolder).map((d) => d.ms);
    const costText =
      cost.length === 0
        ? 'the what-if never had it either'
        : `without the hand-over it happened ${cost.length} times, median ${sec(quantile(cost, 0.5))}, p90 ${sec(quantile(cost, 0.9))}`;
    if (together.length === 0) {
      // Judged on the what-if too: avoidance alone is not the target.
      const whenItHappens = cost.length > 0 && quantile(cost, 0.5) <= 8_000;
      const line = `The leader died with the holder in 0 of the shipped runs: the hand-over keeps the leader off the holder. When it does happen, nobody acts before the Lease expires: ${costText}${whenItHappens ? ' (within the 8 s target)' : ''}.`;
      out.push('', line);
      targets.push(
        whenItHappens
          ? `- met: crash, leader dies with the holder: median ≤ 8 s — it never did with the shipped hand-over; ${costText}`
          : `- met only by avoidance: crash, leader dies with the holder: median ≤ 8 s — it never did with the shipped hand-over; ${costText} (MISSED when it happens)`,
      );
    } else {
      const median = quantile(together, 0.5);
      target(
        median <= 8_000,
        'crash, leader dies with the holder: median ≤ 8 s',
        `${together.length} times with the shipped hand-over, median ${sec(median)}; ${costText}`,
      );
    }
  }
  const whatIf = { ...base, nodeMonitorGraceMs: 40_000 };
  const result = runScenario(crash, standardPolicies(loadAlertPolicy()), { nodes, days, seeds, timings: whatIf });
  events += result.results.reduce((sum, r) => sum + r.events, 0);
  out.push('', '### What-if: crash with Kubernetes 1.31 or earlier (node-monitor grace 40 s)', '', intervalTable(result.results));
}

for (const profile of profiles) {
  if (profile.scenarios.length === 0) continue;
  out.push('', `## Provider: ${profile.title}`, '', profile.note);
  const results: ScenarioResult[] = [];
  for (const scenario of profile.scenarios) {
    const result = runScenario(scenario, policies, { nodes, days, seeds, timings: profile.timings });
    results.push(result);
    events += result.results.reduce((sum, r) => sum + r.events, 0);
    out.push('', `### ${scenario.name}`, '', scenario.description, '', scenarioTable(result), '', intervalTable(result.results));
    if (profile === profiles[0]) out.push('', 'Requests to the provider (sums over the seeds, calm background included):', '', callTable(result.results));
    const ipshift = result.results.find((r) => r.policy === 'ipshift');
    if (profile !== profiles[0] || ipshift === undefined) continue;
    if (scenario.name === 'uplink-loss') {
      const median = quantile(
        ipshift.deadIntervals.map((d) => d.ms),
        0.5,
      );
      target(median <= 25_000, 'uplink loss on the holder detected and moved: median ≤ 25 s', sec(median));
    }
    if (scenario.name === 'blips' || scenario.name === 'loss')
      target(ipshift.total.moves === 0, `${scenario.name}: zero moves`, `${ipshift.total.moves} moves`);
    if (scenario.name === 'rate-limit') {
      const refused = results.reduce((sum, r) => sum + (r.results.find((p) => p.policy === 'ipshift')?.total.refused ?? 0), 0);
      target(refused === 0, 'zero provider refusals (every netcup scenario)', `${refused} refused`);
    }
  }
  out.push('', `### Targets (issue 9), provider ${profile.title}`, '');
  for (const check of checkTargets(results, ['crash', 'partition'])) out.push(`- ${check.ok ? 'met' : 'MISSED'}: ${check.target} — ${check.detail}`);
}
if (targets.length > 0) out.push('', '## Targets (issue 13): shipped defaults, Kubernetes 1.32 world, netcup', '', ...targets);
const elapsed = (performance.now() - started) / 1000;
out.push(
  '',
  `${events.toLocaleString('en')} events in ${elapsed.toFixed(1)} s on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), node ${process.version}.`,
);
console.log(out.join('\n'));
