import type { AlertClass } from '../core/alert-policy.js';
import type { AlertMetrics } from '../metrics/alert-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { ReconcileTrigger } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import type { WebhookPayload } from './alertmanager-payload.js';

export type AlertSource = 'webhook' | 'api';

/**
 * What the view keeps of an alert. Not its annotations: nothing decides or shows by them, and
 * kept for 20,000 alerts they were a tenth of the controller's heap.
 */
export interface ActiveAlert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  /** ms since the epoch. */
  readonly startsAt: number;
  /** When a webhook or an API sync last listed it as firing (ms). */
  readonly lastSeenAt: number;
  /** Who listed it last. */
  readonly source: AlertSource;
}

export interface ClassifiedAlert extends ActiveAlert {
  readonly node: string | null;
  readonly cls: AlertClass;
}

/** One alert as Alertmanager's API v2 lists it (active by definition). */
export interface ApiAlert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt: number;
}

export interface AlertFreshness {
  readonly lastWebhookAt: number | null;
  readonly lastSyncAt: number | null;
  /** The watchdog alert is overdue, or the API sync is overdue: "no alert" cannot be read as "healthy". */
  readonly stale: boolean;
  readonly lastWatchdogAt: number | null;
}

export type AlertResolver = (labels: Readonly<Record<string, string>>) => { node: string | null; cls: AlertClass };

export interface AlertStoreOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: AlertMetrics;
  /** An alert not listed by a webhook or an API sync for this long drops out, so a lost "resolved" cannot pin a node down. */
  readonly maxAgeMs: number;
  /** A dead man's switch (e.g. kube-prometheus' Watchdog): its absence for `timeoutMs` marks the view stale. */
  readonly watchdog?: { readonly alertname: string; readonly timeoutMs: number };
  /** When set, no successful API sync for this long also marks the view stale. */
  readonly syncStaleAfterMs?: number;
  readonly resolveAlert: AlertResolver;
  readonly trigger: ReconcileTrigger;
  /** Coalesces a storm of changes into one reconcile request. Default 5 ms. */
  readonly debounceMs?: number;
  /** Bounds memory against a flood of distinct alerts; the least recently seen is dropped first. Default 20,000. */
  readonly maxAlerts?: number;
  /**
   * The same bound in bytes (the labels, as stored): the count alone allows 20,000
   * alerts at the intake's per-alert limits, far above the pod's memory. Default 48 MiB.
   */
  readonly maxBytes?: number;
  /** How long a "resolved" is remembered to reject late duplicates of the firing it ended. Default 5 min. */
  readonly tombstoneTtlMs?: number;
}

export interface IngestResult {
  readonly firing: number;
  readonly resolved: number;
  /** The set of active alerts changed (a reconcile was requested). */
  readonly changed: boolean;
}

interface Entry {
  fingerprint: string;
  labels: Readonly<Record<string, string>>;
  startsAt: number;
  lastSeenAt: number;
  source: AlertSource;
  /** The class at insertion (or the last reclassify()): feeds the gauges without re-running the policy. */
  cls: AlertClass;
  /** What it costs to keep (sizeOf), counted against maxBytes. */
  bytes: number;
}

/** Two bytes per UTF-16 unit at worst, plus the entry and map overhead. */
function sizeOf(labels: Readonly<Record<string, string>>): number {
  let units = 0;
  for (const key in labels) units += key.length + (labels[key] as string).length;
  return 2 * units + 512;
}

/** Above this many changes in one delivery, one summary line replaces the per-alert lines. */
const LOG_EACH_CHANGE_UP_TO = 20;

interface Change {
  readonly what: 'firing' | 'resolved';
  readonly alertname: string | undefined;
  readonly fingerprint: string;
  readonly node?: string | null;
  readonly cls?: AlertClass;
}

interface Tombstone {
  startsAt: number;
  recordedAt: number;
}

const TRIGGER_REASON = 'alerts';

/**
 * The alert view: active alerts by fingerprint, fed by webhooks and API syncs.
 * Alertmanager delivers at least once and HA peers duplicate, so every operation is
 * idempotent: the same payload twice changes nothing. Time is always passed in (`now`),
 * the clock is only used by the background sweep.
 */
