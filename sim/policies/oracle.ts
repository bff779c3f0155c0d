import { serving, type NodeTruth } from '../kubernetes.js';
import type { Controller, Policy, World } from '../world.js';

/** The best serving node by the truth: no pressure, no flapping signal, then by name. */
export function oracleTarget(names: readonly string[], truth: (node: string) => Readonly<NodeTruth>): string | null {
  const up = names.filter((n) => serving(truth(n)));
  const calm = up.filter((n) => {
    const t = truth(n);
    return !t.memoryPressure && !t.diskPressure && t.exporterOk && t.leaseOk && t.controlPlane && t.scrapePath;
  });
  return calm[0] ?? up[0] ?? null;
}

/**
 * Knows the truth the moment it changes and acts at once, but obeys the provider: it moves only
 * when the IP's node stops serving, never inside the provider's window, never during an outage
 * (it knows when both end), and it still pays the API round trip and the routing task.
 */
export const oraclePolicy: Policy = { name: 'oracle', usesAlerts: false, create: (world) => new OracleController(world) };

class OracleController implements Controller {
  #inFlight = false;

  constructor(private readonly world: World) {}

  start(): void {}

  onTruth(): void {
    this.#evaluate();
  }

  #evaluate(): void {
    const { provider, engine, timings } = this.world;
    if (this.#inFlight || serving(this.world.truth(provider.routed))) return;
    const target = oracleTarget(this.world.names, (n) => this.world.truth(n));
    if (target === null) return;
    const arrives = engine.now + timings.apiRoundTripMs / 2;
    const blockedUntil = Math.max(provider.outageEnd(arrives) ?? 0, provider.windowEnd(arrives) ?? 0);
    if (blockedUntil > arrives) {
      engine.at(blockedUntil - timings.apiRoundTripMs / 2, () => this.#evaluate());
      return;
    }
    this.#inFlight = true;
    provider.request(
      'oracle',
      'route',
      null,
      (result) => {
        const next = result.kind === 'accepted' ? result.finishesAt : engine.now + 1000;
        engine.at(next, () => {
          this.#inFlight = false;
          this.#evaluate();
        });
      },
      target,
    );
  }
}
