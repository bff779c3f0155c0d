import { bearerTokenFront, pageOf, startEmulatorServer, type EmulatorReply, type EmulatorRequest, type RunningEmulator } from '../emulator-server.js';

/**
 * DigitalOcean API emulator (reserved IPv4 and reserved IPv6 and their actions), following the
 * public v2 API: Bearer token, `{id, message}` error bodies, assign as an async action
 * (`in-progress` → `completed`) during which the reserved IP is `locked` and another assign is
 * refused with 422 ("pending event"), the request budget (250/min) with
 * ratelimit-limit/-remaining/-reset on every answer and 429 `too_many_requests` when spent.
 * One reserved IP per Droplet (DigitalOcean's limits), per family here (a reserved IPv4 and a
 * reserved IPv6 may share a Droplet: an assumption): an assign to a Droplet that holds another
 * one, or has one on its way, is refused with 422. The message text of that refusal is not
 * documented; the one here is a stand-in, and the adapter does not rely on it.
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
  /** The 422's message for a Droplet that holds a reserved IP already (undocumented wording; tests vary it). */
  readonly inUseMessage?: string;
  /** Requests per minute (default 250, as documented). */
  readonly ratePerMinute?: number;
  readonly port?: number;
}

interface ReservedIp {
  ip: string;
  family: 4 | 6;
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

/** DigitalOcean's list defaults: 20 a page, at most 200. */
const DO_PAGE_SIZES = { default: 20, max: 200 };

export interface DigitalOceanEmulator extends RunningEmulator {
  dropletOf(ip: string): number | null;
  /** From now on every request is 401 `unauthorized`, as after revoking the token. */
  revokeToken(): void;
}

export async function startDigitalOceanEmulator(options: DigitalOceanEmulatorOptions): Promise<DigitalOceanEmulator> {
  const reserved = new Map<string, ReservedIp>(
    options.reservedIps.map((r) => [
      r.ip,
      { ip: r.ip, family: r.ip.includes(':') ? 6 : 4, region: r.region ?? 'fra1', dropletId: r.dropletId, lockedBy: null },
    ]),
  );
  /** Where an in-progress assign action goes (the Droplet counts as taken from the start). */
  const pendingTarget = new Map<number, number>();
  const droplets = new Map(options.droplets.map((d) => [d.id, d.region ?? 'fra1']));
  const actionsById = new Map<number, Action>();
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
      pendingTarget.delete(action.id);
    }
    return action;
  };
  const settleAll = (): void => actionsById.forEach(settle);

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
  const reservedBody = (r: ReservedIp) =>
    r.family === 4
      ? {
          ip: r.ip,
          region: { slug: r.region, name: r.region, available: true },
          droplet: r.dropletId === null ? null : { id: r.dropletId, name: `droplet-${r.dropletId}`, status: 'active' },
          locked: r.lockedBy !== null,
          project_id: '00000000-0000-4000-8000-000000000000',
        }
      : {
          ip: r.ip,
          region_slug: r.region,
          reserved_at: '2026-01-01T00:00:00Z',
          droplet: r.dropletId === null ? null : { id: r.dropletId, name: `droplet-${r.dropletId}`, status: 'active' },
        };
  const reservedJson = (r: ReservedIp) => (r.family === 4 ? { reserved_ip: reservedBody(r) } : { reserved_ipv6: reservedBody(r) });
  /** Another reserved address of the family on the Droplet, or on its way there. */
  const takenBy = (dropletId: number, ip: ReservedIp): ReservedIp | undefined =>
    [...reserved.values()].find(
      (other) =>
        other !== ip &&
        other.family === ip.family &&
        (other.dropletId === dropletId || (other.lockedBy !== null && pendingTarget.get(other.lockedBy) === dropletId)),
    );

  /** A fixed window of a minute, as DigitalOcean's 250/min budget behaves. */
  const spend = () => {
    const now = Date.now();
    if (now - windowStart >= 60_000) {
      windowStart = now;
      used = 0;
    }
    const allowed = used < perMinute;
    if (allowed) used += 1;
    const headers = {
      'ratelimit-limit': String(perMinute),
      'ratelimit-remaining': String(Math.max(0, perMinute - used)),
      'ratelimit-reset': String(Math.ceil((windowStart + 60_000) / 1000)),
    };
    return { allowed, headers };
  };

  const route = (req: EmulatorRequest): EmulatorReply => {
    settleAll();
    const { method, path } = req;
    if (method === 'GET' && path === '/v2/droplets') {
      const { items, page, perPage, more } = pageOf(options.droplets, req.query, DO_PAGE_SIZES);
      return {
        status: 200,
        json: {
          droplets: items.map((d) => ({
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
    const list = /^\/v2\/(reserved_ips|reserved_ipv6)$/.exec(path);
    if (method === 'GET' && list) {
      const family = list[1] === 'reserved_ips' ? 4 : 6;
      const all = [...reserved.values()].filter((r) => r.family === family);
      const { items, page, perPage, more } = pageOf(all, req.query, DO_PAGE_SIZES);
      return {
        status: 200,
        json: {
          [family === 4 ? 'reserved_ips' : 'reserved_ipv6s']: items.map(reservedBody),
          links: more ? { pages: { next: `${path}?page=${page + 1}&per_page=${perPage}` } } : {},
          meta: { total: all.length },
        },
      };
    }
    let m = /^\/v2\/actions\/(\d+)$/.exec(path);
    if (method === 'GET' && m) {
      const action = actionsById.get(Number(m[1]));
      return action ? { status: 200, json: actionJson(settle(action)) } : error(404, 'The resource you were accessing could not be found.');
    }
    m = /^\/v2\/(reserved_ips|reserved_ipv6)\/([^/]+)(\/actions(?:\/(\d+))?)?$/.exec(path);
    const ip = m ? reserved.get(decodeURIComponent(m[2] ?? '')) : undefined;
    // Each family has its own resource; reserved IPv6 actions are polled at /v2/actions/{id}.
    if (!m || !ip || (m[1] === 'reserved_ips') !== (ip.family === 4) || (ip.family === 6 && m[4] !== undefined)) {
      return error(404, 'The resource you were accessing could not be found.');
    }
    const [, , , actions, actionId] = m;
    if (method === 'GET' && !actions) return { status: 200, json: reservedJson(ip) };
    if (method === 'GET' && actionId) {
      const action = actionsById.get(Number(actionId));
      return action && action.ip === ip.ip
        ? { status: 200, json: actionJson(settle(action)) }
        : error(404, 'The resource you were accessing could not be found.');
    }
    if (method === 'POST' && actions && !actionId) {
      const body = (req.body ?? {}) as { type?: unknown; droplet_id?: unknown };
      if (body.type !== 'assign' && body.type !== 'unassign') return error(422, 'type is not a valid action type');
      if (ip.lockedBy !== null) return error(422, 'Reserved IP already has a pending event.');
      let apply: () => void;
      if (body.type === 'assign') {
        const dropletId = body.droplet_id;
        if (typeof dropletId !== 'number' || !droplets.has(dropletId)) return error(422, 'Droplet not found.');
        if (droplets.get(dropletId) !== ip.region) return error(422, 'Droplet and reserved IP must be in the same region.');
        if (ip.dropletId !== dropletId && takenBy(dropletId, ip) !== undefined)
          return error(422, options.inUseMessage ?? 'Droplet already has a reserved IP assigned.');
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
      actionsById.set(action.id, action);
      ip.lockedBy = action.id;
      if (body.type === 'assign') pendingTarget.set(action.id, body.droplet_id as number);
      return { status: 201, json: actionJson(action) };
    }
    return error(404, 'The resource you were accessing could not be found.');
  };

  const running = await startEmulatorServer({
    name: 'digitalocean',
    port: options.port,
    handle: bearerTokenFront({
      spend,
      token: () => token,
      rateLimited: (headers) => error(429, 'API Rate limit exceeded.', headers),
      unauthorized: (headers) => error(401, 'Unable to authenticate you.', headers),
      route,
    }),
    failReply: (status) => error(status, `injected failure ${status}`),
    rateLimitReply: (retryAfterSeconds, nowMs) =>
      error(429, 'API Rate limit exceeded.', {
        'ratelimit-limit': String(perMinute),
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(Math.ceil((nowMs + retryAfterSeconds * 1000) / 1000)),
      }),
    isMutation: (method, path) => method === 'POST' && /^\/v2\/(reserved_ips|reserved_ipv6)\/[^/]+\/actions$/.test(path),
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
