import { Agent, request } from 'node:http';
import { Registry } from 'prom-client';
import { Secret } from '../config/secret.js';
import type { ClassifiedAlert } from '../alerts/alert-store.js';
import type { ReconcileSnapshot } from '../reconcile/reconciler.js';
import { createServer } from './create-server.js';
import { createHttpServer } from './http-server.js';
import type { StateCacheSources } from './state-cache.js';
import { createAuthChecker } from './webhook-auth.js';
import { serveOnLoopback } from '../../test/support/listen.js';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const ALERTS = 11_000;

/** Sources like the controller's, counting how often the expensive part (every alert) is read. */
function sources() {
  const counts = { alertReads: 0 };
  let revision = 0;
  let now = T0;
  let snapshot: ReconcileSnapshot = { at: T0, pass: null, failoverIPs: [], nodes: [], moves: [] };
  const alerts: ClassifiedAlert[] = Array.from({ length: ALERTS }, (_, i) => ({
    fingerprint: `f${i}`,
    labels: { alertname: 'NodeMemoryHighUtilization', node: `node-${i % 50}` },
    annotations: {},
    startsAt: T0 - 1000,
    lastSeenAt: T0,
    source: 'webhook',
    node: `node-${i % 50}`,
    cls: 'degraded',
  }));
  const state: StateCacheSources = {
    snapshot: () => snapshot,
    alerts: () => {
      counts.alertReads++;
      return alerts;
    },
    freshness: () => ({ lastWebhookAt: now, lastSyncAt: null, stale: false, lastWatchdogAt: null }),
    unmapped: () => [],
    isLeader: () => true,
    sandbox: false,
    now: () => now,
    alertRevision: () => revision,
  };
  return {
    state,
    counts,
    change: () => revision++,
    newPass: (moves: ReconcileSnapshot['moves']) => {
      snapshot = { ...snapshot, moves };
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function serve(options: Parameters<typeof createServer>[0]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer(createServer(options));
  const { url, close } = await serveOnLoopback(server);
  return { url, close };
}

function get(agent: Agent, url: string, headers: Record<string, string> = {}): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/v1/state under anonymous load', () => {
  it('20 concurrent readers cost one build per change, not one per request (11,000 alerts)', async () => {
    const s = sources();
    const server = await serve({ state: s.state, registry: new Registry(), ready: () => true });
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    try {
      const round = async (): Promise<string[]> =>
        (
          await Promise.all(
            Array.from({ length: 20 }, async () => {
              const bodies: string[] = [];
              for (let i = 0; i < 10; i++) {
                const reply = await get(agent, `${server.url}/api/v1/state`);
                expect(reply.code).toBe(200);
                bodies.push(reply.body);
              }
              return bodies;
            }),
          )
        ).flat();
      const first = await round();
      expect(first).toHaveLength(200);
      expect(new Set(first).size).toBe(1);
      expect(s.counts.alertReads).toBe(1);
      // The status page is served from the same build.
      expect((await get(agent, `${server.url}/`)).code).toBe(200);
      expect(s.counts.alertReads).toBe(1);

      // A change of the alerts, a new reconcile pass, the next second: each one rebuild.
      s.change();
      await round();
      expect(s.counts.alertReads).toBe(2);
      s.newPass([]);
      await round();
      expect(s.counts.alertReads).toBe(3);
      s.advance(1000);
      const later = await round();
      expect(s.counts.alertReads).toBe(4);
      expect((JSON.parse(later[0] as string) as { generatedAt: string }).generatedAt).toBe(new Date(T0 + 1000).toISOString());
    } finally {
      agent.destroy();
      await server.close();
    }
  }, 60_000);

  it('redacts provider account identifiers on the state page', async () => {
    const s = sources();
    s.newPass([
      {
        at: T0,
        failoverIP: 'default/web',
        from: 'node-1',
        to: 'node-2',
        reason: 'holder-down',
        result: 'failed',
        durationMs: 40,
        message: 'netcup PATCH /api/v1/users/4711/failoverips/v4/9: HTTP 500',
      },
    ]);
    const server = await serve({ state: s.state, registry: new Registry(), ready: () => true });
    const agent = new Agent({ keepAlive: false });
    try {
      for (const path of ['/api/v1/state', '/']) {
        const reply = await get(agent, `${server.url}${path}`);
        expect(reply.code).toBe(200);
        expect(reply.body).not.toContain('4711');
      }
      expect((await get(agent, `${server.url}/api/v1/state`)).body).toContain('/api/v1/users/[redacted]/failoverips/v4/9');
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('behind the webhook credentials when configured: 401 for anyone else, and no build for them', async () => {
    const s = sources();
    const stateAuth = createAuthChecker({ bearerToken: new Secret('tok') });
    const server = await serve({ state: s.state, registry: new Registry(), ready: () => true, stateAuth });
    const agent = new Agent({ keepAlive: false });
    try {
      for (const path of ['/api/v1/state', '/']) {
        const anonymous = await get(agent, `${server.url}${path}`);
        expect(anonymous.code).toBe(401);
        expect(anonymous.body).not.toContain('node-');
        expect((await get(agent, `${server.url}${path}`, { authorization: 'Bearer nope' })).code).toBe(401);
      }
      expect(s.counts.alertReads).toBe(0);
      expect((await get(agent, `${server.url}/api/v1/state`, { authorization: 'Bearer tok' })).code).toBe(200);
      // Probes and metrics stay open: the kubelet and Prometheus carry no webhook token.
      expect((await get(agent, `${server.url}/healthz`)).code).toBe(200);
      expect((await get(agent, `${server.url}/metrics`)).code).toBe(200);
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
