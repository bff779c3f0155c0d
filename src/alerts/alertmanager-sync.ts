import cron, { type ScheduledTask } from 'node-cron';
import { z } from 'zod';
import { Secret } from '../config/secret.js';
import { classify, IpshiftError, rateLimitedError, terminalError, transientError } from '../errors.js';
import { backoffDelayMs } from '../retry/backoff.js';
import { rateLimitWaitMs } from '../retry/retry-after.js';
import type { AlertMetrics, SyncResult } from '../metrics/alert-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { Leadership } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { annotationSet, fingerprintString, labelFingerprint, labelSet, rfc3339Ms } from './alertmanager-fields.js';
import type { AlertStore, ApiAlert } from './alert-store.js';

export const DEFAULT_SYNC_SCHEDULE = '* * * * *';

export interface AlertmanagerApiAuth {
  readonly bearerToken?: Secret;
  readonly basic?: { readonly username: string; readonly password: Secret };
}

export interface AlertmanagerSyncOptions {
  /** Alertmanager's base URL, with its route prefix if any (e.g. http://alertmanager:9093). */
  readonly url: string;
  readonly auth?: AlertmanagerApiAuth;
  /** Regex on receiver names (Alertmanager anchors it): only alerts routed to ipshift's receiver. */
  readonly receiver?: string;
  /** node-cron expression (5 fields, or 6 with seconds). Default every minute. */
  readonly schedule?: string;
  /** Also take silenced / inhibited alerts (default false, like the webhook, which never sees them). */
  readonly includeSilenced?: boolean;
  readonly includeInhibited?: boolean;
  readonly fetch?: typeof globalThis.fetch;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Pick<AlertMetrics, 'syncFinished'>;
  readonly store: Pick<AlertStore, 'replaceFromApi'>;
  /** Per request. Default 10 s. */
  readonly timeoutMs?: number;
  /** An answer larger than this is refused (invalid_response), read no further. Default 32 MiB. */
  readonly maxResponseBytes?: number;
  /** Backoff after a failed sync (full jitter): the ceiling starts at initialMs and doubles per failure up to maxMs. Defaults 2 s and 5 min. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** For the backoff's jitter (src/retry/backoff.ts). Default Math.random. */
  readonly random?: () => number;
  /** When given, start() also syncs each time this replica becomes the leader. */
  readonly leadership?: Pick<Leadership, 'onChange'>;
}

export interface SyncOutcome {
  readonly result: SyncResult | 'skipped';
  readonly alerts?: number;
  readonly error?: IpshiftError;
}

/** One alert of GET /api/v2/alerts, within the webhook's limits (the same schema pieces). */
const gettableAlertSchema = z.looseObject({
  fingerprint: fingerprintString.optional(),
  labels: labelSet,
  annotations: annotationSet.default({}),
  startsAt: rfc3339Ms,
});

/** Default cap on an answer: 20,000 alerts of about 1 KiB each fit with room to spare. */
export const DEFAULT_SYNC_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Reads Alertmanager's full alert list (API v2) and hands it to the store, which replaces its
 * view with it: the webhook is fast but lossy, this is the truth. Runs at start, on a cron
 * schedule, and on demand (`syncNow`: becoming leader, truncated payloads). It never blocks the
 * webhook: concurrent requests coalesce into at most one follow-up run.
 */
