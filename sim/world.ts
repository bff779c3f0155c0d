import type { NodeFacts } from '../src/core/model.js';
import { seededRandom } from '../test/support/node-facts.js';
import { Engine, nextTick } from './engine.js';
import { healthyTruth, KubeView, exporterUp, nodeAddress, serving, type NodeTruth } from './kubernetes.js';
import { AlertmanagerSim, RuleInstance, ScrapedSeries, type AlertNotification, type SimAlert } from './monitoring.js';
import { ProviderSim } from './provider.js';
import type { Timings } from './timings.js';

export const FAILOVER_IP = 'default/web';
export const FAILOVER_IP_NAME = 'web';

/** What one simulated run counts. */
export interface Tally {
  deadMs: number;
  moves: number;
  refused: number;
  flipFlops: number;
  /** Incidents that took down the node holding the IP at that moment. */
  holderFailures: number;
  /** Incidents of any kind that hit the node holding the IP at that moment. */
  holderIncidents: number;
  /** Accepted moves whose target did not serve at that moment. */
  movesToDead: number;
  /** Requests answered 5xx or left hanging during provider outages. */
  failedCalls: number;
}

/** One stretch of time the IP pointed at a node that did not serve. */
export interface DeadInterval {
  readonly ms: number;
  readonly node: string;
  /** ipshift's leader ran on that node when it stopped serving (it died or was cut off with it). */
  readonly leaderWithHolder: boolean;
}

/**
 * Loss of independent packets: the windows in which a check repeated every `periodMs` misses at
 * least `need` times in a row, each miss with probability `q`. Only those runs can change a
 * verdict, so they are drawn directly (geometric gaps) instead of simulating every check.
 * Returns the next window after `from`, or null when it would come after `until`.
 */
export function nextLossRun(
  random: () => number,
  q: number,
  need: number,
  periodMs: number,
  from: number,
  until: number,
): { start: number; end: number } | null {
  if (q <= 0) return null;
  const rate = (1 - q) * q ** need;
  const gapChecks = Math.ceil(Math.log(1 - random()) / Math.log1p(-rate));
  if (!Number.isFinite(gapChecks)) return null;
  const start = from + gapChecks * periodMs;
  if (start >= until) return null;
  // Further misses beyond `need`: geometric with continuation probability q.
  const extra = Math.floor(Math.log(1 - random()) / Math.log(q));
  return { start, end: start + (need + extra) * periodMs };
}

/** A connect (SYN, SYN-ACK) or an ARP (request, reply) is lost when either packet is: the retry comes after the 1 s wait. */
export const exchangeLoss = (ppm: number): number => 1 - (1 - ppm / 1e6) ** 2;

/** A controller under test, living in one world. */
export interface Controller {
  start(): void;
  /** The Node objects changed (delivered by the watch). */
  onNodes?(): void;
  /** Alertmanager's webhook delivered a notification. */
  onAlerts?(notification: AlertNotification): void;
  /** The truth changed: only the oracle may act on it (ipshift uses it only to skip probe rounds that cannot change anything). */
  onTruth?(): void;
}

export interface Policy {
  readonly name: string;
  readonly usesAlerts: boolean;
  create(world: World): Controller;
}

/**
 * One policy's copy of the cluster: the truth the scenario writes, the Kubernetes view, the
 * monitoring pipeline, the provider, and the tally. Every policy gets its own world built from
 * the same seed, so phases and random draws are the same for all of them.
 */
export class World {
  readonly engine: Engine;
  readonly tally: Tally = { deadMs: 0, moves: 0, refused: 0, flipFlops: 0, holderFailures: 0, holderIncidents: 0, movesToDead: 0, failedCalls: 0 };
  readonly kube: KubeView;
  readonly provider: ProviderSim;
  /** Random draws for the controller (ipshift's backoff jitter), apart from the world's own. */
  readonly controllerRandom: () => number;
  readonly #truth = new Map<string, NodeTruth>();
  readonly #leftAt = new Map<string, number>();
  readonly controller: Controller;
  readonly #exporters = new Map<string, ScrapedSeries>();
  readonly #ksm = new Map<string, ScrapedSeries>();
  readonly #rules: RuleInstance[] = [];
  #probe: ScrapedSeries | null = null;
  #deadSince: number | null = null;
  #deadLeaderWithHolder = false;
  readonly deadIntervals: DeadInterval[] = [];
  /** The node ipshift's leader runs on (set by the ipshift policy; null: no leader, or not modelled). */
  leaderNode: string | null = null;
  /** Per node: until when the agent reports its uplink down because of lost ARP answers. */
  readonly #arpLossUntil = new Map<string, number>();
  readonly #uplinkReported = new Map<string, boolean>();
  readonly #uplinkGeneration = new Map<string, number>();
  readonly #agentSeries = new Map<string, ScrapedSeries>();
  readonly lossRandom: () => number;
  readonly moveLog: Array<{ at: number; from: string; to: string }> = [];

