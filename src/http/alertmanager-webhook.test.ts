import { request as httpRequest } from 'node:http';
import { Secret } from '../config/secret.js';
import { AlertmanagerSync } from '../alerts/alertmanager-sync.js';
import type { Leadership } from '../ports/cluster.js';
import { silentLogger } from '../ports/logger.js';
import { fixtureText, makeStore, serveWebhook, type StoreKit } from '../../test/alertmanager/helpers.js';
import { metricValue } from '../../test/support/metric-value.js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createAlertmanagerWebhookHandler, FORWARDED_HEADER, webhookFirst, type AlertmanagerWebhookOptions } from './alertmanager-webhook.js';
import { createForwardProof, FORWARD_PROOF_HEADER, PROOF_MAX_AGE_MS } from './forward-proof.js';
import { constantTimeEquals, createAuthChecker, parseBasicAuthSetting, type WebhookAuth } from './webhook-auth.js';
import { errorMessage } from '../errors.js';
import { listenOnLoopback, serveOnLoopback } from '../../test/support/listen.js';

const TOKEN = 'test-token-123';
const BEARER = { bearerToken: new Secret(TOKEN) };
const BASIC = { basic: { username: 'am', password: new Secret('p@ss:word') } };
const basicHeader = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Harness extends StoreKit {
  url: string;
  close: () => Promise<void>;
  syncRequests: string[];
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.();
});

async function start(auth: WebhookAuth = BEARER, extra: Partial<AlertmanagerWebhookOptions> = {}): Promise<Harness> {
  const kit = makeStore();
  const syncRequests: string[] = [];
  const server = await serveWebhook({
    auth,
    store: kit.store,
    clock: kit.clock,
    logger: silentLogger,
    metrics: kit.metrics,
    requestSync: (reason) => syncRequests.push(reason),
    ...extra,
  });
  open.push(async () => {
    kit.store.stop();
    await server.close();
  });
  return { ...kit, ...server, syncRequests };
}

function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/webhook/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });
}