export class AlertStore {
  readonly #options: AlertStoreOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #tombstones = new Map<string, Tombstone>();
  readonly #createdAt: number;
  readonly #debounceMs: number;
  readonly #maxAlerts: number;
  readonly #maxBytes: number;
  #bytes = 0;
  readonly #tombstoneTtlMs: number;
  #lastWebhookAt: number | null = null;
  #lastSyncAt: number | null = null;
  #lastWatchdogAt: number | null = null;
  #stale = false;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #changes: Change[] = [];
  #revision = 0;
  #changeCount = { firing: 0, resolved: 0 };

  constructor(options: AlertStoreOptions) {
    if (!(options.maxAgeMs > 0)) throw new Error('AlertStore: maxAgeMs must be > 0');
    if (options.watchdog !== undefined && !(options.watchdog.timeoutMs > 0)) throw new Error('AlertStore: watchdog.timeoutMs must be > 0');
    this.#options = options;
    this.#createdAt = options.clock.now();
    this.#debounceMs = options.debounceMs ?? 5;
    this.#maxAlerts = options.maxAlerts ?? 20_000;
    this.#maxBytes = options.maxBytes ?? 48 * 2 ** 20;
    this.#tombstoneTtlMs = options.tombstoneTtlMs ?? 5 * 60_000;
  }

  /** Records one webhook delivery. Resolved alerts leave the view; firing ones enter or are refreshed. */
  ingestWebhook(payload: WebhookPayload, now: number): IngestResult {
    this.#lastWebhookAt = now;
    let firing = 0;
    let resolved = 0;
    let changed = false;
    for (const alert of payload.alerts) {
      if (alert.status === 'firing') {
        firing++;
        changed = this.#applyFiring(alert, now, 'webhook', now) || changed;
      } else {
        resolved++;
        changed = this.#applyResolved(alert.fingerprint, alert.startsAt, alert.endsAt ?? now, now) || changed;
      }
    }
    this.#options.metrics.alertsReceived('firing', firing);
    this.#options.metrics.alertsReceived('resolved', resolved);
    this.#flushChangeLog('webhook');
    this.#afterUpdate(now, changed);
    return { firing, resolved, changed };
  }

  /**
   * Replaces the view with Alertmanager's full list: an alert it no longer lists is resolved.
   * `requestedAt` is when the API request was sent: an alert a webhook reported after that
   * moment may be missing from the (older) answer and is kept.
   */
  replaceFromApi(alerts: readonly ApiAlert[], now: number, requestedAt: number = now): IngestResult {
    this.#lastSyncAt = now;
    let changed = false;
    const listed = new Set<string>();
    for (const alert of alerts) {
      listed.add(alert.fingerprint);
      changed = this.#applyFiring(alert, now, 'api', requestedAt) || changed;
    }
    let resolved = 0;
    for (const [fingerprint, entry] of this.#entries) {
      if (listed.has(fingerprint) || entry.lastSeenAt >= requestedAt) continue;
      this.#remove(entry);
      resolved++;
      changed = true;
      this.#noteChange({ what: 'resolved', alertname: entry.labels['alertname'], fingerprint });
    }
    this.#flushChangeLog('api');
    this.#afterUpdate(now, changed);
    return { firing: alerts.length, resolved, changed };
  }

