import { createApp, type App } from '../../src/app.js';
import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/ports/logger.js';
import { MemoryCluster, StaticLeadership } from '../../src/sandbox/memory-cluster.js';
import { sandboxFailoverIP } from '../../src/sandbox/start-sandbox.js';
import { harnessNode } from '../support/controller-harness.js';
import { waitFor } from '../support/wait.js';

let app: App | null = null;
afterEach(async () => {
  // The wedged run never ends; stop() must not wait for it.
  await Promise.race([app?.stop(100), new Promise((resolve) => setTimeout(resolve, 500))]);
  app = null;
});

describe('a wedged reconcile loop', () => {
  it('fails /healthz with the reason, and the leader resigns so a follower can act', async () => {
    const cluster = new MemoryCluster();
    for (const name of ['node-1', 'node-2']) cluster.setNode(harnessNode(name));
    cluster.setFailoverIP(sandboxFailoverIP({ cooldownSeconds: 0, gracePeriodSeconds: 60 }));
    const leadership = new StaticLeadership(true);
    app = createApp(loadConfig({ IPSHIFT_SANDBOX: '1' }), {
      cluster,
      writer: cluster,
      leadership,
      // An awaited call that never returns (what an unbounded Secret GET did): the run never ends.
      providers: { forFailoverIP: () => new Promise(() => undefined) },
      policy: loadAlertPolicy(),
      logger: silentLogger,
      sandbox: true,
      version: 'test',
      loopStallMs: 300,
    });
    const url = await app.start(0, '127.0.0.1');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await waitFor(() => leadership.resignations.length > 0, 5000, 'the leader resigns');
    expect(leadership.resignations[0]).toMatch(/reconcile loop has been stuck/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.text()).toMatch(/^not alive: the reconcile loop has been stuck in one run/);
  });
});
