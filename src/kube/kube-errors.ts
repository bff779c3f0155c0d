import { ApiException } from '@kubernetes/client-node';
import { IpshiftError, rateLimitedError, terminalError, transientError } from '../errors.js';
import { rateLimitWaitMs } from '../retry/retry-after.js';
import type { KubeOperation } from '../metrics/kube-metrics.js';

/**
 * The HTTP status of a failed API call, from a typed-client ApiException, a watch error
 * (`statusCode`) or the Status object of a watch ERROR event (`code`); undefined when none came
 * back. Any other `code` is no status: an aborted fetch's DOMException (client-node 2.x runs on
 * undici) carries `code` 23.
 */
export function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (typeof error === 'object' && error !== null) {
    const e = error as { statusCode?: unknown; code?: unknown; kind?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.code === 'number' && e.kind === 'Status') return e.code;
  }
  return undefined;
}

export const isConflict = (error: unknown): boolean => statusCodeOf(error) === 409;
export const isNotFound = (error: unknown): boolean => statusCodeOf(error) === 404;
export const isGone = (error: unknown): boolean => statusCodeOf(error) === 410;

/** The API server's Status.reason, a fixed vocabulary (NotFound, Conflict, Forbidden, ...), safe to print. */
function statusReason(error: unknown): string | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const body: unknown = typeof error.body === 'string' ? safeParse(error.body) : error.body;
  if (typeof body === 'object' && body !== null && typeof (body as { reason?: unknown }).reason === 'string') {
    return (body as { reason: string }).reason;
  }
  return undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Classifies a failed Kubernetes API call once, at the adapter boundary. The message names the
 * operation and the status only: never a request body, which may hold a Secret's data.
 */
export function classifyKubeError(error: unknown, operation: KubeOperation, nowMs: number): IpshiftError {
  if (error instanceof IpshiftError) return error;
  const code = statusCodeOf(error);
  if (code === undefined) {
    // By name, not instanceof: undici's DOMException need not share this realm's Error.
    const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
    const detail = typeof name === 'string' ? name : 'unknown error';
    return transientError(`kubernetes ${operation}: no answer from the API server (${detail})`, 'network', error);
  }
  const reason = statusReason(error);
  const message = `kubernetes ${operation}: HTTP ${code}${reason === undefined ? '' : ` ${reason}`}`;
  if (code === 429) {
    const headers = error instanceof ApiException ? error.headers : {};
    return rateLimitedError(message, rateLimitWaitMs({ get: (name) => headers[name] }, nowMs) ?? 1000, 'http-429');
  }
  if (code >= 500 || code === 408) return transientError(message, `http-${code}`, error);
  if (code === 401) return terminalError(message, 'auth', error);
  if (code === 403) return terminalError(message, 'forbidden', error);
  if (code === 404) return terminalError(message, 'not-found', error);
  if (code === 409) return terminalError(message, 'conflict', error);
  if (code === 410) return terminalError(message, 'gone', error);
  return terminalError(message, `http-${code}`, error);
}
