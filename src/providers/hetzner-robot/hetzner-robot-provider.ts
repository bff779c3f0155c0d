import { z } from 'zod';
import { rateLimitedError, terminalError, transientError } from '../../errors.js';
import type { FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import { addressKey, isIPv6Address } from '../../core/address.js';
import { readCredential } from '../credentials.js';
import { isRecord, type HttpFailure, type HttpRequest } from '../http.js';
import { parseAnswer } from '../parse.js';
import { moveIdempotently } from '../idempotent-move.js';
import { createProviderCall, moveContext, type HttpProviderOptions } from '../provider-client.js';

/**
 * Hetzner Robot failover IPs (dedicated servers). A server id is the server's main IPv4
 * address, which is what Robot's `active_server_ip` takes. IPv6 failover nets are routed to the
 * target server's IPv6 net, looked up in `GET /server`. Robot answers a route request only once
 * routing is done, so that request gets a long timeout (180 s by default). Robot documents no
 * per-IP move interval: the minimum is 0 and the FailoverIP's cooldownSeconds governs.
 */
export const HETZNER_ROBOT_API_URL = 'https://robot-ws.your-server.de';

/** Secret keys: `user` and `password` of a Robot webservice user. */
export interface HetznerRobotProviderOptions extends HttpProviderOptions {
  /** Timeout of the (synchronous) route request. */
  readonly routeTimeoutMs?: number;
}

const failoverSchema = z.object({
  failover: z.object({
    ip: z.string(),
    server_ip: z.string().nullable().optional(),
    active_server_ip: z.string().nullable(),
  }),
});

const serverListSchema = z.array(
  z.object({
    server: z.object({
      server_ip: z.string().nullable(),
      server_ipv6_net: z.string().nullable().optional(),
      server_number: z.number(),
    }),
  }),
);
type RobotServer = z.infer<typeof serverListSchema>[number]['server'];

/** Robot limits GET /server per hour; servers are rarely added. */
const SERVER_LIST_TTL_MS = 300_000;

export function createHetznerRobotProvider(options: HetznerRobotProviderOptions): FailoverIpProvider {
  const provider = 'hetzner-robot' as const;
  const logger = options.logger.child({ provider });
  const call = createProviderCall(provider, HETZNER_ROBOT_API_URL, options, logger, {
    authorize: async () => {
      const user = await readCredential(options.credentials, provider, 'user');
      const password = await readCredential(options.credentials, provider, 'password');
      return { authorization: `Basic ${Buffer.from(`${user.reveal()}:${password.reveal()}`).toString('base64')}` };
    },
    classifyFailure: classifyRobotFailure,
  });
  let servers: RobotServer[] | undefined;
  let serversAt = 0;

  async function listServers(operation: HttpRequest['operation'], signal?: AbortSignal, refresh = false): Promise<RobotServer[]> {
    if (servers && !refresh && options.clock.now() - serversAt < SERVER_LIST_TTL_MS) return servers;
    const response = await call({ method: 'GET', path: '/server', operation, signal });
    servers = parseAnswer(serverListSchema, response.body, `${provider} GET /server`).map((entry) => entry.server);
    serversAt = options.clock.now();
    return servers;
  }

  /** Server id (main IPv4) → what Robot's active_server_ip takes for this address. */
  async function activeServerIpFor(address: string, serverId: string, signal?: AbortSignal): Promise<string> {
    if (!isIPv6Address(address)) return serverId;
    for (const refresh of [false, true]) {
      const server = (await listServers('route', signal, refresh)).find((s) => s.server_ip === serverId);
      if (server?.server_ipv6_net) return server.server_ipv6_net;
    }
    throw terminalError(`${provider}: no server with main IP ${serverId} and an IPv6 net in this account`, 'validation');
  }

  /** Robot's active_server_ip → our server id (main IPv4). */
  async function serverIdOf(active: string | null, operation: HttpRequest['operation'], signal?: AbortSignal): Promise<string | null> {
    if (active === null || !isIPv6Address(active)) return active;
    for (const refresh of [false, true]) {
      const server = (await listServers(operation, signal, refresh)).find((s) => s.server_ipv6_net && addressKey(s.server_ipv6_net) === addressKey(active));
      if (server?.server_ip) return server.server_ip;
    }
    return active;
  }

  async function readFailover(address: string, operation: HttpRequest['operation'], signal?: AbortSignal) {
    const path = `/failover/${addressKey(address)}`;
    const response = await call({ method: 'GET', path, operation, signal });
    return parseAnswer(failoverSchema, response.body, `${provider} GET /failover/{ip}`).failover;
  }

  return {
    type: provider,
    minMoveIntervalMs: 0,

    async getRouting(addresses, signal): Promise<Routing[]> {
      const routing: Routing[] = [];
      for (const address of addresses) {
        const failover = await readFailover(address, 'get_routing', signal);
        routing.push({ address, serverId: await serverIdOf(failover.active_server_ip, 'get_routing', signal) });
      }
      return routing;
    },

    async route(addresses, serverId, signal): Promise<void> {
      for (const address of addresses) {
        const failover = await readFailover(address, 'route', signal);
        const target = await activeServerIpFor(address, serverId, signal);
        if (failover.active_server_ip !== null && addressKey(failover.active_server_ip) === addressKey(target)) continue;
        const step = {
          what: `${provider} route ${address}`,
          read: async (readSignal?: AbortSignal) => {
            const now = await readFailover(address, 'route', readSignal);
            return now.active_server_ip !== null && addressKey(now.active_server_ip) === addressKey(target) ? target : now.active_server_ip;
          },
          send: async (sendSignal?: AbortSignal) => {
            const response = await call({
              method: 'POST',
              path: `/failover/${addressKey(address)}`,
              form: { active_server_ip: target },
              operation: 'route',
              signal: sendSignal,
              timeoutMs: options.routeTimeoutMs ?? 180_000,
              once: true,
              // Someone (or our own earlier attempt whose answer was lost) already routed it there: done.
              accept: (failure) => failure.status === 409 && failure.providerCode === 'FAILOVER_ALREADY_ROUTED',
            });
            return response;
          },
          complete: (response: { status: number }) => {
            logger.info('failover IP routed', {
              failoverIP: address,
              serverId,
              previousServerId: failover.active_server_ip,
              alreadyRouted: response.status === 409,
            });
            return Promise.resolve();
          },
        };
        await moveIdempotently(step, target, moveContext(options, logger, signal, { pollMs: 500, timeoutMs: 5_000 }));
      }
    },

    async discoverServer(node: NodeIdentityHint, signal?: AbortSignal): Promise<string | null> {
      const number = /^hrobot:\/\/(\d+)$/.exec(node.providerID ?? '')?.[1];
      const known = await listServers('discover_server', signal);
      const byNumber = number === undefined ? undefined : known.find((s) => s.server_number === Number(number));
      if (byNumber?.server_ip) return byNumber.server_ip;
      const keys = new Set(node.addresses.map(addressKey));
      return known.find((s) => s.server_ip !== null && keys.has(addressKey(s.server_ip)))?.server_ip ?? null;
    },
  };
}

/** Robot's own codes first: a locked failover is retried, its 403 rate limit carries the window length. */
function classifyRobotFailure(failure: HttpFailure) {
  const code = failure.providerCode;
  if (code === 'FAILOVER_LOCKED') return transientError(`${failure.summary} (a previous switch is still running)`, 'locked');
  if (code === 'RATE_LIMIT_EXCEEDED') {
    const inner = isRecord(failure.body) && isRecord(failure.body.error) ? failure.body.error : {};
    const interval = typeof inner.interval === 'number' ? inner.interval : 3600;
    return rateLimitedError(failure.summary, interval * 1000);
  }
  if (code === 'FAILOVER_NEW_SERVER_NOT_FOUND') return terminalError(failure.summary, 'server-not-found');
  if (code === 'FAILOVER_FAILED' || code === 'FAILOVER_NOT_COMPLETE') return transientError(failure.summary, code);
  return undefined;
}