/** A chunked upload (no Content-Length), so only the streaming limit can stop it. */
function postChunked(url: string, chunks: number, chunkSize: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/webhook/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(chunkSize, 0x20);
    let sent = 0;
    const write = (): void => {
      while (sent < chunks) {
        sent++;
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

describe('POST /webhook/alertmanager', () => {
  it('200: records the alerts before answering', async () => {
    const h = await start();
    const res = await post(h.url, fixtureText('firing'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'recorded', firing: 1, resolved: 0 });
    expect(h.store.active(h.clock.now()).map((a) => a.fingerprint)).toEqual(['d784274104f05781']);
    const resolved = await post(h.url, fixtureText('resolved'));
    expect(resolved.status).toBe(200);
    expect(h.store.active(h.clock.now())).toEqual([]);
    expect(await metricValue(h.registry, 'ipshift_webhook_requests_total', { code: '200' })).toBe(2);
    const exposition = await h.registry.metrics();
    expect(exposition).toContain('ipshift_webhook_request_duration_seconds_count 2');
  });

  it('the same payload twice is accepted and changes nothing', async () => {
    const h = await start();
    expect((await post(h.url, fixtureText('prometheus-firing'))).status).toBe(200);
    const before = h.store.active(h.clock.now());
    expect((await post(h.url, fixtureText('prometheus-firing'))).status).toBe(200);
    expect(h.store.active(h.clock.now())).toEqual(before);
  });

  describe('401', () => {
    it.each([
      ['missing credentials', {}, 'missing credentials'],
      ['a wrong bearer token', { authorization: 'Bearer nope' }, 'wrong credentials'],
      ['a token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, 'wrong credentials'],
      ['basic auth when only bearer is set', { authorization: basicHeader('am', TOKEN) }, 'wrong credentials'],
      ['a malformed header', { authorization: TOKEN }, 'wrong credentials'],
    ])('%s, with WWW-Authenticate, store unchanged', async (_name, headers, message) => {
      const h = await start();
      const res = await fetch(`${h.url}/webhook/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: fixtureText('firing'),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ipshift"');
      expect(await res.json()).toEqual({ error: message });
      expect(h.store.active(h.clock.now())).toEqual([]);
      expect(await metricValue(h.registry, 'ipshift_webhook_requests_total', { code: '401' })).toBe(1);
    });

    it('basic auth: right credentials pass, a wrong user or password does not', async () => {
      const h = await start(BASIC);
      expect((await post(h.url, fixtureText('firing'), { authorization: basicHeader('am', 'p@ss:word') })).status).toBe(200);
      const wrongPassword = await post(h.url, fixtureText('firing'), { authorization: basicHeader('am', 'p@ss') });
      expect(wrongPassword.status).toBe(401);
      expect(wrongPassword.headers.get('www-authenticate')).toBe('Basic realm="ipshift", charset="UTF-8"');
      expect((await post(h.url, fixtureText('firing'), { authorization: basicHeader('root', 'p@ss:word') })).status).toBe(401);
      expect((await post(h.url, fixtureText('firing'), { authorization: 'Basic !!!' })).status).toBe(401);
    });

    it('both kinds configured: either passes, the challenge offers both', async () => {
      const h = await start({ ...BEARER, ...BASIC });
      expect((await post(h.url, fixtureText('firing'))).status).toBe(200);
      expect((await post(h.url, fixtureText('firing'), { authorization: basicHeader('am', 'p@ss:word') })).status).toBe(200);
      const res = await post(h.url, fixtureText('firing'), { authorization: 'Bearer wrong' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ipshift", Basic realm="ipshift", charset="UTF-8"');
    });

    it("auth 'none' accepts anyone, but only when chosen explicitly", async () => {
      const h = await start('none');
      const res = await fetch(`${h.url}/webhook/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: fixtureText('firing'),
      });
      expect(res.status).toBe(200);
      expect(() => createAuthChecker({})).toThrow(/choose 'none' explicitly/);
      expect(() => createAuthChecker({ bearerToken: new Secret('') })).toThrow(/empty/);
    });

    it('checks credentials before reading the body', async () => {
      const h = await start(BEARER, { bodyLimitBytes: 10 });
      const res = await post(h.url, 'x'.repeat(100), { authorization: 'Bearer nope', 'content-type': 'text/plain' });
      expect(res.status).toBe(401);
    });
  });

  describe('415', () => {
    it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/json; charset=latin1']])('Content-Type %s', async (type) => {
      const h = await start();
      const res = await post(h.url, fixtureText('firing'), { 'content-type': type });
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({ error: 'Content-Type must be application/json (UTF-8)' });
      expect(h.store.active(h.clock.now())).toEqual([]);
    });

    it('no Content-Type at all', async () => {
      const h = await start();
      const res = await fetch(`${h.url}/webhook/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: new Uint8Array(Buffer.from(fixtureText('firing'))),
      });
      expect(res.status).toBe(415);
    });

    it('an unsupported content encoding', async () => {
      const h = await start();
      expect((await post(h.url, fixtureText('firing'), { 'content-encoding': 'compress' })).status).toBe(415);
    });

    it('accepts application/json; charset=utf-8', async () => {
      const h = await start();
      expect((await post(h.url, fixtureText('firing'), { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(200);
    });
  });

  describe('413', () => {
    it('a declared Content-Length over the limit', async () => {
      const h = await start(BEARER, { bodyLimitBytes: 500 });
      const res = await post(h.url, fixtureText('firing'));
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: 'body larger than the limit of 500 bytes' });
      expect(h.store.active(h.clock.now())).toEqual([]);
    });

    it('a chunked body that grows past the limit', async () => {
      const h = await start(BEARER, { bodyLimitBytes: 64 * 1024 });
      expect(await postChunked(h.url, 100, 1024)).toBe(413);
      expect(await metricValue(h.registry, 'ipshift_webhook_requests_total', { code: '413' })).toBe(1);
    });

    it('the default limit is 1 MiB', async () => {
      const h = await start();
      const big = JSON.stringify({ ...JSON.parse(fixtureText('firing')), padding: 'x'.repeat(1024 * 1024) });
      expect((await post(h.url, big)).status).toBe(413);
      const fits = JSON.stringify({ ...JSON.parse(fixtureText('firing')), padding: 'x'.repeat(1000 * 1000) });
      expect((await post(h.url, fits)).status).toBe(200);
    });
  });

  describe('400 with a clear message', () => {
    it.each([
      ['invalid JSON', '{"version": "4", ', 'body is not valid JSON'],
      ['an empty body', '', 'empty body: expected an Alertmanager webhook payload (version 4)'],
      ['a JSON array', '[]', 'payload must be a JSON object (Alertmanager webhook, version 4)'],
      ['a wrong version', fixtureText('firing').replace('"version":"4"', '"version":"3"'), 'unsupported payload version "3"'],
      ['a malformed timestamp', fixtureText('firing').replace('2026-11-22T10:55:38.006494673Z', 'soon'), 'alerts[0].startsAt: must be an RFC 3339 timestamp'],
      ['missing alerts', fixtureText('firing').replace('"alerts":', '"alertz":'), 'alerts:'],
    ])('%s', async (_name, body, message) => {
      const h = await start();
      const res = await post(h.url, body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: string };
      expect(json.error).toContain(message);
      expect(h.store.active(h.clock.now())).toEqual([]);
    });
  });

  it('405 for other methods on the path', async () => {
    const h = await start();
    const res = await fetch(`${h.url}/webhook/alertmanager`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('truncatedAlerts > 0 asks for an API sync, and the sync completes the view', async () => {
    const body = JSON.parse(fixtureText('firing')) as Record<string, unknown>;
    body['truncatedAlerts'] = 1;
    const full = [
      {
        fingerprint: 'd784274104f05781',
        labels: { alertname: 'KubeNodeNotReady', node: 'node-1', severity: 'critical' },
        annotations: {},
        startsAt: '2026-11-22T10:55:38.006Z',
      },
      {
        fingerprint: '00000000000000aa',
        labels: { alertname: 'KubeNodeNotReady', node: 'node-2', severity: 'critical' },
        annotations: {},
        startsAt: '2026-11-22T10:55:38.006Z',
      },
    ];
    const kit = makeStore();
    const fetched: string[] = [];
    const sync = new AlertmanagerSync({
      url: 'http://alertmanager.test:9093',
      fetch: (input) => {
        fetched.push(String(input));
        return Promise.resolve(new Response(JSON.stringify(full), { status: 200, headers: { 'content-type': 'application/json' } }));
      },
      clock: kit.clock,
      logger: silentLogger,
      metrics: kit.metrics,
      store: kit.store,
    });
    let pending: Promise<unknown> = Promise.resolve();
    const server = await serveWebhook({
      auth: BEARER,
      store: kit.store,
      clock: kit.clock,
      logger: silentLogger,
      metrics: kit.metrics,
      requestSync: (reason) => {
        pending = sync.syncNow(reason);
      },
    });
    open.push(async () => {
      await sync.stop();
      await server.close();
    });
    expect((await post(server.url, JSON.stringify(body))).status).toBe(200);
    await pending;
    expect(fetched).toHaveLength(1);
    expect(
      kit.store
        .active(kit.clock.now())
        .map((a) => a.labels['node'])
        .sort(),
    ).toEqual(['node-1', 'node-2']);
  });

  it('a payload without truncation asks for no sync', async () => {
    const h = await start();
    await post(h.url, fixtureText('firing'));
    expect(h.syncRequests).toEqual([]);
  });

  describe('follower forwarding', () => {
    const follower = (endpoint: string | null): Leadership => ({
      isLeader: () => false,
      leaderEndpoint: () => endpoint,
      onChange: () => () => undefined,
      resign: () => Promise.resolve(),
    });
    /** A follower whose every forward is counted (and answered 200). */
    const countingFollower = async () => {
      let forwards = 0;
      const replica = await start(BEARER, {
        leadership: follower('http://leader.test:8080'),
        fetch: () => {
          forwards++;
          return Promise.resolve(new Response('{}', { status: 200 }));
        },
      });
      return { replica, forwarded: () => forwards };
    };

    it('forwards the raw body with its own proof to the leader, and records locally too', async () => {
      const leader = await start(BEARER);
      const replica = await start(BEARER, { leadership: follower(`${leader.url}/`) });
      const res = await post(replica.url, fixtureText('firing'));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'forwarded' });
      expect(leader.store.active(leader.clock.now()).map((a) => a.fingerprint)).toEqual(['d784274104f05781']);
      expect(replica.store.active(replica.clock.now()).map((a) => a.fingerprint)).toEqual(['d784274104f05781']);
    });

    it("a rewritten leader endpoint never sees the caller's credentials, and what it sees cannot be replayed for other alerts", async () => {
      const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
      const listener = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(200).end('{}');
        });
      });
      const { url: listenerUrl } = await listenOnLoopback(listener);
      open.push(() => new Promise<void>((resolve) => listener.close(() => resolve())));
      const leader = await start(BEARER);
      // Two replicas sharing the token; the Lease now names the listener instead of the leader.
      const replica = await start(BEARER, { leadership: follower(listenerUrl) });
      const basicReplica = await start(BASIC, { leadership: follower(listenerUrl) });
      expect((await post(replica.url, fixtureText('firing'))).status).toBe(200);
      expect((await post(basicReplica.url, fixtureText('firing'), { authorization: basicHeader('am', 'p@ss:word') })).status).toBe(200);
      expect(seen).toHaveLength(2);
      for (const { headers, body } of seen) {
        expect(headers.authorization).toBeUndefined();
        const everything = `${JSON.stringify(headers)}${body}`;
        for (const secret of [TOKEN, 'p@ss:word', Buffer.from('am:p@ss:word').toString('base64')]) expect(everything).not.toContain(secret);
      }
      // What the listener holds is a proof for that one body: the real leader refuses it on any other body.
      const captured = seen[0] as { headers: IncomingHttpHeaders; body: string };
      const replay = (body: string): Promise<Response> =>
        fetch(`${leader.url}/webhook/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [FORWARDED_HEADER]: '1', [FORWARD_PROOF_HEADER]: String(captured.headers[FORWARD_PROOF_HEADER]) },
          body,
        });
      expect((await replay(fixtureText('resolved'))).status).toBe(401);
      expect(leader.store.active(leader.clock.now())).toEqual([]);
      // ...and once the proof is older than its lifetime, not even on the same body.
      leader.clock.advance(PROOF_MAX_AGE_MS + 1000);
      expect((await replay(captured.body)).status).toBe(401);
      expect(leader.store.active(leader.clock.now())).toEqual([]);
    });

    it('the forwarded marker does not bypass the credentials', async () => {
      const leader = await start(BEARER);
      for (const headers of [
        { [FORWARDED_HEADER]: '1' } as Record<string, string>,
        { [FORWARDED_HEADER]: '1', [FORWARD_PROOF_HEADER]: `t=${Date.now()},sha256=${'0'.repeat(64)}` },
      ]) {
        const res = await post(leader.url, fixtureText('firing'), { ...headers, authorization: 'Bearer nope' });
        expect(res.status).toBe(401);
      }
      expect(leader.store.active(leader.clock.now())).toEqual([]);
    });

    it('relays a rejection by the leader (e.g. different credentials there)', async () => {
      const leader = await start({ bearerToken: new Secret('other') });
      const replica = await start(BEARER, { leadership: follower(leader.url) });
      const res = await post(replica.url, fixtureText('firing'));
      expect(res.status).toBe(401);
    });

    it('503 when the leader is unreachable, so Alertmanager retries', async () => {
      // Port 1 on loopback: nothing listens there (a just-closed ephemeral port may be reused by a
      // parallel test's server meanwhile).
      const replica = await start(BEARER, { leadership: follower('http://127.0.0.1:1'), forwardTimeoutMs: 2000 });
      const res = await post(replica.url, fixtureText('firing'));
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'leader unreachable: retry' });
      expect(await metricValue(replica.registry, 'ipshift_webhook_requests_total', { code: '503' })).toBe(1);
      // Still recorded locally: the view stays warm.
      expect(replica.store.active(replica.clock.now())).toHaveLength(1);
    });

    it('503 when no leader is known', async () => {
      const replica = await start(BEARER, { leadership: follower(null) });
      expect((await post(replica.url, fixtureText('firing'))).status).toBe(503);
    });

    it('503 when the leader answers 5xx', async () => {
      const replica = await start(BEARER, {
        leadership: follower('http://leader.test:8080'),
        fetch: () => Promise.resolve(new Response('boom', { status: 500 })),
      });
      expect((await post(replica.url, fixtureText('firing'))).status).toBe(503);
    });

    it('a forwarded request reaching a replica that is no longer leader gets 503, not another hop', async () => {
      const { replica, forwarded } = await countingFollower();
      const proof = createForwardProof(BEARER)?.sign(Buffer.from(fixtureText('firing')), replica.clock.now()) ?? '';
      expect((await post(replica.url, fixtureText('firing'), { [FORWARDED_HEADER]: '1', [FORWARD_PROOF_HEADER]: proof })).status).toBe(503);
      expect(forwarded()).toBe(0);
    });

    it('does not forward invalid payloads', async () => {
      const { replica, forwarded } = await countingFollower();
      expect((await post(replica.url, '{}')).status).toBe(400);
      expect(forwarded()).toBe(0);
    });
  });
});

