import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { CredentialStore, FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import { terminalError, transientError } from '../../errors.js';
import { type FailoverAddress, canonicalIPv6, parseFailoverAddress } from './failover-address.js';
import { type FailoverIPv4, type FailoverIPv6, type ServerListMinimal, type TaskInfo, TASK_DONE, TASK_FAILED } from './netcup-api.js';
import { createNetcupAuth } from './netcup-auth.js';
import { createNetcupHttp } from './netcup-http.js';
import type { ProviderMetricsSink } from './provider-metrics-sink.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, cancelledError } from './retry-policy.js';

export const NETCUP_DEFAULT_API_URL = 'https://www.servercontrolpanel.de/scp-core';
export const NETCUP_DEFAULT_ISSUER_URL = 'https://www.servercontrolpanel.de/realms/scp';
export const NETCUP_MIN_MOVE_INTERVAL_MS = 300_000;

export interface NetcupProviderOptions {
  readonly apiUrl?: string;
  readonly issuerUrl?: string;
  readonly clientId?: string;
  /** Secret keys: refreshToken (required), userId (optional; else the token's `id` claim). */
  readonly credentials: CredentialStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: ProviderMetricsSink;
  readonly fetch?: typeof fetch;
  /** How often a routing task is polled (netcup tasks take about a second). Default 1500. */
  readonly taskPollIntervalMs?: number;
  /** How long one routing task may take before route() gives up. Default 120 000. */
  readonly taskDeadlineMs?: number;
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** How long a server found by IP is remembered. Default one hour. */
  readonly serverCacheTtlMs?: number;
  readonly tokenRefreshMarginMs?: number;
  readonly random?: () => number;
}

interface ResolvedIp {
  readonly path: string;
  readonly serverId: string | null;
}

/**
 * netcup failover IPs through the SCP REST API (the SOAP web service was switched off on
 * 2026-05-01). A move is a PATCH that starts an async task, polled until it ends.
 */
export function createNetcupProvider(options: NetcupProviderOptions): FailoverIpProvider {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const logger = options.logger.child({ provider: 'netcup' });
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
    metrics: options.metrics,
    fetch: fetchImpl,
    refreshMarginMs: options.tokenRefreshMarginMs ?? 30_000,
    requestTimeoutMs,
  });
  const http = createNetcupHttp({
    apiUrl: options.apiUrl ?? NETCUP_DEFAULT_API_URL,
    fetch: fetchImpl,
    clock,
    logger,
    metrics: options.metrics,
    requestTimeoutMs,
    retry: options.retry ?? DEFAULT_RETRY_POLICY,
    random: options.random,
    accessToken: (signal) => auth.accessToken(signal),
    invalidateAccessToken: () => auth.invalidateAccessToken(),
  });
  const serverByIp = new Map<string, { serverId: string | null; at: number }>();

  function parse(text: string): FailoverAddress {
    const address = parseFailoverAddress(text);
    if (!address) throw terminalError(`"${text}" is not an IPv4 address or an IPv6 prefix (e.g. 2001:db8::/64)`, 'validation');
    return address;
  }

  async function resolve(text: string, userId: number, signal?: AbortSignal): Promise<ResolvedIp> {
    const address = parse(text);
    const users = `/api/v1/users/${userId}/failoverips`;
    if (address.family === 4) {
      const list = (await http.call({
        operation: 'get-routing',
        method: 'GET',
        path: `${users}/v4?ip=${encodeURIComponent(address.ip)}`,
        expect: 200,
        signal,
      })) as FailoverIPv4[];
      const found = Array.isArray(list) ? list.find((entry) => entry.ip === address.ip) : undefined;
      if (!found) throw notInAccount(text, userId);
      return { path: `${users}/v4/${found.id}`, serverId: found.server ? String(found.server.id) : null };
    }
    // How ?ip= filters IPv6 is not documented, so list the account's prefixes and match exactly.
    const list = (await http.call({ operation: 'get-routing', method: 'GET', path: `${users}/v6`, expect: 200, signal })) as FailoverIPv6[];
    const found = Array.isArray(list)
      ? list.find(
          (entry) =>
            entry.networkPrefixLength === address.prefixLength && canonicalIPv6(entry.networkPrefix) === address.prefix,
        )
      : undefined;
    if (!found) throw notInAccount(text, userId);
    return { path: `${users}/v6/${found.id}`, serverId: found.server ? String(found.server.id) : null };
  }

  async function waitForTask(task: TaskInfo, text: string, signal?: AbortSignal): Promise<void> {
    const deadline = clock.now() + taskDeadlineMs;
    let current = task;
    for (;;) {
      if (TASK_DONE.has(current.state)) return;
      if (TASK_FAILED.has(current.state)) {
        const reason = current.responseError?.message ?? current.message ?? 'no message';
        throw transientError(`netcup routing task for ${text} ended ${current.state}: ${reason}`, 'task-failed');
      }
      if (clock.now() >= deadline) {
        throw transientError(`netcup routing task for ${text} still ${current.state} after ${taskDeadlineMs} ms`, 'task-timeout');
      }
      try {
        await clock.sleep(pollMs, signal);
      } catch (reason) {
        throw cancelledError('netcup routing task poll', reason);
      }
      current = (await http.call({
        operation: 'task',
        method: 'GET',
        path: `/api/v1/tasks/${encodeURIComponent(current.uuid)}`,
        expect: 200,
        signal,
      })) as TaskInfo;
    }
  }

  return {
    type: 'netcup',
    minMoveIntervalMs: NETCUP_MIN_MOVE_INTERVAL_MS,

    async getRouting(addresses, signal) {
      addresses.forEach(parse);
      const userId = await auth.userId(signal);
      const result: Routing[] = [];
      for (const address of addresses) {
        const resolved = await resolve(address, userId, signal);
        result.push({ address, serverId: resolved.serverId });
      }
      return result;
    },

    async route(addresses, serverId, signal) {
      if (!/^\d{1,15}$/.test(serverId)) {
        throw terminalError(`netcup server ids are numeric; got "${serverId.slice(0, 40)}"`, 'validation');
      }
      addresses.forEach(parse);
      const userId = await auth.userId(signal);
      for (const address of addresses) {
        const resolved = await resolve(address, userId, signal);
        if (resolved.serverId === serverId) {
          logger.debug('failover IP already routed to the target server', { failoverIP: address, serverId });
          continue;
        }
        const task = (await http.call({
          operation: 'route',
          method: 'PATCH',
          path: resolved.path,
          body: { serverId: Number(serverId) },
          expect: 202,
          signal,
        })) as TaskInfo;
        if (!task || typeof task.uuid !== 'string') {
          throw transientError(`netcup accepted the move of ${address} but returned no task`, 'bad-response');
        }
        logger.info('netcup routing task started', { failoverIP: address, serverId, task: task.uuid });
        await waitForTask(task, address, signal);
        logger.info('netcup routing task finished', { failoverIP: address, serverId });
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
        const list = (await http.call({
          operation: 'discover-server',
          method: 'GET',
          path: `/api/v1/servers?ip=${encodeURIComponent(ip)}`,
          expect: 200,
          signal,
        })) as ServerListMinimal[];
        const servers = Array.isArray(list) ? list : [];
        // Two servers claiming one IP would be a guess: treat it as unknown.
        const serverId = servers.length === 1 && servers[0] ? String(servers[0].id) : null;
        serverByIp.set(ip, { serverId, at: now });
        if (serverId !== null) return serverId;
      }
      return null;
    },
  };
}

function notInAccount(address: string, userId: number) {
  return terminalError(`failover IP ${address} is not in the netcup account of SCP user ${userId}`, 'not-found');
}
