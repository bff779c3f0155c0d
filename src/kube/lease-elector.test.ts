import { Registry } from 'prom-client';
import { createKubeMetrics } from '../metrics/kube-metrics.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import type { Clock } from '../ports/clock.js';
import { makeEndpointSlice, startFakeKubeApi, type FakeKubeApi } from '../../test/fake-kube-api/index.js';
import { sleep, waitFor } from '../../test/support/wait.js';
import { createEndpointSliceCheck } from './leader-endpoint-check.js';
import { createLeaseElector, LEADER_ENDPOINT_ANNOTATION, type LeaseElector } from './lease-elector.js';
import { metricValue } from '../../test/support/metric-value.js';

/** Short settings keep the tests fast; the ratios are client-go's. */
const FAST = { leaseDurationMs: 2000, renewDeadlineMs: 1000, retryPeriodMs: 250 };

interface Candidate {
  readonly elector: LeaseElector;
  readonly registry: Registry;
  /** [time, isLeader] for every transition. */
  readonly transitions: Array<[number, boolean]>;
}

let api: FakeKubeApi;
let candidates: Candidate[];
let overlapSeen: boolean;
let sampler: NodeJS.Timeout;

/** Each candidate's webhook endpoint: its pod IP, as the EndpointSlice controller publishes it. */
const POD_IP: Record<string, string> = { 'pod-a': '10.0.0.1', 'pod-b': '10.0.0.2', x: '10.0.0.9' };
const endpointOf = (identity: string): string => `http://${POD_IP[identity] ?? '10.0.0.99'}:8080`;

beforeEach(async () => {
  api = await startFakeKubeApi({ unidentifiedCallers: 'full-access' });
  api.setEndpointSlice(
    makeEndpointSlice({
      namespace: 'ipshift',
      service: 'ipshift',
      endpoints: [
        { pod: 'pod-a', address: '10.0.0.1' },
        { pod: 'pod-b', address: '10.0.0.2' },
      ],
      port: { name: 'http', port: 8080 },
    }),
  );
  candidates = [];
  overlapSeen = false;
  sampler = setInterval(() => {
    if (candidates.filter((c) => c.elector.isLeader()).length > 1) overlapSeen = true;
  }, 5);
});

afterEach(async () => {
  clearInterval(sampler);
  await Promise.all(candidates.map((c) => c.elector.stop()));
  await api.stop();
});

function candidate(identity: string, settings: Partial<typeof FAST> = FAST, clock: Clock = systemClock): Candidate {
  const registry = new Registry();
  const elector = createLeaseElector({
    kubeConfig: api.kubeConfig(identity),
    namespace: 'ipshift',
    identity,
    endpoint: endpointOf(identity),
    checkLeaderEndpoint: createEndpointSliceCheck({ kubeConfig: api.kubeConfig(identity), namespace: 'ipshift', serviceName: 'ipshift' }),
    clock,
    logger: silentLogger,
    metrics: createKubeMetrics(registry),
    ...settings,
  });
  const transitions: Array<[number, boolean]> = [];
  elector.onChange((isLeader) => transitions.push([Date.now(), isLeader]));
  const c = { elector, registry, transitions };
  candidates.push(c);
  return c;
}

/** pod-a started alone and leading. */
async function aLeads(settings: Partial<typeof FAST> = FAST): Promise<Candidate> {
  const a = candidate('pod-a', settings);
  a.elector.start();
  await waitFor(() => a.elector.isLeader(), 5000, 'a leads');
  return a;
}

/** pod-a leading, then pod-b started and following it: b has seen a's endpoint. */
async function aLeadsBFollows(settings: Partial<typeof FAST> = FAST, bClock: Clock = systemClock): Promise<[Candidate, Candidate]> {
  const a = await aLeads(settings);
  const b = candidate('pod-b', settings, bClock);
  b.elector.start();
  await waitFor(() => b.elector.leaderEndpoint() === endpointOf('pod-a'), 5000, 'b observed a');
  return [a, b];
}

/** Leadership intervals of two candidates must never overlap. */
function assertDisjoint(a: Candidate, b: Candidate): void {
  const intervals = (c: Candidate): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    let start: number | null = null;
    for (const [t, leading] of c.transitions) {
      if (leading) start = t;
      else if (start !== null) {
        out.push([start, t]);
        start = null;
      }
    }
    if (start !== null) out.push([start, Number.POSITIVE_INFINITY]);
    return out;
  };
  for (const [s1, e1] of intervals(a)) for (const [s2, e2] of intervals(b)) expect(s1 >= e2 || s2 >= e1).toBe(true);
}

