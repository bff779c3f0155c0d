import { classify, type IpshiftError } from '../src/errors.js';
import type { AgentMetrics, AddressPresence } from '../src/metrics/agent-metrics.js';
import type { Clock } from '../src/ports/clock.js';
import type { ClusterChange, ClusterView } from '../src/ports/cluster.js';
import type { Logger } from '../src/ports/logger.js';
import type { FailoverIPObject } from '../src/core/model.js';
import { acceptedFailoverIPs, type AcceptedView } from './accepted.js';
import { chooseInterface } from './choose-interface.js';
import { desiredAddresses, type AgentMode, type DesiredAddress, type DesiredResult } from './desired-addresses.js';
import { parseCidr, type AddressPolicyOptions, type Cidr } from '../src/core/address.js';
import { guardFailoverAddress, type NodeNetworkFacts } from './address-guard.js';
import type { Iface, IpLink } from './ip-link.js';
import type { LedgerStore } from './ledger.js';
import { reconcileAddresses, type AddressOnInterface } from './reconcile-addresses.js';

export interface NodeAgentOptions {
  readonly nodeName: string;
  readonly mode: AgentMode;
  /** Interface to use when neither the primary-mac annotation nor the node's addresses name one. */
  readonly fallbackInterface?: string;
  /** The node's native IPv6 /64 (for the EUI-64 next hop) when it cannot be read off the interface. */
  readonly nativeIPv6Prefix?: Cidr;
  /** Full resync period, besides every change of the Node or the FailoverIPs. */
  readonly resyncIntervalMs: number;
  /** Which addresses a FailoverIP may name (documentation ranges only in tests and the sandbox). */
  readonly addressPolicy: AddressPolicyOptions;
  /** The cluster's pod and service ranges: never configured as failover addresses. */
  readonly clusterCidrs: readonly Cidr[];
}

export interface NodeAgentDeps {
  /** Must already hold the initial list: an empty view would look like "every FailoverIP deleted". */
  readonly cluster: ClusterView;
  readonly link: IpLink;
  readonly ledger: LedgerStore;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface SyncReport {
  /** False when the sync stopped early (own Node not visible, interfaces unreadable, no interface). */
  readonly completed: boolean;
  readonly iface: string | null;
  readonly added: readonly AddressOnInterface[];
  readonly removed: readonly AddressOnInterface[];
  readonly failed: readonly FailedOperation[];
}

export interface FailedOperation extends AddressOnInterface {
  readonly op: 'add' | 'del';
  readonly error: string;
}

const sameEntry = (a: AddressOnInterface, b: AddressOnInterface): boolean => a.iface === b.iface && a.cidr === b.cidr;
const RELEVANT: ReadonlySet<ClusterChange> = new Set(['node', 'failover-ip', 'resync']);

/**
 * Keeps this node's interface holding exactly the addresses it must: on every change of its
 * Node or the FailoverIPs, and every resync period. One sync at a time; requests arriving
 * meanwhile coalesce into one more sync.
 */
export class NodeAgent {
  private ledger: AddressOnInterface[] = [];
  private running: Promise<void> | null = null;
  private pending = false;
  private unsubscribe: (() => void) | null = null;
  private readonly abort = new AbortController();
  private timerLoop: Promise<void> | null = null;
  private lastSyncFinishedMs: number;
  private lastInterface: string | null = null;
  /** `failoverIP address` → reason of the refusals logged, so each is logged once, not every sync. */
  private refusedLogged = new Map<string, string>();
  /** The last accepted spec of each FailoverIP (accepted.ts). */
  private acceptedMemory: ReadonlyMap<string, FailoverIPObject> = new Map();
  /** `key generation` of FailoverIPs logged as waiting for the controller. */
  private waitingLogged = new Set<string>();
  private readonly log: Logger;

  constructor(
    private readonly options: NodeAgentOptions,
    private readonly deps: NodeAgentDeps,
  ) {
    this.log = deps.logger.child({ node: options.nodeName, component: 'agent' });
    this.lastSyncFinishedMs = deps.clock.now();
  }

  /** Loads the ledger, subscribes to changes, runs the first sync and starts the resync timer. */
  async start(): Promise<void> {
    await this.loadLedger();
    this.unsubscribe = this.deps.cluster.onChange((change) => {
      if (RELEVANT.has(change)) this.request();
    });
    this.request();
    this.timerLoop = this.runTimer();
    await this.idle();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.abort.abort(new Error('agent stopped'));
    await this.timerLoop;
    await this.idle();
  }

