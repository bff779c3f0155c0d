import { inspect } from 'node:util';
import { Registry } from 'prom-client';
import { IpshiftError } from '../errors.js';
import { createProviderMetrics } from '../metrics/provider-metrics.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { rateLimitWaitMs } from '../retry/retry-after.js';
import { classifyHttpFailure, createProviderHttp, type HttpFailure, type ProviderHttpOptions } from './http.js';
import { rejectionOf } from '../../test/support/rejection-of.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const fixedClock: Clock = { now: () => NOW, sleep: () => Promise.resolve() };
const TOKEN = 'super-secret-token-value';

interface Seen {
  url: string;
  init: RequestInit | undefined;
}

function fakeFetch(answer: (seen: Seen) => Response | Promise<Response>): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const entry = { url: String(input), init };
    seen.push(entry);
    return answer(entry);
  };
  return { fetch: fn as typeof fetch, seen };
}

function client(fetchImpl: typeof fetch, extra: Partial<ProviderHttpOptions> = {}) {
  return createProviderHttp({
    provider: 'hetzner-cloud',
    baseUrl: 'https://api.example.test/v1/',
    clock: fixedClock,
    fetch: fetchImpl,
    authorize: () => Promise.resolve({ authorization: `Bearer ${TOKEN}` }),
    ...extra,
  });
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('createProviderHttp', () => {
  it('sends JSON with credentials and returns the parsed answer', async () => {
    const { fetch, seen } = fakeFetch(() => json(201, { ok: true }));
    const answer = await client(fetch).send({ method: 'POST', path: '/things/1', operation: 'route', json: { server: 7 }, query: { page: 2 } });
    expect(answer).toMatchObject({ status: 201, body: { ok: true } });
    expect(seen[0]?.url).toBe('https://api.example.test/v1/things/1?page=2');
    const headers = seen[0]?.init?.headers as Record<string, string>;
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers['content-type']).toBe('application/json');
    expect(seen[0]?.init?.body).toBe('{"server":7}');
  });

  it('sends forms url-encoded', async () => {
    const { fetch, seen } = fakeFetch(() => json(200, {}));
    await client(fetch).send({ method: 'POST', path: '/failover/1.2.3.4', operation: 'route', form: { active_server_ip: '5.6.7.8' } });
    expect((seen[0]?.init?.headers as Record<string, string>)['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0]?.init?.body).toBe('active_server_ip=5.6.7.8');
  });

  it('builds error messages from method, path, status and provider code, never from the query or headers', async () => {
    const { fetch } = fakeFetch(() => json(403, { error: { code: 'forbidden', message: 'insufficient permissions' } }));
    const error = await rejectionOf(client(fetch).send({ method: 'GET', path: '/floating_ips', operation: 'get_routing', query: { api_key: TOKEN } }));
    expect(error.kind).toBe('terminal');
    expect(error.code).toBe('auth');
    expect(error.message).toContain('hetzner-cloud GET /floating_ips: HTTP 403 forbidden: insufficient permissions');
    expect(inspect(error, { depth: 8 })).not.toContain(TOKEN);
  });

  it('classifies a dropped connection as transient and names only the socket error', async () => {
    const cause = Object.assign(new Error(`connect to https://user:${TOKEN}@host failed`), { code: 'ECONNRESET' });
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('fetch failed', { cause })));
    const error = await rejectionOf(client(fetch).send({ method: 'GET', path: '/x', operation: 'get_routing' }));
    expect(error).toMatchObject({ kind: 'transient', code: 'network-error' });
    expect(error.message).toBe('hetzner-cloud GET /x: connection failed (ECONNRESET)');
    expect(inspect(error, { depth: 8 })).not.toContain(TOKEN);
  });

  it('times out a request that does not answer, as transient', async () => {
    const { fetch } = fakeFetch(
      ({ init }) => new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    );
    const error = await rejectionOf(client(fetch, { timeoutMs: 30 }).send({ method: 'GET', path: '/slow', operation: 'get_routing' }));
    expect(error).toMatchObject({ kind: 'transient', code: 'timeout' });
  });

  it('reports cancellation by the caller as aborted, and sends nothing for an aborted signal', async () => {
    const { fetch, seen } = fakeFetch(
      ({ init }) => new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    );
    const controller = new AbortController();
    const pending = client(fetch).send({ method: 'GET', path: '/slow', operation: 'get_routing', signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect(await rejectionOf(pending)).toMatchObject({ code: 'aborted' });
    const before = seen.length;
    expect(await rejectionOf(client(fetch).send({ method: 'GET', path: '/x', operation: 'get_routing', signal: AbortSignal.abort() }))).toMatchObject({
      code: 'aborted',
    });
    expect(seen.length).toBe(before);
  });

  it('lets the adapter classify first and accept a non-2xx answer', async () => {
    const { fetch } = fakeFetch(() => json(409, { error: { code: 'FAILOVER_LOCKED', message: 'locked' } }));
    const http = client(fetch, {
      classifyFailure: (f) => (f.providerCode === 'FAILOVER_LOCKED' ? new IpshiftError('transient', f.summary, { code: 'locked' }) : undefined),
    });
    expect(await rejectionOf(http.send({ method: 'POST', path: '/f', operation: 'route' }))).toMatchObject({ kind: 'transient', code: 'locked' });
    const accepted = await http.send({ method: 'POST', path: '/f', operation: 'route', accept: (f) => f.status === 409 });
    expect(accepted.status).toBe(409);
  });

  it('records requests and durations by provider, operation and code', async () => {
    const registry = new Registry();
    const { fetch } = fakeFetch(({ url }) => (url.endsWith('/ok') ? json(200, {}) : json(503, {})));
    const http = client(fetch, { metrics: createProviderMetrics(registry), clock: systemClock });
    await http.send({ method: 'GET', path: '/ok', operation: 'get_routing' });
    await rejectionOf(http.send({ method: 'GET', path: '/bad', operation: 'route' }));
    const text = await registry.metrics();
    expect(text).toContain('ipshift_provider_requests_total{provider="hetzner-cloud",operation="get_routing",code="200"} 1');
    expect(text).toContain('ipshift_provider_requests_total{provider="hetzner-cloud",operation="route",code="503"} 1');
    expect(text).toContain('ipshift_provider_request_duration_seconds_count{provider="hetzner-cloud",operation="route"} 1');
  });
});

describe('classifyHttpFailure', () => {
  const failure = (status: number, headers: Record<string, string> = {}): HttpFailure => ({
    provider: 'digitalocean',
    method: 'GET',
    path: '/x',
    status,
    headers: new Headers(headers),
    body: undefined,
    providerCode: undefined,
    providerMessage: undefined,
    nowMs: NOW,
    summary: `digitalocean GET /x: HTTP ${status}`,
  });

  it.each([
    [500, 'transient', 'http-500'],
    [502, 'transient', 'http-502'],
    [503, 'transient', 'http-503'],
    [504, 'transient', 'http-504'],
    [408, 'transient', 'http-408'],
    [409, 'transient', 'http-409'],
    [423, 'transient', 'http-423'],
    [401, 'terminal', 'auth'],
    [403, 'terminal', 'auth'],
    [404, 'terminal', 'not-found'],
    [400, 'terminal', 'validation'],
    [422, 'terminal', 'validation'],
    [410, 'terminal', 'http-410'],
  ])('HTTP %i is %s (%s)', (status, kind, code) => {
    expect(classifyHttpFailure(failure(status))).toMatchObject({ kind, code });
  });

  it('reads the wait of a 429 from Retry-After, then RateLimit-Reset, else a minute', () => {
    expect(classifyHttpFailure(failure(429, { 'retry-after': '7' }))).toMatchObject({ kind: 'rate-limited', retryAfterMs: 7000 });
    expect(classifyHttpFailure(failure(429, { 'retry-after': new Date(NOW + 30_000).toUTCString() })).retryAfterMs).toBe(30_000);
    expect(classifyHttpFailure(failure(429, { 'ratelimit-reset': String(NOW / 1000 + 42) })).retryAfterMs).toBe(42_000);
    expect(classifyHttpFailure(failure(429)).retryAfterMs).toBe(60_000);
  });
});

describe('rateLimitWaitMs', () => {
  it('reads small RateLimit-Reset values as delta-seconds and past reset times as zero', () => {
    expect(rateLimitWaitMs(new Headers({ 'RateLimit-Reset': '12' }), NOW)).toBe(12_000);
    expect(rateLimitWaitMs(new Headers({ 'RateLimit-Reset': String(NOW / 1000 - 5) }), NOW)).toBe(0);
    expect(rateLimitWaitMs(new Headers({ 'RateLimit-Reset': 'soon' }), NOW)).toBeUndefined();
  });
});
