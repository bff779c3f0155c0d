import type { ProbeAnswer } from '../core/reachability.js';
import type { Probe } from '../reachability/tcp-probe.js';
import type { MemoryCluster } from './memory-cluster.js';

/** Kubernetes marks a node whose kubelet went quiet Ready=Unknown after this (node-monitor-grace-period). */
export const SANDBOX_NODE_MONITOR_GRACE_MS = 40_000;

/**
 * Power for the sandbox's simulated machines: a powered-off node stops answering ipshift's
 * node probe at once (as a crashed machine would), and Kubernetes notices only after the
 * grace period, as in a real cluster. The probe answers from this table instead of the network.
 */
export class SandboxPower {
  readonly #off = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly cluster: MemoryCluster,
    /** Which node the failover address is routed to right now (the emulator's routing). */
    private readonly routedNode: (address: string) => string | null,
  ) {}

  isOn(node: string): boolean {
    return !this.#off.has(node);
  }

  set(node: string, on: boolean): void {
    clearTimeout(this.#timers.get(node));
    this.#timers.delete(node);
    if (on) {
      this.#off.delete(node);
      this.cluster.updateNode(node, (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'True' } }));
      return;
    }
    if (!this.cluster.nodes().some((n) => n.name === node)) throw new Error(`no node ${node}`);
    this.#off.add(node);
    const timer = setTimeout(() => {
      this.#timers.delete(node);
      if (this.#off.has(node)) this.cluster.updateNode(node, (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'Unknown' } }));
    }, SANDBOX_NODE_MONITOR_GRACE_MS);
    timer.unref();
    this.#timers.set(node, timer);
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** ipshift's node probe, answered from the power table: a silent machine costs the timeout, as on a network. */
  readonly probe: Probe = async (address, _port, timeoutMs) => {
    const node = this.cluster.nodes().find((n) => n.addresses.includes(address))?.name ?? this.routedNode(address);
    if (node === null || node === undefined) return { kind: 'inconclusive' };
    if (this.isOn(node)) return { kind: 'identified', node, bootId: 'sandbox' };
    await new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
    return { kind: 'silent' } satisfies ProbeAnswer;
  };
}
