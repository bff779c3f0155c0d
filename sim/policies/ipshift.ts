import type { AlertPolicy } from '../../src/core/alert-policy.js';
import type { Decision } from '../../src/core/decide.js';
import { planPass, type PassAlert } from '../../src/core/plan.js';
import { leaderPlacement } from '../../src/core/leader-placement.js';
import { combineProbes, foldRound, probeTargets, type ProbeResult, type ReachabilityState } from '../../src/core/reachability.js';
import { backoffDelayMs } from '../../src/retry/backoff.js';
import { IpshiftClient } from './ipshift-client.js';
import { kernelAnswers, serving } from '../kubernetes.js';
import type { AlertNotification } from '../monitoring.js';
import { exchangeLoss, FAILOVER_IP, nextLossRun, type Controller, type Policy, type World } from '../world.js';

/**
 * Where the two controller replicas run (deploy/controller: two replicas on two nodes, no
 * other placement rule). `replicas` null: on nodes that hold no failover IP and that no
 * incident hits (say control-plane nodes); otherwise the two nodes named, which are eligible
 * (the agent in all-eligible mode carries the failover address on them).
 */
export interface Placement {
  readonly name: string;
  readonly replicas: readonly [string, string] | 'last-two' | null;
  /** The shipped hand-over (src/reconcile/leader-handover.ts); false is a what-if. */
  readonly handOver: boolean;
}

export const PLACEMENTS = {
  nonEligible: { name: 'replicas on non-eligible nodes', replicas: null, handOver: true },
  eligible: { name: 'replicas on eligible nodes (the last two by name)', replicas: 'last-two', handOver: true },
  holder: { name: 'leader starts on the holder (node-1, node-2)', replicas: ['node-1', 'node-2'], handOver: true },
  holderNoHandOver: { name: 'leader on the holder, hand-over off (what-if)', replicas: ['node-1', 'node-2'], handOver: false },
} as const satisfies Record<string, Placement>;

export interface IpshiftOptions {
  readonly policy: AlertPolicy;
  readonly cooldownMs?: number;
  readonly gracePeriodMs?: number;
  /** Run every probe round even when calm (the simulator's tests compare it with the shortcut). */
  readonly probeEveryRound?: boolean;
  /** Default: the default install, both replicas on eligible nodes. */
  readonly placement?: Placement;
}

/** The controller's backoff after a failed move (src/reconcile/move.ts). */
const MOVE_BACKOFF = { baseDelayMs: 2_000, maxDelayMs: 60_000 };

/**
 * ipshift: the real `planPass` on the Node objects the watch has delivered and the alerts the
 * webhook has delivered, wrapped in the controller's move rules as src/reconcile implements
 * them: one move in flight; the cooldown written before routing (given back when the provider
 * never took the request); a 429 blocks until its Retry-After; other failures back off
 * random(0, 2^n s) up to 1 min; a pass on every watch event and webhook, at each decision's
 * retryAt, and on the periodic resync.
 */
export function ipshiftPolicy(options: IpshiftOptions): Policy {
  return {
    name: options.placement === undefined ? 'ipshift' : `ipshift, ${options.placement.name}`,
    usesAlerts: true,
    create: (world) => new IpshiftController(world, options),
  };
}

/** The lease elector's follower poll: the retry period stretched by up to 20 % (src/kube/lease-elector.ts nextDelay). */
const LEASE_JITTER = 0.2;

/**
 * What one replica knows of the FailoverIP (src/reconcile/failover-ip-state.ts): the holder as
 * of its own last routing read or move. A follower reads the routing only when its read is due
 * (IPSHIFT_ROUTING_REFRESH_SECONDS, 1 h), not when the leader moves the IP. A replica that
 * becomes leader reads the routing first and moves nothing until a read it started as leader
 * has landed (src/reconcile/reconciler.ts #refreshRouting).
 */
interface ReplicaMemory {
  assignedNode: string | null;
  holderSince: number | null;
  previousHolder: string | null;
  routingReadAt: number;
  reading: boolean;
  /** The leader term (#leaderGeneration) in which a read started as leader last landed. */
  readInTerm: number;
  /** Bumped by every deferred read: only the latest one runs (one read due per replica). */
  readChain: number;
}

