import { z } from 'zod';
import { terminalError, transientError } from '../../errors.js';
import type { FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import { addressKey } from '../../core/address.js';
import { bearerAuthorization } from '../credentials.js';
import type { HttpRequest } from '../http.js';
import { parseAnswer } from '../parse.js';
import { actionTiming, pollAction, type ActionTimingOptions } from '../poll-action.js';
import { moveIdempotently } from '../idempotent-move.js';
import { readPages } from '../paged-list.js';
import { createProviderCall, moveContext, type HttpProviderOptions } from '../provider-client.js';
import { createServerDirectory, type ServerEntry } from '../server-directory.js';

/**
 * Hetzner Cloud floating IPs. Server ids are the numeric Cloud server ids (as in the node's
 * `spec.providerID: hcloud://<id>`). Assigning is an async Action that is polled to the end.
 * Hetzner documents no per-IP move limit, only the project-wide request budget (3600/h), so
 * the minimum move interval is 0 and the FailoverIP's cooldownSeconds governs.
 */
export const HETZNER_CLOUD_API_URL = 'https://api.hetzner.cloud/v1';

/** Secret keys: `token` (a Read & Write project API token). */
export type HetznerCloudProviderOptions = HttpProviderOptions & ActionTimingOptions;

const floatingIpSchema = z.object({
  id: z.number(),
  ip: z.string(),
  server: z.number().nullable(),
});
type FloatingIp = z.infer<typeof floatingIpSchema>;

const meta = z.object({ pagination: z.object({ next_page: z.number().nullable() }) }).optional();
const listSchema = z.object({ floating_ips: z.array(floatingIpSchema), meta });

const actionSchema = z.object({
  action: z.object({
    id: z.number(),
    status: z.enum(['running', 'success', 'error']),
    error: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
  }),
});
type Action = z.infer<typeof actionSchema>['action'];

const serverListSchema = z.object({
  servers: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      public_net: z.object({ ipv4: z.object({ ip: z.string() }).nullable().optional() }).optional(),
      private_net: z.array(z.object({ ip: z.string() })).optional(),
    }),
  ),
  meta,
});

const PAGE_SIZE = 50;
const MAX_PAGES = 100;

export function createHetznerCloudProvider(options: HetznerCloudProviderOptions): FailoverIpProvider {
  const provider = 'hetzner-cloud' as const;
  const logger = options.logger.child({ provider });
  const call = createProviderCall(provider, HETZNER_CLOUD_API_URL, options, logger, {
    authorize: () => bearerAuthorization(options.credentials, provider),
  });

  const timing = actionTiming(options);

  function listFloatingIps(operation: HttpRequest['operation'], signal?: AbortSignal): Promise<FloatingIp[]> {
    const page = (body: unknown) => {
      const answer = parseAnswer(listSchema, body, `${provider} GET /floating_ips`);
      return { items: answer.floating_ips, more: Boolean(answer.meta?.pagination.next_page) };
    };
    return readPages(call, { path: '/floating_ips', operation, pageSize: PAGE_SIZE, maxPages: MAX_PAGES, page }, signal);
  }

  const directory = createServerDirectory((signal) => {
    const page = (body: unknown) => {
      const answer = parseAnswer(serverListSchema, body, `${provider} GET /servers`);
      const items = answer.servers.map((server): ServerEntry => {
        const addresses = [server.public_net?.ipv4?.ip, ...(server.private_net ?? []).map((n) => n.ip)];
        return { id: String(server.id), name: server.name, addresses: addresses.filter((a): a is string => a !== undefined) };
      });
      return { items, more: Boolean(answer.meta?.pagination.next_page) };
    };
    return readPages(call, { path: '/servers', operation: 'discover_server', pageSize: PAGE_SIZE, maxPages: MAX_PAGES, page }, signal);
  }, options.clock);

  function pick(all: readonly FloatingIp[], address: string): FloatingIp {
    const found = all.find((fip) => addressKey(fip.ip) === addressKey(address));
    if (!found) throw terminalError(`${provider}: no floating IP ${address} in this project`, 'not-found');
    return found;
  }

  async function waitForAction(action: Action, signal?: AbortSignal): Promise<void> {
    const done = await pollAction(action, {
      what: `${provider} action ${action.id}`,
      clock: options.clock,
      ...timing.poll,
      signal,
      running: (a) => a.status === 'running',
      fetch: async (a) => {
        const response = await call({ method: 'GET', path: `/actions/${a.id}`, operation: 'poll_task', signal });
        return parseAnswer(actionSchema, response.body, `${provider} GET /actions/{id}`).action;
      },
    });
    if (done.status === 'error') {
      const reason = done.error ? `${done.error.code}: ${done.error.message}` : 'no reason given';
      throw transientError(`${provider}: action ${done.id} failed (${reason})`, 'action-failed');
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
        const step = {
          what: `${provider} route ${address}`,
          read: async (readSignal?: AbortSignal) => {
            const now = pick(await listFloatingIps('route', readSignal), address);
            return now.server === null ? null : String(now.server);
          },
          send: async (sendSignal?: AbortSignal) => {
            const response = await call({
              method: 'POST',
              path: `/floating_ips/${fip.id}/actions/assign`,
              json: { server: Number(serverId) },
              operation: 'route',
              signal: sendSignal,
              once: true,
            });
            return parseAnswer(actionSchema, response.body, `${provider} POST /floating_ips/{id}/actions/assign`).action;
          },
          complete: async (action: Action, completeSignal?: AbortSignal) => {
            await waitForAction(action, completeSignal);
            logger.info('floating IP assigned', { failoverIP: address, serverId, previousServerId: fip.server, actionId: action.id });
          },
        };
        await moveIdempotently(step, serverId, moveContext(options, logger, signal, timing.settle));
      }
    },

    /** The providerID the hcloud cloud controller manager sets, else the node's addresses or name in `GET /servers`. */
    async discoverServer(node: NodeIdentityHint, signal?: AbortSignal): Promise<string | null> {
      const match = /^hcloud:\/\/(\d+)$/.exec(node.providerID ?? '');
      return match?.[1] ?? directory.find(node, signal);
    },
  };
}
