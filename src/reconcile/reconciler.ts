import type { AlertPolicy } from '../core/alert-policy.js';
import type { Decision } from '../core/decide.js';
import { tierOf, type NodeHealth } from '../core/health.js';
import { failoverIPKey, MOVE_TO_ANNOTATION, type FailoverIPObject, type FailoverIPStatus, type NodeFacts } from '../core/model.js';
import { healPartialRouting } from '../core/partial-routing.js';
import { createPassMemo, planPass, type MappedAlert, type PassFailoverIP, type PassResult } from '../core/plan.js';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import type { ClusterView, ClusterWriter, Leadership } from '../ports/cluster.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import { cooldownMs as cooldownOf, nextMoveAllowedAt } from '../core/cooldown.js';
import { classify } from '../errors.js';
import { createEventRecorder, type RecordEvent } from './event-recorder.js';
import {
  adoptPersistedBlock,
  applyMoveOutcome,
  applyRouting,
  freshMemory,
  nodeOfServer,
  serversInUseAt,
  type FailoverIPMemory,
  type MoveRecord,
} from './failover-ip-state.js';
import type { MoveDeps } from './move.js';
import { checkedMove, confirmHolder, DEFAULT_CONFIRM_SECONDS } from './checked-move.js';
import { checkFailuresInForce } from '../core/checked-move.js';
import type { MoveChecker } from '../ports/move-checker.js';
import type { MoveCheckMetrics } from '../metrics/move-check-metrics.js';
import { HolderLabels } from './holder-labels.js';
import { RemapAnnouncer } from './remap-announcer.js';
import { serverPinKey } from '../core/server-pin.js';
import { failoverAddressTest, ServerDirectory, type ResolvedServers, type ServerRemap } from './server-directory.js';
import { ServerNodeSets } from './server-node-sets.js';
import { buildStatus } from './status.js';
import { parseIsoTime } from '../core/time.js';

export interface AlertSource {
  active(now: number): ReadonlyArray<{ readonly fingerprint: string; readonly labels: Readonly<Record<string, string>>; readonly startsAt: number }>;
  /** Whether the view is stale (see PassInput.alertsStale for what that changes). */
  freshness?(now: number): { readonly stale: boolean };
}

/** Hands out one provider instance per (type, namespace, secret). */
export interface ProviderPool {
  forFailoverIP(fip: FailoverIPObject): Promise<FailoverIpProvider>;
}

export interface ReconcilerDeps {
  readonly cluster: ClusterView;
  readonly writer: ClusterWriter;
  readonly alerts: AlertSource;
  readonly leadership: Leadership;
  readonly providers: ProviderPool;
  readonly policy: () => AlertPolicy;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Re-read each provider's routing at least this often. */
  readonly routingRefreshMs: number;
  /** Asks for a run at a moment a decision waits for. */
  readonly runAt: (at: number) => void;
  /** Asks for another run soon (after a move finishes). */
  readonly requestRun: (reason: string) => void;
  readonly random?: () => number;
  /** Nodes ipshift's own probe judged unresponsive. */
  readonly unresponsive?: () => ReadonlySet<string>;
  /** Nodes with a ready endpoint of the Local-policy LoadBalancer Service a FailoverIP serves (src/services); undefined: no such constraint. */
  readonly readyEndpointNodes?: (failoverIP: string) => ReadonlySet<string> | undefined;
  /** Deadline of one routing read (all retries included); default 30 s. */
  readonly routingReadDeadlineMs?: number;
  /** Deadline of one move (route, task polling and the read back); default 5 minutes. */
  readonly moveDeadlineMs?: number;
  /** Checked moves (checked-move.ts): the probes before and after routing; without it, moves are unchecked. */
  readonly moveChecker?: MoveChecker;
  readonly moveCheckMetrics?: MoveCheckMetrics;
  /** How often an unconfirmed holder is asked again (default: the FailoverIP's confirmSeconds). */
  readonly reconfirmMs?: number;
}

export interface ReconcileSnapshot {
  readonly at: number | null;
  readonly pass: PassResult | null;
  readonly failoverIPs: ReadonlyArray<{ readonly object: FailoverIPObject; readonly memory: FailoverIPMemory }>;
  readonly nodes: readonly NodeFacts[];
  readonly moves: readonly MoveRecord[];
}