  /** Asks for a sync; returns at once. */
  request(): void {
    if (this.abort.signal.aborted) return;
    if (this.running !== null) {
      this.pending = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Resolves once no sync is running or pending. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  /** Milliseconds since the last sync finished (successfully or not): the liveness signal. */
  millisSinceLastSync(): number {
    return this.deps.clock.now() - this.lastSyncFinishedMs;
  }

  ledgerEntries(): readonly AddressOnInterface[] {
    return this.ledger;
  }

  private async drain(): Promise<void> {
    do {
      this.pending = false;
      try {
        await this.syncOnce();
      } catch (error) {
        this.log.error('sync failed unexpectedly', { err: error });
      }
    } while (this.pending && !this.abort.signal.aborted);
  }

  private async runTimer(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.deps.clock.sleep(this.options.resyncIntervalMs, this.abort.signal);
      } catch {
        return;
      }
      this.request();
    }
  }

  private async loadLedger(): Promise<void> {
    try {
      this.ledger = await this.deps.ledger.load();
    } catch (error) {
      const e = classify(error);
      this.deps.metrics.error('ledger-read');
      // Starting empty is the safe direction: the agent then owns nothing and removes nothing
      // it added before; those addresses stay until someone removes them by hand.
      this.log.error('ledger unreadable, starting with an empty one: addresses added earlier will not be removed', {
        err: e,
        code: e.code,
      });
      this.ledger = [];
    }
  }

  private async saveLedger(): Promise<boolean> {
    try {
      await this.deps.ledger.save(this.ledger);
      return true;
    } catch (error) {
      this.deps.metrics.error('ledger-write');
      this.log.error('cannot write the ledger', { err: error });
      return false;
    }
  }

  /** What the node already uses: every Node's addresses, this node's own interface addresses, its routes' next hops. */
  private networkFacts(interfaces: readonly Iface[], gateways: readonly string[]): NodeNetworkFacts {
    const owned = new Set(this.ledger.map((e) => `${e.iface} ${parseCidr(e.cidr)?.address ?? e.cidr}`));
    return {
      nodeAddresses: this.deps.cluster.nodes().flatMap((n) => n.addresses),
      interfaceAddresses: interfaces.flatMap((i) => i.addresses.filter((a) => !owned.has(`${i.name} ${a.address}`))),
      gateways,
      clusterCidrs: this.options.clusterCidrs,
      ...(this.options.nativeIPv6Prefix === undefined ? {} : { nativeIPv6Prefix: this.options.nativeIPv6Prefix }),
    };
  }

  private reportWaiting(waiting: AcceptedView['waiting']): void {
    const now = new Set<string>();
    for (const w of waiting) {
      const id = `${w.key} ${w.generation}`;
      now.add(id);
      if (!this.waitingLogged.has(id)) {
        this.log.info('FailoverIP not accepted by the controller for its current generation: not acting on this generation', {
          failoverIP: w.key,
          generation: w.generation,
          keptGeneration: w.heldFromGeneration,
        });
      }
    }
    this.waitingLogged = now;
  }

  private reportRefused(refused: DesiredResult['refused']): void {
    const byReason: Record<string, number> = {};
    const now = new Map<string, string>();
    for (const r of refused) {
      byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
      const key = `${r.failoverIP} ${r.address}`;
      now.set(key, r.reason);
      if (this.refusedLogged.get(key) !== r.reason) {
        this.deps.metrics.error('invalid-address');
        this.log.warn('FailoverIP address refused: not configured on this node', {
          failoverIP: r.failoverIP,
          address: r.address,
          reason: r.reason,
          detail: r.detail,
        });
      }
    }
    this.refusedLogged = now;
    this.deps.metrics.setRefused(byReason);
  }

