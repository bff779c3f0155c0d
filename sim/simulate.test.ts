import { loadAlertPolicy } from '../src/config/load-alert-policy.js';
import { checkTargets, scenarioTable } from './report.js';
import { seededRandom } from '../test/support/node-facts.js';
import { SCENARIOS, blips, crash, loss, partition, uplinkLoss, type Scenario } from './scenarios.js';
import { ipshiftPolicy, PLACEMENTS } from './policies/ipshift.js';
import { nextLossRun } from './world.js';
import { runOnce, runScenario, standardPolicies, type ScenarioResult } from './simulate.js';
import { defaultTimings, parseDuration, shippedRuleTimings, withOverrides } from './timings.js';

const timings = defaultTimings();
const policies = standardPolicies(loadAlertPolicy());
const small = { nodes: 4, days: 0.5, seeds: [1, 2], timings };

/** One holder crash at 20 min, repaired 30 min later. */
const singleCrash: Scenario = {
  name: 'single-crash',
  description: '',
  failures: true,
  build: () => [
    { at: 20 * 60_000, apply: (world) => world.setTruth(world.provider.routed, { powered: false }) },
    { at: 50 * 60_000, apply: (world) => world.setTruth('node-1', { powered: true }) },
  ],
};

describe('simulation', () => {
  let results: ScenarioResult[];
  beforeAll(() => {
    results = SCENARIOS.map((scenario) => runScenario(scenario, policies, small));
  });

  it('is deterministic: the same seeds give the same tables', () => {
    const again = SCENARIOS.map((scenario) => runScenario(scenario, policies, small));
    expect(again.map(scenarioTable)).toEqual(results.map(scenarioTable));
    expect(again.map((r) => r.results.map((p) => p.perSeed))).toEqual(results.map((r) => r.results.map((p) => p.perSeed)));
  });

  it('different seeds give different runs', () => {
    const other = runScenario(crash, policies, { ...small, seeds: [3, 4] });
    expect(scenarioTable(other)).not.toEqual(scenarioTable(results[0] as ScenarioResult));
  });

  it('has every policy in every scenario, with sane counts', () => {
    for (const { scenario, results: rows } of results) {
      expect(rows.map((r) => r.policy)).toEqual(['ipshift', 'foip-operator', 'netcup-failover-controller', 'oracle']);
      for (const row of rows) {
        expect(row.total.deadMs).toBeGreaterThanOrEqual(0);
        expect(row.total.flipFlops).toBeLessThanOrEqual(row.total.moves);
        // The loss scenario has no incidents: only ipshift's world (its probe, the agent's checks) has events.
        if (scenario.name !== 'loss' || row.policy === 'ipshift') expect(row.events).toBeGreaterThan(0);
      }
    }
    // The failure scenarios must actually take holders down, or the tables prove nothing.
    for (const result of results.filter((r) => r.scenario.failures)) {
      expect(result.results.every((r) => r.total.holderFailures > 0)).toBe(true);
    }
  });

  it('ipshift and the oracle never get a move refused, the oracle never moves onto a dead node; foip-operator is refused in the rate-limit scenario', () => {
    for (const { results: rows } of results) {
      const by = (name: string) => rows.find((r) => r.policy === name)?.total;
      expect(by('ipshift')?.refused).toBe(0);
      expect(by('oracle')?.refused).toBe(0);
      expect(by('oracle')?.movesToDead).toBe(0);
    }
    // foip-operator ignores the provider's window: the rate-limit scenario shows it.
    const rateLimit = results.find((r) => r.scenario.name === 'rate-limit');
    expect(rateLimit?.results.find((r) => r.policy === 'foip-operator')?.total.refused).toBeGreaterThan(0);
  });

  it("blips of a holder's private network never move the IP: its failover address still answers ipshift's probe", () => {
    const blips = results.find((r) => r.scenario.name === 'blips');
    const ipshift = blips?.results.find((r) => r.policy === 'ipshift')?.total;
    expect(ipshift?.holderIncidents).toBeGreaterThan(0);
    expect(ipshift?.moves).toBe(0);
  });

  it('probe rounds that sleep through calm stretches give exactly the tallies of probing every second', () => {
    const every = ipshiftPolicy({ policy: loadAlertPolicy(), probeEveryRound: true });
    for (const scenario of [crash, partition, blips]) {
      for (const seed of [1, 2]) {
        const shortcut = runOnce(scenario, policies[0] as (typeof policies)[number], seed, small);
        const full = runOnce(scenario, every, seed, small);
        expect(shortcut.tally).toEqual(full.tally);
        expect(shortcut.events).toBeLessThan(full.events);
      }
    }
  });

  it('writes the target checks for every scenario', () => {
    const checks = checkTargets(results, ['crash', 'partition']);
    expect(checks.filter((c) => c.target.startsWith('crash:'))).toHaveLength(4);
    expect(checks.filter((c) => c.target.startsWith('partition:'))).toHaveLength(4);
    expect(checks.find((c) => c.target.startsWith('pressure: at most one move per incident'))).toBeDefined();
    expect(checks.filter((c) => c.target.endsWith('no move refused')).every((c) => c.ok)).toBe(true);
  });
});

