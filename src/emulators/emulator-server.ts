import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultLayer, type EmulatorControl } from './fault-layer.js';

/**
 * The HTTP plumbing shared by the provider emulators: listen on 127.0.0.1 (ephemeral port by
 * default), parse JSON and form bodies, record what arrived, and apply planned faults before the
 * emulator's own handler runs. Each emulator only supplies its routes and its error shapes.
 */

export interface EmulatorRequest {
  readonly method: string;
  /** Decoded path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON, or a record for form bodies, or undefined. */
  readonly body: unknown;
}

export interface EmulatorReply {
  readonly status: number;
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Answer only after this many ms (e.g. Robot routes synchronously). */
  readonly delayMs?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly at: number;
  readonly mutation: boolean;
  /** The status answered; undefined while pending or when the connection was dropped. */
  status?: number;
}

export interface EmulatorServerOptions {
  readonly name: string;
  readonly handle: (request: EmulatorRequest) => EmulatorReply | Promise<EmulatorReply>;
  /** The provider's own answer for an injected failure status. */
  readonly failReply: (status: number) => EmulatorReply;
  /** The provider's own rate-limit answer, asking to wait `retryAfterSeconds`. */
  readonly rateLimitReply: (retryAfterSeconds: number, nowMs: number) => EmulatorReply;
  readonly isMutation: (method: string, path: string) => boolean;
  readonly host?: string;
  readonly port?: number;
}

export interface RunningEmulator {
  readonly url: string;
  readonly control: EmulatorControl;
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

export async function startEmulatorServer(options: EmulatorServerOptions): Promise<RunningEmulator> {
  const faults = new FaultLayer();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, response: ServerResponse, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!response.destroyed) fn();
    }, ms);
    timers.add(timer);
  };

  const send = (response: ServerResponse, reply: EmulatorReply, record: RecordedRequest): void => {
    const write = (): void => {
      record.status = reply.status;
      const text = reply.json === undefined ? '' : JSON.stringify(reply.json);
      response.writeHead(reply.status, { ...(text ? { 'content-type': 'application/json' } : {}), ...reply.headers });
      response.end(text);
    };
    if (reply.delayMs && reply.delayMs > 0) later(reply.delayMs, response, write);
    else write();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const method = req.method ?? 'GET';
      const path = decodeURIComponent(url.pathname);
      const record: RecordedRequest = { method, path, at: Date.now(), mutation: options.isMutation(method, path) };
      requests.push(record);

      const fault = faults.take({ token: false, mutation: record.mutation });
      await faults.serve(fault, {
        request: req,
        response: res,
        process: async () => {
          const body = await readBody(req);
          try {
            return await options.handle({ method, path, query: url.searchParams, headers: req.headers, body });
          } catch {
            return options.failReply(500);
          }
        },
        send: (reply) => send(res, reply, record),
        failReply: options.failReply,
        rateLimitReply: (retryAfterSeconds) => options.rateLimitReply(retryAfterSeconds, Date.now()),
      });
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const control: EmulatorControl = faults.control({
    requestCount: () => requests.length,
    mutationCount: () => requests.filter((r) => r.mutation).length,
  });

  return {
    url: `http://${host}:${address.port}`,
    control,
    requests,
    close: async () => {
      faults.close();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The bearer token or basic-auth pair of a request, for the emulators' own auth checks. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  return value?.startsWith('Bearer ') ? value.slice('Bearer '.length) : undefined;
}

/** A request budget's verdict on one request: may it be served, and the rate-limit headers every answer carries. */
export interface BudgetVerdict {
  readonly allowed: boolean;
  readonly headers: Record<string, string>;
}

/**
 * The front of a cloud API behind a bearer token, as Hetzner Cloud and DigitalOcean answer: the
 * request budget first (a spent one answers 429 before the token is looked at), then the token
 * (401), then the routes; every answer carries the budget's headers.
 */
export function bearerTokenFront(front: {
  readonly spend: () => BudgetVerdict;
  readonly token: () => string | null;
  readonly rateLimited: (headers: Record<string, string>) => EmulatorReply;
  readonly unauthorized: (headers: Record<string, string>) => EmulatorReply;
  readonly route: (request: EmulatorRequest) => EmulatorReply;
}): (request: EmulatorRequest) => EmulatorReply {
  return (request) => {
    const { allowed, headers } = front.spend();
    if (!allowed) return front.rateLimited(headers);
    if (bearerToken(request.headers) !== front.token()) return front.unauthorized(headers);
    const reply = front.route(request);
    return { ...reply, headers: { ...headers, ...reply.headers } };
  };
}

/**
 * One page of a collection as the cloud APIs serve `?page=N&per_page=M`: page 1 and
 * `sizes.default` when absent or not a number, never more than `sizes.max` a page.
 */
export function pageOf<T>(all: readonly T[], query: URLSearchParams, sizes: { readonly default: number; readonly max: number }) {
  const perPage = Math.min(sizes.max, Number(query.get('per_page') ?? sizes.default) || sizes.default);
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  return { items: all.slice((page - 1) * perPage, page * perPage), page, perPage, lastPage, more: page < lastPage };
}

export function basicAuth(headers: IncomingHttpHeaders): { user: string; password: string } | undefined {
  const value = headers.authorization;
  if (!value?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(value.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
