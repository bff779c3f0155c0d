import { z } from 'zod';
import { terminalError, transientError } from '../../errors.js';
import type { FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import { addressKey, isIPv6Address } from '../../core/address.js';
import { bearerAuthorization } from '../credentials.js';
import type { HttpFailure, HttpRequest } from '../http.js';
import { parseAnswer } from '../parse.js';
import { pollAction } from '../poll-action.js';
import { moveIdempotently } from '../idempotent-move.js';
import { createProviderCall, moveContext, type HttpProviderOptions } from '../provider-client.js';
import { createServerDirectory, type ServerEntry } from '../server-directory.js';

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

const dropletListSchema = z.object({
  droplets: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      networks: z.object({ v4: z.array(z.object({ ip_address: z.string() })).optional() }).optional(),
    }),
  ),
  links: z.object({ pages: z.object({ next: z.string().optional() }).optional() }).optional(),
});

const DROPLET_PAGE_SIZE = 200;
const MAX_PAGES = 50;

export function createDigitalOceanProvider(options: DigitalOceanProviderOptions): FailoverIpProvider {
  const provider = 'digitalocean' as const;
  const logger = options.logger.child({ provider });
  const call = createProviderCall(provider, DIGITALOCEAN_API_URL, options, logger, {
    authorize: () => bearerAuthorization(options.credentials, provider),
    classifyFailure: classifyDigitalOceanFailure,
  });

  const directory = createServerDirectory(async (signal) => {
    const entries: ServerEntry[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await call({
        method: 'GET',
        path: '/v2/droplets',
        query: { page, per_page: DROPLET_PAGE_SIZE },
        operation: 'discover_server',
        signal,
      });
      const answer = parseAnswer(dropletListSchema, response.body, `${provider} GET /v2/droplets`);
      for (const droplet of answer.droplets) {
        entries.push({ id: String(droplet.id), name: droplet.name, addresses: (droplet.networks?.v4 ?? []).map((n) => n.ip_address) });
      }
      if (!answer.links?.pages?.next) break;
    }
    return entries;
  }, options.clock);

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
        const step = {
          what: `${provider} route ${address}`,
          read: (readSignal?: AbortSignal) => currentDroplet(address, 'route', readSignal),
          send: async (sendSignal?: AbortSignal) => {
            const response = await call({
              method: 'POST',
              path: `${ipPath(address)}/actions`,
              json: { type: 'assign', droplet_id: Number(serverId) },
              operation: 'route',
              signal: sendSignal,
              once: true,
            });
            return parseAnswer(actionSchema, response.body, `${provider} POST /reserved_ips/{ip}/actions`).action;
          },
          complete: async (action: Action, completeSignal?: AbortSignal) => {
            await waitForAction(address, action, completeSignal);
            logger.info('reserved IP assigned', { failoverIP: address, serverId, previousServerId: previous, actionId: action.id });
          },
        };
        const pollMs = options.actionPollIntervalMs ?? 1_000;
        await moveIdempotently(step, serverId, moveContext(options, logger, signal, { pollMs, timeoutMs: 10 * pollMs }));
      }
    },

    /** The providerID the DigitalOcean cloud controller manager sets, else the node's addresses or name in `GET /v2/droplets`. */
    async discoverServer(node: NodeIdentityHint, signal?: AbortSignal): Promise<string | null> {
      const match = /^digitalocean:\/\/(\d+)$/.exec(node.providerID ?? '');
      return match?.[1] ?? directory.find(node, signal);
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
