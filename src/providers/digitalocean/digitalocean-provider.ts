import { z } from 'zod';
import { terminalError, transientError } from '../../errors.js';
import type { FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import { addressKey, isIPv6Address } from '../address.js';
import { readCredential } from '../credentials.js';
import type { HttpFailure, HttpRequest } from '../http.js';
import { parseAnswer } from '../parse.js';
import { pollAction } from '../poll-action.js';
import { createProviderCall, type HttpProviderOptions } from '../provider-client.js';

/**
 * DigitalOcean reserved IPs (IPv4). Server ids are Droplet ids (as in the node's
 * `spec.providerID: digitalocean://<id>`). Assigning is an async action polled to
 * `completed`. DigitalOcean documents no per-IP move limit, only the account request budget
 * (5000/h, 250/min): the minimum move interval is 0 and the FailoverIP's cooldownSeconds governs.
 */
/** The API host; request paths carry the `/v2` version, as in DigitalOcean's docs. */
export const DIGITALOCEAN_API_URL = 'https://api.digitalocean.com';

/** Secret keys: `token` (a personal access token with write scope). */
export interface DigitalOceanProviderOptions extends HttpProviderOptions {
  readonly actionPollIntervalMs?: number;
  readonly actionTimeoutMs?: number;
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
  const call = createProviderCall(provider, DIGITALOCEAN_API_URL, options, logger, {
    authorize: async () => ({ authorization: `Bearer ${(await readCredential(options.credentials, provider, 'token')).reveal()}` }),
    classifyFailure: classifyDigitalOceanFailure,
  });

  function ipPath(address: string): string {
    if (isIPv6Address(address)) {
      throw terminalError(`${provider}: ${address} is IPv6; only reserved IPv4 addresses are supported`, 'validation');
    }
    return `/v2/reserved_ips/${addressKey(address)}`;
  }

  async function currentDroplet(address: string, operation: HttpRequest['operation'], signal?: AbortSignal): Promise<string | null> {
    const response = await call({ method: 'GET', path: ipPath(address), operation, signal });
    const { reserved_ip } = parseAnswer(reservedIpSchema, response.body, `${provider} GET /reserved_ips/{ip}`);
    return reserved_ip.droplet ? String(reserved_ip.droplet.id) : null;
  }

  async function waitForAction(address: string, action: Action, signal?: AbortSignal): Promise<void> {
    const done = await pollAction(action, {
      what: `${provider} action ${action.id}`,
      clock: options.clock,
      intervalMs: options.actionPollIntervalMs ?? 1_000,
      timeoutMs: options.actionTimeoutMs ?? 120_000,
      signal,
      running: (a) => a.status === 'in-progress',
      fetch: async (a) => {
        const response = await call({ method: 'GET', path: `${ipPath(address)}/actions/${a.id}`, operation: 'poll_task', signal });
        return parseAnswer(actionSchema, response.body, `${provider} GET /reserved_ips/{ip}/actions/{id}`).action;
      },
    });
    if (done.status === 'errored') throw transientError(`${provider}: action ${done.id} errored`, 'action-failed');
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
