import { z } from 'zod';
import { classify, targetRefusedError, terminalError, transientError, type IpshiftError } from '../../errors.js';
import type { FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import { addressKey, isIPv6Address, parseCidr } from '../../core/address.js';
import { bearerAuthorization } from '../credentials.js';
import type { HttpFailure, HttpRequest } from '../http.js';
import { parseAnswer } from '../parse.js';
import { actionTiming, pollAction, type ActionTimingOptions } from '../poll-action.js';
import { moveIdempotently } from '../idempotent-move.js';
import { readPages } from '../paged-list.js';
import { createProviderCall, moveContext, type HttpProviderOptions } from '../provider-client.js';
import { createServerDirectory, type ServerEntry } from '../server-directory.js';

/**
 * DigitalOcean reserved IPv4 (`/v2/reserved_ips`) and reserved IPv6 (`/v2/reserved_ipv6`, one
 * address, written `<address>/128`). Server ids are Droplet ids (as in the node's
 * `spec.providerID: digitalocean://<id>`). Assigning is an async action polled to
 * `completed`. DigitalOcean documents no per-IP move limit, only the account request budget
 * (5000/h, 250/min): the minimum move interval is 0 and the FailoverIP's cooldownSeconds governs.
 * A Droplet holds at most one reserved IP (DigitalOcean's limits): `onePerServer`, and an
 * assign refused for it is `target-refused` / `node-in-use`, so the next candidate is tried.
 */
/** The API host; request paths carry the `/v2` version, as in DigitalOcean's docs. */
export const DIGITALOCEAN_API_URL = 'https://api.digitalocean.com';

/** Secret keys: `token` (a personal access token with write scope). */
export type DigitalOceanProviderOptions = HttpProviderOptions & ActionTimingOptions;

const reservedAddress = z.object({
  ip: z.string(),
  droplet: z.object({ id: z.number() }).nullable().optional(),
});
const reservedIpSchema = z.object({ reserved_ip: reservedAddress });
const reservedIpv6Schema = z.object({ reserved_ipv6: reservedAddress });
const links = z.object({ pages: z.object({ next: z.string().optional() }).optional() }).optional();
const reservedIpListSchema = z.object({ reserved_ips: z.array(reservedAddress), links });
const reservedIpv6ListSchema = z.object({ reserved_ipv6s: z.array(reservedAddress), links });

/** The resource of one family: its path and its answer's shapes. */
const FAMILY = {
  4: {
    path: '/v2/reserved_ips',
    one: (body: unknown, what: string) => parseAnswer(reservedIpSchema, body, what).reserved_ip,
    page: (body: unknown, what: string) => {
      const answer = parseAnswer(reservedIpListSchema, body, what);
      return { items: answer.reserved_ips, more: Boolean(answer.links?.pages?.next) };
    },
  },
  6: {
    path: '/v2/reserved_ipv6',
    one: (body: unknown, what: string) => parseAnswer(reservedIpv6Schema, body, what).reserved_ipv6,
    page: (body: unknown, what: string) => {
      const answer = parseAnswer(reservedIpv6ListSchema, body, what);
      return { items: answer.reserved_ipv6s, more: Boolean(answer.links?.pages?.next) };
    },
  },
} as const;

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
  links,
});

const PAGE_SIZE = 200;
const MAX_PAGES = 50;

