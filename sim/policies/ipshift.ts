import type { AlertPolicy } from '../../src/core/alert-policy.js';
import type { Decision } from '../../src/core/decide.js';
import { planPass, type PassAlert } from '../../src/core/plan.js';
import { combineProbes, foldRound, probeTargets, type ProbeResult, type ReachabilityState } from '../../src/core/reachability.js';
import { backoffDelayMs } from '../../src/retry/backoff.js';
import { kernelAnswers, serving } from '../kubernetes.js';
import type { AlertNotification } from '../monitoring.js';
import { FAILOVER_IP, type Controller, type Policy, type World } from '../world.js';

export interface IpshiftOptions {
  readonly policy: AlertPolicy;
  readonly cooldownMs?: number;
  readonly gracePeriodMs?: number;
  /** Run every probe round even when calm (the simulator's tests compare it with the shortcut). */
  readonly probeEveryRound?: boolean;
}

/** The controller's backoff after a failed move (src/reconcile/move.ts). */
const MOVE_BACKOFF = { baseDelayMs: 2_000, maxDelayMs: 60_000 };

/**
 * ipshift: the real `planPass` on the Node objects the watch has delivered and the alerts the
 * webhook has delivered, wrapped in the controller's move rules as src/reconcile implements
 * them: one move in flight; the cooldown written before routing (given back when the provider
 * never took the request); a 429 blocks until its Retry-After; other failures back off
 * 2^n s × [0.5, 1) up to 1 min; a pass on every watch event and webhook, at each decision's
 * retryAt, and on the periodic resync.
 */
export function ipshiftPolicy(options: IpshiftOptions): Policy {
  return { name: 'ipshift', usesAlerts: true, create: (world) => new IpshiftController(world, options) };
}

export class IpshiftController implements Controller {
  readonly #alerts = new Map<string, PassAlert>();
  #assignedNode: string | null;
  #holderSince: number | null = null;
  #previousHolder: string | null = null;
  #lastMoveAt: number | null = null;
  #nextMoveAllowedAt: number | null = null;
  #holderDegradedSince: number | null = null;
  #retryNotBefore: number | null = null;
  #consecutiveFailures = 0;
  #moveInFlight = false;
  readonly #scheduledRuns = new Set<number>();
  #reachability: ReachabilityState = new Map();
  #probeOrigin = 0;
  #probeSleeping = false;
  #unresponsive: ReadonlySet<string> = new Set();
  readonly decisions: Array<{ at: number; decision: Decision }> = [];

  constructor(
    private readonly world: World,
    private readonly options: IpshiftOptions,
    private readonly trace = false,
  ) {
    this.#assignedNode = world.provider.routed;
  }

