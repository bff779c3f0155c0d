import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadAlertPolicy } from '../src/config/load-alert-policy.js';
import { checkTargets, scenarioTable } from './report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
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

/** The provider profiles ipshift ships: netcup's 5-minute window, and the providers without one. */
const profiles: Array<{ title: string; note: string; timings: Timings; scenarios: Scenario[] }> = [
  {
    title: 'netcup (one move per IP per 300 s)',
    note: "ipshift's cooldown defaults to the provider's minimum, 300 s.",
    timings: base,
    scenarios: pick(SCENARIOS),
  },
  {
    title: 'no per-IP move limit (hetzner-cloud, hetzner-robot, digitalocean)',
    note: "These providers declare minMoveIntervalMs 0, so ipshift's cooldown defaults to 0 (no policy.cooldownSeconds set).",
    timings: { ...base, providerMoveWindowMs: 0 },
    scenarios: pick(SCENARIOS.filter((s) => s.name !== 'rate-limit')),
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
if ((values.set ?? []).length > 0) out.push(`What-if: ${(values.set ?? []).join(', ')} (not the shipped defaults).`);

for (const profile of profiles) {
  if (profile.scenarios.length === 0) continue;
  out.push('', `## Provider: ${profile.title}`, '', profile.note);
  const results: ScenarioResult[] = [];
  for (const scenario of profile.scenarios) {
    const result = runScenario(scenario, policies, { nodes, days, seeds, timings: profile.timings });
    results.push(result);
    events += result.results.reduce((sum, r) => sum + r.events, 0);
    out.push('', `### ${scenario.name}`, '', scenario.description, '', scenarioTable(result));
  }
  out.push('', `### Targets (issue 9), provider ${profile.title}`, '');
  for (const check of checkTargets(results, ['crash', 'partition'])) out.push(`- ${check.ok ? 'met' : 'MISSED'}: ${check.target} — ${check.detail}`);
}
const elapsed = (performance.now() - started) / 1000;
out.push(
  '',
  `${events.toLocaleString('en')} events in ${elapsed.toFixed(1)} s on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), node ${process.version}.`,
);
console.log(out.join('\n'));
