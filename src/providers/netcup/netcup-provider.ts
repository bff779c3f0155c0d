import type { FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import { abortedError, rateLimitedError, terminalError, transientError } from '../../errors.js';
import { rateLimitWaitMs } from '../../retry/retry-after.js';
import { noProviderMetrics } from '../../metrics/provider-metrics.js';
import { type HttpFailure, type HttpRequest } from '../http.js';
import { parseAnswer } from '../parse.js';
import { pollAction } from '../poll-action.js';
import { moveIdempotently } from '../idempotent-move.js';
import { DEFAULT_RETRY_POLICY, withRetry } from '../../retry/with-retry.js';
import { createProviderCall, moveContext, type HttpProviderOptions } from '../provider-client.js';
import { type FailoverAddress, parseFailoverAddress } from './failover-address.js';
import { type TaskInfo, TASK_FAILED, failoverIPv4ListSchema, failoverIPv6ListSchema, serverListSchema, taskInfoSchema } from './netcup-api.js';
import { RELOGIN_HINT, createNetcupAuth } from './netcup-auth.js';

export const NETCUP_DEFAULT_API_URL = 'https://www.servercontrolpanel.de/scp-core';
export const NETCUP_DEFAULT_ISSUER_URL = 'https://www.servercontrolpanel.de/realms/scp';
/** netcup: "failover IPs can only be re-assigned every 5 minutes". */
export const NETCUP_MIN_MOVE_INTERVAL_MS = 300_000;
/**
 * A move reads the routing (src/reconcile/move.ts) and routes a moment later: route() reuses a
 * read this young instead of reading again (a second GET on the critical path of a failover).
 * Safe because the caller reads every address back after route() and that read decides; a
 * PATCH sent on a read gone stale at worst meets the per-IP limit, and the read-back reports
 * where the address is.
 */
export const NETCUP_READ_REUSE_MS = 10_000;

/** `credentials` is the Secret with keys refreshToken (required) and userId (optional; else the access token's `id` claim). */
export interface NetcupProviderOptions extends HttpProviderOptions {
  readonly issuerUrl?: string;
  readonly clientId?: string;
  /** How often a routing task is polled (live tasks take about a second). Default 1500. */
  readonly taskPollIntervalMs?: number;
  /** How long one routing task may run before route() gives up (transient). Default 120 000. */
  readonly taskDeadlineMs?: number;
  /** How long a server found by a node's IP is remembered. Default one hour. */
  readonly serverCacheTtlMs?: number;
  readonly tokenRefreshMarginMs?: number;
}

interface ResolvedIp {
  readonly path: string;
  readonly serverId: string | null;
}

const SAME_SITE = /same site/i;

/**
 * netcup failover IPs through the SCP REST API (the SOAP web service was switched off on
 * 2026-05-01). Reads are GETs filtered by IP; a move is a PATCH {serverId} that starts an async
 * task, polled until it ends.
 */
export function createNetcupProvider(options: NetcupProviderOptions): FailoverIpProvider {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const logger = options.logger.child({ provider: 'netcup' });
  const metrics = options.metrics ?? noProviderMetrics;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const pollMs = options.taskPollIntervalMs ?? 1500;
  const taskDeadlineMs = options.taskDeadlineMs ?? 120_000;
  const serverTtlMs = options.serverCacheTtlMs ?? 3_600_000;
  const { clock } = options;

  const auth = createNetcupAuth({
    issuerUrl: options.issuerUrl ?? NETCUP_DEFAULT_ISSUER_URL,
    clientId: options.clientId ?? 'scp',
    credentials: options.credentials,
    clock,
    logger,
    metrics,
    fetch: fetchImpl,
    refreshMarginMs: options.tokenRefreshMarginMs ?? 30_000,
    requestTimeoutMs,
    ...(options.random === undefined ? {} : { random: options.random }),
  });

  const send = createProviderCall('netcup', NETCUP_DEFAULT_API_URL, { ...options, fetch: fetchImpl, metrics, requestTimeoutMs }, logger, {
    authorize: async (signal) => ({ authorization: `Bearer ${await auth.accessToken(signal)}` }),
    classifyFailure: classifyNetcupFailure,
  });
  const call = async (request: HttpRequest): Promise<unknown> => (await send(request)).body;

  function classifyNetcupFailure(failure: HttpFailure) {
    if (failure.status === 401) {
      // Whatever the reason, the cached access token is useless now: the next call refreshes.
      auth.invalidateAccessToken();
      return terminalError(`${failure.summary}. The access token was refused; the next attempt gets a new one. If this repeats, ${RELOGIN_HINT}`, 'auth');
    }
    if (failure.status === 400 && SAME_SITE.test(failure.providerMessage ?? '')) {
      return terminalError(`${failure.summary} (netcup routes a failover IP only to servers of its own site)`, 'same-site');
    }
    if (failure.status === 429 && failure.method === 'PATCH') {
      // netcup documents one move per IP per 5 minutes; without Retry-After, assume a full window.
      const waitMs = rateLimitWaitMs(failure.headers, failure.nowMs) ?? NETCUP_MIN_MOVE_INTERVAL_MS;
      return rateLimitedError(failure.summary, waitMs);
    }
    return undefined;
  }

  const serverByIp = new Map<string, { serverId: string | null; at: number }>();
  /** The last getRouting() answer per user and address, taken (once) by the next route() within NETCUP_READ_REUSE_MS. */
  const lastRead = new Map<string, ResolvedIp & { readonly at: number }>();
  const readKey = (userId: number, address: string): string => `${userId} ${address}`;

  async function resolveForMove(address: string, userId: number, signal?: AbortSignal): Promise<ResolvedIp> {
    const key = readKey(userId, address);
    const recent = lastRead.get(key);
    lastRead.delete(key);
    if (recent && clock.now() - recent.at <= NETCUP_READ_REUSE_MS) return recent;
    return resolve(address, userId, signal);
  }

  function parse(text: string): FailoverAddress {
    const address = parseFailoverAddress(text);
    if (!address) throw terminalError(`netcup: "${text.slice(0, 60)}" is not an IPv4 address or an IPv6 prefix (e.g. 2001:db8::/64)`, 'validation');
    return address;
  }

  async function resolve(text: string, userId: number, signal?: AbortSignal): Promise<ResolvedIp> {
    const address = parse(text);
    const base = `/api/v1/users/${userId}/failoverips`;
    if (address.family === 4) {
      const body = await call({ method: 'GET', path: `${base}/v4`, query: { ip: address.ip }, operation: 'get_routing', signal });
      const found = parseAnswer(failoverIPv4ListSchema, body, 'netcup GET failoverips/v4').find((entry) => entry.ip === address.ip);
      if (!found) throw notInAccount(text, userId);
      return { path: `${base}/v4/${found.id}`, serverId: found.server ? String(found.server.id) : null };
    }
    // How ?ip= filters IPv6 is not documented, so list the account's prefixes and match exactly.
    const body = await call({ method: 'GET', path: `${base}/v6`, operation: 'get_routing', signal });
    const found = parseAnswer(failoverIPv6ListSchema, body, 'netcup GET failoverips/v6').find(
      (entry) => entry.networkPrefixLength === address.prefixLength && sameIPv6(entry.networkPrefix, address.prefix),
    );
    if (!found) throw notInAccount(text, userId);
    return { path: `${base}/v6/${found.id}`, serverId: found.server ? String(found.server.id) : null };
  }

  async function waitForTask(first: TaskInfo, text: string, signal?: AbortSignal): Promise<void> {
    const task = await pollAction(first, {
      what: `netcup routing task for ${text}`,
      clock,
      intervalMs: pollMs,
      timeoutMs: taskDeadlineMs,
      signal,
      running: (t) => t.state !== 'FINISHED' && !TASK_FAILED.has(t.state),
      fetch: async (t) => {
        const body = await call({ method: 'GET', path: `/api/v1/tasks/${encodeURIComponent(t.uuid)}`, operation: 'poll_task', signal });
        return parseAnswer(taskInfoSchema, body, 'netcup GET tasks');
      },
    });
    if (TASK_FAILED.has(task.state)) {
      const reason = (task.responseError?.message ?? task.message ?? 'no message').slice(0, 200);
      throw transientError(`netcup routing task for ${text} ended ${task.state}: ${reason}`, 'task-failed');
    }
  }

  async function userIdFor(addresses: readonly string[], signal?: AbortSignal): Promise<number> {
    addresses.forEach(parse);
    if (signal?.aborted) throw abortedError('netcup');
    // Retried like every provider call (its token refresh makes one grant per attempt).
    return withRetry(() => auth.userId(signal), options.retry ?? DEFAULT_RETRY_POLICY, {
      clock,
      ...(signal === undefined ? {} : { signal }),
      what: 'netcup token_refresh',
      logger,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  return {
    type: 'netcup',
    minMoveIntervalMs: NETCUP_MIN_MOVE_INTERVAL_MS,

    async getRouting(addresses, signal) {
      const userId = await userIdFor(addresses, signal);
      const result: Routing[] = [];
      for (const address of addresses) {
        const resolved = await resolve(address, userId, signal);
        lastRead.set(readKey(userId, address), { ...resolved, at: clock.now() });
        result.push({ address, serverId: resolved.serverId });
      }
      return result;
    },

    async route(addresses, serverId, signal) {
      if (!/^\d{1,15}$/.test(serverId)) {
        throw terminalError(`netcup server ids are numeric; got "${serverId.slice(0, 40)}"`, 'validation');
      }
      const userId = await userIdFor(addresses, signal);
      for (const address of addresses) {
        const resolved = await resolveForMove(address, userId, signal);
        if (resolved.serverId === serverId) {
          logger.debug('failover IP already routed to the target server', { failoverIP: address, serverId });
          continue;
        }
        const step = {
          what: `netcup route ${address}`,
          read: async (readSignal?: AbortSignal) => (await resolve(address, userId, readSignal)).serverId,
          send: async (sendSignal?: AbortSignal) => {
            const body = await call({
              method: 'PATCH',
              path: resolved.path,
              json: { serverId: Number(serverId) },
              operation: 'route',
              signal: sendSignal,
              once: true,
            });
            const task = parseAnswer(taskInfoSchema, body, 'netcup PATCH failoverips');
            logger.info('netcup routing task started', { failoverIP: address, serverId, task: task.uuid });
            return task;
          },
          complete: async (task: TaskInfo, completeSignal?: AbortSignal) => {
            await waitForTask(task, address, completeSignal);
            logger.info('netcup routing task finished', { failoverIP: address, serverId, outcome: 'routed' });
          },
        };
        // A task accepted before its answer was lost lands within one task's run time.
        await moveIdempotently(step, serverId, moveContext(options, logger, signal, { pollMs, timeoutMs: Math.min(taskDeadlineMs, 10 * pollMs + 5_000) }));
      }
    },

    async discoverServer(node: NodeIdentityHint, signal?: AbortSignal) {
      const now = clock.now();
      for (const ip of node.addresses) {
        const hit = serverByIp.get(ip);
        if (hit && now - hit.at < serverTtlMs) {
          if (hit.serverId !== null) return hit.serverId;
          continue;
        }
        const body = await call({ method: 'GET', path: '/api/v1/servers', query: { ip }, operation: 'discover_server', signal });
        const servers = parseAnswer(serverListSchema, body, 'netcup GET servers');
        // Two servers claiming one IP would make any answer a guess: unknown.
        const serverId = servers.length === 1 && servers[0] ? String(servers[0].id) : null;
        serverByIp.set(ip, { serverId, at: now });
        if (serverId !== null) {
          logger.debug('found the netcup server behind a node', { node: node.nodeName, serverId });
          return serverId;
        }
      }
      return null;
    },
  };
}

function sameIPv6(a: string, canonical: string): boolean {
  const parsed = parseFailoverAddress(a);
  return parsed?.family === 6 && parsed.prefix === canonical;
}

function notInAccount(address: string, userId: number) {
  return terminalError(`netcup: failover IP ${address.slice(0, 60)} is not in the account of SCP user ${userId}`, 'not-found');
}
