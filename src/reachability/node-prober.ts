import {
  attributeAnswer,
  combineProbes,
  foldRound,
  gateSilence,
  probeTargets,
  type ProbeAnswer,
  type ProbeResult,
  type ReachabilityState,
} from '../core/reachability.js';
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
  /**
   * The node this replica runs on: its answers are local, never a witness. Unknown (unset),
   * any address may be local, so only identified answers count.
   */
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
 * few witnesses) with a TCP connect to each of its Node addresses (InternalIP, ExternalIP) and
 * each failover address it holds. The agent's probe port answers with the node's identity; an
 * answer counts for a node only when it provably came from it (attributeAnswer), so the
 * prober's own node, which carries the failover addresses in all-eligible mode and answers
 * them locally, never vouches for the holder. A holder is silent in a round only when every
 * path is: a crashed or cut-off holder is known after `failures` rounds, long before
 * Kubernetes marks it NotReady (50 s) or a `for:`-guarded alert fires, while a holder whose
 * private network blinks still answers on its public address and keeps the IP.
 */
export class NodeProber {
  readonly #options: NodeProberOptions;
  #state: ReachabilityState = new Map();
  #unresponsive: ReadonlySet<string> = new Set();
  #heard: ReadonlySet<string> = new Set();
  readonly #boots = new Map<string, string>();
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
    const self = this.#options.self;
    const selfAddresses = new Set(this.#options.nodes().find((node) => node.name === self)?.addresses ?? []);
    // Every failover address may be local: in all-eligible mode each eligible node carries it.
    const paths = targets.map((node) => ({
      node: node.name,
      probes: [
        ...node.addresses.map((address) => ({
          address,
          kind: 'node-address' as const,
          mayBeLocal: self === undefined || node.name === self || selfAddresses.has(address),
        })),
        ...(holders.get(node.name) ?? []).map((address) => ({ address, kind: 'failover-ip' as const, mayBeLocal: true })),
      ],
    }));
    const raw = new Map<string, ProbeResult>();
    await Promise.all(
      paths.flatMap(({ node, probes }) =>
        probes.map(async ({ address, kind, mayBeLocal }) => {
          // Two connects at once: a single lost SYN (the kernel retries only after 1 s) must
          // not make a round silent. With 1 % loss, three silent rounds on one path alone
          // would otherwise happen about once in 12 days, with two about once in 30,000 years.
          const answers = await Promise.all([0, 1].map(() => probe(address, port, timeoutMs).catch((): ProbeAnswer => ({ kind: 'inconclusive' }))));
          for (const answer of answers) if (answer.kind === 'identified' && answer.node === node) this.#noteBoot(node, answer.bootId);
          const result = combineProbes(answers.map((answer) => attributeAnswer(answer, node, mayBeLocal)));
          metrics.probed(kind, result);
          raw.set(`${node} ${address}`, result);
        }),
      ),
    );
    if (this.#stopped) return;
    const gated = gateSilence(this.#heard, raw);
    this.#heard = gated.heard;
    const results = new Map(
      paths.map(({ node, probes }) => [node, combineProbes(probes.map(({ address }) => gated.results.get(`${node} ${address}`) ?? 'inconclusive'))]),
    );
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

  /** A new boot id: the node restarted since it last answered (a crash the rounds may have missed). */
  #noteBoot(node: string, bootId: string): void {
    const before = this.#boots.get(node);
    this.#boots.set(node, bootId);
    if (before !== undefined && before !== bootId) this.#options.logger.info('node rebooted since its last answer', { node, bootId, previousBootId: before });
  }
}
