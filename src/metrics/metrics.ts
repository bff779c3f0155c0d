import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { createAlertMetrics, type AlertMetrics } from './alert-metrics.js';
import { createControllerMetrics, type ControllerMetrics } from './controller-metrics.js';
import { createKubeMetrics, type KubeMetrics } from './kube-metrics.js';
import { createMoveCheckMetrics, type MoveCheckMetrics } from './move-check-metrics.js';
import { createProviderMetrics, type ProviderMetrics } from './provider-metrics.js';
import { createReachabilityMetrics, type ReachabilityMetrics } from './reachability-metrics.js';

export interface MetricsOptions {
  /** The service's version, exported as ipshift_build_info{version}. */
  readonly version: string;
  /** A constant `cluster` label on every series, to tell clusters apart in one Prometheus. */
  readonly cluster?: string;
  /** Node.js process metrics (process_*, nodejs_*); on by default, tests with many registries may turn them off. */
  readonly defaultMetrics?: boolean;
}

/** Every metric of one controller instance, in one registry that /metrics serves. */
export interface Metrics {
  readonly registry: Registry;
  readonly controller: ControllerMetrics;
  readonly alerts: AlertMetrics;
  readonly provider: ProviderMetrics;
  readonly kube: KubeMetrics;
  readonly reachability: ReachabilityMetrics;
  readonly moveChecks: MoveCheckMetrics;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  if (options.cluster !== undefined && options.cluster !== '') registry.setDefaultLabels({ cluster: options.cluster });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'ipshift_build_info',
    help: 'Always 1; the version of the running ipshift controller.',
    labelNames: ['version'] as const,
    registers: [registry],
  }).set({ version: options.version }, 1);
  return {
    registry,
    controller: createControllerMetrics(registry),
    alerts: createAlertMetrics(registry),
    provider: createProviderMetrics(registry),
    kube: createKubeMetrics(registry),
    reachability: createReachabilityMetrics(registry),
    moveChecks: createMoveCheckMetrics(registry),
  };
}