describe('one crash of the holder, measured against the signal path', () => {
  const run = (name: string, seed: number, at = timings) => {
    const policy = policies.find((p) => p.name === name);
    if (policy === undefined) throw new Error(name);
    return runOnce(singleCrash, policy, seed, { nodes: 5, days: 0.1, timings: at }).tally;
  };
  const t = timings;
  const moveMs = t.apiRoundTripMs / 2 + t.taskMs;

  it.each([1, 2, 3, 4, 5])('seed %p: each policy moves once, within the bounds its signals allow', (seed) => {
    const ipshift = run('ipshift', seed);
    const foip = run('foip-operator', seed);
    const oracle = run('oracle', seed);
    for (const tally of [ipshift, foip, oracle]) {
      expect(tally.moves).toBe(1);
      expect(tally.holderFailures).toBe(1);
      expect(tally.refused).toBe(0);
    }
    // ipshift: its own probe finds the holder silent `failures` rounds in a row (the last one
    // settles at its timeout, 90 % of the interval), then a pass and a move.
    const probeMs = (t.nodeProbeFailures - 1) * t.nodeProbeIntervalMs + 0.9 * t.nodeProbeIntervalMs;
    expect(ipshift.deadMs).toBeGreaterThanOrEqual(probeMs + moveMs);
    expect(ipshift.deadMs).toBeLessThanOrEqual(probeMs + t.nodeProbeIntervalMs + 3_000);
    // foip-operator: the lease stops, Ready=Unknown after the grace period.
    expect(foip.deadMs).toBeGreaterThanOrEqual(t.nodeMonitorGraceMs - t.leaseRenewMs);
    expect(foip.deadMs).toBeLessThanOrEqual(t.nodeMonitorGraceMs + t.nodeMonitorPeriodMs + 3_000);
    expect(oracle.deadMs).toBe(moveMs);
  });

  it.each([1, 2, 3])('seed %p: with the node probe off and no prober outside the cluster, the node-exporter rule is the path', (seed) => {
    const ipshift = run('ipshift', seed, { ...t, nodeProbeIntervalMs: 0 });
    expect(ipshift.moves).toBe(1);
    // The in-cluster failover-IP probe is answered locally (all-eligible), so it never fails:
    // the scrape of node-exporter times out, the rule holds for `for`, then a pass and a move.
    const exporterFor = t.forMs.IpshiftNodeExporterDown;
    expect(ipshift.deadMs).toBeGreaterThanOrEqual(t.scrapeTimeoutMs + exporterFor);
    expect(ipshift.deadMs).toBeLessThanOrEqual(t.scrapeIntervalMs + t.scrapeTimeoutMs + t.ruleIntervalMs + exporterFor + t.groupWaitMs + 3_000);
  });
});

