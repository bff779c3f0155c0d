import { Registry } from 'prom-client';
import { createKubeMetrics } from '../metrics/kube-metrics.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { startFakeKubeApi, type FakeKubeApi } from '../../test/fake-kube-api/index.js';
import { delay, waitFor } from '../../test/fake-kube-api/wait.js';
import { createLeaseElector, LEADER_ENDPOINT_ANNOTATION, type LeaseElector } from './lease-elector.js';

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

beforeEach(async () => {
  api = await startFakeKubeApi();
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

function candidate(identity: string, settings: Partial<typeof FAST> = FAST): Candidate {
  const registry = new Registry();
  const elector = createLeaseElector({
    kubeConfig: api.kubeConfig(identity),
    namespace: 'ipshift',
    identity,
    endpoint: `http://${identity}.test:8080`,
    clock: systemClock,
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

async function gauge(registry: Registry, name: string): Promise<number> {
  return (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? NaN;
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
    await waitFor(() => a.elector.isLeader() || b.elector.isLeader(), 'a leader');
    await delay(1200);
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    expect(follower.elector.isLeader()).toBe(false);
    expect(overlapSeen).toBe(false);
    const leaderName = leader === a ? 'pod-a' : 'pod-b';
    expect(follower.elector.leaderEndpoint()).toBe(`http://${leaderName}.test:8080`);
    expect(leader.elector.leaderEndpoint()).toBe(`http://${leaderName}.test:8080`);
    const lease = api.getLease('ipshift', 'ipshift-controller');
    expect(lease?.['spec']).toMatchObject({ holderIdentity: leaderName, leaseDurationSeconds: 2 });
    expect(lease?.metadata.annotations?.[LEADER_ENDPOINT_ANNOTATION]).toBe(`http://${leaderName}.test:8080`);
    expect(String((lease?.['spec'] as { renewTime: string }).renewTime)).toMatch(/\.\d{6}Z$/);
    expect(await gauge(leader.registry, 'ipshift_leader')).toBe(1);
    expect(await gauge(follower.registry, 'ipshift_leader')).toBe(0);
    expect(await gauge(leader.registry, 'ipshift_leader_transitions_total')).toBe(1);
  });

  it('takes over within lease duration + retry period after the leader stops renewing, never overlapping', async () => {
    const a = candidate('pod-a');
    a.elector.start();
    await waitFor(() => a.elector.isLeader(), 'a leads');
    const b = candidate('pod-b');
    b.elector.start();
    await delay(600);
    expect(b.elector.isLeader()).toBe(false);

    const cutAt = Date.now();
    api.partition('pod-a', true); // a can no longer reach the API server
    await waitFor(() => b.elector.isLeader(), 'b takes over', 6000);
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
    await waitFor(() => a.elector.leaderEndpoint() === 'http://pod-b.test:8080', 'a sees b', 3000);
    expect(a.elector.isLeader()).toBe(false);
  });

  it('hands over in under 3 s when the leader releases the Lease on stop (client-go default timings)', async () => {
    const a = candidate('pod-a', {});
    a.elector.start();
    await waitFor(() => a.elector.isLeader(), 'a leads');
    const b = candidate('pod-b', {});
    b.elector.start();
    await waitFor(() => b.elector.leaderEndpoint() === 'http://pod-a.test:8080', 'b observed a');
    const stoppedAt = Date.now();
    await a.elector.stop();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.transitions.at(-1)?.[1]).toBe(false);
    await waitFor(() => b.elector.isLeader(), 'b takes over', 3000);
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(overlapSeen).toBe(false);
    assertDisjoint(a, b);
    expect(api.getLease('ipshift', 'ipshift-controller')?.metadata.annotations?.[LEADER_ENDPOINT_ANNOTATION]).toBe('http://pod-b.test:8080');
  });

  it('releases the Lease on stop: no holder, no endpoint', async () => {
    const a = candidate('pod-a');
    a.elector.start();
    await waitFor(() => a.elector.isLeader(), 'a leads');
    await a.elector.stop();
    const released = api.getLease('ipshift', 'ipshift-controller');
    expect(released?.['spec']).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(released?.metadata.annotations?.[LEADER_ENDPOINT_ANNOTATION]).toBeUndefined();
    expect(a.elector.leaderEndpoint()).toBeNull();
  });

  it('rejects settings that would allow two leaders', () => {
    expect(() => candidate('x', { leaseDurationMs: 1000, renewDeadlineMs: 1000, retryPeriodMs: 100 })).toThrow(/renew deadline/);
  });
});