  constructor(
    readonly timings: Timings,
    readonly names: readonly string[],
    seed: number,
    policy: Policy,
    /** A blackbox prober outside the cluster (`vantage: external`); the default install has none. */
    readonly externalFailoverProbe = false,
  ) {
    this.engine = new Engine(0);
    const random = seededRandom(seed);
    this.controllerRandom = seededRandom(seed ^ 0x5bd1e995);
    this.lossRandom = seededRandom(seed ^ 0x27d4eb2f);
    for (const name of names) this.#truth.set(name, healthyTruth());
    this.provider = new ProviderSim(this.engine, timings, names[0] as string, {
      onMoveAccepted: (from, to, at) => this.recordMove(from, to, at),
      onRoutingChanged: () => this.routingChanged(),
      onFailedCall: () => this.tally.failedCalls++,
      onRefused: () => this.tally.refused++,
    });
    this.kube = new KubeView(
      this.engine,
      timings,
      names,
      (node) => this.truth(node),
      random,
      () => this.#nodesChanged(),
    );
    if (policy.usesAlerts) this.#buildMonitoring(random);
    this.controller = policy.create(this);
    this.controller.start();
  }

  truth(node: string): Readonly<NodeTruth> {
    const truth = this.#truth.get(node);
    if (truth === undefined) throw new Error(`unknown node ${node}`);
    return truth;
  }

  nodes(): readonly NodeFacts[] {
    return this.kube.snapshot();
  }

  /** Scenario: change what is true of a node. */
  setTruth(node: string, patch: Partial<NodeTruth>): void {
    const truth = this.#truth.get(node);
    if (truth === undefined) throw new Error(`unknown node ${node}`);
    const holderWasServing = node === this.provider.routed && serving(truth);
    Object.assign(truth, patch);
    if (holderWasServing && !serving(truth)) this.tally.holderFailures++;
    this.kube.onTruth(node);
    this.#exporters.get(node)?.touch();
    this.#agentUplinkTruth(node);
    this.#probe?.touch();
    this.#measure();
    this.controller.onTruth?.();
  }

  routingChanged(): void {
    this.#probe?.touch();
    this.#measure();
    this.controller.onTruth?.();
  }

  recordMove(from: string, to: string, at: number): void {
    this.tally.moves++;
    if (!serving(this.truth(to))) this.tally.movesToDead++;
    this.moveLog.push({ at, from, to });
    const left = this.#leftAt.get(to);
    if (left !== undefined && at - left <= this.timings.flipFlopWindowMs) this.tally.flipFlops++;
    this.#leftAt.set(from, at);
  }

