import { bearerToken, startEmulatorServer, type EmulatorReply, type EmulatorRequest, type RunningEmulator } from '../emulator-server.js';

/**
 * DigitalOcean API emulator (reserved IPs and their actions), following the public v2 API:
 * Bearer token, `{id, message}` error bodies, assign as an async action (`in-progress` →
 * `completed`) during which the reserved IP is `locked` and another assign is refused with 422
 * ("pending event"), the request budget (250/min) with ratelimit-limit/-remaining/-reset on
 * every answer and 429 `too_many_requests` when spent.
 */

export interface DigitalOceanReservedIpSeed {
  readonly ip: string;
  readonly dropletId: number | null;
  readonly region?: string;
}

export interface DigitalOceanDropletSeed {
  readonly id: number;
  readonly region?: string;
  readonly name?: string;
  readonly publicIpv4?: string;
  readonly privateIpv4?: string;
}

export interface DigitalOceanEmulatorOptions {
  readonly token: string;
  readonly reservedIps: readonly DigitalOceanReservedIpSeed[];
  readonly droplets: readonly DigitalOceanDropletSeed[];
  /** How long an assign action stays `in-progress` (default 50 ms). */
  readonly actionDurationMs?: number;
  /** Requests per minute (default 250, as documented). */
  readonly ratePerMinute?: number;
  readonly port?: number;
}

interface ReservedIp {
  ip: string;
  region: string;
  dropletId: number | null;
  lockedBy: number | null;
}

interface Action {
  id: number;
  status: 'in-progress' | 'completed' | 'errored';
  startedAt: string;
  completedAt: string | null;
  doneAt: number;
  ip: string;
  apply: () => void;
}

const ERROR_IDS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  500: 'server_error',
  502: 'server_error',
  503: 'service_unavailable',
  504: 'server_error',
};

export interface DigitalOceanEmulator extends RunningEmulator {
  dropletOf(ip: string): number | null;
  /** From now on every request is 401 `unauthorized`, as after revoking the token. */
  revokeToken(): void;
}

