// Time to failover, two ways:
//  1. webhook request (a down alert on the holder) -> the provider emulator receives the route
//     request; 200 failovers in the sandbox with cooldown 0.
//  2. a Node condition change in the fake Kubernetes API -> the route request; the real
//     Kubernetes adapter watches the fake API server over HTTP.
// Run: npx tsx bench/failover-latency.bench.ts
import { loadConfig } from '../src/config/load-config.js';
import { silentLogger } from '../src/ports/logger.js';
import { startSandbox } from '../src/sandbox/start-sandbox.js';
import { startNetcupEmulator } from '../src/emulators/netcup/netcup-emulator.js';
import { makeNode, startFakeKubeApi } from '../test/fake-kube-api/index.js';
import { KUBE_SERVER_OF, seedCluster, startKubeController } from '../test/support/kube-controller.js';
import { ms, summary } from './stats.js';

const FAILOVERS = Number(process.env['FAILOVERS'] ?? 200);
const CONDITION_CHANGES = Number(process.env['CONDITION_CHANGES'] ?? 40);

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function webhookToRoute(): Promise<number[]> {
  const box = await startSandbox({
    config: loadConfig({ IPSHIFT_SANDBOX: '1' }),
    logger: silentLogger,
    version: 'bench',
    port: 0,
    host: '127.0.0.1',
    cooldownSeconds: 0,
    taskDurationMs: 5,
  });
  const samples: number[] = [];
  try {
    await box.app.loop.idle();
    const holder = (): string | null => box.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode ?? null;
    for (let i = 0; i < FAILOVERS; i++) {
      const node = holder();
      if (node === null) throw new Error('no holder');
      const patchesBefore = box.emulator.patches.length;
      const alert = (status: string) => ({
        status,
        labels: { alertname: 'KubeNodeNotReady', node, severity: 'critical' },
        annotations: {},
        startsAt: new Date(Date.now() - 1000).toISOString(),
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : new Date().toISOString(),
        fingerprint: `bench-${i}`,
      });
      const post = (status: string) =>
        fetch(`${box.url}/webhook/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ version: '4', status, receiver: 'b', groupKey: 'g', alerts: [alert(status)] }),
        });
      const sent = Date.now();
      const response = await post('firing');
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
      await until(() => box.emulator.patches.length > patchesBefore, 5000, 'the route request');
      samples.push((box.emulator.patches[patchesBefore]?.at ?? NaN) - sent);
      await until(() => holder() !== node && !box.app.reconciler.snapshot().failoverIPs[0]?.memory.moveInFlight, 5000, 'the move to finish');
      await post('resolved');
      await box.app.loop.idle();
    }
  } finally {
    await box.stop();
  }
  return samples;
}

async function conditionToRoute(): Promise<number[]> {
  const api = await startFakeKubeApi();
  const emulator = await startNetcupEmulator({ taskDurationMs: 5, moveIntervalMs: 0 });
  seedCluster(api, emulator);
  const controller = await startKubeController(api, emulator);
  const samples: number[] = [];
  const setReady = (name: string, ready: 'True' | 'False') =>
    api.setNode(
      makeNode({
        name,
        internalIP: `192.0.2.${10 + Number(name.slice(-1))}`,
        annotations: { 'ipshift.dev/server-id': String(KUBE_SERVER_OF[name]) },
        conditions: { Ready: ready },
      }),
    );
  try {
    await until(() => controller.elector.isLeader(), 10_000, 'leadership');
    await until(() => controller.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode === 'node-1', 10_000, 'the first view');
    for (let i = 0; i < CONDITION_CHANGES; i++) {
      const holder = controller.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode ?? 'node-1';
      const before = emulator.patches.length;
      const changed = Date.now();
      setReady(holder, 'False');
      await until(() => emulator.patches.length > before, 10_000, 'the route request');
      samples.push((emulator.patches[before]?.at ?? NaN) - changed);
      await until(
        () => {
          const memory = controller.app.reconciler.snapshot().failoverIPs[0]?.memory;
          return memory !== undefined && memory.assignedNode !== holder && !memory.moveInFlight;
        },
        10_000,
        'the move to finish',
      );
      setReady(holder, 'True');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await controller.app.loop.idle();
    }
  } finally {
    await controller.stop();
    await emulator.close();
    await api.stop();
  }
  return samples;
}

const webhook = summary(await webhookToRoute());
console.log(
  `| webhook (down alert on the holder) -> provider receives the route request, ${FAILOVERS} failovers | p50 ${ms(webhook.median)}, p99 ${ms(webhook.p99)} | target p99 < 50 ms |`,
);
const condition = summary(await conditionToRoute());
console.log(
  `| Node Ready=False in the API server -> route request (real adapter, watch over HTTP), ${CONDITION_CHANGES} changes | p50 ${ms(condition.median)}, p99 ${ms(condition.p99)} | target p99 < 200 ms |`,
);
