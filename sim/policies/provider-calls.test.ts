import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import type { ApiCall } from '../provider.js';
import { defaultTimings } from '../timings.js';
import { FAILOVER_IP_NAME, World, type Policy } from '../world.js';
import { FOIP_CLIENT, FoipOperatorController, foipOperatorPolicy } from './foip-operator.js';
import { IpshiftClient } from './ipshift-client.js';
import { IpshiftController, ipshiftPolicy, PLACEMENTS } from './ipshift.js';
import { NETCUP_CONTROLLER_CLIENT, netcupControllerPolicy } from './netcup-failover-controller.js';
import { controllerRuntimeBackoffMs } from './reconcile-queue.js';

/**
 * The peers' and ipshift's conversations with the provider, asserted on the provider's call
 * log in virtual time: which requests, in which order, at which modelled moments.
 */
const timings = defaultTimings();
const NODES = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
const S = 1000;

function run(policy: Policy, script: (world: World) => void, untilMs: number, seed = 7): World {
  const world = new World(timings, NODES, seed, policy);
  script(world);
  world.finish(untilMs);
  return world;
}

/** At each moment, whichever node holds the IP then loses power. */
const crashHolderAt = (world: World, ...moments: number[]): void => {
  for (const at of moments) world.engine.at(at, () => world.setTruth(world.provider.routed, { powered: false }));
};
const of = (world: World, client: string, op?: ApiCall['op']): ApiCall[] =>
  world.provider.calls.filter((c) => c.client === client && (op === undefined || c.op === op));

describe('netcup-failover-controller and the provider', () => {
  const policy = netcupControllerPolicy(FAILOVER_IP_NAME);

  it('refreshes the stale token from its Secret, lists the servers, reads the routing, then PATCHes', () => {
    const world = run(policy, (w) => crashHolderAt(w, 600 * S), 900 * S);
    expect(of(world, NETCUP_CONTROLLER_CLIENT).map((c) => c.op)).toEqual(['token', 'list-servers', 'get-routing', 'route', 'poll-task']);
  });

  it('after a 429 it PATCHes again at once (its status update re-queues it), then exactly 5 min later, whatever the Retry-After', () => {
    const world = run(policy, (w) => crashHolderAt(w, 600 * S, 720 * S), 1_500 * S);
    const routes = of(world, NETCUP_CONTROLLER_CLIENT, 'route');
    expect(routes.map((c) => c.outcome)).toEqual(['accepted', 'refused', 'refused', 'accepted']);
    const [first, refused, again, last] = routes as [ApiCall, ApiCall, ApiCall, ApiCall];
    // The window ends 300 s after the accepted PATCH: Retry-After was well under 5 min.
    const retryAfterMs = first.sentAt + timings.providerMoveWindowMs - refused.sentAt;
    expect(retryAfterMs).toBeLessThan(200 * S);
    expect(again.sentAt - refused.sentAt).toBeLessThan(2 * S);
    // RequeueAfter 5 min from the end of the refused reconcile, then its requests before the PATCH.
    expect(last.sentAt - refused.sentAt).toBeGreaterThanOrEqual(timings.netcupControllerRateLimitRequeueMs);
    expect(last.sentAt - refused.sentAt).toBeLessThan(timings.netcupControllerRateLimitRequeueMs + 2 * S);
    // The token refreshed at 600 s is still good 120 s later; the one 5 min on is not.
    const ops = of(world, NETCUP_CONTROLLER_CLIENT).map((c) => c.op);
    expect(ops.filter((op) => op === 'token')).toHaveLength(2);
    expect(ops.slice(-5)).toEqual(['token', 'list-servers', 'get-routing', 'route', 'poll-task']);
  });

  it('in a hang it waits for the reset (no client timeout), then goes on at once', () => {
    const world = run(
      policy,
      (w) => {
        w.provider.addOutage(600 * S, 900 * S, 'hang', 'both');
        crashHolderAt(w, 610 * S);
      },
      1_200 * S,
    );
    const calls = of(world, NETCUP_CONTROLLER_CLIENT);
    const hung = calls.filter((c) => c.outcome === 'hung');
    // The token request has the auth manager's 30 s timeout, so only token requests are retried
    // during the hang, each after the last one timed out (then the per-item backoff).
    expect(hung.length).toBeGreaterThan(3);
    expect(new Set(hung.map((c) => c.op))).toEqual(new Set(['token']));
    hung.slice(1).forEach((c, i) => expect(c.sentAt - (hung[i] as ApiCall).sentAt).toBeGreaterThanOrEqual(timings.netcupControllerTokenTimeoutMs));
    const after = calls.filter((c) => c.sentAt >= 900 * S);
    expect(after.map((c) => c.outcome)).toContain('accepted');
    expect(world.provider.routed).not.toBe('node-1');
  });

  it('a hung API request with no reset is never answered: it never routes again', () => {
    const world = run(
      policy,
      (w) => {
        w.provider.addOutage(600 * S, 900 * S, 'hang-held', 'api');
        crashHolderAt(w, 610 * S);
      },
      3_600 * S,
    );
    const calls = of(world, NETCUP_CONTROLLER_CLIENT);
    expect(calls.map((c) => `${c.op}:${c.outcome}`)).toEqual(['token:ok', 'list-servers:hung']);
    expect(world.provider.routed).toBe('node-1');
  });
});

