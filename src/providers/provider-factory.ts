import type { ProviderType } from '../core/model.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { CredentialStore, FailoverIpProvider } from '../ports/provider.js';
import type { ProviderMetrics } from '../metrics/provider-metrics.js';
import { createDigitalOceanProvider } from './digitalocean/digitalocean-provider.js';
import { createDryRunProvider } from './dry-run/dry-run-provider.js';
import { createHetznerCloudProvider } from './hetzner-cloud/hetzner-cloud-provider.js';
import { createHetznerRobotProvider } from './hetzner-robot/hetzner-robot-provider.js';
import { createNetcupProvider } from './netcup/netcup-provider.js';

/**
 * Base URL overrides (emulators, tests, the sandbox). Absent means the real API. The
 * composition root maps IPSHIFT_NETCUP_API_URL, IPSHIFT_NETCUP_ISSUER_URL,
 * IPSHIFT_HETZNER_CLOUD_API_URL, IPSHIFT_HETZNER_ROBOT_API_URL and IPSHIFT_DIGITALOCEAN_API_URL here.
 */
export interface ProviderEndpoints {
  readonly netcupApiUrl?: string;
  readonly netcupIssuerUrl?: string;
  readonly hetznerCloudApiUrl?: string;
  readonly hetznerRobotApiUrl?: string;
  readonly digitaloceanApiUrl?: string;
}

export interface ProviderDeps {
  /** The FailoverIP's Secret (spec.provider.secretRef). */
  readonly credentials: CredentialStore;
  readonly endpoints?: ProviderEndpoints;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: ProviderMetrics;
  readonly fetch?: typeof fetch;
  /** Dry-run only: where an address was routed before this process (see createDryRunProvider's recall). */
  readonly recall?: (address: string) => string | null | undefined;
}

/** One adapter per FailoverIP (each has its own Secret); adapters are cheap and keep their own caches. */
export function createProvider(type: ProviderType, deps: ProviderDeps): FailoverIpProvider {
  const { credentials, logger, clock, metrics, fetch } = deps;
  const endpoints = deps.endpoints ?? {};
  switch (type) {
    case 'netcup':
      return createNetcupProvider({
        apiUrl: endpoints.netcupApiUrl,
        issuerUrl: endpoints.netcupIssuerUrl,
        credentials,
        logger,
        clock,
        metrics,
        fetch,
      });
    case 'hetzner-cloud':
      return createHetznerCloudProvider({ apiUrl: endpoints.hetznerCloudApiUrl, credentials, logger, clock, metrics, fetch });
    case 'hetzner-robot':
      return createHetznerRobotProvider({ apiUrl: endpoints.hetznerRobotApiUrl, credentials, logger, clock, metrics, fetch });
    case 'digitalocean':
      return createDigitalOceanProvider({ apiUrl: endpoints.digitaloceanApiUrl, credentials, logger, clock, metrics, fetch });
    case 'dry-run':
      return createDryRunProvider({ credentials, logger, clock, ...(deps.recall === undefined ? {} : { recall: deps.recall }) });
  }
}