export class AlertmanagerSync {
  readonly #options: AlertmanagerSyncOptions;
  readonly #endpoint: string;
  readonly #safeUrl: string;
  readonly #authorization: Secret | undefined;
  readonly #doFetch: typeof globalThis.fetch;
  readonly #logger: Logger;
  #task: ScheduledTask | undefined;
  #running: Promise<SyncOutcome> | undefined;
  #queued: Promise<SyncOutcome> | undefined;
  #failures = 0;
  #blockedUntil = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: AlertmanagerSyncOptions) {
    this.#options = options;
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new Error('Alertmanager URL is not a valid URL (IPSHIFT_ALERTMANAGER_URL)');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('Alertmanager URL must be http(s) (IPSHIFT_ALERTMANAGER_URL)');
    let auth = options.auth;
    // fetch refuses URLs with credentials: move them to a header (and out of every log line).
    if (base.username !== '' || base.password !== '') {
      if (auth === undefined) auth = { basic: { username: decodeURIComponent(base.username), password: new Secret(decodeURIComponent(base.password)) } };
      base.username = '';
      base.password = '';
    }
    const schedule = options.schedule ?? DEFAULT_SYNC_SCHEDULE;
    if (!cron.validate(schedule))
      throw new Error(`Alertmanager sync schedule "${schedule}" is not a valid cron expression (IPSHIFT_ALERTMANAGER_SYNC_SCHEDULE)`);
    const prefix = base.pathname.replace(/\/+$/, '');
    const query = new URLSearchParams({
      active: 'true',
      silenced: String(options.includeSilenced ?? false),
      inhibited: String(options.includeInhibited ?? false),
    });
    if (options.receiver !== undefined && options.receiver !== '') query.set('receiver', options.receiver);
    this.#endpoint = `${base.origin}${prefix}/api/v2/alerts?${query.toString()}`;
    this.#safeUrl = `${base.origin}${prefix}`;
    this.#authorization = authorizationHeader(auth);
    this.#doFetch = options.fetch ?? globalThis.fetch;
    this.#logger = options.logger.child({ component: 'alertmanager-sync', alertmanager: this.#safeUrl });
  }

  /** Schedules the periodic sync and runs the first one now (not awaited). */
  start(): void {
    if (this.#task !== undefined || this.#stopped) return;
    const schedule = this.#options.schedule ?? DEFAULT_SYNC_SCHEDULE;
    this.#task = cron.schedule(schedule, () => this.syncNow('schedule'), { name: 'alertmanager-sync', noOverlap: true, unref: true });
    this.#unsubscribe = this.#options.leadership?.onChange((isLeader) => {
      if (isLeader) void this.syncNow('leader');
    });
    void this.syncNow('start');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const task = this.#task;
    this.#task = undefined;
    if (task !== undefined) await task.destroy();
    await this.#queued?.catch(() => undefined);
    await this.#running?.catch(() => undefined);
  }

  /** Syncs now unless backing off after errors. Never rejects. */
  syncNow(reason: string): Promise<SyncOutcome> {
    if (this.#running !== undefined) {
      this.#queued ??= this.#running.then(() => {
        this.#queued = undefined;
        return this.#runOnce(reason);
      });
      return this.#queued;
    }
    return this.#runOnce(reason);
  }

  #runOnce(reason: string): Promise<SyncOutcome> {
    if (this.#stopped) return Promise.resolve({ result: 'skipped' });
    if (reason !== 'retry' && this.#options.clock.now() < this.#blockedUntil) {
      this.#logger.debug('sync skipped: backing off after errors', { reason });
      return Promise.resolve({ result: 'skipped' });
    }
    const running = this.#sync(reason).finally(() => {
      this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  async #sync(reason: string): Promise<SyncOutcome> {
    const requestedAt = this.#options.clock.now();
    let alerts: ApiAlert[];
    try {
      alerts = await this.#fetchAlerts();
    } catch (caught) {
      const error = classify(caught);
      const result = resultOf(error);
      this.#options.metrics.syncFinished(result, this.#options.clock.now());
      this.#scheduleRetry(error, reason);
      return { result, error };
    }
    const now = this.#options.clock.now();
    if (this.#stopped) return { result: 'skipped' };
    const outcome = this.#options.store.replaceFromApi(alerts, now, requestedAt);
    this.#options.metrics.syncFinished('success', now);
    if (this.#failures > 0) this.#logger.info('Alertmanager sync recovered', { failures: this.#failures });
    this.#failures = 0;
    this.#blockedUntil = 0;
    this.#logger.debug('Alertmanager sync done', { reason, alerts: alerts.length, resolved: outcome.resolved });
    return { result: 'success', alerts: alerts.length };
  }

  async #fetchAlerts(): Promise<ApiAlert[]> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#authorization !== undefined) headers['authorization'] = this.#authorization.reveal();
    let response: Response;
    try {
      response = await this.#doFetch(this.#endpoint, { headers, signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000) });
    } catch (error) {
      // DOMException (TimeoutError) is not always an Error instance across realms: read the name directly.
      const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
      throw transientError(`cannot reach Alertmanager (${name === 'TimeoutError' ? 'timeout' : 'network error'})`, 'network', error);
    }
    const limit = this.#options.maxResponseBytes ?? DEFAULT_SYNC_MAX_RESPONSE_BYTES;
    const text = await readCapped(response, limit);
    if (text === null) throw terminalError(`Alertmanager's answer is larger than the limit of ${limit} bytes`, 'invalid-response');
    if (response.status === 401 || response.status === 403) throw terminalError(`Alertmanager refused the credentials (HTTP ${response.status})`, 'auth');
    if (response.status === 429) {
      const retryAfterMs = rateLimitWaitMs(response.headers, this.#options.clock.now()) ?? 60_000;
      throw rateLimitedError('Alertmanager rate-limited the sync (HTTP 429)', retryAfterMs);
    }
    if (!response.ok) {
      const error = response.status >= 500 ? transientError : terminalError;
      throw error(`Alertmanager answered HTTP ${response.status}`, `http-${response.status}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw terminalError('Alertmanager answered with invalid JSON', 'invalid-response');
    }
    if (!Array.isArray(json)) throw terminalError("Alertmanager's alert list is malformed: not a JSON array", 'invalid-response');
    const alerts: ApiAlert[] = [];
    let skipped = 0;
    let firstIssue = '';
    for (const [index, item] of json.entries()) {
      const parsed = gettableAlertSchema.safeParse(item);
      if (parsed.success) {
        const alert = parsed.data;
        alerts.push({
          fingerprint: alert.fingerprint ?? labelFingerprint(alert.labels),
          labels: alert.labels,
          startsAt: alert.startsAt,
        });
        continue;
      }
      // One bad alert (oversized, malformed) must not hide every other alert from the view.
      skipped++;
      const issue = parsed.error.issues[0];
      if (firstIssue === '') firstIssue = `[${index}].${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`;
    }
    if (skipped > 0 && alerts.length === 0) throw terminalError(`Alertmanager's alert list is malformed at ${firstIssue}`, 'invalid-response');
    if (skipped > 0) this.#logger.warn('Alertmanager sync: left out alerts that break the intake limits or the schema', { skipped, first: firstIssue });
    return alerts;
  }

  #scheduleRetry(error: IpshiftError, reason: string): void {
    this.#failures++;
    const policy = { baseDelayMs: this.#options.backoff?.initialMs ?? 2000, maxDelayMs: this.#options.backoff?.maxMs ?? 300_000 };
    const delay = Math.max(backoffDelayMs(policy, this.#failures, this.#options.random), error.retryAfterMs ?? 0);
    this.#blockedUntil = this.#options.clock.now() + delay;
    this.#logger.warn('Alertmanager sync failed: backing off', { reason, err: error, kind: error.kind, failures: this.#failures, retryInMs: delay });
    if (this.#stopped) return;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.syncNow('retry');
    }, delay);
    this.#retryTimer.unref();
  }
}

function authorizationHeader(auth: AlertmanagerApiAuth | undefined): Secret | undefined {
  if (auth?.bearerToken !== undefined) return new Secret(`Bearer ${auth.bearerToken.reveal()}`);
  if (auth?.basic !== undefined) {
    const encoded = Buffer.from(`${auth.basic.username}:${auth.basic.password.reveal()}`, 'utf8').toString('base64');
    return new Secret(`Basic ${encoded}`);
  }
  return undefined;
}

/** The body as text, or null once it grows past `limit` bytes (then the rest is not read). */
async function readCapped(response: Response, limit: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return '';
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function resultOf(error: IpshiftError): SyncResult {
  if (error.code === 'auth') return 'auth_error';
  if (error.code === 'network') return 'network_error';
  if (error.code === 'invalid-response') return 'invalid_response';
  return 'http_error';
}