const MAX_TIMELINE = 30;

/**
 * Level-triggered: each run re-reads the world (nodes, alerts, FailoverIPs, the provider's
 * routing when due), asks the pure core, and applies at most one move per FailoverIP. Moves
 * run beside the loop so a slow provider task never holds up other FailoverIPs; when one
 * finishes it asks for a fresh run. Followers plan too (their view stays warm) but never write.
 */
export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #memory = new Map<string, FailoverIPMemory>();
  readonly #servers: ServerDirectory;
  readonly #serverNodeSets = new ServerNodeSets();
  readonly #moves: MoveRecord[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  /** The decision pass's memo (node index, alert facts), kept here because the core keeps none. */
  readonly #passMemo = createPassMemo();
  readonly #reading = new Set<string>();
  readonly #reads = new Set<Promise<void>>();
  readonly #recordEvent: RecordEvent;
  readonly #moveDeps: MoveDeps;
  readonly #labels: HolderLabels;
  readonly #remaps: RemapAnnouncer;
  #snapshot: ReconcileSnapshot = { at: null, pass: null, failoverIPs: [], nodes: [], moves: [] };
  /**
   * FailoverIPs whose routing was read by a read started while this replica led (this term).
   * A follower's memory is only as fresh as its last periodic read: the IP may have moved since,
   * so a new leader neither moves nor labels holders until its own read has landed.
   */
  readonly #readThisTerm = new Set<string>();
  #term = 0;
  #wasLeader = false;
  #knownNodes = new Set<string>();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#servers = new ServerDirectory(deps.logger, () => deps.requestRun('server-discovered'));
    this.#recordEvent = createEventRecorder(deps.writer, deps.logger);
    this.#moveDeps = { ...deps, recordEvent: this.#recordEvent };
    this.#labels = new HolderLabels(deps.writer, deps.logger);
    this.#remaps = new RemapAnnouncer(this.#recordEvent, deps.logger);
  }

  snapshot(): ReconcileSnapshot {
    return this.#snapshot;
  }

  /** A move is in flight (the leader never hands over in the middle of one). */
  moving(): boolean {
    return this.#inFlight.size > 0;
  }

  /** Resolves once every routing read in flight has landed (RunLoop.idle). */
  async readsSettled(): Promise<void> {
    while (this.#reads.size > 0) await Promise.allSettled([...this.#reads]);
  }

  /** Resolves once every move and read in flight has finished (graceful shutdown, tests). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#reads.size > 0) await Promise.allSettled([...this.#inFlight, ...this.#reads]);
  }

  async runOnce(signalAt: number): Promise<void> {
    const started = this.#deps.clock.now();
    try {
      await this.#run(signalAt);
      const end = this.#deps.clock.now();
      this.#deps.metrics.reconcileFinished('success', (end - started) / 1000, end / 1000);
    } catch (error) {
      const end = this.#deps.clock.now();
      this.#deps.metrics.reconcileFinished('error', (end - started) / 1000, end / 1000);
      throw error;
    }
  }

  async #run(signalAt: number): Promise<void> {
    const { cluster, clock } = this.#deps;
    const nodes = cluster.nodes();
    const fips = cluster.failoverIPs();
    const now = clock.now();
    const leader = this.#deps.leadership.isLeader();
    if (leader !== this.#wasLeader) {
      this.#wasLeader = leader;
      this.#term += 1;
      this.#readThisTerm.clear();
    }

    // Nothing here waits on a provider: reads and discovery run beside the pass (one per
    // FailoverIP at a time, each under its own deadline) and ask for a fresh run when they land,
    // so a hanging provider delays no other FailoverIP and never the first pass (readiness).
    const inputs: PassFailoverIP[] = [];
    this.#serverNodeSets.newPass();
    const context = new Map<string, { fip: FailoverIPObject; provider: FailoverIpProvider | null; servers: Map<string, string>; cooldownMs: number }>();
    const isFailoverAddress = failoverAddressTest(fips);
    // Only the leader pins servers (a Node write); followers trust the pins it wrote.
    const writePin = leader
      ? (node: string, key: string, serverId: string) => this.#deps.writer.patchNodeMetadata(node, { annotations: { [key]: serverId } })
      : undefined;
    const resolved = await Promise.all(
      fips.map(async (fip) => {
        const provider = await this.#deps.providers.forFailoverIP(fip).catch((error: unknown) => {
          this.#deps.logger.warn('provider unavailable', { failoverIP: failoverIPKey(fip), err: error });
          return null;
        });
        return { fip, provider };
      }),
    );
    // One resolve per provider account and pass, not per FailoverIP: it walks every node (at
    // 5,000 nodes and 100 FailoverIPs of one account it was a quarter of the controller's CPU).
    const byAccount = new Map<string, ResolvedServers>();
    const serversOf = (account: string, provider: FailoverIpProvider): ResolvedServers => {
      let found = byAccount.get(account);
      if (found === undefined) byAccount.set(account, (found = this.#servers.resolve(account, provider, nodes, now, writePin, isFailoverAddress)));
      return found;
    };
    for (const { fip, provider } of resolved) {
      const key = failoverIPKey(fip);
      const memory = this.#memoryFor(key);
      adoptPersistedBlock(memory, fip, now);
      const account = provider === null ? null : `${fip.spec.provider.type}/${fip.namespace}/${fip.spec.provider.secretRef.name}`;
      const { servers, remapped } =
        account === null || provider === null ? { servers: new Map<string, string>(), remapped: new Map<string, ServerRemap>() } : serversOf(account, provider);
      if (leader) this.#remaps.announce(fip, remapped, serverPinKey(fip.spec.provider.type));
      if (provider !== null) this.#refreshRouting(key, fip, memory, provider, servers, now, leader);
      const cooldownMs = cooldownOf(fip.spec.policy?.cooldownSeconds, provider === null ? 300_000 : provider.minMoveIntervalMs);
      context.set(key, { fip, provider, servers, cooldownMs });
      inputs.push({
        ...this.#passInput(fip, memory, this.#serverNodeSets.of(account, servers), cooldownMs, provider?.onePerServer === true, now),
        ...(remapped.size === 0 ? {} : { serverRemapped: new Set(remapped.keys()) }),
      });
    }
    this.#remaps.endPass();

    const unresponsive = this.#deps.unresponsive?.();
    const pass = planPass({
      now,
      nodes,
      alerts: this.#deps.alerts.active(now),
      policy: this.#deps.policy(),
      failoverIPs: inputs,
      ...(unresponsive === undefined ? {} : { unresponsive }),
      alertsStale: this.#deps.alerts.freshness?.(now).stale ?? false,
      memo: this.#passMemo,
    });

    for (const plan of pass.plans) {
      const ctx = context.get(plan.key);
      const memory = this.#memoryFor(plan.key);
      if (ctx === undefined) continue;
      memory.holderDegradedSince = plan.holderDegradedSince;
      memory.candidates = plan.candidates;
      const decision = healPartialRouting(plan.decision, memory.assignedNode, memory.partial, memory.providerBlockedUntil, now);
      this.#record(ctx.fip, memory, decision, pass, now, leader, ctx.cooldownMs);
      if (decision.retryAt !== null) this.#deps.runAt(decision.retryAt);
      // No move before the provider has been read in this term: the read is on its way and asks for a run.
      if (!leader || decision.outcome !== 'move' || ctx.provider === null || memory.moveInFlight || !this.#readThisTerm.has(plan.key)) continue;
      if (memory.retryNotBefore !== null && now < memory.retryNotBefore) {
        this.#deps.runAt(memory.retryNotBefore);
        continue;
      }
      this.#startMove(ctx.fip, memory, decision, ctx.provider, ctx.servers, ctx.cooldownMs, signalAt);
    }
    if (leader) for (const { fip } of context.values()) this.#reconfirm(fip, this.#memoryFor(failoverIPKey(fip)), now);
    this.#exportNodeMetrics(pass.nodes);
    this.#forgetDeleted(fips);
    this.#snapshot = {
      at: now,
      pass,
      failoverIPs: fips.map((object) => ({ object, memory: this.#memoryFor(failoverIPKey(object)) })),
      nodes,
      moves: [...this.#moves],
    };
    // Holders not yet read in this term count as unknown (routingReadAt null): their labels stay as they are.
    if (leader)
      this.#labels.sync(
        nodes,
        this.#snapshot.failoverIPs.map((entry) =>
          this.#readThisTerm.has(failoverIPKey(entry.object)) ? entry : { object: entry.object, memory: { ...entry.memory, routingReadAt: null } },
        ),
      );
  }

  #memoryFor(key: string): FailoverIPMemory {
    let memory = this.#memory.get(key);
    if (memory === undefined) {
      memory = freshMemory();
      this.#memory.set(key, memory);
    }
    return memory;
  }

  /** Starts a routing read when one is due (periodic, or a new leader's first) and none is running; never waits for it. */
  #refreshRouting(
    key: string,
    fip: FailoverIPObject,
    memory: FailoverIPMemory,
    provider: FailoverIpProvider,
    servers: Map<string, string>,
    now: number,
    leader: boolean,
  ): void {
    if (memory.routingReadAt === null && memory.assignedNode === null) memory.assignedNode = fip.status.assignedNode ?? null;
    else if (memory.routingReadAt !== null) memory.assignedNode = nodeOfServer(servers, memory.assignedServer);
    if (memory.moveInFlight || this.#reading.has(key)) return;
    const due = memory.routingReadAt === null || now - memory.routingReadAt >= this.#deps.routingRefreshMs || (leader && !this.#readThisTerm.has(key));
    if (!due) return;
    this.#reading.add(key);
    const term = this.#term;
    const signal = AbortSignal.timeout(this.#deps.routingReadDeadlineMs ?? 30_000);
    const task = provider
      .getRouting(fip.spec.addresses, signal)
      .then(
        (routing) => {
          // A move that started meanwhile owns the routing until it ends.
          if (memory.moveInFlight) return;
          applyRouting(memory, routing, servers, this.#deps.clock.now());
          if (leader && term === this.#term) this.#readThisTerm.add(key);
          this.#deps.requestRun('routing-read');
        },
        (error: unknown) => {
          const classified = classify(error);
          this.#deps.logger.warn('reading the provider routing failed', {
            failoverIP: key,
            provider: provider.type,
            kind: classified.kind,
            code: classified.code,
            err: error,
          });
        },
      )
      .finally(() => {
        this.#reading.delete(key);
        this.#reads.delete(task);
      });
    this.#reads.add(task);
  }

  #passInput(
    fip: FailoverIPObject,
    memory: FailoverIPMemory,
    nodesWithServer: ReadonlySet<string>,
    cooldownMs: number,
    onePerServer: boolean,
    now: number,
  ): PassFailoverIP {
    const policy = fip.spec.policy ?? {};
    const inUse = onePerServer ? serversInUseAt(memory, now) : undefined;
    memory.checkFailures = checkFailuresInForce(memory.checkFailures, this.#deps.clock.now());
    const readyPodNodes = fip.spec.podSelector === undefined ? undefined : this.#deps.cluster.nodesWithReadyPods(fip.spec.podSelector);
    const readyEndpointNodes = this.#deps.readyEndpointNodes?.(failoverIPKey(fip));
    return {
      key: failoverIPKey(fip),
      addresses: fip.spec.addresses,
      ...(fip.spec.nodeSelector === undefined ? {} : { nodeSelector: fip.spec.nodeSelector }),
      ...(readyPodNodes === undefined ? {} : { readyPodNodes }),
      ...(readyEndpointNodes === undefined ? {} : { readyEndpointNodes }),
      nodesWithServer,
      assignedNode: memory.assignedNode,
      holderSince: memory.holderSince ?? parseIsoTime(fip.status.lastMoveTime),
      previousHolder: memory.previousHolder,
      cooldownMs,
      gracePeriodMs: (policy.gracePeriodSeconds ?? 60) * 1000,
      spread: policy.spread ?? true,
      ...(policy.onCordon === undefined ? {} : { onCordon: policy.onCordon }),
      paused: fip.spec.paused ?? false,
      moveTo: fip.annotations[MOVE_TO_ANNOTATION] ?? null,
      lastMoveAt: parseIsoTime(fip.status.lastMoveTime),
      // The cooldown follows lastMoveTime and today's cooldownSeconds; only the provider's own
      // block is carried separately (status.nextMoveAllowedAt is derived from both, never read back).
      blockedUntil: memory.providerBlockedUntil,
      holderDegradedSince: memory.holderDegradedSince,
      ...(onePerServer ? { onePerServer } : {}),
      ...(inUse === undefined ? {} : { serversInUse: inUse }),
      ...(memory.checkFailures.size === 0 ? {} : { checkFailures: memory.checkFailures }),
    };
  }

  #record(fip: FailoverIPObject, memory: FailoverIPMemory, decision: Decision, pass: PassResult, now: number, leader: boolean, cooldownMs: number): void {
    const key = failoverIPKey(fip);
    const { metrics, logger } = this.#deps;
    const previous = memory.lastDecision;
    const changed = previous === null || previous.outcome !== decision.outcome || previous.reason !== decision.reason || previous.target !== decision.target;
    if (changed) {
      memory.lastDecision = decision;
      memory.lastDecisionAt = now;
      logger.info('decision', {
        failoverIP: key,
        outcome: decision.outcome,
        reason: decision.reason,
        node: decision.target,
        holder: memory.assignedNode,
        message: decision.message,
      });
    }
    metrics.decision(key, decision.outcome, decision.reason);
    metrics.setAssignment(key, memory.assignedNode);
    const holderHealth = memory.assignedNode === null ? undefined : pass.nodes.get(memory.assignedNode);
    metrics.setHolderHealthy(key, holderHealth !== undefined && tierOf(holderHealth.mask) === 'healthy');
    metrics.setCandidates(key, memory.candidates);
    metrics.setCooldownRemaining(key, decision.cooldownEndsAt === null ? 0 : Math.max(0, (decision.cooldownEndsAt - now) / 1000));
    const lastMove = parseIsoTime(fip.status.lastMoveTime);
    if (lastMove !== null) metrics.setLastMove(key, lastMove / 1000);
    if (!leader) return;

    const status = buildStatus({
      fip,
      memory,
      decision,
      decisionAt: memory.lastDecisionAt ?? now,
      holderHealth,
      now,
      nextMoveAllowedAt: nextMoveAllowedAt(lastMove, cooldownMs, memory.providerBlockedUntil),
    });
    if (status !== null) void this.#patch(fip, status);
    // Events follow what this replica reported as leader, not what it planned as a follower: a
    // new leader reports a block that began before it led.
    const announced = memory.announced;
    const unannounced =
      announced === null || announced.outcome !== decision.outcome || announced.reason !== decision.reason || announced.target !== decision.target;
    const ineligibleTarget = decision.reason === 'manual-target-ineligible';
    if (unannounced && ((decision.outcome !== 'move' && decision.outcome !== 'keep') || ineligibleTarget)) {
      const type =
        decision.outcome === 'no-eligible-node' || ineligibleTarget || (decision.outcome === 'wait-cooldown' && decision.reason === 'holder-down')
          ? 'Warning'
          : 'Normal';
      const removal = ineligibleTarget ? `; the ${MOVE_TO_ANNOTATION} annotation is removed, set it again to retry` : '';
      this.#recordEvent(fip, type, decision.reason, `${decision.outcome}: ${decision.message}${removal}`);
    }
    if (unannounced) memory.announced = decision;
    const moveTo = fip.annotations[MOVE_TO_ANNOTATION];
    // A manual request is answered either way: done (the node holds the IP) or refused (the node
    // is not eligible, told in a Warning Event above). A refused one does not linger to fire later.
    if (moveTo !== undefined && (moveTo === memory.assignedNode || ineligibleTarget)) {
      void this.#deps.writer.removeAnnotation(fip.namespace, fip.name, MOVE_TO_ANNOTATION).catch((error: unknown) => {
        logger.warn('removing the move-to annotation failed', { failoverIP: key, err: error });
      });
    }
  }

  async #patch(fip: FailoverIPObject, status: Partial<FailoverIPStatus>): Promise<void> {
    try {
      await this.#deps.writer.patchStatus(fip.namespace, fip.name, status);
    } catch (error) {
      this.#deps.logger.warn('status update failed', { failoverIP: failoverIPKey(fip), err: error });
    }
  }

  #startMove(
    fip: FailoverIPObject,
    memory: FailoverIPMemory,
    decision: Decision,
    provider: FailoverIpProvider,
    servers: Map<string, string>,
    cooldownMs: number,
    signalAt: number,
  ): void {
    memory.moveInFlight = true;
    const task = checkedMove({
      checker: this.#deps.moveChecker ?? null,
      checkMetrics: this.#deps.moveCheckMetrics ?? null,
      targetNode: this.#deps.cluster.nodes().find((node) => node.name === decision.target),
      fip,
      memory: { ...memory },
      decision,
      provider,
      servers,
      cooldownMs,
      signalAt,
      signal: AbortSignal.timeout(this.#deps.moveDeadlineMs ?? 300_000),
      deps: this.#moveDeps,
      // The holder label goes on the target before the provider is asked (holder-labels.ts).
      beforeRoute: (target) => this.#labels.beforeMove(fip, target),
      onRecord: (record) => {
        this.#moves.push(record);
        if (this.#moves.length > MAX_TIMELINE) this.#moves.shift();
      },
    })
      // The Reconciler is the only writer of a FailoverIP's memory: the move hands back what it found.
      .then((outcome) => applyMoveOutcome(memory, outcome, servers))
      .catch((error: unknown) => this.#deps.logger.error('move crashed', { failoverIP: failoverIPKey(fip), err: error }))
      .finally(() => {
        memory.moveInFlight = false;
        this.#labels.moveEnded(fip);
        this.#inFlight.delete(task);
        this.#deps.requestRun('move-finished');
      });
    this.#inFlight.add(task);
  }

  /**
   * An unconfirmed holder is asked again now and then (the same bounded probe as after the
   * move), so Degraded/MoveUnconfirmed ends once the address answers from it. Runs as a move
   * (one at a time, never beside a move of the same FailoverIP).
   */
  #reconfirm(fip: FailoverIPObject, memory: FailoverIPMemory, now: number): void {
    const previous = memory.confirmation;
    if (this.#deps.moveChecker === undefined || previous === null || previous.state !== 'unconfirmed' || memory.moveInFlight) return;
    if (previous.node !== memory.assignedNode) return;
    // Asked again once per bound: as often as a move would have waited for it.
    const due = previous.at + (this.#deps.reconfirmMs ?? (fip.spec.check?.confirmSeconds ?? DEFAULT_CONFIRM_SECONDS) * 1000);
    if (now < due) {
      this.#deps.runAt(due);
      return;
    }
    memory.moveInFlight = true;
    const task = confirmHolder(
      {
        fip,
        checker: this.#deps.moveChecker,
        checkMetrics: this.#deps.moveCheckMetrics ?? null,
        deps: this.#moveDeps,
        signal: AbortSignal.timeout(this.#deps.moveDeadlineMs ?? 300_000),
      },
      previous.node,
      previous,
    )
      .then((confirmation) => {
        memory.confirmation = confirmation;
      })
      .catch((error: unknown) => this.#deps.logger.error('confirming the holder crashed', { failoverIP: failoverIPKey(fip), err: error }))
      .finally(() => {
        memory.moveInFlight = false;
        this.#inFlight.delete(task);
        this.#deps.requestRun('reconfirmed');
      });
    this.#inFlight.add(task);
  }

  #exportNodeMetrics(nodes: ReadonlyMap<string, NodeHealth>): void {
    const current = new Set(nodes.keys());
    for (const [name, health] of nodes) this.#deps.metrics.setNodeIssues(name, health.issues);
    for (const name of this.#knownNodes) if (!current.has(name)) this.#deps.metrics.forgetNode(name);
    this.#knownNodes = current;
  }

  #forgetDeleted(fips: readonly FailoverIPObject[]): void {
    const keys = new Set(fips.map(failoverIPKey));
    for (const key of [...this.#memory.keys()]) {
      if (keys.has(key)) continue;
      if (this.#memory.get(key)?.moveInFlight === true) continue;
      this.#memory.delete(key);
      this.#readThisTerm.delete(key);
      this.#deps.metrics.forgetFailoverIP(key);
      this.#deps.moveCheckMetrics?.forgetFailoverIP(key);
    }
  }
}

export type { MappedAlert };