export function createDigitalOceanProvider(options: DigitalOceanProviderOptions): FailoverIpProvider {
  const provider = 'digitalocean' as const;
  const logger = options.logger.child({ provider });
  const call = createProviderCall(provider, DIGITALOCEAN_API_URL, options, logger, {
    authorize: () => bearerAuthorization(options.credentials, provider),
    classifyFailure: classifyDigitalOceanFailure,
  });

  const timing = actionTiming(options);

  const directory = createServerDirectory((signal) => {
    const page = (body: unknown) => {
      const answer = parseAnswer(dropletListSchema, body, `${provider} GET /v2/droplets`);
      const items = answer.droplets.map((d): ServerEntry => ({ id: String(d.id), name: d.name, addresses: (d.networks?.v4 ?? []).map((n) => n.ip_address) }));
      return { items, more: Boolean(answer.links?.pages?.next) };
    };
    return readPages(call, { path: '/v2/droplets', operation: 'discover_server', pageSize: PAGE_SIZE, maxPages: MAX_PAGES, page }, signal);
  }, options.clock);

  const familyOf = (address: string): 4 | 6 => (isIPv6Address(address) ? 6 : 4);

  function ipPath(address: string): string {
    if (familyOf(address) === 6 && parseCidr(address, () => 128)?.prefixLength !== 128) {
      throw terminalError(`${provider}: a reserved IPv6 is one address: write ${addressKey(address)}/128, not ${address}`, 'validation');
    }
    return `${FAMILY[familyOf(address)].path}/${addressKey(address)}`;
  }

  async function currentDroplet(address: string, operation: HttpRequest['operation'], signal?: AbortSignal): Promise<string | null> {
    const response = await call({ method: 'GET', path: ipPath(address), operation, signal });
    const reserved = FAMILY[familyOf(address)].one(response.body, `${provider} GET ${FAMILY[familyOf(address)].path}/{ip}`);
    return reserved.droplet ? String(reserved.droplet.id) : null;
  }

  /** The reserved addresses of one family assigned to `dropletId` (all pages). */
  async function reservedOn(family: 4 | 6, dropletId: string, signal?: AbortSignal): Promise<string[]> {
    const { path, page } = FAMILY[family];
    const all = await readPages(
      call,
      { path, operation: 'route', pageSize: PAGE_SIZE, maxPages: MAX_PAGES, page: (body) => page(body, `${provider} GET ${path}`) },
      signal,
    );
    return all.filter((r) => r.droplet && String(r.droplet.id) === dropletId).map((r) => r.ip);
  }

  /**
   * A 422 on assign that is not the pending-event lock: when the Droplet already holds another
   * reserved address of the family, that is the one-per-Droplet rule ("node in use"), whatever
   * words the answer used; otherwise the refusal stands as it was classified.
   */
  async function inUseOrAsIs(error: IpshiftError, address: string, dropletId: string, signal?: AbortSignal): Promise<IpshiftError> {
    if (error.kind !== 'terminal' || error.code !== 'validation') return error;
    const others = await reservedOn(familyOf(address), dropletId, signal).catch(() => null);
    const held = others?.filter((ip) => addressKey(ip) !== addressKey(address)) ?? [];
    if (held.length === 0) return error;
    return targetRefusedError(
      `${provider}: Droplet ${dropletId} already holds reserved IP ${held.join(', ')} (one per Droplet): ${error.message}`,
      'node-in-use',
      error,
    );
  }

  async function waitForAction(address: string, action: Action, signal?: AbortSignal): Promise<void> {
    const done = await pollAction(action, {
      what: `${provider} action ${action.id}`,
      clock: options.clock,
      ...timing.poll,
      signal,
      running: (a) => a.status === 'in-progress',
      fetch: async (a) => {
        // Reserved IPv4 actions have their own path; every action is also at /v2/actions/{id}.
        const path = familyOf(address) === 4 ? `${ipPath(address)}/actions/${a.id}` : `/v2/actions/${a.id}`;
        const response = await call({ method: 'GET', path, operation: 'poll_task', signal });
        return parseAnswer(actionSchema, response.body, `${provider} GET ${path}`).action;
      },
    });
    if (done.status === 'errored') throw transientError(`${provider}: action ${done.id} errored`, 'action-failed');
  }

  return {
    type: provider,
    minMoveIntervalMs: 0,
    onePerServer: true,

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
            return parseAnswer(actionSchema, response.body, `${provider} POST ${FAMILY[familyOf(address)].path}/{ip}/actions`).action;
          },
          complete: async (action: Action, completeSignal?: AbortSignal) => {
            await waitForAction(address, action, completeSignal);
            logger.info('reserved IP assigned', { failoverIP: address, serverId, previousServerId: previous, actionId: action.id });
          },
        };
        try {
          await moveIdempotently(step, serverId, moveContext(options, logger, signal, timing.settle));
        } catch (caught) {
          throw await inUseOrAsIs(classify(caught), address, serverId, signal);
        }
      }
    },

    /** The providerID the DigitalOcean cloud controller manager sets, else the node's addresses or name in `GET /v2/droplets`. */
    async discoverServer(node: NodeIdentityHint, signal?: AbortSignal): Promise<string | null> {
      const match = /^digitalocean:\/\/(\d+)$/.exec(node.providerID ?? '');
      return match?.[1] ?? directory.find(node, signal);
    },
  };
}

/**
 * An assign while the IP or Droplet has a pending event is refused with 422; it clears by itself.
 * A 422 that says the Droplet already has a reserved IP is the one-per-Droplet rule (the
 * wording is not documented: route() also checks the Droplet's reserved IPs on any other 422).
 */
function classifyDigitalOceanFailure(failure: HttpFailure) {
  const message = failure.providerMessage ?? '';
  if (failure.status === 422 && /pending event|currently being|locked/i.test(message)) {
    return transientError(`${failure.summary} (waiting for the pending event)`, 'locked');
  }
  if (failure.status === 422 && /already (has|holds) an? (reserved|floating) ip|already assigned to a reserved|in use/i.test(message)) {
    return targetRefusedError(`${failure.summary} (one reserved IP per Droplet)`, 'node-in-use');
  }
  return undefined;
}
