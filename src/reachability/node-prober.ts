import { combineProbes, foldRound, gateSilence, probeTargets, type ProbeResult, type ReachabilityState } from '../core/reachability.js';
import type { NodeFacts } from '../core/model.js';
import type { ReachabilityMetrics } from '../metrics/reachability-metrics.js';
import type { Logger } from '../ports/logger.js';
import type { Probe } from './tcp-probe.js';

export interface NodeProberOptions {
  readonly probe: Probe;
  readonly port: number;
  readonly intervalMs: number;
  /** Silent rounds in a row (with a witness answering) before a node counts as unresponsive. */
  readonly failures: number;
  /** Nodes probed besides the holders, so every round has someone who can answer. */
  readonly witnesses?: number;
  /** The node this replica runs on: its answers are local, never a witness. */
  readonly self?: string;
  readonly nodes: () => readonly NodeFacts[];
  /** Each holder and the IPv4 failover addresses it holds (probed too: the public path). */
  readonly holders: () => ReadonlyMap<string, readonly string[]>;
  /** The verdict changed: ask for a decision pass. */
  readonly onChange: (reason: string) => void;
  readonly metrics: ReachabilityMetrics;
  readonly logger: Logger;
}

/**
 * The controller's own fast failure detector: a round every interval probes each holder (and a
 * few witnesses) with a TCP connect to its first address (InternalIP), and each failover
 * address it holds. A holder is silent in a round only when both paths are: a crashed or
 * cut-off holder is known after `failures` rounds, long before Kubernetes marks it NotReady
 * (40-50 s) or a `for:`-guarded alert fires, while a holder whose private network blinks
 * still answers on the failover address and keeps the IP.
 */
export class NodeProber {
  readonly #options: NodeProberOptions;
  #state: ReachabilityState = new Map();
  #unresponsive: ReadonlySet<string> = new Set();
  #heard: ReadonlySet<string> = new Set();
  #timer: NodeJS.Timeout | null = null;
  #round: Promise<void> | null = null;
  #stopped = false;

  constructor(options: NodeProberOptions) {
    this.#options = options;
  }

  unresponsive(): ReadonlySet<string> {
    return this.#unresponsive;
  }

  start(): void {
    const tick = (): void => {
      if (this.#stopped) return;
      this.#timer = setTimeout(tick, this.#options.intervalMs);
      this.#timer.unref();
      // A round's probes time out before the next tick, so rounds never pile up; skip if one still runs.
      this.#round ??= this.roundOnce().finally(() => {
        this.#round = null;
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#round;
  }

  async roundOnce(): Promise<void> {
    const { probe, port, intervalMs, failures, metrics, logger } = this.#options;
    const holders = this.#options.holders();
    const targets = probeTargets(this.#options.nodes(), new Set(holders.keys()), this.#unresponsive, this.#options.witnesses ?? 3);
    // Nothing to probe (no node with an address) is not a blind round.
    if (targets.length === 0) {
      this.#state = new Map();
      this.#unresponsive = new Set();
      return;
    }
    const timeoutMs = Math.max(100, Math.floor(intervalMs * 0.9));
    const paths = targets.map((node) => ({ node: node.name, addresses: [node.addresses[0] as string, ...(holders.get(node.name) ?? [])] }));
    const raw = new Map<string, ProbeResult>();
    await Promise.all(
      paths.flatMap(({ addresses }) =>
        addresses.map(async (address, i) => {
          // Two connects at once: a single lost SYN (the kernel retries only after 1 s) must
          // not make a round silent. With 1 % loss, three silent rounds on one path alone
          // would otherwise happen about once in 12 days, with two about once in 30,000 years.
          const attempts = await Promise.all([0, 1].map(() => probe(address, port, timeoutMs).catch((): ProbeResult => 'inconclusive')));
          const result = combineProbes(attempts);
          metrics.probed(i === 0 ? 'internal' : 'failover-ip', result);
          raw.set(address, result);
        }),
      ),
    );
    if (this.#stopped) return;
    const gated = gateSilence(this.#heard, raw);
    this.#heard = gated.heard;
    const results = new Map(paths.map(({ node, addresses }) => [node, combineProbes(addresses.map((a) => gated.results.get(a) ?? 'inconclusive'))]));
    const outcome = foldRound(this.#state, results, failures, this.#options.self);
    metrics.round(outcome.counted);
    this.#state = outcome.state;
    const before = this.#unresponsive;
    this.#unresponsive = outcome.unresponsive;
    let changed = false;
    for (const node of outcome.unresponsive) {
      if (before.has(node)) continue;
      changed = true;
      logger.warn('node unresponsive', { node, issue: 'unresponsive', rounds: failures, port });
    }
    for (const node of before) {
      if (outcome.unresponsive.has(node)) continue;
      changed = true;
      logger.info('node answers again', { node, issue: 'unresponsive' });
    }
    if (changed) this.#options.onChange('probe');
  }
}