export async function startDigitalOceanEmulator(options: DigitalOceanEmulatorOptions): Promise<DigitalOceanEmulator> {
  const reserved = new Map<string, ReservedIp>(
    options.reservedIps.map((r) => [r.ip, { ip: r.ip, region: r.region ?? 'fra1', dropletId: r.dropletId, lockedBy: null }]),
  );
  const droplets = new Map(options.droplets.map((d) => [d.id, d.region ?? 'fra1']));
  const actions = new Map<number, Action>();
  const durationMs = options.actionDurationMs ?? 50;
  let token: string | null = options.token;
  const perMinute = options.ratePerMinute ?? 250;
  let nextActionId = 900_001;
  let windowStart = Date.now();
  let used = 0;

  const error = (status: number, message: string, headers?: Record<string, string>): EmulatorReply => ({
    status,
    json: { id: ERROR_IDS[status] ?? 'error', message, request_id: `req-${Date.now()}` },
    headers,
  });

  const settle = (action: Action): Action => {
    if (action.status === 'in-progress' && Date.now() >= action.doneAt) {
      action.apply();
      action.status = 'completed';
      action.completedAt = new Date().toISOString();
      const ip = reserved.get(action.ip);
      if (ip?.lockedBy === action.id) ip.lockedBy = null;
    }
    return action;
  };
  const settleAll = (): void => actions.forEach(settle);

  const actionJson = (a: Action) => ({
    action: {
      id: a.id,
      status: a.status,
      type: 'assign_ip',
      started_at: a.startedAt,
      completed_at: a.completedAt,
      resource_id: 0,
      resource_type: 'reserved_ip',
      region_slug: reserved.get(a.ip)?.region ?? 'fra1',
    },
  });
  const reservedJson = (r: ReservedIp) => ({
    reserved_ip: {
      ip: r.ip,
      region: { slug: r.region, name: r.region, available: true },
      droplet: r.dropletId === null ? null : { id: r.dropletId, name: `droplet-${r.dropletId}`, status: 'active' },
      locked: r.lockedBy !== null,
      project_id: '00000000-0000-4000-8000-000000000000',
    },
  });

  const rateHeaders = (): Record<string, string> => {
    const now = Date.now();
    if (now - windowStart >= 60_000) {
      windowStart = now;
      used = 0;
    }
    return {
      'ratelimit-limit': String(perMinute),
      'ratelimit-remaining': String(Math.max(0, perMinute - used)),
      'ratelimit-reset': String(Math.ceil((windowStart + 60_000) / 1000)),
    };
  };

  const handle = (req: EmulatorRequest): EmulatorReply => {
    const headers = rateHeaders();
    if (used >= perMinute) return error(429, 'API Rate limit exceeded.', headers);
    used += 1;
    headers['ratelimit-remaining'] = String(perMinute - used);
    if (bearerToken(req.headers) !== token) return error(401, 'Unable to authenticate you.', headers);
    settleAll();
    const reply = route(req);
    return { ...reply, headers: { ...headers, ...reply.headers } };
  };

  const route = (req: EmulatorRequest): EmulatorReply => {
    const { method, path } = req;
    if (method === 'GET' && path === '/v2/droplets') {
      const perPage = Math.min(200, Number(req.query.get('per_page') ?? 20) || 20);
      const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
      const shown = options.droplets.slice((page - 1) * perPage, page * perPage);
      const more = page * perPage < options.droplets.length;
      return {
        status: 200,
        json: {
          droplets: shown.map((d) => ({
            id: d.id,
            name: d.name ?? `droplet-${d.id}`,
            status: 'active',
            region: { slug: d.region ?? 'fra1' },
            networks: {
              v4: [
                ...(d.publicIpv4 ? [{ ip_address: d.publicIpv4, netmask: '255.255.240.0', gateway: '0.0.0.0', type: 'public' }] : []),
                ...(d.privateIpv4 ? [{ ip_address: d.privateIpv4, netmask: '255.255.0.0', gateway: '0.0.0.0', type: 'private' }] : []),
              ],
              v6: [],
            },
          })),
          links: more ? { pages: { next: `/v2/droplets?page=${page + 1}&per_page=${perPage}` } } : {},
          meta: { total: options.droplets.length },
        },
      };
    }
    let m = /^\/v2\/actions\/(\d+)$/.exec(path);
    if (method === 'GET' && m) {
      const action = actions.get(Number(m[1]));
      return action ? { status: 200, json: actionJson(settle(action)) } : error(404, 'The resource you were accessing could not be found.');
    }
    m = /^\/v2\/reserved_ips\/([^/]+)(\/actions(?:\/(\d+))?)?$/.exec(path);
    const ip = m ? reserved.get(m[1] ?? '') : undefined;
    if (!m || !ip) return error(404, 'The resource you were accessing could not be found.');
    if (method === 'GET' && !m[2]) return { status: 200, json: reservedJson(ip) };
    if (method === 'GET' && m[3]) {
      const action = actions.get(Number(m[3]));
      return action && action.ip === ip.ip
        ? { status: 200, json: actionJson(settle(action)) }
        : error(404, 'The resource you were accessing could not be found.');
    }
    if (method === 'POST' && m[2] && !m[3]) {
      const body = (req.body ?? {}) as { type?: unknown; droplet_id?: unknown };
      if (body.type !== 'assign' && body.type !== 'unassign') return error(422, 'type is not a valid action type');
      if (ip.lockedBy !== null) return error(422, 'Reserved IP already has a pending event.');
      let apply: () => void;
      if (body.type === 'assign') {
        const dropletId = body.droplet_id;
        if (typeof dropletId !== 'number' || !droplets.has(dropletId)) return error(422, 'Droplet not found.');
        if (droplets.get(dropletId) !== ip.region) return error(422, 'Droplet and reserved IP must be in the same region.');
        apply = () => (ip.dropletId = dropletId);
      } else {
        apply = () => (ip.dropletId = null);
      }
      const now = Date.now();
      const action: Action = {
        id: nextActionId++,
        status: 'in-progress',
        startedAt: new Date(now).toISOString(),
        completedAt: null,
        doneAt: now + durationMs,
        ip: ip.ip,
        apply,
      };
      actions.set(action.id, action);
      ip.lockedBy = action.id;
      return { status: 201, json: actionJson(action) };
    }
    return error(404, 'The resource you were accessing could not be found.');
  };

  const running = await startEmulatorServer({
    name: 'digitalocean',
    port: options.port,
    handle,
    failReply: (status) => error(status, `injected failure ${status}`),
    rateLimitReply: (retryAfterSeconds, nowMs) =>
      error(429, 'API Rate limit exceeded.', {
        'ratelimit-limit': String(perMinute),
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(Math.ceil((nowMs + retryAfterSeconds * 1000) / 1000)),
      }),
    isMutation: (method, path) => method === 'POST' && /^\/v2\/reserved_ips\/[^/]+\/actions$/.test(path),
  });

  return {
    ...running,
    revokeToken: () => {
      token = null;
    },
    dropletOf(ipAddress) {
      settleAll();
      return reserved.get(ipAddress)?.dropletId ?? null;
    },
  };
}
