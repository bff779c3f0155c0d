import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { parseWebhookPayload } from '../alerts/alertmanager-payload.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { AlertMetrics } from '../metrics/alert-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { Leadership } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { createAuthChecker, type WebhookAuth } from './webhook-auth.js';

export const WEBHOOK_PATH = '/webhook/alertmanager';
export const DEFAULT_WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** Set on a request a follower forwards, so a replica that lost leadership meanwhile answers 503 instead of forwarding again. */
export const FORWARDED_HEADER = 'x-ipshift-forwarded';

export interface AlertmanagerWebhookOptions {
  readonly auth: WebhookAuth;
  readonly store: Pick<AlertStore, 'ingestWebhook'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Pick<AlertMetrics, 'webhookRequest'>;
  /** Default 1 MiB; larger bodies get 413. */
  readonly bodyLimitBytes?: number;
  /** Absent: this replica always acts as the leader (single replica, sandbox). */
  readonly leadership?: Leadership;
  /** Used to forward to the leader. Default: global fetch. */
  readonly fetch?: typeof globalThis.fetch;
  /** Default 5 s: well inside Alertmanager's own send timeout (at least 10 s). */
  readonly forwardTimeoutMs?: number;
  /** Asked when a payload says alerts were truncated (`max_alerts`): the API has the full set. Never awaited. */
  readonly requestSync?: (reason: string) => void;
}

/** Error bodies stay short and secret-free: Alertmanager echoes them into its log. */
function answer(res: Response, code: number, body: Record<string, unknown>): void {
  res.status(code).json(body);
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [mediaType, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  const charset = params.find((param) => param.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

interface BodyParserError {
  status?: number;
  type?: string;
}

/**
 * `POST /webhook/alertmanager`. Answers 200 once the alerts are in the store (never waits on
 * a provider), 400/401/405/413/415 for bad requests, 503 when a follower cannot reach the
 * leader (Alertmanager retries 5xx). Mount it before any global body parser: it reads the raw
 * body itself, to enforce its own limit and forward the exact bytes.
 *
 * A follower records the alerts in its own store too (its view stays warm for the moment it
 * becomes leader), then forwards the raw body to the leader with the caller's Authorization.
 */
export function createAlertmanagerWebhook(options: AlertmanagerWebhookOptions): Router {
  const auth = createAuthChecker(options.auth);
  const limit = options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES;
  if (!Number.isInteger(limit) || limit <= 0) throw new Error('webhook body limit must be a positive integer (bytes)');
  const forwardTimeoutMs = options.forwardTimeoutMs ?? 5000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const logger = options.logger.child({ component: 'alertmanager-webhook' });
  const router = express.Router();

  router.all(WEBHOOK_PATH, (_req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.once('finish', () => options.metrics.webhookRequest(res.statusCode, (performance.now() - started) / 1000));
    next();
  });

  router.post(
    WEBHOOK_PATH,
    (req: Request, res: Response, next: NextFunction) => {
      // Credentials first: an unauthenticated caller never gets its body read.
      if (!auth.check(req.headers.authorization)) {
        res.setHeader('WWW-Authenticate', [...auth.challenges]);
        answer(res, 401, { error: req.headers.authorization === undefined ? 'missing credentials' : 'wrong credentials' });
        return;
      }
      if (!isJsonContentType(req.headers['content-type'])) {
        answer(res, 415, { error: 'Content-Type must be application/json (UTF-8)' });
        return;
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) {
        res.setHeader('Connection', 'close');
        answer(res, 413, { error: `body larger than the limit of ${limit} bytes` });
        return;
      }
      next();
    },
    express.raw({ type: () => true, limit }),
    async (req: Request, res: Response) => {
      const raw = rawBody(req.body);
      if (raw === undefined || raw.length === 0) {
        answer(res, 400, { error: 'empty body: expected an Alertmanager webhook payload (version 4)' });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        answer(res, 400, { error: 'body is not valid JSON' });
        return;
      }
      const parsed = parseWebhookPayload(body);
      if (!parsed.ok) {
        logger.debug('rejected webhook payload', { reason: parsed.message });
        answer(res, 400, { error: parsed.message });
        return;
      }
      const payload = parsed.payload;
      const result = options.store.ingestWebhook(payload, options.clock.now());
      if (payload.truncatedAlerts > 0) {
        logger.info('payload truncated by max_alerts: asking for an API sync', { truncatedAlerts: payload.truncatedAlerts });
        options.requestSync?.('truncated');
      }
      const leadership = options.leadership;
      if (leadership === undefined || leadership.isLeader()) {
        answer(res, 200, { status: 'recorded', firing: result.firing, resolved: result.resolved });
        return;
      }
      await forwardToLeader(req, res, raw, leadership);
    },
  );

  router.all(WEBHOOK_PATH, (_req: Request, res: Response) => {
    res.setHeader('Allow', 'POST');
    answer(res, 405, { error: 'use POST' });
  });

  router.use(WEBHOOK_PATH, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, type } = (typeof error === 'object' && error !== null ? error : {}) as BodyParserError;
    if (status === 413 || type === 'entity.too.large') answer(res, 413, { error: `body larger than the limit of ${limit} bytes` });
    else if (status === 415) answer(res, 415, { error: 'unsupported content encoding or charset' });
    else if (status !== undefined && status >= 400 && status < 500) answer(res, 400, { error: 'could not read the request body' });
    else {
      logger.error('webhook failed unexpectedly', { error: error instanceof Error ? error.message : String(error) });
      answer(res, 500, { error: 'internal error' });
    }
  });

  async function forwardToLeader(req: Request, res: Response, raw: Buffer, leadership: Leadership): Promise<void> {
    if (req.headers[FORWARDED_HEADER] !== undefined) {
      answer(res, 503, { error: 'not the leader (forwarded request): retry' });
      return;
    }
    const endpoint = leadership.leaderEndpoint();
    if (endpoint === null) {
      logger.warn('no leader known: asking Alertmanager to retry');
      answer(res, 503, { error: 'no leader known: retry' });
      return;
    }
    const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? 'application/json', [FORWARDED_HEADER]: '1' };
    if (req.headers.authorization !== undefined) headers['authorization'] = req.headers.authorization;
    try {
      const response = await doFetch(`${endpoint.replace(/\/+$/, '')}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers,
        body: raw,
        signal: AbortSignal.timeout(forwardTimeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        answer(res, 200, { status: 'forwarded' });
      } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        // The leader judged the request itself (auth, payload): retrying the same bytes cannot help.
        logger.warn('leader rejected a forwarded webhook', { status: response.status });
        answer(res, response.status, { error: `rejected by the leader (HTTP ${response.status})` });
      } else {
        logger.warn('leader failed a forwarded webhook: asking Alertmanager to retry', { status: response.status });
        answer(res, 503, { error: 'leader unavailable: retry' });
      }
    } catch (error) {
      logger.warn('cannot reach the leader: asking Alertmanager to retry', { error: typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name) : 'unknown' });
      answer(res, 503, { error: 'leader unreachable: retry' });
    }
  }

  return router;
}

/** The raw bytes; tolerates an app that parsed JSON before this router (the body is re-serialised then). */
function rawBody(body: unknown): Buffer | undefined {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (typeof body === 'object' && body !== null) return Buffer.from(JSON.stringify(body), 'utf8');
  return undefined;
}