export class IpshiftController implements Controller {
  readonly #alerts = new Map<string, PassAlert>();
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
  readonly #placement: Placement;
  readonly #replicas: readonly [string, string] | null;
  /** The replica that holds the Lease (index into placement.replicas), or null while nobody does. */
  #leader: number | null = 0;
  #leaderGeneration = 0;
  readonly #memory: [ReplicaMemory, ReplicaMemory];
  readonly clients: [IpshiftClient, IpshiftClient];
  /** Per node: until when lost packets silence every probe of it (the `loss` scenario). */
  readonly #lossSilentUntil = new Map<string, { start: number; end: number } | null>();
  readonly decisions: Array<{ at: number; decision: Decision }> = [];
  /** When each takeover of the Lease happened and why (tests read it). */
  readonly takeovers: Array<{ at: number; replica: number; after: 'expiry' | 'hand-over' }> = [];

  constructor(
    private readonly world: World,
    private readonly options: IpshiftOptions,
    private readonly trace = false,
  ) {
    this.#placement = options.placement ?? PLACEMENTS.eligible;
    const { replicas } = this.#placement;
    const names = world.names;
    this.#replicas = replicas === 'last-two' ? [names[names.length - 2] as string, names[names.length - 1] as string] : replicas;
    const { timings, engine, provider } = world;
    // Both replicas have been running a while: each read the routing at its own moment of the last hour.
    const memory = (): ReplicaMemory => ({
      assignedNode: provider.routed,
      holderSince: null,
      previousHolder: null,
      routingReadAt: engine.now - Math.floor(world.controllerRandom() * timings.ipshiftRoutingRefreshMs),
      reading: false,
      // The first leader's term (0) starts with the routing it knows.
      readInTerm: 0,
      readChain: 0,
    });
    this.#memory = [memory(), memory()];
    this.clients = [0, 1].map((i) => new IpshiftClient(engine, timings, provider, world.controllerRandom, `ipshift-${i}`, () => this.#replicaOnline(i))) as [
      IpshiftClient,
      IpshiftClient,
    ];
    this.world.leaderNode = this.#leaderNode();
  }

  #mem(index: number): ReplicaMemory {
    return this.#memory[index === 0 ? 0 : 1];
  }

