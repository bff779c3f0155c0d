/**
 * The part of the shared provider metrics (src/metrics/provider-metrics.ts) the netcup adapter
 * uses. Typed structurally so the adapter does not depend on how the registry is built.
 */
export interface ProviderMetricsSink {
  request(provider: string, operation: string, code: string, seconds: number): void;
  tokenRefresh(provider: string, result: string): void;
  tokenRefreshedAt(provider: string, epochSeconds: number): void;
}

export const PROVIDER_LABEL = 'netcup';
