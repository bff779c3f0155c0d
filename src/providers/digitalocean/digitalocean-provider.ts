import { z } from 'zod';
import { terminalError, transientError } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { CredentialStore, FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import type { ProviderMetrics } from '../../metrics/provider-metrics.js';
import { addressKey, isIPv6Address } from '../address.js';
import { readCredential } from '../credentials.js';
import { createProviderHttp, type HttpFailure, type HttpRequest } from '../http.js';
import { parseAnswer } from '../parse.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from '../retry.js';

/**
 * DigitalOcean reserved IPs (IPv4). Server ids are Droplet ids (as in the node's
 * `spec.providerID: digitalocean://<id>`). Assigning is an async action polled to
 * `completed`. DigitalOcean documents no per-IP move limit, only the account request budget
 * (5000/h, 250/min): the minimum move interval is 0 and the FailoverIP's cooldownSeconds governs.
 */
export const DIGITALOCEAN_API_URL = 'https://api.digitalocean.com/v2';

export interface DigitalOceanProviderOptions {
  readonly apiUrl?: string;
  /** Secret keys: `token` (a personal access token with write scope). */
  readonly credentials: CredentialStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: ProviderMetrics;
  readonly fetch?: typeof fetch;
  readonly retry?: RetryPolicy;
  readonly requestTimeoutMs?: number;
  readonly actionPollIntervalMs?: number;
  readonly actionTimeoutMs?: number;
  readonly random?: () => number;
}

const reservedIpSchema = z.object({
  reserved_ip: z.object({
    ip: z.string(),
    droplet: z.object({ id: z.number() }).nullable().optional(),
  }),
});

const actionSchema = z.object({
  action: z.object({
    id: z.number(),
    status: z.enum(['in-progress', 'completed', 'errored']),
  }),
});
type Action = z.infer<typeof actionSchema>['action'];

export function createDigitalOceanProvider(options: DigitalOceanProviderOptions): FailoverIpProvider {
  const provider = 'digitalocean' as const;
  const logger = options.logger.child({ provider });
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const pollIntervalMs = options.actionPollIntervalMs ?? 1_000;
  const actionTimeoutMs = options.actionTimeoutMs ?? 120_000;
  const http = createProviderHttp({
    provider,
    baseUrl: options.apiUrl ?? DIGITALOCEAN_API_URL,
    clock: options.clock,
    fetch: options.fetch,
    metrics: options.metrics,
    timeoutMs: options.requestTimeoutMs,
    authorize: async () => ({ authorization: `Bearer ${(await readCredential(options.credentials, provider, 'token')).reveal()}` }),
    classifyFailure: classifyDigitalOceanFailure,
  });

  const call = (request: HttpRequest) =>
    withRetry(() => http.send(request), retry, {
      clock: options.clock,
      signal: request.signal,
      what: `${provider} ${request.operation}`,
      logger,
      random: options.random,
    });

  function ipPath(address: string): string {
    if (isIPv6Address(address)) {
      throw terminalError(`${provider}: ${address} is IPv6; only reserved IPv4 addresses are supported`, 'validation');
    }
    return `/reserved_ips/${addressKey(address)}`;
  }

  async function currentDroplet(address: string, operation: HttpRequest['operation'], signal?: AbortSignal): Promise<string | null> {
    const response = await call({ method: 'GET', path: ipPath(address), operation, signal });
    const { reserved_ip } = parseAnswer(reservedIpSchema, response.body, `${provider} GET /reserved_ips/{ip}`);
    return reserved_ip.droplet ? String(reserved_ip.droplet.id) : null;
  }

  async function waitForAction(address: string, action: Action, signal?: AbortSignal): Promise<void> {
    const deadline = options.clock.now() + actionTimeoutMs;
    let current = action;
    while (current.status === 'in-progress') {
      if (options.clock.now() >= deadline) {
        throw transientError(`${provider}: action ${current.id} still in progress after ${actionTimeoutMs} ms`, 'action-timeout');
      }
      await options.clock.sleep(pollIntervalMs, signal).catch(() => {
        throw transientError(`${provider}: waiting for action ${current.id} cancelled`, 'aborted');
      });
      const response = await call({ method: 'GET', path: `${ipPath(address)}/actions/${current.id}`, operation: 'poll_task', signal });
      current = parseAnswer(actionSchema, response.body, `${provider} GET /reserved_ips/{ip}/actions/{id}`).action;
    }
    if (current.status === 'errored') throw transientError(`${provider}: action ${current.id} errored`, 'action-failed');
  }

  return {
    type: provider,
    minMoveIntervalMs: 0,

    async getRouting(addresses, signal): Promise<Routing[]> {
      const routing: Routing[] = [];
      for (const address of addresses) routing.push({ address, serverId: await currentDroplet(address, 'get_routing', signal) });
      return routing;
    },

    async route(addresses, serverId, signal): Promise<void> {
      if (!/^\d+$/.test(serverId)) {
        throw terminalError(`${provider}: server id "${serverId}" is not a Droplet id (a number)`, 'validation');
      }
      for (const address of addresses) {
        const previous = await currentDroplet(address, 'route', signal);
        if (previous === serverId) continue;
        const response = await call({
          method: 'POST',
          path: `${ipPath(address)}/actions`,
          json: { type: 'assign', droplet_id: Number(serverId) },
          operation: 'route',
          signal,
        });
        const { action } = parseAnswer(actionSchema, response.body, `${provider} POST /reserved_ips/{ip}/actions`);
        await waitForAction(address, action, signal);
        logger.info('reserved IP assigned', { failoverIP: address, serverId, previousServerId: previous, actionId: action.id });
      }
    },

    discoverServer(node: NodeIdentityHint): Promise<string | null> {
      const match = /^digitalocean:\/\/(\d+)$/.exec(node.providerID ?? '');
      return Promise.resolve(match?.[1] ?? null);
    },
  };
}

/** An assign while the IP or Droplet has a pending event is refused with 422; it clears by itself. */
function classifyDigitalOceanFailure(failure: HttpFailure) {
  if (failure.status === 422 && /pending event|currently being|locked/i.test(failure.providerMessage ?? '')) {
    return transientError(`${failure.summary} (waiting for the pending event)`, 'locked');
  }
  return undefined;
}