  /** Ends the run: closes the dead-time interval still open. */
  finish(until: number): Tally {
    this.engine.run(until);
    if (this.#deadSince !== null) this.#closeDead(until);
    return this.tally;
  }

  #measure(): void {
    const dead = !serving(this.truth(this.provider.routed));
    const now = this.engine.now;
    if (dead && this.#deadSince === null) {
      this.#deadSince = now;
      this.#deadLeaderWithHolder = this.leaderNode === this.provider.routed;
    }
    if (!dead && this.#deadSince !== null) this.#closeDead(now);
  }

  #closeDead(now: number): void {
    const since = this.#deadSince as number;
    this.tally.deadMs += now - since;
    this.deadIntervals.push({ ms: now - since, node: this.provider.routed, leaderWithHolder: this.#deadLeaderWithHolder });
    this.#deadSince = null;
  }

  /**
   * The agent's `ipshift_agent_uplink_up` for a node: 0 once `uplinkFailures` ARP checks in a row
   * got no answer (each waits 1 s), 1 again at the first answered check. A powered-off node
   * reports nothing (no series: the rule cannot fire).
   */
  uplinkReported(node: string): boolean {
    return this.#uplinkReported.get(node) ?? true;
  }

  #agentUplinkTruth(node: string): void {
    const t = this.timings;
    if (t.uplinkIntervalMs <= 0) return;
    const generation = (this.#uplinkGeneration.get(node) ?? 0) + 1;
    this.#uplinkGeneration.set(node, generation);
    const truth = this.truth(node);
    const now = this.engine.now;
    const lossDown = (this.#arpLossUntil.get(node) ?? -1) > now;
    const answered = truth.uplink && !lossDown;
    const phase = (this.names.indexOf(node) * 137) % t.uplinkIntervalMs;
    const nextCheck = nextTick(now, t.uplinkIntervalMs, phase);
    const set = (value: boolean): void => {
      if (this.#uplinkGeneration.get(node) !== generation) return;
      if (this.#uplinkReported.get(node) === value) return;
      this.#uplinkReported.set(node, value);
      this.#agentSeries.get(node)?.touch();
    };
    if (answered) this.engine.at(nextCheck, () => set(true));
    else this.engine.at(nextCheck + (t.uplinkFailures - 1) * t.uplinkIntervalMs + 1000, () => set(false));
  }

  /** Lost ARP answers (the `loss` scenario): runs of misses long enough to turn the agent's uplink to 0. */
  #scheduleArpLoss(node: string, from: number): void {
    const t = this.timings;
    if (t.packetLossPpm <= 0 || t.uplinkIntervalMs <= 0) return;
    const run = nextLossRun(this.lossRandom, exchangeLoss(t.packetLossPpm), t.uplinkFailures, t.uplinkIntervalMs, from, Number.MAX_SAFE_INTEGER);
    if (run === null || run.start > 400 * 86_400_000) return;
    this.engine.at(run.start, () => {
      this.#arpLossUntil.set(node, run.end);
      this.#agentUplinkTruth(node);
      this.engine.at(run.end, () => {
        this.#agentUplinkTruth(node);
        this.#scheduleArpLoss(node, run.end);
      });
    });
  }

  #nodesChanged(): void {
    this.engine.after(this.timings.watchMs, () => {
      this.controller.onNodes?.();
      for (const series of this.#ksm.values()) series.touch();
    });
  }

  /**
   * Prometheus with the shipped node signals and Alertmanager with the shipped route. The
   * failover IP probe (`IpshiftFailoverIPProbeFailed`) needs a prober outside the cluster, which
   * the default install does not have: an in-cluster blackbox on an eligible node is answered by
   * its own node (all-eligible mode), so its probe always succeeds here unless
   * `externalFailoverProbe` is set.
   */
  #buildMonitoring(random: () => number): void {
    const t = this.timings;
    const alertmanager = new AlertmanagerSim(this.engine, t, (notification) => this.controller.onAlerts?.(notification));
    const send = (alert: SimAlert, firing: boolean): void => this.engine.after(t.prometheusToAlertmanagerMs, () => alertmanager.receive(alert, firing));
    const rulePhase = Math.floor(random() * t.ruleIntervalMs);
    const rule = (forMs: number, labels: Record<string, string>, expr: () => boolean): RuleInstance => {
      const fingerprint = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const instance = new RuleInstance(this.engine, t.ruleIntervalMs, rulePhase, forMs, { fingerprint, labels }, expr, send);
      this.#rules.push(instance);
      return instance;
    };
    /** A scraped series (at a random phase of its period) and the rule that fires while it reads false; a change it shows re-evaluates the rule. */
    const alertWhileFalse = (periodMs: number, read: () => boolean, failLatencyMs: number, forMs: number, labels: Record<string, string>): ScrapedSeries => {
      // The series tells the rule only once sampling runs, when both exist.
      const series = new ScrapedSeries(this.engine, periodMs, Math.floor(random() * periodMs), read, failLatencyMs, () => firing.touch());
      const firing = rule(forMs, labels, () => !series.value);
      return series;
    };
    const common = { severity: 'none', ipshift_class: 'down' };
    this.names.forEach((node, i) => {
      const ksm = alertWhileFalse(t.scrapeIntervalMs, () => this.kube.snapshot()[i]?.conditions['Ready'] === 'True', 0, t.forMs.IpshiftNodeNotReady, {
        alertname: 'IpshiftNodeNotReady',
        node,
        ...common,
      });
      this.#ksm.set(node, ksm);
      const exporter = alertWhileFalse(t.scrapeIntervalMs, () => exporterUp(this.truth(node)), t.scrapeTimeoutMs, t.forMs.IpshiftNodeExporterDown, {
        alertname: 'IpshiftNodeExporterDown',
        instance: `${nodeAddress(i)}:9100`,
        job: 'node-exporter',
        ...common,
      });
      this.#exporters.set(node, exporter);
      // The agent's uplink gauge, scraped like node-exporter (nothing to scrape when the node is off or cut off).
      const agent = alertWhileFalse(
        t.scrapeIntervalMs,
        () => !(this.truth(node).powered && this.truth(node).scrapePath && !this.uplinkReported(node)),
        0,
        t.forMs.IpshiftNodeUplinkDown,
        { alertname: 'IpshiftNodeUplinkDown', node, ...common },
      );
      this.#agentSeries.set(node, agent);
      this.#scheduleArpLoss(node, 0);
    });
    this.#probe = alertWhileFalse(
      t.probeIntervalMs,
      () => !this.externalFailoverProbe || serving(this.truth(this.provider.routed)),
      t.probeTimeoutMs,
      t.forMs.IpshiftFailoverIPProbeFailed,
      { alertname: 'IpshiftFailoverIPProbeFailed', failover_ip: FAILOVER_IP, ...common },
    );
  }
}
