import type { AgentMetrics } from '../src/metrics/agent-metrics.js';
import type { Clock } from '../src/ports/clock.js';
import type { Logger } from '../src/ports/logger.js';
import type { GatewayCheck } from './ip-link.js';

export interface UplinkMonitorOptions {
  readonly intervalMs: number;
  /** Unreachable checks in a row before the uplink counts as down (one lost ARP is no outage). */
  readonly failures: number;
}

export interface UplinkMonitorDeps {
  readonly check: () => Promise<GatewayCheck>;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * The node's own public path, seen from the one vantage point that cannot be answered
 * locally: the node itself asks its default gateway (ARP) every interval. A holder whose
 * uplink is gone still answers every probe over the private network, and every eligible node
 * answers the failover address locally, so nobody else in the cluster can see this. The
 * result goes out as `ipshift_agent_uplink_up` (1, or 0 after `failures` unanswered checks in
 * a row; no series while the check cannot run), which the shipped rule IpshiftNodeUplinkDown
 * turns into a down-class alert for the node.
 */
export class UplinkMonitor {
  readonly #abort = new AbortController();
  #loop: Promise<void> | null = null;
  #misses = 0;
  #reported: 'up' | 'down' | 'unknown' | null = null;

  constructor(
    private readonly options: UplinkMonitorOptions,
    private readonly deps: UplinkMonitorDeps,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error('uplink monitor stopped'));
    await this.#loop;
  }

  async checkOnce(): Promise<void> {
    const result = await this.deps.check();
    if (result.kind === 'unknown') {
      this.#misses = 0;
      this.deps.metrics.uplink(null);
      this.#report('unknown', { detail: result.detail });
      return;
    }
    this.#misses = result.kind === 'reachable' ? 0 : this.#misses + 1;
    const up = this.#misses < this.options.failures;
    this.deps.metrics.uplink({ iface: result.iface, gateway: result.gateway, up });
    this.#report(up ? 'up' : 'down', { interface: result.iface, gateway: result.gateway });
  }

  #report(state: 'up' | 'down' | 'unknown', fields: Record<string, string>): void {
    if (state === this.#reported) return;
    const first = this.#reported === null;
    this.#reported = state;
    if (state === 'down') this.deps.logger.warn('uplink down: the default gateway does not answer ARP', { ...fields, checks: this.options.failures });
    else if (state === 'unknown') this.deps.logger.warn('uplink check cannot run', fields);
    else if (!first) this.deps.logger.info('uplink up again', fields);
  }

  async #run(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      await this.checkOnce();
      try {
        await this.deps.clock.sleep(this.options.intervalMs, this.#abort.signal);
      } catch {
        return;
      }
    }
  }
}
