import { z } from 'zod';
import { terminalError, transientError } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { CredentialStore, FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import type { ProviderMetrics } from '../../metrics/provider-metrics.js';
import { addressKey } from '../address.js';
import { readCredential } from '../credentials.js';
import { createProviderHttp, type HttpRequest } from '../http.js';
import { parseAnswer } from '../parse.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from '../retry.js';

/**
 * Hetzner Cloud floating IPs. Server ids are the numeric Cloud server ids (as in the node's
 * `spec.providerID: hcloud://<id>`). Assigning is an async Action that is polled to the end.
 * Hetzner documents no per-IP move limit, only the project-wide request budget (3600/h), so
 * the minimum move interval is 0 and the FailoverIP's cooldownSeconds governs.
 */
export const HETZNER_CLOUD_API_URL = 'https://api.hetzner.cloud/v1';

export interface HetznerCloudProviderOptions {
  readonly apiUrl?: string;
  /** Secret keys: `token` (a read & write project API token). */
  readonly credentials: CredentialStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: ProviderMetrics;
  readonly fetch?: typeof fetch;
  readonly retry?: RetryPolicy;
  readonly requestTimeoutMs?: number;
  readonly actionPollIntervalMs?: number;
  /** How long one assign Action may run before the move is reported as failed (transient). */
  readonly actionTimeoutMs?: number;
  readonly random?: () => number;
}

const floatingIpSchema = z.object({
  id: z.number(),
  ip: z.string(),
  server: z.number().nullable(),
});
type FloatingIp = z.infer<typeof floatingIpSchema>;

const listSchema = z.object({
  floating_ips: z.array(floatingIpSchema),
  meta: z.object({ pagination: z.object({ next_page: z.number().nullable() }) }).optional(),
});

const actionSchema = z.object({
  action: z.object({
    id: z.number(),
    status: z.enum(['running', 'success', 'error']),
    error: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
  }),
});
type Action = z.infer<typeof actionSchema>['action'];

const PAGE_SIZE = 50;
const MAX_PAGES = 100;

export function createHetznerCloudProvider(options: HetznerCloudProviderOptions): FailoverIpProvider {
  const provider = 'hetzner-cloud' as const;
  const logger = options.logger.child({ provider });
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const pollIntervalMs = options.actionPollIntervalMs ?? 1_000;
  const actionTimeoutMs = options.actionTimeoutMs ?? 120_000;
  const http = createProviderHttp({
    provider,
    baseUrl: options.apiUrl ?? HETZNER_CLOUD_API_URL,
    clock: options.clock,
    fetch: options.fetch,
    metrics: options.metrics,
    timeoutMs: options.requestTimeoutMs,
    authorize: async () => ({ authorization: `Bearer ${(await readCredential(options.credentials, provider, 'token')).reveal()}` }),
  });

  const call = (request: HttpRequest) =>
    withRetry(() => http.send(request), retry, {
      clock: options.clock,
      signal: request.signal,
      what: `${provider} ${request.operation}`,
      logger,
      random: options.random,
    });

  async function listFloatingIps(operation: HttpRequest['operation'], signal?: AbortSignal): Promise<FloatingIp[]> {
    const all: FloatingIp[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await call({
        method: 'GET',
        path: '/floating_ips',
        query: { page, per_page: PAGE_SIZE },
        operation,
        signal,
      });
      const answer = parseAnswer(listSchema, response.body, `${provider} GET /floating_ips`);
      all.push(...answer.floating_ips);
      if (!answer.meta?.pagination.next_page) break;
    }
    return all;
  }

  function pick(all: readonly FloatingIp[], address: string): FloatingIp {
    const found = all.find((fip) => addressKey(fip.ip) === addressKey(address));
    if (!found) throw terminalError(`${provider}: no floating IP ${address} in this project`, 'not-found');
    return found;
  }

  async function waitForAction(action: Action, signal?: AbortSignal): Promise<void> {
    const deadline = options.clock.now() + actionTimeoutMs;
    let current = action;
    while (current.status === 'running') {
      if (options.clock.now() >= deadline) {
        throw transientError(`${provider}: action ${current.id} still running after ${actionTimeoutMs} ms`, 'action-timeout');
      }
      await options.clock.sleep(pollIntervalMs, signal).catch(() => {
        throw transientError(`${provider}: waiting for action ${current.id} cancelled`, 'aborted');
      });
      const response = await call({ method: 'GET', path: `/actions/${current.id}`, operation: 'poll_task', signal });
      current = parseAnswer(actionSchema, response.body, `${provider} GET /actions/{id}`).action;
    }
    if (current.status === 'error') {
      const reason = current.error ? `${current.error.code}: ${current.error.message}` : 'no reason given';
      throw transientError(`${provider}: action ${current.id} failed (${reason})`, 'action-failed');
    }
  }

  return {
    type: provider,
    minMoveIntervalMs: 0,

    async getRouting(addresses, signal): Promise<Routing[]> {
      const all = await listFloatingIps('get_routing', signal);
      return addresses.map((address) => {
        const fip = pick(all, address);
        return { address, serverId: fip.server === null ? null : String(fip.server) };
      });
    },

    async route(addresses, serverId, signal): Promise<void> {
      if (!/^\d+$/.test(serverId)) {
        throw terminalError(`${provider}: server id "${serverId}" is not a Hetzner Cloud server id (a number)`, 'validation');
      }
      const all = await listFloatingIps('route', signal);
      const targets = addresses.map((address) => ({ address, fip: pick(all, address) }));
      for (const { address, fip } of targets) {
        if (fip.server !== null && String(fip.server) === serverId) continue;
        const response = await call({
          method: 'POST',
          path: `/floating_ips/${fip.id}/actions/assign`,
          json: { server: Number(serverId) },
          operation: 'route',
          signal,
        });
        const { action } = parseAnswer(actionSchema, response.body, `${provider} POST /floating_ips/{id}/actions/assign`);
        await waitForAction(action, signal);
        logger.info('floating IP assigned', { failoverIP: address, serverId, previousServerId: fip.server, actionId: action.id });
      }
    },

    discoverServer(node: NodeIdentityHint): Promise<string | null> {
      const match = /^hcloud:\/\/(\d+)$/.exec(node.providerID ?? '');
      return Promise.resolve(match?.[1] ?? null);
    },
  };
}