  /** Active alerts not older than maxAge, oldest first. */
  active(now: number): ActiveAlert[] {
    const cutoff = now - this.#options.maxAgeMs;
    const out: ActiveAlert[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.lastSeenAt < cutoff) continue;
      const { fingerprint, labels, startsAt, lastSeenAt, source } = entry;
      out.push({ fingerprint, labels, startsAt, lastSeenAt, source });
    }
    return out.sort((a, b) => a.startsAt - b.startsAt || a.fingerprint.localeCompare(b.fingerprint));
  }

  /** Active alerts with the node and class the composition root's resolver gives them now. */
  classified(now: number): ClassifiedAlert[] {
    return this.active(now).map((alert) => ({ ...alert, ...this.#options.resolveAlert(alert.labels) }));
  }

  /** Changes whenever the set of active alerts or the staleness changes (for caches of views built from it). */
  revision(): number {
    return this.#revision;
  }

  freshness(now: number): AlertFreshness {
    return {
      lastWebhookAt: this.#lastWebhookAt,
      lastSyncAt: this.#lastSyncAt,
      stale: this.#computeStale(now),
      lastWatchdogAt: this.#lastWatchdogAt,
    };
  }

  /** Active alerts that name no known node (and that the policy does not ignore), counted by alertname. */
  unmapped(now: number = this.#options.clock.now()): Array<{ alertname: string; count: number }> {
    const counts = new Map<string, number>();
    for (const alert of this.classified(now)) {
      if (alert.node !== null || alert.cls === 'ignore') continue;
      const name = alert.labels['alertname'] ?? '(none)';
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return [...counts].map(([alertname, count]) => ({ alertname, count })).sort((a, b) => b.count - a.count || a.alertname.localeCompare(b.alertname));
  }

  /**
   * Drops alerts past maxAge and forgotten tombstones, and re-evaluates staleness. Runs on a
   * timer after `start()`; tests call it directly.
   */
  sweep(now: number): void {
    const cutoff = now - this.#options.maxAgeMs;
    let expired = 0;
    const alertnames = new Set<string>();
    for (const entry of this.#entries.values()) {
      if (entry.lastSeenAt >= cutoff) continue;
      this.#remove(entry);
      expired++;
      if (alertnames.size < 10) alertnames.add(entry.labels['alertname'] ?? '(none)');
    }
    const changed = expired > 0;
    // One line per sweep, however many expired: 10,000 stale alerts are one event, not 10,000 lines.
    if (changed) {
      this.#options.logger.warn('alerts expired: not refreshed by a webhook or an API sync within the maximum age', {
        expired,
        alertnames: [...alertnames],
        maxAgeSeconds: this.#options.maxAgeMs / 1000,
      });
    }
    for (const [fingerprint, tomb] of this.#tombstones) if (now - tomb.recordedAt > this.#tombstoneTtlMs) this.#tombstones.delete(fingerprint);
    this.#afterUpdate(now, changed);
  }

  /** Starts the background sweep (expiry, staleness). */
  start(): void {
    if (this.#sweeper !== undefined) return;
    const every = Math.max(
      1000,
      Math.min(
        30_000,
        Math.floor(this.#options.maxAgeMs / 4),
        Math.floor((this.#options.watchdog?.timeoutMs ?? Infinity) / 4),
        // An overdue sync must flip the view (and ask for a pass) as promptly as a missing watchdog.
        Math.floor((this.#options.syncStaleAfterMs ?? Infinity) / 4),
      ),
    );
    this.#sweeper = setInterval(() => this.sweep(this.#options.clock.now()), every);
    this.#sweeper.unref();
  }

  stop(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    if (this.#debounce !== undefined) clearTimeout(this.#debounce);
    this.#sweeper = undefined;
    this.#debounce = undefined;
  }

  /** Re-runs the resolver on every alert, e.g. after the alert policy was reloaded; updates the gauges. */
  reclassify(now: number): void {
    for (const entry of this.#entries.values()) entry.cls = this.#options.resolveAlert(entry.labels).cls;
    this.#afterUpdate(now, true);
  }

  #applyFiring(alert: ApiAlert, now: number, source: AlertSource, observedAt: number): boolean {
    if (this.#options.watchdog !== undefined && alert.labels['alertname'] === this.#options.watchdog.alertname) this.#lastWatchdogAt = now;
    const tomb = this.#tombstones.get(alert.fingerprint);
    if (tomb !== undefined) {
      // A firing no newer than the resolve we saw is a late duplicate (HA peer, retry, or an API
      // answer computed before the resolve), unless an API request sent after the resolve still lists it.
      const lateDuplicate = alert.startsAt <= tomb.startsAt && (source === 'webhook' || observedAt < tomb.recordedAt);
      if (lateDuplicate) return false;
      this.#tombstones.delete(alert.fingerprint);
    }
    const existing = this.#entries.get(alert.fingerprint);
    if (existing !== undefined) {
      if (alert.startsAt >= existing.startsAt) {
        existing.startsAt = alert.startsAt;
      }
      existing.lastSeenAt = Math.max(existing.lastSeenAt, now);
      existing.source = source;
      return false;
    }
    const bytes = sizeOf(alert.labels);
    if (this.#entries.size >= this.#maxAlerts || this.#bytes + bytes > this.#maxBytes) this.#evictLeastRecentlySeen();
    const { node, cls } = this.#options.resolveAlert(alert.labels);
    this.#bytes += bytes;
    this.#entries.set(alert.fingerprint, {
      bytes,
      fingerprint: alert.fingerprint,
      labels: alert.labels,
      startsAt: alert.startsAt,
      lastSeenAt: now,
      source,
      cls,
    });
    const alertname = alert.labels['alertname'];
    if (node === null && cls !== 'ignore') this.#options.metrics.unmappedAlert(alertname ?? '(none)');
    this.#noteChange({ what: 'firing', alertname, fingerprint: alert.fingerprint, node, cls });
    return true;
  }

  #applyResolved(fingerprint: string, startsAt: number, endsAt: number, now: number): boolean {
    const tomb = this.#tombstones.get(fingerprint);
    if (tomb === undefined || startsAt >= tomb.startsAt) {
      this.#tombstones.delete(fingerprint);
      if (this.#tombstones.size >= this.#maxAlerts) this.#forgetOldestTombstone();
      this.#tombstones.set(fingerprint, { startsAt, recordedAt: now });
    }
    const existing = this.#entries.get(fingerprint);
    if (existing === undefined) return false;
    // A resolve that ended before the firing we hold began belongs to an earlier episode.
    if (endsAt < existing.startsAt) return false;
    this.#remove(existing);
    this.#noteChange({ what: 'resolved', alertname: existing.labels['alertname'], fingerprint });
    return true;
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.fingerprint);
    this.#bytes -= entry.bytes;
  }

  /**
   * Drops the least recently seen 5 % (of the count, and at least down to 95 % of the bytes) at
   * once: one sort per many inserts, not a scan per insert, under a flood.
   */
  #evictLeastRecentlySeen(): void {
    const sorted = [...this.#entries.values()].sort((a, b) => a.lastSeenAt - b.lastSeenAt);
    const countGoal = Math.floor(this.#maxAlerts * 0.95);
    const byteGoal = this.#maxBytes * 0.95;
    let dropped = 0;
    for (const victim of sorted) {
      if (this.#entries.size <= countGoal && this.#bytes <= byteGoal) break;
      this.#remove(victim);
      dropped++;
    }
    this.#options.logger.warn('alert view full: dropped the least recently seen alerts', { maxAlerts: this.#maxAlerts, maxBytes: this.#maxBytes, dropped });
  }

  #forgetOldestTombstone(): void {
    const first = this.#tombstones.keys().next();
    if (first.done !== true) this.#tombstones.delete(first.value);
  }

  #computeStale(now: number): boolean {
    const watchdog = this.#options.watchdog;
    if (watchdog !== undefined && now - (this.#lastWatchdogAt ?? this.#createdAt) > watchdog.timeoutMs) return true;
    const syncAfter = this.#options.syncStaleAfterMs;
    return syncAfter !== undefined && now - (this.#lastSyncAt ?? this.#createdAt) > syncAfter;
  }

  #afterUpdate(now: number, changed: boolean): void {
    const stale = this.#computeStale(now);
    if (stale !== this.#stale) {
      this.#stale = stale;
      this.#options.metrics.setStale(stale);
      const fields = { watchdog: this.#options.watchdog?.alertname, lastWatchdogAt: this.#lastWatchdogAt, lastSyncAt: this.#lastSyncAt };
      if (stale) this.#options.logger.warn('alert view is stale: no alert cannot be read as healthy', fields);
      else this.#options.logger.info('alert view is fresh again', fields);
      changed = true;
    }
    if (!changed) return;
    this.#revision++;
    const cutoff = now - this.#options.maxAgeMs;
    const counts: Partial<Record<AlertClass, number>> = {};
    for (const entry of this.#entries.values()) if (entry.lastSeenAt >= cutoff) counts[entry.cls] = (counts[entry.cls] ?? 0) + 1;
    this.#options.metrics.setActiveByClass(counts);
    this.#requestReconcile();
  }

  #noteChange(change: Change): void {
    this.#changeCount[change.what]++;
    if (this.#changes.length <= LOG_EACH_CHANGE_UP_TO) this.#changes.push(change);
  }

  /** One line per change for a handful, one summary for a storm (a 1,000-alert payload must not mean 1,000 info lines). */
  #flushChangeLog(source: AlertSource): void {
    const logger = this.#options.logger;
    const { firing, resolved } = this.#changeCount;
    if (firing + resolved <= LOG_EACH_CHANGE_UP_TO) {
      for (const { what, ...fields } of this.#changes) logger.info(what === 'firing' ? 'alert firing' : 'alert resolved', { ...fields, source });
    } else {
      logger.info('alert view changed', {
        source,
        firing,
        resolved,
        alertnames: [...new Set(this.#changes.map((change) => change.alertname ?? '(none)'))].slice(0, 10),
      });
    }
    this.#changes = [];
    this.#changeCount = { firing: 0, resolved: 0 };
  }

  #requestReconcile(): void {
    if (this.#debounce !== undefined) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#options.trigger.request(TRIGGER_REASON);
    }, this.#debounceMs);
    this.#debounce.unref();
  }
}