  /** One full pass: read, decide, apply (adds before removals), report. */
  async syncOnce(): Promise<SyncReport> {
    const { cluster, link, metrics, clock } = this.deps;
    const report: { -readonly [K in keyof SyncReport]: SyncReport[K] } & {
      added: AddressOnInterface[];
      removed: AddressOnInterface[];
      failed: FailedOperation[];
    } = {
      completed: false,
      iface: null,
      added: [],
      removed: [],
      failed: [],
    };
    const finish = (): SyncReport => {
      this.lastSyncFinishedMs = clock.now();
      return report;
    };

    const node = cluster.nodes().find((n) => n.name === this.options.nodeName);
    if (node === undefined) {
      metrics.error('node-missing');
      this.log.warn('own Node not visible (yet): changing nothing');
      return finish();
    }

    let interfaces: Iface[];
    try {
      interfaces = await link.listInterfaces();
    } catch (error) {
      metrics.error('list-interfaces');
      this.log.error('cannot list interfaces', { err: error });
      return finish();
    }

    let gateways: string[];
    try {
      gateways = await link.listGateways();
    } catch (error) {
      // Without the routes the gateway check cannot be made: change nothing rather than guess.
      metrics.error('list-routes');
      this.log.error('cannot list routes', { err: error });
      return finish();
    }

    const choice = chooseInterface(node, interfaces, this.options.fallbackInterface, this.ledger);
    for (const warning of choice.warnings) this.log.warn(warning);
    if (choice.iface === null) {
      // Without an interface the desired set is unknown: removing anything now could cut traffic.
      metrics.error('choose-interface');
      return finish();
    }
    const iface = choice.iface;
    report.iface = iface.name;
    if (this.lastInterface !== iface.name) {
      this.log.info('interface chosen', { interface: iface.name, rule: choice.rule, previous: this.lastInterface });
      this.lastInterface = iface.name;
    }

    const accepted = acceptedFailoverIPs(cluster.failoverIPs(), this.acceptedMemory);
    this.acceptedMemory = accepted.memory;
    this.reportWaiting(accepted.waiting);
    const failoverIPs = accepted.use;
    const desired = desiredAddresses({
      node,
      failoverIPs,
      mode: this.options.mode,
      iface,
      nativePrefix: this.options.nativeIPv6Prefix,
      ledger: this.ledger,
      accept: (address, fip) =>
        guardFailoverAddress(address, { ...this.options.addressPolicy, provider: fip.spec.provider.type }, this.networkFacts(interfaces, gateways)),
    });
    this.reportRefused(desired.refused);
    for (const warning of desired.warnings) this.log.warn(warning);

    const want = desired.addresses.map((d) => ({ iface: iface.name, cidr: d.cidr }));
    const plan = reconcileAddresses({ desired: want, actual: interfaces, ledger: this.ledger });

    // Write-ahead: the ledger names an address before it exists, so a crash between the two
    // steps leaves an entry the next pass either re-adds or forgets, never an orphan.
    const ahead = plan.add.filter((a) => !this.ledger.some((e) => sameEntry(e, a)));
    if (ahead.length > 0) {
      this.ledger = [...this.ledger, ...ahead];
      if (!(await this.saveLedger())) {
        this.ledger = this.ledger.filter((e) => !ahead.some((a) => sameEntry(a, e)));
        return finish();
      }
    }

    let disowned = false;
    const receiveOnly = new Set(desired.addresses.filter((d) => d.kind === 'failover').map((d) => d.cidr));
    for (const entry of plan.add) {
      try {
        await link.addAddress(entry.iface, entry.cidr, { receiveOnly: receiveOnly.has(entry.cidr) });
        report.added.push(entry);
        this.log.info('address added', { interface: entry.iface, address: entry.cidr });
        if (this.options.mode === 'holder-only') await link.announce?.(entry.iface, entry.cidr);
      } catch (error) {
        const e: IpshiftError = classify(error);
        metrics.error('add-address');
        report.failed.push({ ...entry, op: 'add', error: e.message });
        this.log.error('cannot add address', { interface: entry.iface, address: entry.cidr, err: e, code: e.code });
        // Appeared between listing and adding: not ours after all.
        if (e.code === 'exists') {
          this.ledger = this.ledger.filter((l) => !sameEntry(l, entry));
          disowned = true;
        }
      }
    }

    for (const entry of plan.remove) {
      try {
        await link.delAddress(entry.iface, entry.cidr);
        report.removed.push(entry);
        this.ledger = this.ledger.filter((l) => !sameEntry(l, entry));
        this.log.info('address removed', { interface: entry.iface, address: entry.cidr });
      } catch (error) {
        const e = classify(error);
        metrics.error('del-address');
        report.failed.push({ ...entry, op: 'del', error: e.message });
        this.log.error('cannot remove address', { interface: entry.iface, address: entry.cidr, err: e, code: e.code });
      }
    }
    for (const entry of plan.forget) {
      this.ledger = this.ledger.filter((l) => !sameEntry(l, entry));
      this.log.info('owned address gone from the interface, forgotten', { interface: entry.iface, address: entry.cidr });
    }
    if (report.removed.length > 0 || plan.forget.length > 0 || disowned) await this.saveLedger();

    let after = interfaces;
    if (report.added.length > 0 || report.removed.length > 0) {
      try {
        after = await link.listInterfaces();
      } catch (error) {
        metrics.error('list-interfaces');
        this.log.error('cannot list interfaces', { err: error });
      }
    }
    metrics.setAddresses(
      presence(
        desired.addresses,
        after.find((i) => i.name === iface.name),
        iface.name,
      ),
    );
    metrics.syncFinished(clock.now());
    report.completed = true;
    return finish();
  }
}

function presence(desired: readonly DesiredAddress[], iface: Iface | undefined, name: string): AddressPresence[] {
  const held = new Set((iface?.addresses ?? []).map((a) => a.address));
  const out: AddressPresence[] = [];
  for (const d of desired) {
    const address = parseCidr(d.cidr)?.address ?? d.cidr;
    for (const failoverIP of d.failoverIPs) out.push({ failoverIP, address: d.cidr, iface: name, present: held.has(address) });
  }
  return out;
}
