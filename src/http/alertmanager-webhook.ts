import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseWebhookPayload } from '../alerts/alertmanager-payload.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { AlertMetrics } from '../metrics/alert-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { Leadership } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { rateLimitedLog } from '../logging/rate-limited.js';
import { createForwardProof, FORWARD_PROOF_HEADER } from './forward-proof.js';
import { createAuthChecker, type WebhookAuth } from './webhook-auth.js';

export const WEBHOOK_PATH = '/webhook/alertmanager';
export const DEFAULT_WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Set on a request a follower forwards, so a replica that lost leadership meanwhile answers 503
 * instead of forwarding again. Such a request proves itself with FORWARD_PROOF_HEADER, not with
 * the caller's credentials (a follower never passes those on).
 */
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
function answer(res: ServerResponse, code: number, body: Record<string, unknown>, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [mediaType, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  const charset = params.find((param) => param.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

type BodyOutcome = Buffer | 'too-large' | 'aborted';

/** Reads the body up to `limit` bytes; stops listening as soon as it is over. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: BodyOutcome): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish('too-large');
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks, size));
    const onAbort = (): void => finish('aborted');
    const onClose = (): void => {
      if (!req.readableEnded) finish('aborted');
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The one way the webhook is served: a node:http request listener that gives the webhook path
 * to `webhook` and everything else to `next` (the express app). Express's per-request work
 * costs more than the whole ingest of a small payload (bench/webhook-ingest.bench.ts), so the
 * hot path skips it: `http.createServer(webhookFirst(createAlertmanagerWebhookHandler(options), app))`.
 */
export function webhookFirst(webhook: WebhookHandler, next: (req: IncomingMessage, res: ServerResponse) => void): WebhookHandler {
  return (req, res) => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    if ((query < 0 ? url : url.slice(0, query)) === WEBHOOK_PATH) webhook(req, res);
    else next(req, res);
  };
}

/**
 * The webhook as a plain node:http handler (one layer, no framework work on the hot path).
 * Answers 200 once the alerts are in the store (never waits on a provider), 400/401/405/413/415
 * for bad requests, 503 when a follower cannot reach the leader (Alertmanager retries 5xx).
 *
 * A follower records the alerts in its own store too (its view stays warm for the moment it
 * becomes leader), then forwards the raw body to the leader with its own proof (forward-proof.ts),
 * never with the caller's Authorization header.
 */
export function createAlertmanagerWebhookHandler(options: AlertmanagerWebhookOptions): WebhookHandler {
  const auth = createAuthChecker(options.auth);
  const limit = options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES;
  if (!Number.isInteger(limit) || limit <= 0) throw new Error('webhook body limit must be a positive integer (bytes)');
  const forwardTimeoutMs = options.forwardTimeoutMs ?? 5000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const logger = options.logger.child({ component: 'alertmanager-webhook' });
  const tooLarge = { error: `body larger than the limit of ${limit} bytes` };
  const proof = createForwardProof(options.auth);
  const logRefused = rateLimitedLog(
    (fields) => logger.warn('webhook request refused: credentials', fields),
    60_000,
    () => options.clock.now(),
  );

  function refuse(req: IncomingMessage, res: ServerResponse, why: string): void {
    logRefused({ why, remote: req.socket.remoteAddress });
    // Closed at once: a refused client does not get to keep a connection open.
    answer(res, 401, { error: why }, { 'www-authenticate': [...auth.challenges], connection: 'close' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      answer(res, 405, { error: 'use POST' }, { allow: 'POST', connection: 'close' });
      return;
    }
    const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
    // Credentials first: an unauthenticated caller never gets its body read. A forward is
    // checked once its (bounded) body is in, since its proof covers the body.
    if (!forwarded && !auth.check(req.headers.authorization)) {
      refuse(req, res, req.headers.authorization === undefined ? 'missing credentials' : 'wrong credentials');
      return;
    }
    if (forwarded && proof !== null && req.headers[FORWARD_PROOF_HEADER] === undefined) {
      refuse(req, res, 'forwarded without a proof');
      return;
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      answer(res, 415, { error: 'Content-Type must be application/json (UTF-8)' });
      return;
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      answer(res, 415, { error: 'Content-Encoding is not supported: send the body uncompressed' });
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      answer(res, 413, tooLarge, { connection: 'close' });
      return;
    }
    const raw = await readBody(req, limit);
    if (raw === 'too-large') {
      req.resume();
      answer(res, 413, tooLarge, { connection: 'close' });
      return;
    }
    if (raw === 'aborted') {
      if (!res.headersSent && !res.destroyed) answer(res, 400, { error: 'could not read the request body' });
      return;
    }
    if (forwarded && proof !== null && !proof.verify(String(req.headers[FORWARD_PROOF_HEADER]), raw, options.clock.now())) {
      refuse(req, res, 'wrong forward proof');
      return;
    }
    if (raw.length === 0) {
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
  }

  async function forwardToLeader(req: IncomingMessage, res: ServerResponse, raw: Buffer, leadership: Leadership): Promise<void> {
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
    // The caller's Authorization header stays here: the Lease names the leader, and whoever can
    // write the Lease must not collect Alertmanager's credential.
    const headers: Record<string, string> = { 'content-type': 'application/json', [FORWARDED_HEADER]: '1' };
    if (proof !== null) headers[FORWARD_PROOF_HEADER] = proof.sign(raw, options.clock.now());
    try {
      const response = await doFetch(`${endpoint.replace(/\/+$/, '')}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers,
        body: raw,
        // A redirect from "the leader" is not followed: the Lease names the one place to send to.
        redirect: 'error',
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
      logger.warn('cannot reach the leader: asking Alertmanager to retry', { err: error });
      answer(res, 503, { error: 'leader unreachable: retry' });
    }
  }

  return (req, res) => {
    const started = performance.now();
    res.once('finish', () => options.metrics.webhookRequest(res.statusCode, (performance.now() - started) / 1000));
    handle(req, res).catch((error: unknown) => {
      logger.error('webhook failed unexpectedly', { err: error });
      if (!res.headersSent) answer(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
}
