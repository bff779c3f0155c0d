import { bearerTokenFront, pageOf, startEmulatorServer, type EmulatorReply, type EmulatorRequest, type RunningEmulator } from '../emulator-server.js';

/**
 * Hetzner Cloud API emulator (floating IPs and actions), following docs.hetzner.cloud:
 * base path /v1, Bearer project token, `{error: {code, message}}` bodies, assign as an async
 * Action (`running` → `success`) that locks the floating IP while it runs (423 `locked`), and
 * the project request budget with RateLimit-Limit/Remaining/Reset on every answer (429
 * `rate_limit_exceeded` when spent; the budget refills one request per second).
 */

export interface HetznerCloudFloatingIpSeed {
  readonly id: number;
  /** `203.0.113.10` or `2001:db8:10::/64` as Hetzner spells it. */
  readonly ip: string;
  readonly server: number | null;
  readonly name?: string;
}

export interface HetznerCloudServerSeed {
  readonly id: number;
  readonly name?: string;
  readonly publicIpv4?: string;
  readonly privateIps?: readonly string[];
}

export interface HetznerCloudEmulatorOptions {
  readonly token: string;
  readonly floatingIps: readonly HetznerCloudFloatingIpSeed[];
  /** Server ids, or servers with the addresses `GET /v1/servers` shows. */
  readonly servers: readonly (number | HetznerCloudServerSeed)[];
  /** How long an assign Action stays `running` (default 50 ms). */
  readonly actionDurationMs?: number;
  /** Project request budget (default 3600, as documented). */
  readonly rateLimit?: number;
  readonly port?: number;
}

interface FloatingIp {
  id: number;
  ip: string;
  name: string;
  server: number | null;
  lockedBy: number | null;
}

interface Action {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  started: string;
  finished: string | null;
  progress: number;
  doneAt: number;
  resources: { id: number; type: string }[];
  apply: () => void;
  floatingIpId: number;
}

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'unprocessable_entity',
  423: 'locked',
  429: 'rate_limit_exceeded',
  500: 'server_error',
  502: 'server_error',
  503: 'unavailable',
  504: 'timeout',
};

export interface HetznerCloudEmulator extends RunningEmulator {
  /** Where the emulator routes a floating IP now (by its ip as seeded). */
  serverOf(ip: string): number | null;
  /** From now on every request is 401 `unauthorized`, as after deleting the token in the console. */
  revokeToken(): void;
}

