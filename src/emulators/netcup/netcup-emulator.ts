import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { addressKey } from '../../core/address.js';
import { parseFailoverAddress } from '../../providers/netcup/failover-address.js';
import { EmulatorIssuer } from './emulator-issuer.js';
import { FaultLayer } from '../fault-layer.js';
import type { FailedTaskState, NetcupEmulatorFaults } from './emulator-faults.js';

export interface EmulatorSite {
  readonly id: number;
  readonly city: string;
}

export interface EmulatorServerSeed {
  readonly id: number;
  readonly name?: string;
  readonly hostname?: string;
  readonly siteId?: number;
  /** The server's own addresses, for GET /api/v1/servers?ip=. */
  readonly ips?: readonly string[];
}

export interface EmulatorFailoverIpSeed {
  /** `198.51.100.10` or an IPv6 prefix `2001:db8::/64`. */
  readonly address: string;
  readonly serverId: number | null;
  readonly siteId?: number;
  readonly id?: number;
}

export interface NetcupEmulatorOptions {
  readonly userId?: number;
  readonly sites?: readonly EmulatorSite[];
  readonly servers?: readonly EmulatorServerSeed[];
  readonly failoverIps?: readonly EmulatorFailoverIpSeed[];
  /** How long a routing task runs before FINISHED. Default 800 ms (live tasks took 0.4–0.8 s). */
  readonly taskDurationMs?: number;
  /** netcup allows one move per failover IP per 5 minutes; the sandbox uses a shorter one. */
  readonly moveIntervalMs?: number;
  readonly accessTokenTtlSeconds?: number;
  readonly rotateRefreshTokens?: boolean;
  readonly deviceIntervalSeconds?: number;
  readonly clientId?: string;
  /** Time source for tasks, rate limits and token expiry (default Date.now). */
  readonly now?: () => number;
  /**
   * Accept bearer tokens from another issuer (e.g. oidc-provider in tests): returns the SCP
   * user id behind a token, or null to answer 401. Default: tokens of the built-in issuer.
   */
  readonly authorize?: (accessToken: string) => number | null | Promise<number | null>;
  readonly host?: string;
  readonly port?: number;
}

export interface PatchRecord {
  /** When the PATCH arrived, by the emulator's clock. */
  readonly at: number;
  readonly address: string;
  readonly failoverIpId: number;
  readonly serverId: number | null;
  readonly status: number;
}

export interface EmulatorTask {
  readonly uuid: string;
  readonly name: string;
  readonly address: string;
  readonly serverId: number | null;
  readonly startedAt: number;
  readonly finishesAt: number;
  readonly failAs?: string;
  settled: boolean;
}

export interface NetcupEmulator {
  readonly url: string;
  /** Base URL for the adapter's apiUrl (…/scp-core). */
  readonly apiUrl: string;
  /** Base URL for the adapter's issuerUrl (…/realms/scp). */
  readonly issuerUrl: string;
  readonly userId: number;
  /** A valid offline refresh token of the built-in issuer. */
  readonly refreshToken: string;
  readonly faults: NetcupEmulatorFaults;
  /** Every PATCH received, in order, with its answer. */
  readonly patches: readonly PatchRecord[];
  readonly tasks: readonly EmulatorTask[];
  /** How many refresh_token grants the built-in issuer served. */
  refreshGrants(): number;
  /** Where `address` is routed now (server id), null when routed nowhere. Throws for unknown addresses. */
  routing(address: string): number | null;
  /** Changes routing out of band, as a person in the SCP web UI would. */
  setRouting(address: string, serverId: number | null): void;
  issueRefreshToken(): string;
  /** Approves a device-flow user code (what visiting the verification page does). */
  approveDevice(userCode: string): boolean;
  close(): Promise<void>;
}

interface FailoverIpState {
  readonly id: number;
  readonly family: 4 | 6;
  /** As given in the seed, used to address it in the inspection API. */
  readonly address: string;
  readonly ip: string;
  readonly prefixLength: number;
  readonly siteId: number;
  serverId: number | null;
  lastMoveAt: number | undefined;
}

interface ServerState {
  readonly id: number;
  readonly name: string;
  readonly hostname: string;
  readonly siteId: number;
  readonly ips: readonly string[];
}

