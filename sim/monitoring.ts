import { nextTick, type Engine } from './engine.js';
import type { Timings } from './timings.js';

/**
 * One scraped series (an `up`, a `probe_success`, a kube-state-metrics gauge) as Prometheus sees
 * it. The truth behind it only changes at scenario events, so it is enough to take one sample at
 * the first scrape tick after each change: later ticks would read the same value. A failed
 * scrape of an unreachable target is only written when it times out.
 */
export class ScrapedSeries {
  #visible = true;
  #sampled = true;
  #pendingTick: number | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly periodMs: number,
    private readonly phase: number,
    private readonly read: () => boolean,
    private readonly failLatencyMs: number,
    private readonly onVisible: () => void,
  ) {}

  get value(): boolean {
    return this.#visible;
  }

  /** The truth behind the series may have changed. */
  touch(): void {
    const tick = nextTick(this.engine.now, this.periodMs, this.phase);
    if (this.#pendingTick === tick) return;
    this.#pendingTick = tick;
    this.engine.at(tick, () => this.#sample(tick));
  }

  #sample(tick: number): void {
    if (this.#pendingTick === tick) this.#pendingTick = null;
    const value = this.read();
    if (value === this.#sampled) return;
    this.#sampled = value;
    this.engine.after(value ? 0 : this.failLatencyMs, () => {
      this.#visible = value;
      this.onVisible();
    });
  }
}

export interface SimAlert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Like Prometheus: the moment the rule's expression first held (ActiveAt). */
  readonly startsAt?: number;
}

export interface AlertNotification {
  readonly firing: readonly SimAlert[];
  readonly resolved: readonly SimAlert[];
}

type RuleState = 'inactive' | 'pending' | 'firing';

/**
 * One alerting rule's instance for one label set, evaluated on the group's interval like
 * Prometheus: active at the first evaluation that finds the expression true, firing at the
 * first evaluation at least `for` later that still finds it true, reset by any evaluation in
 * between that finds it false.
 */
export class RuleInstance {
  #state: RuleState = 'inactive';
  #activeAt = 0;
  #pendingEval: number | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly intervalMs: number,
    private readonly phase: number,
    private readonly forMs: number,
    readonly alert: SimAlert,
    private readonly expr: () => boolean,
    private readonly send: (alert: SimAlert, firing: boolean) => void,
  ) {}

  get state(): RuleState {
    return this.#state;
  }

  /** An input of the expression changed: look at the next evaluation. */
  touch(): void {
    this.#evalAt(nextTick(this.engine.now, this.intervalMs, this.phase));
  }

  #evalAt(tick: number): void {
    if (this.#pendingEval === tick) return;
    this.#pendingEval = tick;
    this.engine.at(tick, () => {
      if (this.#pendingEval === tick) this.#pendingEval = null;
      this.#evaluate();
    });
  }

  #evaluate(): void {
    const now = this.engine.now;
    const value = this.expr();
    if (!value) {
      if (this.#state === 'firing') this.send(this.alert, false);
      this.#state = 'inactive';
      return;
    }
    if (this.#state === 'inactive') {
      this.#state = 'pending';
      this.#activeAt = now;
    }
    if (this.#state === 'pending' && now - this.#activeAt >= this.forMs) {
      this.#state = 'firing';
      this.send({ ...this.alert, startsAt: this.#activeAt }, true);
    }
    if (this.#state === 'pending') this.#evalAt(this.#activeAt + this.forMs);
  }
}

interface Group {
  readonly alert: SimAlert;
  firing: boolean;
  changed: boolean;
  notifiedFiring: boolean;
}

/**
 * Alertmanager with ipshift's route: grouped by alertname/node/instance/failover_ip, so each
 * node signal is its own group. A new group flushes after group_wait; later changes (a resolve)
 * go out at the group's next group_interval tick; a group whose alerts are all resolved and
 * notified is deleted, so a re-fire starts a new group.
 */
export class AlertmanagerSim {
  readonly #groups = new Map<string, Group>();

  constructor(
    private readonly engine: Engine,
    private readonly timings: Timings,
    private readonly deliver: (notification: AlertNotification) => void,
  ) {}

  receive(alert: SimAlert, firing: boolean): void {
    const group = this.#groups.get(alert.fingerprint);
    if (group === undefined) {
      if (!firing) return;
      const fresh: Group = { alert, firing: true, changed: true, notifiedFiring: false };
      this.#groups.set(alert.fingerprint, fresh);
      this.engine.after(this.timings.groupWaitMs, () => this.#flush(alert.fingerprint, fresh));
      return;
    }
    if (group.firing === firing) return;
    group.firing = firing;
    group.changed = true;
  }

  #flush(key: string, group: Group): void {
    if (this.#groups.get(key) !== group) return;
    if (group.changed) {
      group.changed = false;
      const notification = group.firing ? { firing: [group.alert], resolved: [] } : { firing: [], resolved: [group.alert] };
      if (group.firing || group.notifiedFiring) this.engine.after(this.timings.webhookMs, () => this.deliver(notification));
      group.notifiedFiring = group.firing;
    }
    if (!group.firing) {
      this.#groups.delete(key);
      return;
    }
    this.engine.after(this.timings.groupIntervalMs, () => this.#flush(key, group));
  }
}
