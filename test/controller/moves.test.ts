import { createApp } from '../../src/app.js';
import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { FailoverIPObject } from '../../src/core/model.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { FailoverIpProvider } from '../../src/ports/provider.js';
import { systemClock } from '../../src/ports/clock.js';
import { createDryRunProvider } from '../../src/providers/dry-run/dry-run-provider.js';
import { MemoryCluster, StaticLeadership } from '../../src/sandbox/memory-cluster.js';
import { sandboxFailoverIP } from '../../src/sandbox/start-sandbox.js';
import { ADDRESS, ControllerHarness, harnessNode, sleep, waitFor } from '../support/controller-harness.js';
import { createCapturingLogger } from '../support/capturing-logger.js';

/**
 * Moves end to end (createApp, the netcup emulator behind its fault layer, the in-memory
 * cluster): the cooldown, partial routing, status.nextMoveAllowedAt, Events. Each case is a
 * finding of a move that lied; the comment says what it did before.
 */
const V6 = '2001:db8:a:20::/64';
const parse = (value: string | null | undefined): number => Date.parse(value ?? '');

function withAddresses(fip: FailoverIPObject, addresses: readonly string[]): FailoverIPObject {
  return { ...fip, spec: { ...fip.spec, addresses } };
}

describe('moves', () => {
  let h: ControllerHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('a 401 on the move (the provider did nothing) gives the cooldown back, and the next attempt moves', async () => {
    // Before: a terminal error kept the 5-minute cooldown, so one 401 blocked the failover.
    h = await ControllerHarness.start({ cooldownSeconds: 300 });
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    h.emulator.faults.failNext(1, 401, 'mutation');
    await h.postAlert(url, 'node-1', 'firing');
    await waitFor(() => h?.holderAtProvider() !== 'node-1', 8000, 'the move after the 401');
    // The refused PATCH and the one that moved; no five-minute wait in between.
    expect(h.emulator.faults.mutationCount()).toBe(2);
  });

  it('an uncertain failure of the move (5xx throughout) keeps the cooldown: the provider may have acted', async () => {
    // Before: a transient error gave the cooldown back.
    h = await ControllerHarness.start({ cooldownSeconds: 300 });
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    h.emulator.faults.failNext(1_000, 503, 'mutation');
    await h.postAlert(url, 'node-1', 'firing');
    await waitFor(() => app.reconciler.snapshot().moves.some((m) => m.result === 'failure'), 15_000, 'the failed move');
    const status = h.fip().status;
    expect(status.nextMoveAllowedAt).not.toBeNull();
    expect(parse(status.nextMoveAllowedAt) - parse(status.lastMoveTime)).toBe(300_000);
  });

  it('partial routing is its own state, with one reason everywhere, and the second address follows when the provider allows', async () => {
    // Before: only the first address was read, status said Routed, the second stayed behind.
    h = await ControllerHarness.start();
    h.cluster.setFailoverIP(withAddresses(h.fip(), [ADDRESS, V6]));
    let refused = false;
    const providerFetch: typeof fetch = async (input, init) => {
      const target = input instanceof Request ? input.url : String(input);
      if (!refused && init?.method === 'PATCH' && target.includes('/failoverips/v6/')) {
        refused = true;
        return new Response(JSON.stringify({ code: 'TOO_MANY_REQUESTS', message: 'Routing a failover IP is only permitted once every 5 minutes.' }), {
          status: 429,
          // Longer than the adapter's retry deadline (10 s), so the move surfaces as partly done.
          headers: { 'content-type': 'application/json', 'retry-after': '12' },
        });
      }
      return fetch(input, init);
    };
    const { url, app } = await h.addReplica(true, { providerFetch });
    await app.loop.idle();
    await h.postAlert(url, 'node-1', 'firing');
    await waitFor(() => h?.fip().status.conditions?.some((c) => c.type === 'Routed' && c.reason === 'PartialRouting') === true, 5000, 'partial routing');
    const status = h.fip().status;
    expect(status.conditions?.find((c) => c.type === 'Routed')?.status).toBe('False');
    expect(h.cluster.events.some((e) => e.type === 'Warning' && e.reason === 'PartialRouting')).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ipshift_moves_total\{failover_ip="default\/web",reason="holder-down",result="partial"\} 1/);
    expect(h.emulator.routing(V6)).toBe(111001);
    const moved = h.emulator.routing(ADDRESS);
    expect(moved).not.toBe(111001);
    expect(parse(status.nextMoveAllowedAt)).toBeGreaterThan(Date.now() + 5_000);
    // The provider's Retry-After passes: the rest follows, without waiting for any cooldown.
    await waitFor(() => h?.emulator.routing(V6) === moved, 16_000, 'the second address healed');
    await waitFor(() => h?.fip().status.conditions?.find((c) => c.type === 'Routed')?.status === 'True', 3000, 'Routed again');
    expect(app.reconciler.snapshot().moves.map((m) => [m.reason, m.result])).toEqual([
      ['holder-down', 'partial'],
      ['partial-routing', 'success'],
    ]);
  });

  it('status.nextMoveAllowedAt follows a changed cooldownSeconds, raised and lowered', async () => {
    // Before: it kept the value written at move time.
    h = await ControllerHarness.start({ cooldownSeconds: 60 });
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    await h.postAlert(url, 'node-1', 'firing');
    await waitFor(() => h?.acceptedMoves() === 1 && h.fip().status.lastMoveTime != null, 5000, 'the move');
    await app.loop.idle();
    const gap = (): number => parse(h?.fip().status.nextMoveAllowedAt) - parse(h?.fip().status.lastMoveTime);
    await waitFor(() => gap() === 60_000, 2000, 'a 60 s cooldown');
    const withCooldown = (seconds: number): FailoverIPObject => {
      const fip = h!.fip();
      return { ...fip, generation: fip.generation + 1, spec: { ...fip.spec, policy: { ...fip.spec.policy, cooldownSeconds: seconds } } };
    };
    h.cluster.setFailoverIP(withCooldown(900));
    await waitFor(() => gap() === 900_000, 3000, 'the raised cooldown in status');
    h.cluster.setFailoverIP(withCooldown(5));
    await waitFor(() => gap() === 5_000, 3000, 'the lowered cooldown in status');
  });

  it('a new leader reports a block that began before it led', async () => {
    // Before: the follower had planned the same decision, so as leader it saw nothing new to report.
    h = await ControllerHarness.start();
    const first = await h.addReplica(true);
    const second = await h.addReplica(false);
    for (const node of ['node-1', 'node-2', 'node-3']) h.cluster.setNode(harnessNode(node, { conditions: { Ready: 'False' } }));
    await waitFor(() => h?.fip().status.lastDecision?.outcome === 'no-eligible-node', 3000, 'the block');
    await second.app.loop.idle();
    const before = h.cluster.events.filter((e) => e.reason === 'HolderDown').length;
    first.leadership.set(false);
    second.leadership.set(true);
    second.app.loop.request('leader');
    await waitFor(() => (h?.cluster.events.filter((e) => e.reason === 'HolderDown').length ?? 0) > before, 3000, 'the new leader reporting');
  });

  it('a move-to annotation naming an ineligible node gets a Warning Event and is removed', async () => {
    // Before: it stayed on the object, silently.
    h = await ControllerHarness.start();
    const { app } = await h.addReplica();
    await app.loop.idle();
    h.cluster.setNode(harnessNode('node-3', { conditions: { Ready: 'False' } }));
    const fip = h.fip();
    h.cluster.setFailoverIP({ ...fip, annotations: { ...fip.annotations, 'ipshift.dev/move-to': 'node-3' } });
    await waitFor(() => h?.fip().annotations['ipshift.dev/move-to'] === undefined, 3000, 'the annotation removed');
    const event = h.cluster.events.find((e) => e.reason === 'ManualTargetIneligible');
    expect(event?.type).toBe('Warning');
    expect(event?.message).toContain('node-3');
    expect(h.acceptedMoves()).toBe(0);
  });

  it('logs a failed Event write once per cause, not once per Event', async () => {
    // Before: failures were swallowed without a log line.
    const logger = createCapturingLogger();
    h = await ControllerHarness.start({ logger });
    h.cluster.recordEvent = () => Promise.reject(new Error('events is forbidden'));
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    await h.postAlert(url, 'node-1', 'firing');
    await waitFor(() => h?.acceptedMoves() === 1, 5000, 'the move');
    await sleep(100);
    await app.loop.idle();
    expect(logger.records.filter((line) => line.level !== 'debug' && line.message.startsWith('could not record a Kubernetes Event'))).toHaveLength(1);
  });

  it('a provider that never answers delays neither readiness nor an unrelated dry-run FailoverIP', async () => {
    // Before: reads ran one FailoverIP after another under a 60 s deadline, so the dry-run
    // FailoverIP moved only after the hanging provider's call gave up, and /readyz waited too.
    const cluster = new MemoryCluster();
    for (const name of ['node-1', 'node-2']) cluster.setNode(harnessNode(name));
    const stuck = { ...sandboxFailoverIP({ cooldownSeconds: 0 }), name: 'stuck' };
    const dry = {
      ...sandboxFailoverIP({ cooldownSeconds: 0 }, { assignedNode: 'node-1' }),
      name: 'dry',
      spec: { addresses: ['198.51.100.77'], provider: { type: 'dry-run' as const, secretRef: { name: 'unused' } }, policy: { cooldownSeconds: 0 } },
    };
    cluster.setFailoverIP(stuck);
    cluster.setFailoverIP(dry);
    const hanging: FailoverIpProvider = {
      type: 'netcup',
      minMoveIntervalMs: 0,
      getRouting: (_addresses, signal) => new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
      route: () => new Promise(() => undefined),
    };
    const dryRun = createDryRunProvider({ logger: silentLogger, clock: systemClock, initialRouting: { '198.51.100.77': '111001' } });
    const app = createApp(loadConfig({ IPSHIFT_SANDBOX: '1', IPSHIFT_ROUTING_REFRESH_SECONDS: '3600' }), {
      cluster,
      writer: cluster,
      leadership: new StaticLeadership(true),
      providers: { forFailoverIP: (fip) => Promise.resolve(fip.name === 'stuck' ? hanging : dryRun) },
      policy: loadAlertPolicy(),
      logger: silentLogger,
      sandbox: true,
      version: 'test',
      pollIntervalMs: 200,
    });
    const url = await app.start(0, '127.0.0.1');
    try {
      await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 2000, 'ready');
      cluster.setNode(harnessNode('node-1', { conditions: { Ready: 'False' } }));
      await waitFor(() => dryRun.moves().length === 1, 2000, 'the dry-run move');
      expect(dryRun.moves()[0]).toMatchObject({ from: '111001', to: '111002' });
    } finally {
      await app.stop(500);
    }
  });
});