const DEFAULT_SITES: readonly EmulatorSite[] = [
  { id: 1, city: 'Nuremberg' },
  { id: 2, city: 'Vienna' },
];
const DEFAULT_SERVERS: readonly EmulatorServerSeed[] = [
  { id: 111001, siteId: 1, ips: ['192.0.2.11'] },
  { id: 111002, siteId: 1, ips: ['192.0.2.12'] },
  { id: 111003, siteId: 1, ips: ['192.0.2.13'] },
  { id: 111009, siteId: 2, ips: ['192.0.2.19'] },
];
const DEFAULT_FAILOVER_IPS: readonly EmulatorFailoverIpSeed[] = [
  { address: '198.51.100.10', serverId: 111001 },
  { address: '2001:db8:a:20::/64', serverId: 111001 },
];

const RATE_LIMIT_MESSAGE = 'Routing a failover IP is only permitted once every 5 minutes.';
const SAME_SITE_MESSAGE = 'Routing is limited to servers within the same site as the failover IP.';
const MAX_BODY_BYTES = 64 * 1024;

class HttpReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

const error = (status: number, code: string, message: string, headers?: Record<string, string>): HttpReply => new HttpReply(status, { code, message }, headers);

/**
 * An in-process stand-in for netcup's SCP REST API and its Keycloak realm, with netcup's rules
 * (one move per IP per interval, same-site routing, async tasks) and fault injection.
 * Listens on 127.0.0.1 and an ephemeral port unless told otherwise.
 *
 * Not documented by netcup, chosen here: a move inside the interval answers 429 with
 * Retry-After (seconds left) and the SOAP-era message, a repeat of the same move included; a PATCH
 * while that IP's task still runs is refused the same way.
 */
