import { startNetcupEmulator, type NetcupEmulator } from '../../src/emulators/netcup/netcup-emulator.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fake-kube-api/index.js';
import { seededRandom } from '../support/node-facts.js';
import { ADDRESS, ControllerHarness, SERVER_OF, sleep, waitFor } from '../support/controller-harness.js';
import { KUBE_SERVER_OF, seedCluster, seededNode, startKubeController, type KubeController } from '../support/kube-controller.js';

/**
 * Chaos, bounded in time and count, on loopback only. Every test checks the same promises:
 * no crash, no lost alert, no move outside the rules, bounded memory.
 */

/** Fails a seeded half of the provider calls with 503 (or a dropped connection) before they reach the emulator. */
function flakyFetch(seed: number): { fetch: typeof fetch; failed: () => number } {
  const random = seededRandom(seed);
  let failed = 0;
  const wrapped: typeof fetch = async (input, init) => {
    if (random() < 0.5) {
      failed++;
      if (random() < 0.5) throw new TypeError('fetch failed: socket hang up');
      return new Response(JSON.stringify({ code: 'unavailable', message: 'chaos' }), { status: 503, headers: { 'content-type': 'application/json' } });
    }
    return fetch(input, init);
  };
  return { fetch: wrapped, failed: () => failed };
}

describe('chaos', () => {
  it('the provider fails half its calls for a minute: every failure still ends in a legal move', async () => {
    const cooldownSeconds = 2;
    const h = await ControllerHarness.start({ cooldownSeconds, taskDurationMs: 20 });
    const flaky = flakyFetch(11);
    try {
      const { app } = await h.addReplica(true, { providerFetch: flaky.fetch });
      await app.loop.idle();
      const heapBefore = process.memoryUsage().heapUsed;
      const end = Date.now() + 60_000;
      const failures: Array<{ node: string; at: number }> = [];
      while (Date.now() < end - 6000) {
        const holder = h.holderAtProvider();
        if (holder === null) throw new Error('unrouted');
        h.cluster.updateNode(holder, (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'False' } }));
        failures.push({ node: holder, at: Date.now() });
        await waitFor(() => h.holderAtProvider() !== holder, 15_000, `failover away from ${holder}`);
        h.cluster.updateNode(holder, (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'True' } }));
        await sleep(500);
      }
      await app.loop.idle();
      const accepted = h.emulator.patches.filter((p) => p.status === 202);
      // One move per real failure, never two.
      expect(accepted.length).toBe(failures.length);
      expect(failures.length).toBeGreaterThanOrEqual(5);
      // Never inside the cooldown.
      for (let i = 1; i < accepted.length; i++) expect((accepted[i]?.at ?? 0) - (accepted[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(cooldownSeconds * 1000);
      // Never onto the failed node.
      accepted.forEach((patch, i) => expect(patch.serverId).not.toBe(SERVER_OF[failures[i]?.node ?? '']));
      expect(flaky.failed()).toBeGreaterThan(10);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 1048576);
    } finally {
      await h.stop();
    }
  }, 90_000);

  it('a flood of 10,000 alerts in 10 s with failed auth mixed in: no lost alert, no 5xx, one move', async () => {
    const h = await ControllerHarness.start();
    try {
      const { url, app } = await h.addReplica(true, { env: { IPSHIFT_WEBHOOK_TOKEN: 'flood-token' } });
      await app.loop.idle();
      const heapBefore = process.memoryUsage().heapUsed;
      const random = seededRandom(5);
      const statuses = new Map<number, number>();
      const started = Date.now();
      const batches = 100;
      for (let b = 0; b < batches; b++) {
        // A trusted node-health alert (the default policy ignores other names) naming nodes that do not exist: every one is unmapped.
        const alerts = Array.from({ length: 100 }, (_, i) => ({
          status: 'firing',
          labels: { alertname: 'NodeFilesystemSpaceFillingUp', node: `ghost-${(b * 100 + i) % 50}`, severity: 'warning', n: String(b * 100 + i) },
          annotations: {},
          startsAt: '2026-11-23T10:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: `flood-${b}-${i}`,
        }));
        const good = fetch(`${url}/webhook/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer flood-token' },
          body: JSON.stringify({ version: '4', status: 'firing', receiver: 'r', groupKey: `g${b}`, alerts }),
        });
        const bad = fetch(`${url}/webhook/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: random() < 0.5 ? 'Bearer wrong' : 'Basic d3Jvbmc6d3Jvbmc=' },
          body: JSON.stringify({
            version: '4',
            status: 'firing',
            receiver: 'r',
            groupKey: 'bad',
            alerts: [{ ...alerts[0], fingerprint: `bad-${b}`, labels: { alertname: 'KubeNodeNotReady', node: 'node-1', severity: 'critical' } }],
          }),
        });
        for (const response of await Promise.all([good, bad])) statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        // Spread over 10 s.
        const due = started + ((b + 1) * 10_000) / batches;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      // The holder's own alert arrives in the middle of the flood, properly authenticated.
      await h.postAlert(url, 'node-1', 'firing', 'KubeNodeNotReady', { authorization: 'Bearer flood-token' });
      await waitFor(() => h.holderAtProvider() !== 'node-1', 5000, 'the one real failover');
      await app.loop.idle();
      expect(Object.fromEntries(statuses)).toEqual({ 200: batches, 401: batches });
      const flood = app.store.active(Date.now()).filter((a) => a.labels['alertname'] === 'NodeFilesystemSpaceFillingUp');
      expect(flood).toHaveLength(10_000);
      expect(app.store.active(Date.now()).some((a) => a.fingerprint.startsWith('bad-'))).toBe(false);
      expect(h.acceptedMoves()).toBe(1);
      expect(app.store.unmapped().find((u) => u.alertname === 'NodeFilesystemSpaceFillingUp')?.count).toBe(10_000);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1048576);
    } finally {
      await h.stop();
    }
  }, 60_000);
});

