import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProviderType } from '../core/model.js';

/**
 * The `code` label of a provider request: the HTTP status as a string, or one of these when no
 * status came back. Kept to a fixed set so the series count stays bounded.
 */
export type ProviderRequestFailure = 'timeout' | 'network_error' | 'aborted';

/** Adapter operation names; a fixed vocabulary so the `operation` label stays bounded. */
export type ProviderOperation = 'get_routing' | 'route' | 'poll_task' | 'discover_server' | 'token_refresh';

export type TokenRefreshResult = 'success' | 'rotated' | 'auth_error' | 'error';

export interface ProviderMetrics {
  request(provider: ProviderType, operation: ProviderOperation, code: number | ProviderRequestFailure, seconds: number): void;
  tokenRefresh(provider: ProviderType, result: TokenRefreshResult): void;
  tokenRefreshedAt(provider: ProviderType, epochSeconds: number): void;
  /** +1 when an adapter holds a rotated credential the Secret does not have yet, -1 once stored. */
  credentialUnsaved(provider: ProviderType, delta: 1 | -1): void;
}

export function createProviderMetrics(registry: Registry): ProviderMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: 'ipshift_provider_requests_total',
    help: 'Requests to a provider API by operation and HTTP status code (or timeout, network_error, aborted).',
    labelNames: ['provider', 'operation', 'code'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'ipshift_provider_request_duration_seconds',
    help: 'Time for one request to a provider API, whatever its outcome.',
    labelNames: ['provider', 'operation'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
    registers,
  });
  const refreshes = new Counter({
    name: 'ipshift_provider_token_refresh_total',
    help: 'Access-token refreshes against a provider identity service, by result.',
    labelNames: ['provider', 'result'] as const,
    registers,
  });
  const lastRefresh = new Gauge({
    name: 'ipshift_provider_token_last_refresh_timestamp_seconds',
    help: 'Unix time of the last successful access-token refresh; an offline token lapses when unused for 30 days.',
    labelNames: ['provider'] as const,
    registers,
  });

  const unsaved = new Gauge({
    name: 'ipshift_provider_credentials_unsaved',
    help: 'Rotated provider credentials (netcup refresh tokens) held in memory only because writing them to the Secret failed; a restart now would lose them.',
    labelNames: ['provider'] as const,
    registers,
  });

  return {
    request(provider, operation, code, seconds) {
      requests.inc({ provider, operation, code: String(code) });
      duration.observe({ provider, operation }, seconds);
    },
    tokenRefresh(provider, result) {
      refreshes.inc({ provider, result });
    },
    tokenRefreshedAt(provider, epochSeconds) {
      lastRefresh.set({ provider }, epochSeconds);
    },
    credentialUnsaved(provider, delta) {
      unsaved.inc({ provider }, delta);
    },
  };
}

/** For adapters built without a registry (one-shot CLIs, unit tests that do not look at metrics). */
export const noProviderMetrics: ProviderMetrics = {
  request: () => undefined,
  tokenRefresh: () => undefined,
  tokenRefreshedAt: () => undefined,
  credentialUnsaved: () => undefined,
};
