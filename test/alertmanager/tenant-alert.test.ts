import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { startAlertmanager, type AlertmanagerInstance } from '../support/alertmanager.js';
import { ControllerHarness, harnessNode, waitFor, type Replica } from '../support/controller-harness.js';
import { freePort } from '../support/free-port.js';
import { isoTime } from '../../src/core/time.js';

/**
 * Whoever can write a PrometheusRule can make an alert: an application's own alert with
 * `severity: critical` and `instance: <node IP>:8080` once moved the failover IP. Here a real
 * Alertmanager runs the shipped example routes (deploy/monitoring/alertmanager.example.yml), and
 * a whole controller (createApp) runs the shipped defaults: that alert changes nothing, while a
 * node-health alert about the same node still moves the IP.
 */

const TOKEN = 'tenant-test-token';
const NODE_1_IP = '10.0.0.1';

interface ExampleConfig {
  receivers: Array<{ name: string; webhook_configs?: Array<Record<string, unknown>> }>;
}

/** The shipped example, pointed at this test's controller (token inline instead of a file). */
function exampleConfig(port: number): string {
  const config = parse(readFileSync(new URL('../../deploy/monitoring/alertmanager.example.yml', import.meta.url), 'utf8')) as ExampleConfig;
  const webhook = config.receivers.find((r) => r.name === 'ipshift')?.webhook_configs?.[0];
  if (webhook === undefined) throw new Error('the example has no ipshift webhook');
  webhook['url'] = `http://127.0.0.1:${port}/webhook/alertmanager`;
  webhook['http_config'] = { authorization: { type: 'Bearer', credentials: TOKEN } };
  return stringify(config);
}

let harness: ControllerHarness;
let replica: Replica;
let am: AlertmanagerInstance;

beforeAll(async () => {
  const port = await freePort();
  am = await startAlertmanager({ config: exampleConfig(port) });
  harness = await ControllerHarness.start();
  harness.cluster.setNode(harnessNode('node-1', { addresses: [NODE_1_IP] }));
  replica = await harness.addReplica(true, {
    port,
    env: {
      IPSHIFT_WEBHOOK_TOKEN: TOKEN,
      IPSHIFT_ALERTMANAGER_URL: am.url,
      // As deploy/controller/deployment.yaml sets it.
      IPSHIFT_ALERTMANAGER_RECEIVER: 'ipshift/ipshift/ipshift|ipshift',
    },
  });
  await replica.app.loop.idle();
}, 30_000);

afterAll(async () => {
  await am?.stop();
  await harness?.stop();
});

const labelsSeen = (): Array<Readonly<Record<string, string>>> => replica.app.store.active(Date.now()).map((a) => a.labels);

it("a tenant's critical alert naming the holder's address does not move the IP; a node alert does", async () => {
  expect(harness.holderAtProvider()).toBe('node-1');
  const firing = { startsAt: isoTime(Date.now() - 1000), endsAt: isoTime(Date.now() + 10 * 60_000) };
  await am.postAlerts([
    { labels: { alertname: 'CheckoutDown', severity: 'critical', instance: `${NODE_1_IP}:8080`, namespace: 'shop' }, ...firing },
    // Tries ipshift's own signal label too.
    { labels: { alertname: 'CheckoutDown', ipshift_class: 'down', node: 'node-1', namespace: 'shop' }, ...firing },
    { labels: { alertname: 'Watchdog', severity: 'none' }, ...firing },
  ]);
  // The Watchdog shares the tenant alerts' route tree: once it is in, they had their chance.
  await waitFor(() => labelsSeen().some((l) => l['alertname'] === 'Watchdog'), 20_000, 'the Watchdog through the webhook');
  expect((await replica.app.sync?.syncNow('test'))?.result).toBe('success');
  await replica.app.loop.idle();
  // Neither the webhook nor the API sync took them in, and the IP stayed.
  expect(labelsSeen().filter((l) => l['alertname'] === 'CheckoutDown')).toEqual([]);
  expect(harness.acceptedMoves()).toBe(0);
  expect(harness.holderAtProvider()).toBe('node-1');
  // Even handed to the controller directly (a route someone widened), the default policy ignores them.
  const direct = await harness.postAlert(replica.url, 'node-1', 'firing', 'CheckoutDown', { authorization: `Bearer ${TOKEN}` });
  expect(direct.status).toBe(200);
  await replica.app.loop.idle();
  expect(harness.acceptedMoves()).toBe(0);

  // The control: kube-state-metrics' node alert about the holder moves the IP.
  await am.postAlerts([{ labels: { alertname: 'KubeNodeNotReady', severity: 'warning', node: 'node-1' }, ...firing }]);
  await waitFor(() => harness.holderAtProvider() !== 'node-1', 20_000, 'the move away from node-1');
  expect(harness.acceptedMoves()).toBe(1);
}, 60_000);
