import type { Sandbox } from '../../src/sandbox/start-sandbox.js';
import { waitFor } from '../support/controller-harness.js';
import { freePort } from '../support/free-port.js';
import { startTestSandbox, stateOf } from '../support/sandbox.js';
import { postAlerts } from '../support/webhook.js';

interface State {
  failoverIPs: Array<{ assignedNode: string | null; lastDecision: { outcome: string; reason: string; message: string } | null }>;
  alertSource: { stale: boolean };
  nodes: Array<{ name: string; tier: string }>;
}

/** Staleness as the composition root wires it: what makes the view stale, and what that changes. */
describe('a stale alert view, end to end', () => {
  const boxes: Sandbox[] = [];
  const start = async (env: Record<string, string>): Promise<Sandbox> => {
    const box = await startTestSandbox({ IPSHIFT_NODE_PROBE_PORT: '0', ...env });
    boxes.push(box);
    return box;
  };
  const state = (box: Sandbox): Promise<State> => stateOf<State>(box.url);
  const fire = async (box: Sandbox, node: string): Promise<void> => {
    const alert = {
      status: 'firing',
      labels: { alertname: 'KubeNodeNotReady', node, severity: 'critical' },
      startsAt: '2026-11-23T10:00:00Z',
      fingerprint: `f-${node}`,
    };
    expect((await postAlerts(box.url, [alert])).status).toBe(200);
  };

  afterAll(async () => {
    for (const box of boxes) await box.stop();
  });

  it('an Alertmanager sync that keeps failing makes the view stale (the sync is wired to staleness)', async () => {
    // Nothing listens there: every sync fails with a refused connection.
    const box = await start({ IPSHIFT_ALERTMANAGER_URL: `http://127.0.0.1:${await freePort()}`, IPSHIFT_WATCHDOG_TIMEOUT_SECONDS: '1' });
    await waitFor(async () => (await state(box)).alertSource.stale, 5000, 'the view to go stale');
    await waitFor(async () => /^ipshift_alert_source_stale(\{[^}]*\})? 1$/m.test(await (await fetch(`${box.url}/metrics`)).text()), 5000, 'the stale gauge');
  });

  it("with the watchdog overdue, a down alert on the holder alone keeps the IP where it is; Kubernetes' own NotReady still moves it", async () => {
    const box = await start({ IPSHIFT_WATCHDOG_ALERTNAME: 'Watchdog', IPSHIFT_WATCHDOG_TIMEOUT_SECONDS: '1' });
    await waitFor(async () => (await state(box)).alertSource.stale, 5000, 'the view to go stale');
    await fire(box, 'node-1');
    // A pass has seen the alert (node-1 shows down) and finished: no move was started.
    await waitFor(async () => (await state(box)).nodes.find((n) => n.name === 'node-1')?.tier === 'down', 5000, 'a pass with the alert');
    await box.app.loop.idle();
    await box.app.reconciler.drain();
    expect((await state(box)).failoverIPs[0]).toMatchObject({ assignedNode: 'node-1', lastDecision: { outcome: 'keep', reason: 'holder-healthiest' } });
    expect(box.emulator.patches).toHaveLength(0);

    box.cluster.updateNode('node-1', (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'False' } }));
    await waitFor(async () => (await state(box)).failoverIPs[0]?.assignedNode !== 'node-1', 5000, 'the move off node-1');
  });

  it('with the watchdog arriving, the same alert moves the IP', async () => {
    const box = await start({ IPSHIFT_WATCHDOG_ALERTNAME: 'Watchdog', IPSHIFT_WATCHDOG_TIMEOUT_SECONDS: '600' });
    expect((await state(box)).alertSource.stale).toBe(false);
    await fire(box, 'node-1');
    await waitFor(async () => (await state(box)).failoverIPs[0]?.assignedNode !== 'node-1', 5000, 'the move off node-1');
  });
});