  start(): void {
    const resync = (): void => {
      this.#request();
      this.world.engine.after(this.world.timings.ipshiftResyncMs, resync);
    };
    this.world.engine.after(this.world.timings.ipshiftResyncMs, resync);
    const { nodeProbeIntervalMs } = this.world.timings;
    if (nodeProbeIntervalMs > 0) {
      this.#probeOrigin = Math.floor(this.world.controllerRandom() * nodeProbeIntervalMs);
      this.world.engine.at(this.#probeOrigin, () => this.#probeRound());
    }
  }

  /**
   * Not information ipshift has: only a shortcut for the simulator. A round in which every
   * target answers and nothing was pending changes nothing, so rounds sleep through calm
   * stretches and wake at the next tick of their grid when anything they read changes.
   */
  onTruth(): void {
    this.#wakeProbe();
  }

  #wakeProbe(): void {
    if (!this.#probeSleeping) return;
    this.#probeSleeping = false;
    const interval = this.world.timings.nodeProbeIntervalMs;
    const now = this.world.engine.now;
    this.world.engine.at(this.#probeOrigin + Math.ceil((now - this.#probeOrigin) / interval) * interval, () => this.#probeRound());
  }

  /**
   * src/reachability/node-prober.ts: every interval, a TCP connect to the holder's InternalIP
   * and failover address and to the witnesses' InternalIPs; a kernel that answers does so at
   * once, a silent one costs the timeout (90 % of the interval); the round is folded by the
   * real core when its last probe settles.
   */
  #probeRound(): void {
    const { engine, timings } = this.world;
    const holders = new Set(this.#assignedNode === null ? [] : [this.#assignedNode]);
    const results = new Map<string, ProbeResult>();
    for (const node of probeTargets(this.world.nodes(), holders, this.#unresponsive, 3)) {
      const internal: ProbeResult = kernelAnswers(this.world.truth(node.name)) ? 'answered' : 'silent';
      // The failover address is reached over the public path, on whichever node the provider routes it to.
      const failoverIP: ProbeResult[] = holders.has(node.name) ? [serving(this.world.truth(this.world.provider.routed)) ? 'answered' : 'silent'] : [];
      results.set(node.name, combineProbes([internal, ...failoverIP]));
    }
    const calm = [...results.values()].every((r) => r === 'answered') && this.#unresponsive.size === 0;
    const settle = (): void => {
      const before = this.#reachability;
      const outcome = foldRound(before, results, timings.nodeProbeFailures);
      this.#reachability = outcome.state;
      const changed = outcome.unresponsive.size !== this.#unresponsive.size || [...outcome.unresponsive].some((n) => !this.#unresponsive.has(n));
      this.#unresponsive = outcome.unresponsive;
      if (changed) this.#request();
      const steady =
        calm && [...outcome.state].every(([node, r]) => before.get(node)?.answeredOnce === true && r.silentRounds === 0) && before.size === outcome.state.size;
      if (steady && this.options.probeEveryRound !== true) this.#probeSleeping = true;
      else
        engine.at(this.#probeOrigin + Math.floor((engine.now - this.#probeOrigin) / timings.nodeProbeIntervalMs + 1) * timings.nodeProbeIntervalMs, () =>
          this.#probeRound(),
        );
    };
    if (calm) settle();
    else engine.after(Math.floor(timings.nodeProbeIntervalMs * 0.9), settle);
  }

  onNodes(): void {
    this.#wakeProbe();
    this.#request();
  }

  onAlerts(notification: AlertNotification): void {
    for (const alert of notification.firing) this.#alerts.set(alert.fingerprint, alert);
    for (const alert of notification.resolved) this.#alerts.delete(alert.fingerprint);
    this.#request();
  }

  #request(): void {
    this.#runAt(this.world.engine.now + this.world.timings.reconcileStartMs);
  }

  #runAt(at: number): void {
    const when = Math.max(at, this.world.engine.now);
    if (this.#scheduledRuns.has(when)) return;
    this.#scheduledRuns.add(when);
    this.world.engine.at(when, () => {
      this.#scheduledRuns.delete(when);
      this.#run();
    });
  }

  #run(): void {
    const { engine } = this.world;
    const now = engine.now;
    const cooldownMs = this.options.cooldownMs ?? this.world.timings.providerMoveWindowMs;
    const result = planPass({
      now,
      nodes: this.world.nodes(),
      alerts: [...this.#alerts.values()],
      policy: this.options.policy,
      unresponsive: this.#unresponsive,
      failoverIPs: [
        {
          key: FAILOVER_IP,
          addresses: ['198.51.100.10'],
          assignedNode: this.#assignedNode,
          holderSince: this.#holderSince,
          previousHolder: this.#previousHolder,
          cooldownMs,
          gracePeriodMs: this.options.gracePeriodMs ?? 60_000,
          spread: true,
          paused: false,
          moveTo: null,
          lastMoveAt: this.#lastMoveAt,
          blockedUntil: this.#nextMoveAllowedAt,
          holderDegradedSince: this.#holderDegradedSince,
        },
      ],
    });
    const plan = result.plans[0];
    if (plan === undefined) return;
    this.#holderDegradedSince = plan.holderDegradedSince;
    const { decision } = plan;
    if (this.trace) this.decisions.push({ at: now, decision });
    if (decision.retryAt !== null) this.#runAt(decision.retryAt);
    if (decision.outcome !== 'move' || this.#moveInFlight || decision.target === null) return;
    if (this.#retryNotBefore !== null && now < this.#retryNotBefore) {
      this.#runAt(this.#retryNotBefore);
      return;
    }
    this.#move(decision.target);
  }

  /** src/reconcile/move.ts: read the routing, persist the cooldown, route, read back. */
  #move(target: string): void {
    const { engine, provider, timings } = this.world;
    this.#moveInFlight = true;
    provider.getRouting((routing) => {
      if (!routing.ok) return this.#failed('transient', 0);
      if (routing.node !== this.#assignedNode) {
        this.#setHolder(routing.node);
        return this.#done();
      }
      const startedAt = engine.now;
      const previousMove = this.#lastMoveAt;
      const previousBlock = this.#nextMoveAllowedAt;
      const cooldownMs = this.options.cooldownMs ?? timings.providerMoveWindowMs;
      this.#lastMoveAt = startedAt;
      this.#nextMoveAllowedAt = startedAt + cooldownMs;
      engine.after(timings.statusPatchMs, () =>
        provider.route(target, (result) => {
          if (result.kind === 'error') {
            this.#lastMoveAt = previousMove;
            this.#nextMoveAllowedAt = previousBlock;
            return this.#failed('transient', 0);
          }
          if (result.kind === 'refused') return this.#failed('rate-limited', result.retryAfterMs);
          engine.at(provider.taskSeenAt(engine.now, result.finishesAt, timings.ipshiftTaskPollMs), () =>
            provider.getRouting((after) => {
              this.#setHolder(after.ok ? after.node : target);
              // As src/reconcile/move.ts: the cooldown restarts when the provider finished.
              this.#lastMoveAt = engine.now;
              this.#nextMoveAllowedAt = engine.now + cooldownMs;
              this.#consecutiveFailures = 0;
              this.#retryNotBefore = null;
              this.#done();
            }),
          );
        }),
      );
    });
  }

  /** As src/reconcile noteHolderChange: alerts about the IP that predate the change blame the old holder. */
  #setHolder(node: string | null): void {
    if (node === this.#assignedNode) return;
    this.#wakeProbe();
    this.#previousHolder = this.#assignedNode;
    this.#holderSince = this.world.engine.now;
    this.#assignedNode = node;
  }

  #failed(kind: 'transient' | 'rate-limited', retryAfterMs: number): void {
    const now = this.world.engine.now;
    this.#consecutiveFailures += 1;
    if (kind === 'rate-limited') {
      this.#retryNotBefore = now + retryAfterMs;
      this.#nextMoveAllowedAt = this.#retryNotBefore;
    } else {
      const backoff = backoffDelayMs(MOVE_BACKOFF, this.#consecutiveFailures, () => this.world.controllerRandom());
      this.#retryNotBefore = now + backoff;
    }
    this.#moveInFlight = false;
    this.#runAt(this.#retryNotBefore);
  }

  #done(): void {
    this.#moveInFlight = false;
    this.#request();
  }
}