describe('controller placement and leader co-location', () => {
  const placementRun = (placement: (typeof PLACEMENTS)[keyof typeof PLACEMENTS], seed: number) =>
    runOnce(crash, ipshiftPolicy({ policy: loadAlertPolicy(), placement }), seed, { nodes: 5, days: 1, timings });

  it('a leader that dies with the holder costs the Lease expiry; the shipped hand-over keeps it elsewhere', () => {
    for (const seed of [1, 2]) {
      const without = placementRun(PLACEMENTS.holderNoHandOver, seed).world.deadIntervals;
      const together = without.filter((d) => d.leaderWithHolder);
      expect(together.length).toBeGreaterThan(0);
      for (const d of together) expect(d.ms).toBeGreaterThanOrEqual(timings.leaseDurationMs - timings.leaseRetryPeriodMs);
      const shipped = placementRun(PLACEMENTS.holder, seed).world.deadIntervals;
      expect(shipped.filter((d) => d.leaderWithHolder)).toHaveLength(0);
      expect(shipped.length).toBe(without.length);
    }
  });

  it('a prober on an eligible node is answered locally on the failover address, yet finds a crashed holder on its own addresses', () => {
    const eligible = placementRun(PLACEMENTS.eligible, 1).world.deadIntervals;
    expect(eligible.length).toBeGreaterThan(0);
    const probeMs = (timings.nodeProbeFailures - 1) * timings.nodeProbeIntervalMs + 0.9 * timings.nodeProbeIntervalMs;
    for (const d of eligible) expect(d.ms).toBeLessThanOrEqual(probeMs + timings.nodeProbeIntervalMs + 3_000);
  });
});

describe('packet loss and uplink loss', () => {
  it('2 % loss moves nothing; losing the uplink moves through the agent rule', () => {
    const ipshift = policies[0] as (typeof policies)[number];
    const lossRun = runOnce(loss, ipshift, 1, { nodes: 5, days: 3, timings });
    expect(lossRun.tally.moves).toBe(0);
    const uplink = runOnce(uplinkLoss, ipshift, 1, { nodes: 5, days: 3, timings });
    expect(uplink.tally.holderFailures).toBeGreaterThan(0);
    expect(uplink.tally.moves).toBe(uplink.tally.holderFailures);
    // ARP misses, the scrape, the rule's `for` and evaluation, then the move.
    const bound =
      timings.uplinkFailures * timings.uplinkIntervalMs +
      1_000 +
      timings.scrapeIntervalMs +
      timings.ruleIntervalMs +
      timings.forMs.IpshiftNodeUplinkDown +
      3_000;
    for (const d of uplink.world.deadIntervals) expect(d.ms).toBeLessThanOrEqual(bound + timings.ruleIntervalMs);
  });

  it('draws loss runs that a check would see: long runs are rarer than short ones', () => {
    const random = seededRandom(7);
    let short = 0;
    let t = 0;
    for (let i = 0; i < 200; i++) {
      const run = nextLossRun(random, 0.3, 1, 1000, t, Number.MAX_SAFE_INTEGER);
      if (run === null) break;
      if (run.end - run.start === 1000) short++;
      t = run.end;
    }
    expect(short).toBeGreaterThan(100);
    expect(nextLossRun(random, 0, 3, 1000, 0, 1e9)).toBeNull();
  });
});

describe('timings', () => {
  it('reads the shipped rules and route', () => {
    const rules = shippedRuleTimings();
    expect(rules.ruleIntervalMs).toBeGreaterThan(0);
    expect(Object.keys(rules.forMs).sort()).toEqual([
      'IpshiftFailoverIPProbeFailed',
      'IpshiftNodeExporterDown',
      'IpshiftNodeNotReady',
      'IpshiftNodeUplinkDown',
    ]);
    expect(timings.groupIntervalMs).toBeGreaterThan(0);
  });

  it.each([
    ['0s', 0],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['2h', 7_200_000],
  ])('parses %p', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('applies what-if overrides and rejects unknown keys', () => {
    const changed = withOverrides(timings, ['nodeMonitorGraceMs=50000', 'for.IpshiftFailoverIPProbeFailed=0']);
    expect(changed.nodeMonitorGraceMs).toBe(50_000);
    expect(changed.forMs.IpshiftFailoverIPProbeFailed).toBe(0);
    expect(timings.forMs.IpshiftFailoverIPProbeFailed).not.toBe(0);
    expect(() => withOverrides(timings, ['nope=1'])).toThrow(/unknown timing/);
    expect(() => withOverrides(timings, ['for.Nope=1'])).toThrow(/unknown rule/);
  });
});