export async function startHetznerCloudEmulator(options: HetznerCloudEmulatorOptions): Promise<HetznerCloudEmulator> {
  const floatingIps = new Map<number, FloatingIp>(
    options.floatingIps.map((f) => [f.id, { id: f.id, ip: f.ip, name: f.name ?? `fip-${f.id}`, server: f.server, lockedBy: null }]),
  );
  const actions = new Map<number, Action>();
  const serverSeeds = options.servers.map((s): HetznerCloudServerSeed => (typeof s === 'number' ? { id: s } : s));
  const servers = new Set(serverSeeds.map((s) => s.id));
  const durationMs = options.actionDurationMs ?? 50;
  let token: string | null = options.token;
  const limit = options.rateLimit ?? 3600;
  let nextActionId = 1;
  let budget = limit;
  let budgetAt = Date.now();

  const error = (status: number, message: string, headers?: Record<string, string>): EmulatorReply => ({
    status,
    json: { error: { code: ERROR_CODES[status] ?? `http_${status}`, message, details: {} } },
    headers,
  });

  // Actions finish lazily, when someone looks: no timers to clean up.
  const settle = (action: Action): Action => {
    if (action.status === 'running' && Date.now() >= action.doneAt) {
      action.apply();
      action.status = 'success';
      action.progress = 100;
      action.finished = new Date().toISOString();
      const fip = floatingIps.get(action.floatingIpId);
      if (fip?.lockedBy === action.id) fip.lockedBy = null;
    }
    return action;
  };
  const settleAll = (): void => actions.forEach(settle);

  const actionJson = (a: Action) => ({
    id: a.id,
    command: a.command,
    status: a.status,
    progress: a.progress,
    started: a.started,
    finished: a.finished,
    resources: a.resources,
    error: a.status === 'error' ? { code: 'action_failed', message: 'Action failed' } : null,
  });
  const fipJson = (f: FloatingIp) => ({
    id: f.id,
    name: f.name,
    description: null,
    ip: f.ip,
    type: f.ip.includes(':') ? 'ipv6' : 'ipv4',
    server: f.server,
    dns_ptr: [],
    home_location: { name: 'fsn1' },
    blocked: false,
    protection: { delete: false },
    labels: {},
    created: '2026-01-01T00:00:00+00:00',
  });

  /** A bucket that refills one request a second, as Hetzner documents its project budget. */
  const spend = () => {
    const now = Date.now();
    budget = Math.min(limit, budget + Math.floor((now - budgetAt) / 1000));
    budgetAt = now - ((now - budgetAt) % 1000);
    const headers = {
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(Math.max(0, budget)),
      'RateLimit-Reset': String(Math.ceil(now / 1000) + (limit - Math.max(0, budget))),
    };
    const allowed = budget > 0;
    if (allowed) {
      budget -= 1;
      headers['RateLimit-Remaining'] = String(budget);
    }
    return { allowed, headers };
  };

  const startAction = (fip: FloatingIp, command: string, resources: { id: number; type: string }[], apply: () => void): Action => {
    const now = Date.now();
    const action: Action = {
      id: nextActionId++,
      command,
      status: 'running',
      started: new Date(now).toISOString(),
      finished: null,
      progress: 0,
      doneAt: now + durationMs,
      resources: [...resources, { id: fip.id, type: 'floating_ip' }],
      apply,
      floatingIpId: fip.id,
    };
    actions.set(action.id, action);
    fip.lockedBy = action.id;
    return action;
  };

  const route = (req: EmulatorRequest): EmulatorReply => {
    settleAll();
    const { method, path } = req;
    if (method === 'GET' && path === '/v1/floating_ips') {
      const name = req.query.get('name');
      const all = [...floatingIps.values()].filter((f) => name === null || f.name === name);
      const { items, page, perPage, lastPage } = pageOf(all, req.query, { default: 25, max: 50 });
      return {
        status: 200,
        json: {
          floating_ips: items.map(fipJson),
          meta: {
            pagination: {
              page,
              per_page: perPage,
              previous_page: page > 1 ? page - 1 : null,
              next_page: page < lastPage ? page + 1 : null,
              last_page: lastPage,
              total_entries: all.length,
            },
          },
        },
      };
    }
    if (method === 'GET' && path === '/v1/servers') {
      return {
        status: 200,
        json: {
          servers: serverSeeds.map((srv) => ({
            id: srv.id,
            name: srv.name ?? `server-${srv.id}`,
            status: 'running',
            public_net: {
              ipv4: srv.publicIpv4 ? { ip: srv.publicIpv4, blocked: false } : null,
              ipv6: null,
              floating_ips: [...floatingIps.values()].filter((f) => f.server === srv.id).map((f) => f.id),
            },
            private_net: (srv.privateIps ?? []).map((ip) => ({ network: 1, ip, alias_ips: [], mac_address: '86:00:00:00:00:01' })),
          })),
          meta: { pagination: { page: 1, per_page: 50, previous_page: null, next_page: null, last_page: 1, total_entries: serverSeeds.length } },
        },
      };
    }
    let m = /^\/v1\/floating_ips\/(\d+)$/.exec(path);
    if (method === 'GET' && m) {
      const fip = floatingIps.get(Number(m[1]));
      return fip ? { status: 200, json: { floating_ip: fipJson(fip) } } : error(404, 'Floating IP not found');
    }
    m = /^\/v1\/floating_ips\/(\d+)\/actions\/(assign|unassign)$/.exec(path);
    if (method === 'POST' && m) {
      const fip = floatingIps.get(Number(m[1]));
      if (!fip) return error(404, 'Floating IP not found');
      if (fip.lockedBy !== null) return error(423, 'Floating IP is locked: there is already an Action running');
      if (m[2] === 'unassign') {
        return { status: 201, json: { action: actionJson(startAction(fip, 'unassign_floating_ip', [], () => (fip.server = null))) } };
      }
      const body = req.body as { server?: unknown } | undefined;
      if (typeof body?.server !== 'number' || !Number.isInteger(body.server)) return error(400, 'invalid input in field "server"');
      const server = body.server;
      if (!servers.has(server)) return error(404, 'Server not found');
      const action = startAction(fip, 'assign_floating_ip', [{ id: server, type: 'server' }], () => (fip.server = server));
      return { status: 201, json: { action: actionJson(action) } };
    }
    m = /^\/v1\/(?:floating_ips\/\d+\/)?actions\/(\d+)$/.exec(path);
    if (method === 'GET' && m) {
      const action = actions.get(Number(m[1]));
      return action ? { status: 200, json: { action: actionJson(settle(action)) } } : error(404, 'Action not found');
    }
    return error(404, `no route for ${method} ${path}`);
  };

  const running = await startEmulatorServer({
    name: 'hetzner-cloud',
    port: options.port,
    handle: bearerTokenFront({
      spend,
      token: () => token,
      rateLimited: (headers) => error(429, 'Rate limit exceeded', headers),
      unauthorized: (headers) => error(401, 'Request was made with an invalid or unknown token', headers),
      route,
    }),
    failReply: (status) => error(status, `injected failure ${status}`),
    rateLimitReply: (retryAfterSeconds, nowMs) =>
      error(429, 'Rate limit exceeded', {
        'RateLimit-Limit': String(limit),
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': String(Math.ceil((nowMs + retryAfterSeconds * 1000) / 1000)),
      }),
    isMutation: (method, path) => method === 'POST' && /\/actions\/(assign|unassign)$/.test(path),
  });

  return {
    ...running,
    revokeToken: () => {
      token = null;
    },
    serverOf(ip) {
      settleAll();
      return [...floatingIps.values()].find((f) => f.ip === ip)?.server ?? null;
    },
  };
}
