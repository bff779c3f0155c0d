import type { AlertPolicy } from '../src/core/alert-policy.js';
import { seededRandom } from '../test/support/node-facts.js';
import { fnv32a, netcupControllerPolicy } from './policies/netcup-failover-controller.js';
import { foipOperatorPolicy } from './policies/foip-operator.js';
import { ipshiftPolicy } from './policies/ipshift.js';
import { oraclePolicy } from './policies/oracle.js';
import { API_OPS, type ApiOp } from './provider.js';
import type { Scenario } from './scenarios.js';
import type { Timings } from './timings.js';
import { FAILOVER_IP_NAME, World, type DeadInterval, type Policy, type Tally } from './world.js';

export interface SimulationOptions {
  readonly nodes: number;
  readonly days: number;
  readonly seeds: readonly number[];
  readonly timings: Timings;
}

export interface PolicyResult {
  readonly policy: string;
  /** Summed over the seeds. */
  readonly total: Tally;
  readonly perSeed: readonly Tally[];
  readonly events: number;
  /** Every stretch the IP pointed at a node that did not serve, over all seeds. */
  readonly deadIntervals: readonly DeadInterval[];
  /** Requests the policy sent to the provider, per operation, summed over the seeds. */
  readonly calls: Readonly<Record<ApiOp, number>>;
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly results: readonly PolicyResult[];
}

export function standardPolicies(alertPolicy: AlertPolicy): Policy[] {
  return [ipshiftPolicy({ policy: alertPolicy }), foipOperatorPolicy, netcupControllerPolicy(FAILOVER_IP_NAME), oraclePolicy];
}

export const nodeNames = (count: number): string[] => Array.from({ length: count }, (_, i) => `node-${i + 1}`);

/** One policy through one seeded scenario: a fresh world, the scenario's events, the tally. */
export function runOnce(
  scenario: Scenario,
  policy: Policy,
  seed: number,
  options: Omit<SimulationOptions, 'seeds'>,
): { tally: Tally; events: number; world: World } {
  const durationMs = options.days * 86_400_000;
  const worldSeed = (fnv32a(scenario.name) ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  const timings = scenario.lossPpm === undefined ? options.timings : { ...options.timings, packetLossPpm: scenario.lossPpm };
  const world = new World(timings, nodeNames(options.nodes), worldSeed, policy);
  // The scenario's draws come from their own stream, identical for every policy.
  for (const event of scenario.build(seededRandom(worldSeed ^ 0x2545f491), durationMs)) world.engine.at(event.at, () => event.apply(world));
  const tally = world.finish(durationMs);
  return { tally: { ...tally }, events: world.engine.processed, world };
}

const zero = (): Tally => ({ deadMs: 0, moves: 0, refused: 0, flipFlops: 0, holderFailures: 0, holderIncidents: 0, movesToDead: 0, failedCalls: 0 });

export function runScenario(scenario: Scenario, policies: readonly Policy[], options: SimulationOptions): ScenarioResult {
  const results = policies.map((policy) => {
    const total = zero();
    const perSeed: Tally[] = [];
    const deadIntervals: DeadInterval[] = [];
    const calls = Object.fromEntries(API_OPS.map((op) => [op, 0])) as Record<ApiOp, number>;
    let events = 0;
    for (const seed of options.seeds) {
      const run = runOnce(scenario, policy, seed, options);
      perSeed.push(run.tally);
      deadIntervals.push(...run.world.deadIntervals);
      const counted = run.world.provider.countCalls();
      for (const op of API_OPS) calls[op] += counted[op];
      events += run.events;
      for (const key of Object.keys(total) as Array<keyof Tally>) total[key] += run.tally[key];
    }
    return { policy: policy.name, total, perSeed, events, deadIntervals, calls };
  });
  return { scenario, results };
}