describe('foip-operator and the provider', () => {
  it('every reconcile refreshes the token and reads the routing first; a 429 is an error retried with the per-item backoff', () => {
    const world = run(foipOperatorPolicy, (w) => crashHolderAt(w, 600 * S, 720 * S), 1_500 * S);
    const calls = of(world, FOIP_CLIENT);
    const starts = calls.map((c, i) => (c.op === 'token' ? i : -1)).filter((i) => i >= 0);
    for (const i of starts) expect(calls[i + 1]?.op).toBe('get-routing');
    const controller = world.controller as FoipOperatorController;
    const refused = calls.filter((c) => c.outcome === 'refused').length;
    expect(refused).toBeGreaterThan(5);
    // Each refusal is one failure: 5 ms, 10 ms, 20 ms … (controller-runtime's default limiter).
    expect(controller.queue.backoffs.slice(0, refused)).toEqual(Array.from({ length: refused }, (_, n) => controllerRuntimeBackoffMs(n)));
  });
});

describe("ipshift's provider client", () => {
  const world = (): World => new World(timings, NODES, 3, foipOperatorPolicy);

  it('keeps the access token until 30 s before its 300 s end, and shares one refresh between concurrent calls', () => {
    const w = world();
    const client = new IpshiftClient(w.engine, timings, w.provider, () => 0.5, 'test');
    const results: boolean[] = [];
    for (const at of [10 * S, 10 * S, 100 * S, 279 * S, 281 * S]) w.engine.at(at, () => client.call('get-routing', at + 30 * S, (r) => results.push(r.ok)));
    w.finish(400 * S);
    expect(results).toEqual([true, true, true, true, true]);
    expect(of(w, 'test', 'token').map((c) => Math.round(c.sentAt / S))).toEqual([10, 281]);
  });

  it('a hung request times out after 30 s and is retried within its 60 s budget; the caller sees a transient failure', () => {
    const w = world();
    w.provider.addOutage(0, 1_000 * S, 'hang', 'api');
    const client = new IpshiftClient(w.engine, timings, w.provider, () => 0.5, 'test');
    let failedAt: number | null = null;
    w.engine.at(10 * S, () =>
      client.call('get-routing', 10 * S + timings.ipshiftMoveDeadlineMs, (r) => {
        if (!r.ok) failedAt = w.engine.now;
      }),
    );
    w.finish(200 * S);
    const reads = of(w, 'test', 'get-routing');
    expect(reads).toHaveLength(2);
    // The first backoff is random(0, 500 ms): 250 ms with this draw.
    expect((reads[1] as ApiCall).sentAt - (reads[0] as ApiCall).sentAt).toBe(timings.ipshiftRequestTimeoutMs + 250);
    // A third attempt would wait past the 60 s budget: the call fails when the second times out.
    expect(failedAt).toBe((reads[1] as ApiCall).sentAt + timings.ipshiftRequestTimeoutMs);
  });
});

describe("ipshift's Lease when the leader dies with the holder", () => {
  const policy = loadAlertPolicy();

  it('without the hand-over: the follower takes the Lease once it has not seen a renewal for the Lease duration, then moves', () => {
    const crashAt = 600 * S;
    const w = run(ipshiftPolicy({ policy, placement: PLACEMENTS.holderNoHandOver }), (world) => crashHolderAt(world, crashAt), 900 * S);
    const controller = w.controller as IpshiftController;
    expect(controller.takeovers).toHaveLength(1);
    const takeover = controller.takeovers[0] as { at: number; after: string };
    expect(takeover.after).toBe('expiry');
    const { leaseDurationMs, leaseRetryPeriodMs } = timings;
    expect(takeover.at - crashAt).toBeGreaterThan(leaseDurationMs - leaseRetryPeriodMs);
    expect(takeover.at - crashAt).toBeLessThanOrEqual(leaseDurationMs + leaseRetryPeriodMs * 1.2 + 100);
    const dead = w.deadIntervals[0];
    expect(dead?.leaderWithHolder).toBe(true);
    expect(dead?.ms).toBeGreaterThan(takeover.at - crashAt);
    // The new leader's first move starts with a token refresh: its token lapsed long ago.
    const afterTakeover = of(w, 'ipshift-1').filter((c) => c.sentAt >= takeover.at);
    expect(afterTakeover.slice(0, 2).map((c) => c.op)).toEqual(['token', 'get-routing']);
  });

  it('with the hand-over: the leader leaves the holder long before it crashes', () => {
    const w = run(ipshiftPolicy({ policy, placement: PLACEMENTS.holder }), (world) => crashHolderAt(world, 600 * S), 900 * S);
    const controller = w.controller as IpshiftController;
    expect(controller.takeovers[0]?.after).toBe('hand-over');
    expect(controller.takeovers[0]?.at).toBeLessThan(600 * S);
    expect(w.deadIntervals[0]?.leaderWithHolder).toBe(false);
  });
});
