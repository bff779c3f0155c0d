import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIMARY_MAC_ANNOTATION } from '../src/core/model.js';
import { silentLogger } from '../src/ports/logger.js';
import { tcpProbe } from '../src/reachability/tcp-probe.js';
import { freePort } from '../test/support/free-port.js';
import { FakeClusterView, ManualClock } from './fake-cluster-view.js';
import { FakeIpLink } from './fake-ip-link.js';
import { agentOptionsFromEnv, runAgent, type RunningAgent } from './main.js';
import { failoverIP, nodeFacts } from './test-fixtures.js';

describe('runAgent', () => {
  let stateDir: string;
  let running: RunningAgent | null = null;
  const clock = new ManualClock();

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'ipshift-agent-'));
  });
  afterAll(async () => {
    await running?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('serves /metrics and /healthz and the probe port, syncs at start and keeps its ledger in the state dir', async () => {
    const probePort = await freePort();
    const options = agentOptionsFromEnv({
      NODE_NAME: 'node-a',
      IPSHIFT_AGENT_PORT: '0',
      IPSHIFT_AGENT_PROBE_PORT: String(probePort),
      IPSHIFT_AGENT_BIND: '127.0.0.1',
      IPSHIFT_AGENT_STATE_DIR: stateDir,
      IPSHIFT_AGENT_RESYNC_SECONDS: '10',
      IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES: 'true',
    });
    const cluster = new FakeClusterView(
      [nodeFacts('node-a', { annotations: { [PRIMARY_MAC_ANNOTATION]: '52:54:00:aa:00:01' } })],
      [failoverIP('web', ['198.51.100.1'])],
    );
    const link = new FakeIpLink([{ name: 'eth0', mac: '52:54:00:aa:00:01' }]);
    running = await runAgent(options, { cluster, logger: silentLogger, link, clock, bootId: 'b0075-1d' });
    const base = `http://127.0.0.1:${running.port}`;
    // The node probe's port answers with this node's identity.
    expect(running.probePort).toBe(probePort);
    await expect(tcpProbe('127.0.0.1', probePort, 1000)).resolves.toEqual({ kind: 'identified', node: 'node-a', bootId: 'b0075-1d' });

    expect(running.port).toBeGreaterThan(0);
    expect(link.cidrsOn('eth0')).toEqual(['198.51.100.1/32']);
    expect(JSON.parse(await readFile(join(stateDir, 'ledger.json'), 'utf8'))).toEqual({
      version: 1,
      entries: [{ iface: 'eth0', cidr: '198.51.100.1/32' }],
    });

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    const body = await metrics.text();
    expect(body).toContain('ipshift_agent_address_present{failover_ip="default/web",address="198.51.100.1/32",interface="eth0"} 1');
    expect(body).toContain('ipshift_agent_errors_total{operation="add-address"} 0');
    expect(body).toMatch(/ipshift_agent_last_sync_timestamp_seconds \d+/);

    const healthy = await fetch(`${base}/healthz`);
    expect(healthy.status).toBe(200);
    // The loop is stuck when no sync finished for 3 resync periods (minimum 60 s).
    clock.advance(61_000);
    await new Promise((resolve) => setImmediate(resolve));
    await running.agent.idle();
    // the timer fired a sync at 10 s: healthy again right after it
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('healthz turns 503 when the loop stops turning', async () => {
    expect(running).not.toBeNull();
    if (running === null) return;
    await running.agent.stop(); // the timer no longer fires
    clock.advance(61_000);
    const response = await fetch(`http://127.0.0.1:${running.port}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('last sync finished 61 s ago');
  });

  it("without IPSHIFT_AGENT_BIND it listens on the Node's first address only, never on every address", async () => {
    const options = agentOptionsFromEnv({ NODE_NAME: 'node-b', IPSHIFT_AGENT_PORT: '0', IPSHIFT_AGENT_PROBE_PORT: '0', IPSHIFT_AGENT_STATE_DIR: stateDir });
    expect(options.bindAddress).toBeUndefined();
    const cluster = new FakeClusterView([nodeFacts('node-b', { addresses: ['127.0.0.2', '127.0.0.3'] })], []);
    const agent = await runAgent(options, { cluster, logger: silentLogger, link: new FakeIpLink([]), clock: new ManualClock(), bootId: 'b' });
    try {
      expect((await fetch(`http://127.0.0.2:${agent.port}/healthz`)).status).toBe(200);
      // Another local address of the same host: refused, so the port is not on 0.0.0.0.
      await expect(fetch(`http://127.0.0.1:${agent.port}/healthz`)).rejects.toThrow();
      await expect(fetch(`http://127.0.0.3:${agent.port}/healthz`)).rejects.toThrow();
    } finally {
      await agent.stop();
    }
  });

  it('without IPSHIFT_AGENT_BIND and a Node without addresses it refuses to start, naming the setting', async () => {
    const options = agentOptionsFromEnv({ NODE_NAME: 'node-c', IPSHIFT_AGENT_PORT: '0', IPSHIFT_AGENT_PROBE_PORT: '0', IPSHIFT_AGENT_STATE_DIR: stateDir });
    const cluster = new FakeClusterView([nodeFacts('node-c')], []);
    await expect(runAgent(options, { cluster, logger: silentLogger, link: new FakeIpLink([]), clock: new ManualClock(), bootId: 'b' })).rejects.toThrow(
      /IPSHIFT_AGENT_BIND is unset and Node node-c lists no address/,
    );
  });
});