  #clientOf(index: number): IpshiftClient {
    return this.clients[index === 0 ? 0 : 1];
  }

  /** The memory the deciding replica plans with (the leader's, else the replica that probes). */
  #deciding(): ReplicaMemory {
    return this.#mem(this.#leader ?? this.#proberIndex());
  }

  #proberIndex(): number {
    return this.#leader ?? (this.#replicaAlive(0) ? 0 : 1);
  }

  #replicaNode(index: number | null): string | null {
    const replicas = this.#replicas;
    return replicas === null || index === null ? null : (replicas[index] as string);
  }

  #leaderNode(): string | null {
    return this.#replicaNode(this.#leader);
  }

  /** A replica can hold the Lease when its node runs and reaches the API server. */
  #replicaAlive(index: number): boolean {
    const node = this.#replicaNode(index);
    if (node === null) return true;
    const truth = this.world.truth(node);
    return truth.powered && truth.controlPlane;
  }

  /** A replica reaches the provider when its node runs and has its uplink. */
  #replicaOnline(index: number): boolean {
    const node = this.#replicaNode(index);
    if (node === null) return true;
    const truth = this.world.truth(node);
    return truth.powered && truth.uplink;
  }

  #setLeader(index: number | null, after?: 'expiry' | 'hand-over'): void {
    this.#leader = index;
    this.#leaderGeneration++;
    this.world.leaderNode = this.#leaderNode();
    if (index !== null) {
      if (after !== undefined) this.takeovers.push({ at: this.world.engine.now, replica: index, after });
      this.#read(index);
      this.#request();
    }
  }

  /**
   * src/kube/lease-elector.ts with the shipped timing (IPSHIFT_LEASE_*: 5 s, renew deadline
   * 3 s, retry 1 s). The leader renews every retry period, so its last renewal came up to one
   * retry period before it died. The follower polls every retry period stretched by up to 20 %;
   * it notes when it first saw that last renewal (its own monotonic clock) and takes the Lease
   * the moment leaseDuration has passed since then (it wakes exactly at the expiry): one GET and
   * one PUT. A dead leader's Lease therefore passes 4–6.2 s after the death.
   */
  #checkLeader(): void {
    if (this.#replicas === null) return;
    const { engine, timings } = this.world;
    if (this.#leader !== null && !this.#replicaAlive(this.#leader)) {
      const lost = this.#leader;
      this.#setLeader(null);
      const random = this.world.controllerRandom;
      const lastRenew = engine.now - Math.floor(random() * timings.leaseRetryPeriodMs);
      const followerPoll = timings.leaseRetryPeriodMs * (1 + random() * LEASE_JITTER);
      const observedAt = lastRenew + Math.floor(random() * followerPoll);
      this.#acquireAt(observedAt + timings.leaseDurationMs + 1, 1 - lost, 'expiry');
    }
  }

  /** The candidate's attempt (GET, then PUT) at `at`; a dead candidate tries again each poll. */
  #acquireAt(at: number, candidate: number, after: 'expiry' | 'hand-over'): void {
    const generation = this.#leaderGeneration;
    const { engine, timings } = this.world;
    const attempt = (): void => {
      if (this.#leaderGeneration !== generation) return;
      for (const index of [candidate, 1 - candidate]) {
        if (this.#replicaAlive(index)) {
          engine.after(2 * timings.kubeCallMs, () => {
            if (this.#leaderGeneration === generation) this.#setLeader(index, after);
          });
          return;
        }
      }
      engine.after(timings.leaseRetryPeriodMs * (1 + this.world.controllerRandom() * LEASE_JITTER), attempt);
    };
    engine.at(Math.max(at, engine.now), attempt);
  }

  /** src/reconcile/leader-handover.ts after a pass: the real leaderPlacement decides. */
  #maybeHandOver(): void {
    const replicas = this.#replicas;
    if (replicas === null || !this.#placement.handOver || this.#leader === null) return;
    const self = this.#leaderNode();
    const holder = this.#mem(this.#leader).assignedNode;
    const verdict = leaderPlacement({
      self,
      leader: true,
      holders: new Set(holder === null ? [] : [holder]),
      replicaNodes: new Set(replicas.filter((_, i) => this.#replicaAlive(i))),
      nodes: this.world.nodes(),
      moving: this.#moveInFlight,
    });
    if (!verdict.handOver) return;
    const other = 1 - this.#leader;
    this.#setLeader(null);
    // The release is a GET and a PUT; the other replica sees the empty holder at its next poll.
    const { timings } = this.world;
    const poll = timings.leaseRetryPeriodMs * (1 + this.world.controllerRandom() * LEASE_JITTER);
    this.#acquireAt(this.world.engine.now + 2 * timings.kubeCallMs + Math.floor(this.world.controllerRandom() * poll), other, 'hand-over');
  }

  /**
   * #refreshRouting: each replica, leader or not, reads the routing when its last read is
   * older than the refresh period, at the next pass (a pass runs at least every resync), under
   * a 30 s deadline. Only the leader's read asks for a pass.
   */
  #scheduleRead(index: number): void {
    const { engine, timings } = this.world;
    const memory = this.#mem(index);
    const due = memory.routingReadAt + timings.ipshiftRoutingRefreshMs;
    this.#readLater(index, Math.max(engine.now, due) + Math.floor(this.world.controllerRandom() * timings.ipshiftResyncMs));
  }

  #readLater(index: number, at: number): void {
    const memory = this.#mem(index);
    const chain = ++memory.readChain;
    this.world.engine.at(at, () => {
      if (memory.readChain === chain) this.#read(index);
    });
  }

  #read(index: number): void {
    const { engine, timings } = this.world;
    const memory = this.#mem(index);
    // A read in flight continues the chain when it lands.
    if (memory.reading) return;
    if ((this.#leader === index && this.#moveInFlight) || !this.#replicaAlive(index) || !this.#replicaOnline(index)) {
      this.#readLater(index, engine.now + timings.ipshiftResyncMs);
      return;
    }
    memory.reading = true;
    const term = this.#leader === index ? this.#leaderGeneration : null;
    this.#clientOf(index).call('get-routing', engine.now + timings.ipshiftRoutingReadDeadlineMs, (result) => {
      memory.reading = false;
      const ok = result.ok && result.answer.kind === 'ok';
      // A move that started meanwhile owns the routing until it ends.
      if (ok && result.answer.kind === 'ok' && !(this.#leader === index && this.#moveInFlight)) this.#applyRouting(index, result.answer.node);
      if (ok && term !== null && term === this.#leaderGeneration) memory.readInTerm = term;
      const leads = this.#leader === index;
      if (leads && memory.readInTerm !== this.#leaderGeneration) {
        // Took the Lease during a read started as follower (it does not count): read again now.
        if (ok) this.#read(index);
        else this.#readLater(index, engine.now + timings.ipshiftResyncMs);
        return;
      }
      if (!ok) {
        this.#readLater(index, engine.now + timings.ipshiftResyncMs);
        return;
      }
      this.#scheduleRead(index);
      if (leads) this.#request();
    });
  }

  /** applyRouting: a changed holder notes the previous one and when it changed. */
  #applyRouting(index: number, node: string | null): void {
    const memory = this.#mem(index);
    const now = this.world.engine.now;
    if (node !== memory.assignedNode) {
      if (index === this.#proberIndex()) this.#wakeProbe();
      memory.previousHolder = memory.assignedNode;
      memory.holderSince = now;
      memory.assignedNode = node;
    }
    memory.routingReadAt = now;
  }

  /** Every probe of `node` is silent now because of lost packets (drawn as rare runs, see nextLossRun). */
  #lostNow(node: string): boolean {
    const { timings, engine } = this.world;
    if (timings.packetLossPpm <= 0) return false;
    // Two connects to each of two addresses (InternalIP, ExternalIP) must all be lost.
    const q = exchangeLoss(timings.packetLossPpm) ** 4;
    let run = this.#lossSilentUntil.get(node);
    if (run === undefined) run = nextLossRun(this.world.lossRandom, q, timings.nodeProbeFailures, timings.nodeProbeIntervalMs, 0, Number.MAX_SAFE_INTEGER);
    while (run !== null && run.end <= engine.now)
      run = nextLossRun(this.world.lossRandom, q, timings.nodeProbeFailures, timings.nodeProbeIntervalMs, run.end, Number.MAX_SAFE_INTEGER);
    this.#lossSilentUntil.set(node, run);
    return run !== null && run.start <= engine.now;
  }

  start(): void {
    const resync = (): void => {
      this.#request();
      this.world.engine.after(this.world.timings.ipshiftResyncMs, resync);
    };
    this.world.engine.after(this.world.timings.ipshiftResyncMs, resync);
    this.#scheduleRead(0);
    this.#scheduleRead(1);
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
    this.#checkLeader();
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
    const results = new Map<string, ProbeResult>();
    // The replicas probe whether or not they lead (warm state); the one that probes here is the
    // leader, or the surviving replica while nobody leads, around the holder it knows of. A
    // dead prober probes nothing.
    const proberIndex = this.#proberIndex();
    const known = this.#mem(proberIndex).assignedNode;
    const holders = new Set(known === null ? [] : [known]);
    const prober = this.#replicaNode(proberIndex);
    const proberTruth = prober === null ? null : this.world.truth(prober);
    const proberUp = proberTruth === null || (proberTruth.powered && proberTruth.scrapePath);
    for (const node of proberUp ? probeTargets(this.world.nodes(), holders, this.#unresponsive, 3) : []) {
      const truth = this.world.truth(node.name);
      if (node.name === prober) {
        results.set(node.name, 'answered'); // its own node answers with its own identity
        continue;
      }
      const lost = this.#lostNow(node.name);
      const internal: ProbeResult = kernelAnswers(truth) && !lost ? 'answered' : 'silent';
      // The ExternalIP is reached over the public path: a node whose private network blinks still answers there.
      const external: ProbeResult = truth.powered && truth.uplink && !lost ? 'answered' : 'silent';
      // The failover address: a prober on an eligible node (all-eligible mode) is answered by its
      // own node, another node's identity: inconclusive. From elsewhere it reaches the node the
      // provider routes it to; only the holder's own identity counts.
      let failoverIP: ProbeResult[] = [];
      if (holders.has(node.name)) {
        if (prober !== null) failoverIP = ['inconclusive'];
        else {
          const routed = this.world.provider.routed;
          failoverIP = [!serving(this.world.truth(routed)) ? 'silent' : routed === node.name ? 'answered' : 'inconclusive'];
        }
      }
      results.set(node.name, combineProbes([internal, external, ...failoverIP]));
    }
    const calm = [...results.values()].every((r) => r === 'answered') && this.#unresponsive.size === 0;
    const settle = (): void => {
      const before = this.#reachability;
      const outcome = foldRound(before, results, timings.nodeProbeFailures, prober ?? undefined);
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
    this.#checkLeader();
    // Only the leader decides; a new leader runs a pass when it takes the Lease.
    if (this.#leader === null) return;
    const memory = this.#mem(this.#leader);
    // A new leader moves nothing before its own first routing read has landed (#read asks for a pass).
    if (memory.readInTerm !== this.#leaderGeneration) return;
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
          assignedNode: memory.assignedNode,
          holderSince: memory.holderSince,
          previousHolder: memory.previousHolder,
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
    this.#maybeHandOver();
    if (this.#leader === null) return;
    if (decision.outcome !== 'move' || this.#moveInFlight || decision.target === null) return;
    if (this.#retryNotBefore !== null && now < this.#retryNotBefore) {
      this.#runAt(this.#retryNotBefore);
      return;
    }
    this.#move(decision.target);
  }

  /**
   * src/reconcile/move.ts under the move's 5-minute deadline: read the routing (someone else
   * moved it: adopt, don't fight), persist the cooldown, route (src/providers/netcup through
   * IpshiftClient), read every address back. The read decides: on the target is success
   * whatever the route call said; nothing moved after a clean refusal gives the cooldown back;
   * after an uncertain failure (timeout, reset, 5xx) the cooldown holds.
   */
  #move(target: string): void {
    const { engine, timings } = this.world;
    const index = this.#leader;
    if (index === null) return;
    const client = this.#clientOf(index);
    const memory = this.#mem(index);
    const abortAt = engine.now + timings.ipshiftMoveDeadlineMs;
    this.#moveInFlight = true;
    client.call('get-routing', abortAt, (before) => {
      if (!before.ok || before.answer.kind !== 'ok') return this.#failed('transient', 0);
      if (before.answer.node !== memory.assignedNode) {
        this.#applyRouting(index, before.answer.node);
        return this.#done();
      }
      const startedAt = engine.now;
      const read = { answer: before.answer, at: engine.now };
      const previousMove = this.#lastMoveAt;
      const previousBlock = this.#nextMoveAllowedAt;
      const cooldownMs = this.options.cooldownMs ?? timings.providerMoveWindowMs;
      this.#lastMoveAt = startedAt;
      this.#nextMoveAllowedAt = startedAt + cooldownMs;
      // The status write, then the checked move's probe of the target (it answers: planPass picked a Ready node).
      engine.after(timings.kubeCallMs + timings.ipshiftTargetCheckMs, () =>
        client.route(
          target,
          abortAt,
          (routed) =>
            client.call('get-routing', abortAt, (after) => {
              const node = after.ok && after.answer.kind === 'ok' ? after.answer.node : routed.ok ? target : memory.assignedNode;
              if (node === target) {
                this.#applyRouting(index, target);
                // As src/reconcile/move.ts: the cooldown restarts when the provider finished.
                this.#lastMoveAt = engine.now;
                this.#nextMoveAllowedAt = engine.now + cooldownMs;
                this.#consecutiveFailures = 0;
                this.#retryNotBefore = null;
                return this.#done();
              }
              if (after.ok && after.answer.kind === 'ok') this.#applyRouting(index, after.answer.node);
              if (!routed.ok && routed.kind === 'rate-limited') {
                // A clean refusal: the provider did nothing, the cooldown is given back; the refusal's Retry-After blocks instead.
                this.#lastMoveAt = previousMove;
                this.#nextMoveAllowedAt = previousBlock;
                return this.#failed('rate-limited', routed.retryAfterMs ?? 60_000);
              }
              // Anything else is uncertain (a timeout, a reset, a 5xx, a task that did not end): the provider may have acted, the cooldown holds.
              this.#failed('transient', 0);
            }),
          read,
        ),
      );
    });
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