export async function startNetcupEmulator(options: NetcupEmulatorOptions = {}): Promise<NetcupEmulator> {
  const now = options.now ?? Date.now;
  const userId = options.userId ?? 555001;
  const taskDurationMs = options.taskDurationMs ?? 800;
  const moveIntervalMs = options.moveIntervalMs ?? 300_000;
  const sites = new Map((options.sites ?? DEFAULT_SITES).map((site) => [site.id, site]));
  const servers = new Map<number, ServerState>();
  for (const seed of options.servers ?? DEFAULT_SERVERS) {
    const name = seed.name ?? `v${String(seed.id).padStart(19, '0')}`;
    servers.set(seed.id, { id: seed.id, name, hostname: seed.hostname ?? `${name}.megasrv.de`, siteId: seed.siteId ?? 1, ips: seed.ips ?? [] });
  }
  const failoverIps: FailoverIpState[] = [];
  let nextId = 333001;
  for (const seed of options.failoverIps ?? DEFAULT_FAILOVER_IPS) {
    const parsed = parseFailoverAddress(seed.address);
    if (!parsed) throw new Error(`emulator seed: bad failover address ${seed.address}`);
    const id = seed.id ?? nextId++;
    failoverIps.push(
      parsed.family === 4
        ? { id, family: 4, address: seed.address, ip: parsed.ip, prefixLength: 32, siteId: seed.siteId ?? 1, serverId: seed.serverId, lastMoveAt: undefined }
        : {
            id,
            family: 6,
            address: seed.address,
            // netcup lists prefixes in compressed form (2001:db8:a:20:33d::): the canonical RFC 5952 text.
            ip: parsed.prefix,
            prefixLength: parsed.prefixLength,
            siteId: seed.siteId ?? 1,
            serverId: seed.serverId,
            lastMoveAt: undefined,
          },
    );
  }

  const faultLayer = new FaultLayer();
  const failedTasks: FailedTaskState[] = [];
  let apiRequests = 0;
  let apiMutations = 0;
  const patches: PatchRecord[] = [];
  const tasks: EmulatorTask[] = [];
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, error(500, 'INTERNAL_ERROR', 'emulator error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  const issuerUrl = `${url}/realms/scp`;
  const issuer = new EmulatorIssuer({
    issuerUrl,
    userId,
    clientId: options.clientId ?? 'scp',
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    deviceIntervalSeconds: options.deviceIntervalSeconds ?? 5,
    now,
  });
  const refreshToken = issuer.issueRefreshToken();

  function settleTasks(): void {
    const time = now();
    for (const task of tasks) {
      if (task.settled || time < task.finishesAt) continue;
      task.settled = true;
      if (task.failAs !== undefined) continue;
      const target = failoverIps.find((entry) => entry.address === task.address);
      if (target) target.serverId = task.serverId;
    }
  }

  function taskInfo(task: EmulatorTask): Record<string, unknown> {
    settleTasks();
    const time = now();
    const done = task.settled;
    const state = done ? (task.failAs ?? 'FINISHED') : 'RUNNING';
    const progress = done ? 100 : Math.min(99, Math.floor(((time - task.startedAt) / Math.max(1, task.finishesAt - task.startedAt)) * 100));
    return {
      uuid: task.uuid,
      name: task.name,
      state,
      startedAt: new Date(task.startedAt).toISOString(),
      finishedAt: done ? new Date(task.finishesAt).toISOString() : null,
      executingUser: { id: userId, username: '100000' },
      taskProgress: { expectedFinishedAt: new Date(task.finishesAt).toISOString(), progressInPercent: progress },
      message: done ? (task.failAs ? 'Routing failed.' : 'Failover IP routed.') : 'Firewall configuration is running.',
      onRollback: task.failAs === 'ROLLBACK',
      steps: [],
      result: {},
      responseError: task.failAs ? { code: 'TASK_FAILED', message: `Task ended ${task.failAs} (injected)` } : null,
      serverActionId: null,
    };
  }

  function failoverJson(entry: FailoverIpState): Record<string, unknown> {
    const site = sites.get(entry.siteId) ?? { id: entry.siteId, city: 'Unknown' };
    const routedTo = entry.serverId === null ? undefined : servers.get(entry.serverId);
    const common = {
      id: entry.id,
      editable: true,
      site,
      user: { id: userId, username: '100000', firstname: 'Emu', lastname: 'Lator', email: 'emulator@example.invalid' },
      ...(routedTo ? { server: { id: routedTo.id, name: routedTo.name } } : {}),
    };
    return entry.family === 4 ? { ...common, ip: entry.ip, cidrSuffix: 32 } : { ...common, networkPrefix: entry.ip, networkPrefixLength: entry.prefixLength };
  }

  async function authorize(request: IncomingMessage): Promise<number | null> {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match?.[1]) return null;
    if (options.authorize) return options.authorize(match[1]);
    return issuer.userIdFor(match[1]);
  }

  async function api(method: string, path: string, query: URLSearchParams, request: IncomingMessage): Promise<HttpReply> {
    if (method === 'GET' && path === '/api/ping') return new HttpReply(200, 'pong');
    const caller = await authorize(request);
    if (caller === null) return error(401, 'UNAUTHORIZED', 'Missing or invalid bearer token.', { 'www-authenticate': 'Bearer' });
    settleTasks();

    const users = /^\/api\/v1\/users\/(\d+)\/failoverips\/(v4|v6)(?:\/(\d+))?$/.exec(path);
    if (users) {
      if (Number(users[1]) !== caller) return error(403, 'FORBIDDEN', 'Access denied for this user.');
      const family = users[2] === 'v4' ? 4 : 6;
      if (users[3] === undefined) {
        if (method !== 'GET') return error(405, 'METHOD_NOT_ALLOWED', 'Method not allowed.');
        return new HttpReply(200, listFailoverIps(family, query).map(failoverJson));
      }
      if (method !== 'PATCH') return error(405, 'METHOD_NOT_ALLOWED', 'Method not allowed.');
      return routeFailoverIp(family, Number(users[3]), await readJson(request));
    }

    const task = /^\/api\/v1\/tasks\/([^/]+)$/.exec(path);
    if (task && method === 'GET') {
      const found = tasks.find((entry) => entry.uuid === decodeURIComponent(task[1] ?? ''));
      return found ? new HttpReply(200, taskInfo(found)) : error(404, 'NOT_FOUND', `Entity Task with id ${task[1]} not found.`);
    }

    if (path === '/api/v1/servers' && method === 'GET') {
      const ip = query.get('ip');
      const name = query.get('name');
      const list = [...servers.values()]
        .filter((entry) => ip === null || entry.ips.includes(ip))
        .filter((entry) => name === null || entry.name === name)
        .map((entry) => ({ id: entry.id, name: entry.name, hostname: entry.hostname, nickname: null, disabled: false, template: null }));
      return new HttpReply(200, list);
    }
    const one = /^\/api\/v1\/servers\/(\d+)$/.exec(path);
    if (one && method === 'GET') {
      const found = servers.get(Number(one[1]));
      if (!found) return error(404, 'NOT_FOUND', `Entity Server with id ${one[1]} not found.`);
      return new HttpReply(200, { id: found.id, name: found.name, hostname: found.hostname, nickname: null, disabled: false, site: sites.get(found.siteId) });
    }
    return error(404, 'NOT_FOUND', 'No such endpoint.');
  }

  function listFailoverIps(family: 4 | 6, query: URLSearchParams): FailoverIpState[] {
    const ip = query.get('ip');
    const serverId = query.get('serverId');
    return failoverIps
      .filter((entry) => entry.family === family)
      .filter((entry) => {
        if (ip === null) return true;
        return family === 4 ? entry.ip === ip : sameIPv6(entry.ip, ip);
      })
      .filter((entry) => serverId === null || entry.serverId === Number(serverId));
  }

  function routeFailoverIp(family: 4 | 6, id: number, body: unknown): HttpReply {
    const entry = failoverIps.find((candidate) => candidate.family === family && candidate.id === id);
    const requested = (body as { serverId?: unknown } | null)?.serverId;
    const serverId = requested === undefined || requested === null ? null : Number(requested);
    const record = (status: number): void => {
      patches.push({ at: now(), address: entry?.address ?? `#${id}`, failoverIpId: id, serverId, status });
    };
    if (body === undefined || (serverId !== null && !Number.isInteger(serverId))) {
      record(400);
      return error(400, 'BAD_REQUEST', 'Request body must be {"serverId": <integer>}.');
    }
    const target = serverId === null ? undefined : servers.get(serverId);
    if (!entry || (serverId !== null && !target)) {
      record(404);
      return error(404, 'NOT_FOUND', `Failover IPv${family} or server not found.`);
    }
    if (target && target.siteId !== entry.siteId) {
      record(400);
      return error(400, 'BAD_REQUEST', SAME_SITE_MESSAGE);
    }
    const time = now();
    // The limit counts every accepted PATCH, a repeat of the same move included (a client that
    // lost the answer and sends again is refused): the rule is per IP, not per target.
    const running = tasks.find((task) => task.address === entry.address && !task.settled);
    const blockedUntil = Math.max(entry.lastMoveAt === undefined ? 0 : entry.lastMoveAt + moveIntervalMs, running?.finishesAt ?? 0);
    if (time < blockedUntil) {
      record(429);
      const seconds = Math.max(1, Math.ceil((blockedUntil - time) / 1000));
      return error(429, 'TOO_MANY_REQUESTS', RATE_LIMIT_MESSAGE, { 'retry-after': String(seconds) });
    }
    entry.lastMoveAt = time;
    const failAs = failedTasks.shift();
    const task: EmulatorTask = {
      uuid: randomUUID(),
      name: serverId === null ? 'ClearFailoverIpTask' : 'RouteFailoverIpTask',
      address: entry.address,
      serverId,
      startedAt: time,
      finishesAt: time + taskDurationMs,
      ...(failAs ? { failAs } : {}),
      settled: false,
    };
    tasks.push(task);
    record(202);
    return new HttpReply(202, taskInfo(task));
  }

  async function oauth(method: string, path: string, query: URLSearchParams, request: IncomingMessage): Promise<HttpReply> {
    if (method === 'GET' && path === '/.well-known/openid-configuration') return new HttpReply(200, issuer.discovery());
    if (method === 'GET' && path === '/protocol/openid-connect/certs') return new HttpReply(200, { keys: [] });
    if (method === 'GET' && path === '/device') {
      const approved = issuer.approveDevice(query.get('user_code') ?? '');
      return new HttpReply(approved ? 200 : 404, approved ? 'Device approved. You can close this page.' : 'Unknown user code.');
    }
    if (method === 'GET' && path === '/protocol/openid-connect/userinfo') {
      const reply = issuer.userinfo(/^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
      return new HttpReply(reply.status, reply.body);
    }
    if (method !== 'POST') return error(404, 'NOT_FOUND', 'No such endpoint.');
    const form = new URLSearchParams(await readBody(request));
    const handlers: Record<string, (form: URLSearchParams) => { status: number; body: Record<string, unknown> }> = {
      '/protocol/openid-connect/token': (input) => issuer.token(input),
      '/protocol/openid-connect/auth/device': (input) => issuer.deviceAuthorization(input),
      '/protocol/openid-connect/revoke': (input) => issuer.revoke(input),
    };
    const handler = handlers[path];
    if (!handler) return error(404, 'NOT_FOUND', 'No such endpoint.');
    const reply = handler(form);
    return new HttpReply(reply.status, reply.body, { 'cache-control': 'no-store' });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parsed = new URL(request.url ?? '/', url);
    const method = request.method ?? 'GET';
    const isApi = parsed.pathname.startsWith('/scp-core/');
    const isRealm = parsed.pathname.startsWith('/realms/scp/');
    if (!isApi && !isRealm) {
      send(response, error(404, 'NOT_FOUND', 'No such endpoint.'));
      return;
    }
    const mutation = isApi && method === 'PATCH' && parsed.pathname.includes('/failoverips/');
    if (isApi) apiRequests += 1;
    if (mutation) apiMutations += 1;
    // Only the token endpoint counts as 'token', so discovery stays reachable under token faults.
    const token = !isApi && parsed.pathname.endsWith('/token');
    const fault = isApi || token ? faultLayer.take({ token, mutation }) : undefined;
    await faultLayer.serve(fault, {
      request,
      response,
      process: () =>
        isApi
          ? api(method, parsed.pathname.slice('/scp-core'.length), parsed.searchParams, request)
          : oauth(method, parsed.pathname.slice('/realms/scp'.length), parsed.searchParams, request),
      send: (reply) => send(response, reply),
      failReply: (status) => error(status, 'INJECTED_FAULT', `Injected fault ${status}.`),
      rateLimitReply: (seconds) => error(429, 'TOO_MANY_REQUESTS', 'Too many requests.', { 'retry-after': String(seconds) }),
    });
  }

  const faults: NetcupEmulatorFaults = {
    ...faultLayer.control({ requestCount: () => apiRequests, mutationCount: () => apiMutations }),
    failNextTask: (state = 'ERROR') => failedTasks.push(state),
    expireTokens: () => issuer.expireAccessTokens(),
    revokeRefreshToken: (value) => issuer.revokeRefreshToken(value),
    clear: () => {
      faultLayer.clear();
      failedTasks.length = 0;
    },
  };

  function find(address: string): FailoverIpState {
    const parsed = parseFailoverAddress(address);
    const entry = parsed
      ? failoverIps.find((candidate) =>
          parsed.family === 4
            ? candidate.ip === parsed.ip
            : candidate.family === 6 && sameIPv6(candidate.ip, parsed.prefix) && candidate.prefixLength === parsed.prefixLength,
        )
      : undefined;
    if (!entry) throw new Error(`emulator: unknown failover address ${address}`);
    return entry;
  }

  return {
    url,
    apiUrl: `${url}/scp-core`,
    issuerUrl,
    userId,
    refreshToken,
    faults,
    patches,
    tasks,
    refreshGrants: () => issuer.refreshGrants,
    routing: (address) => {
      settleTasks();
      return find(address).serverId;
    },
    setRouting: (address, serverId) => {
      find(address).serverId = serverId;
    },
    issueRefreshToken: () => issuer.issueRefreshToken(),
    approveDevice: (userCode) => issuer.approveDevice(userCode),
    close: () =>
      new Promise<void>((resolve) => {
        faultLayer.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, reply: HttpReply): void {
  if (response.destroyed) return;
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** undefined when the body is not JSON (answered 400 by the caller). */
async function readJson(request: IncomingMessage): Promise<unknown> {
  const text = await readBody(request);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sameIPv6(a: string, b: string): boolean {
  return addressKey(a) === addressKey(b);
}
