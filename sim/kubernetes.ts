import type { ConditionStatus, NodeFacts, Taint } from '../src/core/model.js';
import { nextTick, previousTick, type Engine } from './engine.js';
import type { Timings } from './timings.js';

/** What is really true of a node at a moment (the scenario writes it). */
export interface NodeTruth {
  /** The machine runs. */
  powered: boolean;
  /** kubelet ↔ API server path. */
  controlPlane: boolean;
  /** Prometheus → node-exporter path (the private network). */
  scrapePath: boolean;
  /** The public uplink the failover IP's traffic arrives on. */
  uplink: boolean;
  /** node-exporter answers (false: it hangs, a flap). */
  exporterOk: boolean;
  /** kubelet's lease renewals get through (false: a flap of the kubelet or its API path). */
  leaseOk: boolean;
  memoryPressure: boolean;
  diskPressure: boolean;
}

export const healthyTruth = (): NodeTruth => ({
  powered: true,
  controlPlane: true,
  scrapePath: true,
  uplink: true,
  exporterOk: true,
  leaseOk: true,
  memoryPressure: false,
  diskPressure: false,
});

/** Traffic sent to the failover IP on this node is answered. */
export const serving = (t: NodeTruth): boolean => t.powered && t.uplink;
export const kubeletConnected = (t: NodeTruth): boolean => t.powered && t.controlPlane && t.leaseOk;
/** ipshift's TCP probe from another node gets an answer from this node's kernel (private network). */
export const kernelAnswers = (t: NodeTruth): boolean => t.powered && t.scrapePath;
export const exporterUp = (t: NodeTruth): boolean => t.powered && t.scrapePath && t.exporterOk;

interface NodeView {
  ready: ConditionStatus;
  unreachable: boolean;
  memoryPressure: boolean;
  diskPressure: boolean;
  /** Last lease renewal the API server got. */
  lastRenew: number;
  connectedSince: number | null;
  /** Bumped on every connectivity change; stale scheduled checks compare it. */
  generation: number;
  /** Phase of this kubelet's 10 s lease / status loop. */
  phase: number;
  pressureTruth: { memory: boolean; disk: boolean };
  /** When each pressure signal last cleared (the condition follows a transition period later). */
  pressureFellAt: { memory: number; disk: number };
}

/**
 * The Node objects as the API server holds them, driven by the truth through the kubelet lease
 * and the node-lifecycle controller: a kubelet that stops renewing is marked Ready=Unknown at
 * the first monitor pass more than the grace period after its last renewal, and tainted
 * unreachable one pass later; a kubelet that comes back posts Ready=True at its next status tick.
 */