describe('webhookFirst (the webhook in front of express)', () => {
  it('serves the webhook path, with or without a query, and hands every other path on', async () => {
    const kit = makeStore();
    const handler = createAlertmanagerWebhookHandler({ auth: BEARER, store: kit.store, clock: kit.clock, logger: silentLogger, metrics: kit.metrics });
    const server = createServer(webhookFirst(handler, (_req, res) => res.writeHead(418).end()));
    const { url, close } = await serveOnLoopback(server);
    try {
      expect((await post(url, fixtureText('firing'))).status).toBe(200);
      const withQuery = await fetch(`${url}/webhook/alertmanager?from=am`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: fixtureText('resolved'),
      });
      expect(withQuery.status).toBe(200);
      expect(kit.store.active(kit.clock.now())).toEqual([]);
      expect((await fetch(`${url}/metrics`)).status).toBe(418);
      expect((await fetch(`${url}/webhook/alertmanager/x`)).status).toBe(418);
    } finally {
      await close();
      kit.store.stop();
    }
  });
});

describe('webhook auth helpers', () => {
  it('parses user:password, keeping colons in the password, without echoing it on error', () => {
    const parsed = parseBasicAuthSetting('am:se:cret');
    expect(parsed.username).toBe('am');
    expect(parsed.password.reveal()).toBe('se:cret');
    expect(String(parsed.password)).toBe('[redacted]');
    expect(() => parseBasicAuthSetting('justatoken')).toThrow('IPSHIFT_WEBHOOK_BASIC_AUTH must have the form user:password (both non-empty)');
    expect(() => parseBasicAuthSetting('user:')).toThrow(/user:password/);
    try {
      parseBasicAuthSetting('s3cr3t-value');
    } catch (error) {
      expect(errorMessage(error)).not.toContain('s3cr3t');
    }
  });

  it('compares in constant time regardless of length', () => {
    expect(constantTimeEquals('abc', 'abc')).toBe(true);
    expect(constantTimeEquals('abc', 'abcd')).toBe(false);
    expect(constantTimeEquals('', 'a')).toBe(false);
  });
});
