import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import { Secret } from '../../src/config/secret.js';
import { createEndpointSliceCheck, createLeaseElector, LEADER_ENDPOINT_ANNOTATION, type LeaseElector } from '../../src/kube/index.js';
import { createKubeMetrics } from '../../src/metrics/kube-metrics.js';
import { systemClock } from '../../src/ports/clock.js';
import type { Leadership } from '../../src/ports/cluster.js';
import { silentLogger } from '../../src/ports/logger.js';
import { fixtureText, makeStore, serveWebhook } from '../alertmanager/helpers.js';
import { CONTROLLER_SA, makeEndpointSlice, startFakeKubeApi, type FakeKubeApi } from '../fake-kube-api/index.js';
import { sleep, waitFor } from '../support/wait.js';
import { listenOnLoopback } from '../support/listen.js';

const TOKEN = 'alertmanager-secret-token';
const FAST = { leaseDurationMs: 2000, renewDeadlineMs: 1000, retryPeriodMs: 250 };

interface Replica {
  readonly identity: string;
  readonly url: string;
  elector: LeaseElector;
  close(): Promise<void>;
}

let api: FakeKubeApi;
let listener: Server;
let listenerUrl: string;
let stolen: string[];
let replicas: Replica[];

beforeEach(async () => {
  api = await startFakeKubeApi();
  stolen = [];
  replicas = [];
  listener = createServer((req, res) => {
    // Any request here leaks: the body, and whatever proof or credential came with it.
    stolen.push(`${req.method ?? ''} ${req.url ?? ''} ${JSON.stringify(req.headers)}`);
    res.writeHead(200).end('{"status":"recorded"}');
  });
  ({ url: listenerUrl } = await listenOnLoopback(listener));
});

afterEach(async () => {
  for (const r of replicas) await r.elector.stop();
  for (const r of replicas) await r.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  await api.stop();
});

/** One controller replica: its webhook on 127.0.0.1, its elector, and the EndpointSlice that lists it. */
async function replica(identity: string): Promise<Replica> {
  const kit = makeStore();
  let elector: LeaseElector | null = null;
  const leadership: Leadership = {
    isLeader: () => elector?.isLeader() ?? false,
    leaderEndpoint: () => elector?.leaderEndpoint() ?? null,
    onChange: (l) => elector?.onChange(l) ?? (() => undefined),
    resign: (reason) => elector?.resign(reason) ?? Promise.resolve(),
  };
  const server = await serveWebhook({
    auth: { bearerToken: new Secret(TOKEN) },
    store: kit.store,
    clock: kit.clock,
    logger: silentLogger,
    metrics: kit.metrics,
    leadership,
    forwardTimeoutMs: 2000,
  });
  const port = Number(new URL(server.url).port);
  api.setEndpointSlice(
    makeEndpointSlice({
      namespace: 'ipshift',
      service: 'ipshift',
      name: `ipshift-${identity}`,
      endpoints: [{ pod: identity, address: '127.0.0.1' }],
      port: { name: 'http', port },
    }),
  );
  elector = createLeaseElector({
    kubeConfig: api.kubeConfig(identity, CONTROLLER_SA),
    namespace: 'ipshift',
    identity,
    endpoint: server.url,
    checkLeaderEndpoint: createEndpointSliceCheck({ kubeConfig: api.kubeConfig(identity, CONTROLLER_SA), namespace: 'ipshift', serviceName: 'ipshift' }),
    clock: systemClock,
    logger: silentLogger,
    metrics: createKubeMetrics(new Registry()),
    ...FAST,
  });
  const r: Replica = {
    identity,
    url: server.url,
    elector,
    close: async () => {
      kit.store.stop();
      await server.close();
    },
  };
  replicas.push(r);
  return r;
}

const post = (url: string): Promise<Response> =>
  fetch(`${url}/webhook/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: fixtureText('firing'),
  });

describe('a rewritten Lease', () => {
  it('naming a listener and a billion-second duration: the token never reaches the listener and a replica takes over', async () => {
    const a = await replica('pod-a');
    const b = await replica('pod-b');
    a.elector.start();
    await waitFor(() => a.elector.isLeader(), 5000, 'a leads');
    b.elector.start();
    await waitFor(() => b.elector.leaderEndpoint() === a.url, 5000, 'b vouched for a');
    expect((await post(b.url)).status).toBe(200); // forwarded to the real leader

    const current = api.getLease('ipshift', 'ipshift-controller');
    if (current === undefined) throw new Error('no Lease');
    api.setLease({
      ...current,
      metadata: { ...current.metadata, annotations: { [LEADER_ENDPOINT_ANNOTATION]: listenerUrl } },
      spec: { ...(current['spec'] as object), holderIdentity: 'pod-evil', leaseDurationSeconds: 1_000_000_000 },
    });
    await waitFor(() => !a.elector.isLeader(), 5000, 'a sees the foreign holder');
    // Alertmanager keeps sending to both replicas while the forged record stands.
    const statuses: number[] = [];
    for (let i = 0; i < 200 && !(a.elector.isLeader() || b.elector.isLeader()); i += 1) {
      statuses.push((await post(a.url)).status, (await post(b.url)).status);
      await sleep(20);
    }
    expect(a.elector.isLeader() || b.elector.isLeader()).toBe(true);
    expect(stolen).toEqual([]);
    expect(statuses).toContain(503);
    const leader = a.elector.isLeader() ? a : b;
    const follower = leader === a ? b : a;
    await waitFor(() => follower.elector.leaderEndpoint() === leader.url, 5000, 'the follower vouched for the new leader');
    expect((await post(follower.url)).status).toBe(200);
    expect(stolen).toEqual([]);
  });
});