describe('lease leader election', () => {
  it('elects exactly one of two candidates that start together, and the follower knows the leader endpoint', async () => {
    const a = candidate('pod-a');
    const b = candidate('pod-b');
    a.elector.start();
    b.elector.start();
    await waitFor(() => a.elector.isLeader() || b.elector.isLeader(), 5000, 'a leader');
    await sleep(1200);
    await waitFor(() => (a.elector.isLeader() ? b : a).elector.leaderEndpoint() !== null, 5000, 'the follower vouched for the endpoint');
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    expect(follower.elector.isLeader()).toBe(false);
    expect(overlapSeen).toBe(false);
    const leaderName = leader === a ? 'pod-a' : 'pod-b';
    expect(follower.elector.leaderEndpoint()).toBe(endpointOf(leaderName));
    expect(leader.elector.leaderEndpoint()).toBe(endpointOf(leaderName));
    const lease = api.getLease('ipshift', 'ipshift-controller');
    expect(lease?.['spec']).toMatchObject({ holderIdentity: leaderName, leaseDurationSeconds: 2 });
    expect(lease?.metadata.annotations?.[LEADER_ENDPOINT_ANNOTATION]).toBe(endpointOf(leaderName));
    expect(String((lease?.['spec'] as { renewTime: string }).renewTime)).toMatch(/\.\d{6}Z$/);
    expect(await metricValue(leader.registry, 'ipshift_leader')).toBe(1);
    expect(await metricValue(follower.registry, 'ipshift_leader')).toBe(0);
    expect(await metricValue(leader.registry, 'ipshift_leader_transitions_total')).toBe(1);
  });

  it('takes over within lease duration + retry period after the leader stops renewing, never overlapping', async () => {
    const a = await aLeads();
    const b = candidate('pod-b');
    b.elector.start();
    await sleep(600);
    expect(b.elector.isLeader()).toBe(false);

    const cutAt = Date.now();
    api.partition('pod-a', true); // a can no longer reach the API server
    await waitFor(() => b.elector.isLeader(), 6000, 'b takes over');
    const takeover = (b.transitions.find(([, leading]) => leading)?.[0] ?? Infinity) - cutAt;
    const stepDown = a.transitions.find(([, leading]) => !leading)?.[0];
    expect(stepDown).toBeDefined();
    expect(takeover).toBeLessThanOrEqual(FAST.leaseDurationMs + FAST.retryPeriodMs + 150);
    expect(takeover).toBeGreaterThanOrEqual(FAST.renewDeadlineMs);
    expect(a.elector.isLeader()).toBe(false);
    expect(overlapSeen).toBe(false);
    assertDisjoint(a, b);
    expect(api.getLease('ipshift', 'ipshift-controller')?.['spec']).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 1 });

    // The old leader comes back as a follower and learns the new endpoint.
    api.partition('pod-a', false);
    await waitFor(() => a.elector.leaderEndpoint() === endpointOf('pod-b'), 3000, 'a sees b');
    expect(a.elector.isLeader()).toBe(false);
  });

  it('hands over in under 3 s when the leader releases the Lease on stop (client-go default timings)', async () => {
    const [a, b] = await aLeadsBFollows({});
    const stoppedAt = Date.now();
    await a.elector.stop();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.transitions.at(-1)?.[1]).toBe(false);
    await waitFor(() => b.elector.isLeader(), 3000, 'b takes over');
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(overlapSeen).toBe(false);
    assertDisjoint(a, b);
    expect(api.getLease('ipshift', 'ipshift-controller')?.metadata.annotations?.[LEADER_ENDPOINT_ANNOTATION]).toBe(endpointOf('pod-b'));
  });

  it('releases the Lease on stop: no holder, no endpoint', async () => {
    const a = await aLeads();
    await a.elector.stop();
    const released = api.getLease('ipshift', 'ipshift-controller');
    expect(released?.['spec']).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(released?.metadata.annotations?.[LEADER_ENDPOINT_ANNOTATION]).toBeUndefined();
    expect(a.elector.leaderEndpoint()).toBeNull();
  });

  it('resign hands the Lease to the follower at once and stays out of the election for the hold-off', async () => {
    const [a, b] = await aLeadsBFollows({});
    const resignedAt = Date.now();
    await a.elector.resign('the leader runs on the holder node', 6000);
    expect(a.elector.isLeader()).toBe(false);
    // Released, not left to expire: b takes it well before a 15 s Lease could run out.
    await waitFor(() => b.elector.isLeader(), 5000, 'b takes over');
    expect(overlapSeen).toBe(false);
    // b goes away and releases the Lease: a stays out until its hold-off has passed, then leads again.
    await b.elector.stop();
    await waitFor(() => a.elector.isLeader(), 12_000, 'a leads again after its hold-off');
    const retookAt = a.transitions.filter(([, leading]) => leading).at(-1)?.[0] ?? 0;
    expect(retookAt - resignedAt).toBeGreaterThanOrEqual(6000);
    assertDisjoint(a, b);
  });

  it('a follower that resigns does not take a free Lease during its hold-off', async () => {
    const a = candidate('pod-a');
    await a.elector.resign('stay out', 60_000);
    a.elector.start();
    await sleep(FAST.leaseDurationMs + 3 * FAST.retryPeriodMs);
    expect(a.elector.isLeader()).toBe(false);
    expect(api.getLease('ipshift', 'ipshift-controller')).toBeUndefined();
  });

  it('a 120 s backward wall-clock step on the standby does not delay its takeover (expiry on the monotonic clock)', async () => {
    let step = 0;
    const stepped: Clock = { now: () => Date.now() - step, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
    const [a, b] = await aLeadsBFollows(FAST, stepped);
    step = 120_000;
    const cutAt = Date.now();
    api.partition('pod-a', true);
    await waitFor(() => b.elector.isLeader(), 3 * FAST.leaseDurationMs, 'b takes over despite its clock');
    const takeover = (b.transitions.find(([, leading]) => leading)?.[0] ?? Infinity) - cutAt;
    expect(takeover).toBeLessThanOrEqual(FAST.leaseDurationMs + 2 * FAST.retryPeriodMs + 500);
    assertDisjoint(a, b);
  });

  it('a rewritten Lease (foreign holder, endpoint at a listener, huge duration): never forwarded to, and a replica takes over', async () => {
    const a = candidate('pod-a');
    const b = candidate('pod-b');
    a.elector.start();
    b.elector.start();
    await waitFor(() => a.elector.isLeader() || b.elector.isLeader(), 5000, 'a leader');
    const rewritten = api.getLease('ipshift', 'ipshift-controller');
    if (rewritten === undefined) throw new Error('no Lease');
    const hostile = 'http://127.0.0.1:9/';
    api.setLease({
      ...rewritten,
      metadata: { ...rewritten.metadata, annotations: { [LEADER_ENDPOINT_ANNOTATION]: hostile } },
      spec: { ...(rewritten['spec'] as object), holderIdentity: 'evil', leaseDurationSeconds: 1_000_000_000 },
    });
    const rewrittenAt = Date.now();
    const offered: Array<string | null> = [];
    const watcher = setInterval(() => offered.push(a.elector.leaderEndpoint(), b.elector.leaderEndpoint()), 5);
    try {
      await waitFor(() => !a.elector.isLeader() && !b.elector.isLeader(), 5000, 'both step down');
      await waitFor(() => a.elector.isLeader() || b.elector.isLeader(), 3 * FAST.leaseDurationMs, 'a replica takes the Lease back');
    } finally {
      clearInterval(watcher);
    }
    // Bounded by our own lease duration, not the billion seconds the record claims.
    expect(Date.now() - rewrittenAt).toBeLessThanOrEqual(FAST.leaseDurationMs + 2 * FAST.retryPeriodMs + 500);
    expect(offered).not.toContain(hostile);
    expect(overlapSeen).toBe(false);
  });

  it('an endpoint is trusted only when the EndpointSlices list it for the holder pod', async () => {
    const check = createEndpointSliceCheck({ kubeConfig: api.kubeConfig('x'), namespace: 'ipshift', serviceName: 'ipshift' });
    expect(await check('pod-a', 'http://10.0.0.1:8080')).toEqual({ trusted: true });
    expect(await check('pod-a', 'http://10.0.0.2:8080')).toMatchObject({ trusted: false, why: expect.stringMatching(/not an address and port of pod pod-a/) });
    expect(await check('pod-a', 'http://10.0.0.1:9999')).toMatchObject({ trusted: false });
    expect(await check('evil', 'http://10.0.0.1:8080')).toMatchObject({ trusted: false, why: expect.stringMatching(/pod evil has no endpoint/) });
    expect(await check('pod-a', 'http://10.0.0.1:8080/x?y')).toMatchObject({ trusted: false });
    expect(await check('pod-a', 'file:///etc/passwd')).toMatchObject({ trusted: false });
    api.failNext({ path: 'endpointslices', status: 403 });
    expect(await check('pod-a', 'http://10.0.0.1:8080')).toMatchObject({ trusted: false, why: expect.stringMatching(/HTTP 403/) });
  });

  it('a leader whose renewals each take 40 % of the renew deadline renews from start to start and never stops calling itself leader', async () => {
    const a = await aLeads();
    // Every Lease request answered 200 ms late: an attempt (read, then write) takes 400 ms of the
    // 1,000 ms deadline. Renewing a retry period after each attempt ended spaced the starts of two
    // renewals 650 ms apart, and the one after next began only after the deadline had passed.
    api.failNext({ path: '/apis/coordination.k8s.io/v1/namespaces/ipshift/leases/', fault: { kind: 'slow', ms: 200 }, times: 1000 });
    let gaps = 0;
    const watch = setInterval(() => {
      if (!a.elector.isLeader()) gaps++;
    }, 5);
    await sleep(3000);
    clearInterval(watch);
    api.clearFailures();
    expect(gaps).toBe(0);
  });

  it('rejects settings that would allow two leaders', () => {
    expect(() => candidate('x', { leaseDurationMs: 1000, renewDeadlineMs: 1000, retryPeriodMs: 100 })).toThrow(/renew deadline/);
  });
});
