import { basicAuth, startEmulatorServer, type EmulatorReply, type EmulatorRequest, type RunningEmulator } from '../emulator-server.js';

/**
 * Hetzner Robot webservice emulator (failover IPs and the server list), following
 * robot.hetzner.com/doc/webservice: HTTP Basic auth, form-encoded POSTs, JSON answers,
 * `{error: {status, code, message}}` bodies. A route request answers only when routing is done
 * (`routeDurationMs`); while one runs the IP is locked (409 FAILOVER_LOCKED); routing to the
 * current target is 409 FAILOVER_ALREADY_ROUTED; an unknown target is 404
 * FAILOVER_NEW_SERVER_NOT_FOUND; the request limit answers 403 RATE_LIMIT_EXCEEDED with
 * `max_request` and `interval`.
 */

export interface HetznerRobotServerSeed {
  readonly serverIp: string;
  readonly serverIpv6Net?: string;
  readonly serverNumber: number;
  readonly name?: string;
}

export interface HetznerRobotFailoverSeed {
  /** `198.51.100.20` or an IPv6 net such as `2a01:4f8:fff0:4::`. */
  readonly ip: string;
  readonly netmask: string;
  /** Main IP of the server the failover IP is booked on. */
  readonly serverIp: string;
  /** Where it is routed now: a server's main IP (IPv4) or IPv6 net, or null. */
  readonly activeServerIp: string | null;
}

export interface HetznerRobotEmulatorOptions {
  readonly user: string;
  readonly password: string;
  readonly servers: readonly HetznerRobotServerSeed[];
  readonly failoverIps: readonly HetznerRobotFailoverSeed[];
  /** How long a route request takes before it answers (default 20 ms). */
  readonly routeDurationMs?: number;
  /** Robot's per-endpoint request limit per hour (default: none). */
  readonly requestLimitPerHour?: number;
  readonly port?: number;
}

interface Failover {
  ip: string;
  netmask: string;
  serverIp: string;
  activeServerIp: string | null;
  lockedUntil: number;
}

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  500: 'INTERNAL_ERROR',
  502: 'BAD_GATEWAY',
  503: 'MAINTENANCE',
  504: 'GATEWAY_TIMEOUT',
};

export interface HetznerRobotEmulator extends RunningEmulator {
  activeServerOf(ip: string): string | null;
  /** From now on every request is 401, as after changing the webservice password. */
  changePassword(password: string): void;
}

export async function startHetznerRobotEmulator(options: HetznerRobotEmulatorOptions): Promise<HetznerRobotEmulator> {
  const failovers = new Map<string, Failover>(
    options.failoverIps.map((f) => [f.ip, { ip: f.ip, netmask: f.netmask, serverIp: f.serverIp, activeServerIp: f.activeServerIp, lockedUntil: 0 }]),
  );
  const durationMs = options.routeDurationMs ?? 20;
  let password = options.password;

  const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): EmulatorReply => ({
    status,
    json: { error: { status, code, message, ...extra } },
  });
  const serverOfMainIp = (ip: string) => options.servers.find((s) => s.serverIp === ip);
  const failoverJson = (f: Failover) => {
    const booked = serverOfMainIp(f.serverIp);
    return {
      failover: {
        ip: f.ip,
        netmask: f.netmask,
        server_ip: f.serverIp,
        server_ipv6_net: booked?.serverIpv6Net ?? null,
        server_number: booked?.serverNumber ?? null,
        active_server_ip: f.activeServerIp,
      },
    };
  };

  const recent = new Map<string, number[]>();
  const overLimit = (method: string, path: string): boolean => {
    const limit = options.requestLimitPerHour;
    if (limit === undefined) return false;
    const endpoint = `${method} ${path.replace(/^\/failover\/.+$/, '/failover/{ip}')}`;
    const now = Date.now();
    const times = (recent.get(endpoint) ?? []).filter((t) => now - t < 3_600_000);
    recent.set(endpoint, times);
    if (times.length >= limit) return true;
    times.push(now);
    return false;
  };

  const handle = (req: EmulatorRequest): EmulatorReply => {
    if (overLimit(req.method, req.path)) {
      return error(403, 'RATE_LIMIT_EXCEEDED', 'The request limit was exceeded', { max_request: options.requestLimitPerHour, interval: 3600 });
    }
    const auth = basicAuth(req.headers);
    if (auth?.user !== options.user || auth.password !== password) {
      return error(401, 'UNAUTHORIZED', 'Unauthorized');
    }
    const { method, path } = req;
    if (method === 'GET' && path === '/server') {
      return {
        status: 200,
        json: options.servers.map((s) => ({
          server: {
            server_ip: s.serverIp,
            server_ipv6_net: s.serverIpv6Net ?? null,
            server_number: s.serverNumber,
            server_name: s.name ?? `server-${s.serverNumber}`,
            product: 'AX41',
            dc: 'FSN1-DC1',
            status: 'ready',
            cancelled: false,
          },
        })),
      };
    }
    if (method === 'GET' && path === '/failover') return { status: 200, json: [...failovers.values()].map(failoverJson) };
    const m = /^\/failover\/([^/]+)$/.exec(path);
    const failover = m ? failovers.get(m[1] ?? '') : undefined;
    if (m && !failover) return error(404, 'NOT_FOUND', 'Failover IP not found');
    if (method === 'GET' && failover) return { status: 200, json: failoverJson(failover) };
    if (method === 'POST' && failover) {
      const form = (req.body ?? {}) as Record<string, unknown>;
      const target = form.active_server_ip;
      if (typeof target !== 'string' || target === '') {
        return error(400, 'INVALID_INPUT', 'invalid input', { missing: ['active_server_ip'], invalid: [] });
      }
      if (Date.now() < failover.lockedUntil) return error(409, 'FAILOVER_LOCKED', 'The failover ip is currently locked');
      const known = options.servers.some((s) => s.serverIp === target || s.serverIpv6Net === target);
      if (!known) return error(404, 'FAILOVER_NEW_SERVER_NOT_FOUND', 'The new server was not found');
      if (failover.activeServerIp === target) return error(409, 'FAILOVER_ALREADY_ROUTED', 'The failover ip is already routed to this server');
      failover.lockedUntil = Date.now() + durationMs;
      failover.activeServerIp = target;
      return { status: 200, json: failoverJson(failover), delayMs: durationMs };
    }
    if (method === 'DELETE' && failover) {
      failover.activeServerIp = null;
      return { status: 200, json: failoverJson(failover) };
    }
    return error(404, 'NOT_FOUND', `no route for ${method} ${path}`);
  };

  const running = await startEmulatorServer({
    name: 'hetzner-robot',
    port: options.port,
    handle,
    failReply: (status) => error(status, ERROR_CODES[status] ?? `HTTP_${status}`, `injected failure ${status}`),
    rateLimitReply: (retryAfterSeconds) => error(403, 'RATE_LIMIT_EXCEEDED', 'Request limit exceeded', { max_request: 100, interval: retryAfterSeconds }),
    isMutation: (method, path) => (method === 'POST' || method === 'DELETE') && path.startsWith('/failover/'),
  });

  return {
    ...running,
    activeServerOf: (ip) => failovers.get(ip)?.activeServerIp ?? null,
    changePassword: (next) => {
      password = next;
    },
  };
}