export class KubeView {
  readonly #views = new Map<string, NodeView>();
  readonly #monitorPhase: number;
  #snapshot: NodeFacts[] | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly timings: Timings,
    private readonly names: readonly string[],
    private readonly truth: (node: string) => NodeTruth,
    random: () => number,
    private readonly onChange: () => void,
  ) {
    this.#monitorPhase = Math.floor(random() * timings.nodeMonitorPeriodMs);
    for (const name of names) {
      this.#views.set(name, {
        ready: 'True',
        unreachable: false,
        memoryPressure: false,
        diskPressure: false,
        lastRenew: 0,
        connectedSince: 0,
        generation: 0,
        phase: Math.floor(random() * timings.leaseRenewMs),
        pressureTruth: { memory: false, disk: false },
        pressureFellAt: { memory: -Infinity, disk: -Infinity },
      });
    }
  }

  /** The Node objects now, as the core's NodeFacts (a new array after each change). */
  snapshot(): readonly NodeFacts[] {
    if (this.#snapshot === null) this.#snapshot = this.names.map((name, i) => this.#facts(name, i));
    return this.#snapshot;
  }

  onTruth(node: string): void {
    const view = this.#view(node);
    const truth = this.truth(node);
    const now = this.engine.now;
    const connected = kubeletConnected(truth);
    const wasConnected = view.connectedSince !== null;
    if (connected !== wasConnected) {
      view.generation++;
      if (!connected) this.#disconnected(node, view, now);
      else this.#reconnected(node, view, now);
    }
    const memory = truth.memoryPressure;
    const disk = truth.diskPressure;
    if (memory !== view.pressureTruth.memory || disk !== view.pressureTruth.disk) {
      const rising = (memory && !view.pressureTruth.memory) || (disk && !view.pressureTruth.disk);
      if (!memory && view.pressureTruth.memory) view.pressureFellAt.memory = now;
      if (!disk && view.pressureTruth.disk) view.pressureFellAt.disk = now;
      view.pressureTruth = { memory, disk };
      // The eviction manager reports pressure at the kubelet's next status tick; it keeps the
      // condition for the transition period after the signal clears.
      const at = nextTick(now + (rising ? 1 : this.timings.pressureTransitionMs), this.timings.leaseRenewMs, view.phase);
      this.engine.at(at, () => this.#syncPressure(node));
    }
  }

  #disconnected(node: string, view: NodeView, now: number): void {
    const tick = previousTick(now, this.timings.leaseRenewMs, view.phase);
    if (view.connectedSince !== null && tick >= view.connectedSince) view.lastRenew = tick;
    view.connectedSince = null;
    const generation = view.generation;
    const check = nextTick(view.lastRenew + this.timings.nodeMonitorGraceMs + 1, this.timings.nodeMonitorPeriodMs, this.#monitorPhase);
    this.engine.at(check, () => {
      if (view.generation !== generation || view.ready === 'Unknown') return;
      view.ready = 'Unknown';
      view.memoryPressure = false;
      view.diskPressure = false;
      this.#changed();
      this.engine.after(this.timings.nodeMonitorPeriodMs, () => {
        if (view.generation !== generation || view.unreachable) return;
        view.unreachable = true;
        this.#changed();
      });
    });
  }

  #reconnected(node: string, view: NodeView, now: number): void {
    view.connectedSince = now;
    const generation = view.generation;
    const renew = nextTick(now, this.timings.leaseRenewMs, view.phase);
    this.engine.at(renew, () => {
      if (view.generation !== generation) return;
      view.lastRenew = renew;
      if (view.ready !== 'True') {
        view.ready = 'True';
        view.memoryPressure = view.pressureTruth.memory;
        view.diskPressure = view.pressureTruth.disk;
        this.#changed();
      }
      if (view.unreachable) {
        this.engine.at(nextTick(renew + 1, this.timings.nodeMonitorPeriodMs, this.#monitorPhase), () => {
          if (view.generation !== generation || !view.unreachable) return;
          view.unreachable = false;
          this.#changed();
        });
      }
    });
  }

  #syncPressure(node: string): void {
    const view = this.#view(node);
    if (view.connectedSince === null) return;
    const { memory, disk } = view.pressureTruth;
    const now = this.engine.now;
    const transition = this.timings.pressureTransitionMs;
    // A fall is only reported once the transition period has passed since the truth fell.
    const memoryNow = memory || (view.memoryPressure && now < view.pressureFellAt.memory + transition);
    const diskNow = disk || (view.diskPressure && now < view.pressureFellAt.disk + transition);
    if (memoryNow === view.memoryPressure && diskNow === view.diskPressure) return;
    view.memoryPressure = memoryNow;
    view.diskPressure = diskNow;
    this.#changed();
  }

  #changed(): void {
    this.#snapshot = null;
    this.onChange();
  }

  #view(node: string): NodeView {
    const view = this.#views.get(node);
    if (view === undefined) throw new Error(`unknown node ${node}`);
    return view;
  }

  #facts(name: string, index: number): NodeFacts {
    const view = this.#view(name);
    const conditions: Record<string, ConditionStatus> = { Ready: view.ready };
    const unknown = view.ready === 'Unknown';
    conditions['MemoryPressure'] = unknown ? 'Unknown' : view.memoryPressure ? 'True' : 'False';
    conditions['DiskPressure'] = unknown ? 'Unknown' : view.diskPressure ? 'True' : 'False';
    conditions['PIDPressure'] = unknown ? 'Unknown' : 'False';
    const taints: Taint[] = view.unreachable ? [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] : [];
    return {
      name,
      labels: { 'kubernetes.io/hostname': name },
      annotations: {},
      addresses: [nodeAddress(index)],
      conditions,
      taints,
      unschedulable: false,
      deleting: false,
    };
  }
}

export const nodeAddress = (index: number): string => `10.0.0.${index + 1}`;