describe('chaos against the Kubernetes API', () => {
  let api: FakeKubeApi;
  let emulator: NetcupEmulator;
  const controllers: KubeController[] = [];

  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop().catch(() => undefined);
    await emulator.close();
    await api.stop();
  });

  const nodeObject = (name: string, ready: 'True' | 'False') => seededNode(name, { conditions: { Ready: ready } });

  it('watches dropped every 2 s: the view stays right and every failure is handled', async () => {
    api = await startFakeKubeApi();
    emulator = await startNetcupEmulator({ taskDurationMs: 20, moveIntervalMs: 0 });
    seedCluster(api, emulator);
    const controller = await startKubeController(api, emulator);
    controllers.push(controller);
    await waitFor(() => controller.elector.isLeader(), 5000, 'leadership');
    const dropper = setInterval(() => api.dropWatches(), 2000);
    try {
      for (let i = 0; i < 5; i++) {
        const holder = controller.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode ?? 'node-1';
        api.setNode(nodeObject(holder, 'False'));
        await waitFor(
          () => emulator.routing(ADDRESS) !== KUBE_SERVER_OF[holder] && controller.app.reconciler.snapshot().failoverIPs[0]?.memory.moveInFlight === false,
          10_000,
          `failover ${i}`,
        );
        api.setNode(nodeObject(holder, 'True'));
        await sleep(1500);
      }
      await waitFor(() => controller.kube.view.nodes().every((n) => n.conditions['Ready'] === 'True'), 10_000, 'the view to converge');
      expect(emulator.patches.filter((p) => p.status === 202)).toHaveLength(5);
    } finally {
      clearInterval(dropper);
    }
  }, 60_000);

  it('the leader killed mid-move: the standby takes over and does not move twice', async () => {
    api = await startFakeKubeApi();
    emulator = await startNetcupEmulator({ taskDurationMs: 1500, moveIntervalMs: 5000 });
    seedCluster(api, emulator, 5);
    const a = await startKubeController(api, emulator, 'ipshift-a');
    controllers.push(a);
    await waitFor(() => a.elector.isLeader(), 5000, 'a leads');
    const b = await startKubeController(api, emulator, 'ipshift-b');
    controllers.push(b);
    await waitFor(() => a.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode === 'node-1', 5000, 'a has a view');
    api.setNode(nodeObject('node-1', 'False'));
    await waitFor(() => emulator.patches.length === 1, 5000, 'a sends the route request');
    // Kill A: it can no longer reach the API server and stops acting; its Lease is not released.
    api.partition('ipshift-a', true);
    await a.app.stop(0);
    await waitFor(() => b.elector.isLeader(), 10_000, 'b takes over');
    await sleep(6000);
    await b.app.loop.idle();
    expect(emulator.patches.filter((p) => p.status === 202)).toHaveLength(1);
    expect(emulator.routing(ADDRESS)).not.toBe(KUBE_SERVER_OF['node-1']);
    expect(b.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode).not.toBe('node-1');
  }, 60_000);
});
