import { createApp, type App } from '../../src/app.js';
import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { loadConfig } from '../../src/config/load-config.js';
import { secret } from '../../src/config/secret.js';
import { SERVER_ID_ANNOTATION, type FailoverIPObject, type NodeFacts } from '../../src/core/model.js';
import { startDigitalOceanEmulator, type DigitalOceanEmulator } from '../../src/emulators/digitalocean/digitalocean-emulator.js';
import { systemClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { FailoverIpProvider } from '../../src/ports/provider.js';
import { staticCredentials } from '../../src/providers/credentials.js';
import { createDigitalOceanProvider } from '../../src/providers/digitalocean/digitalocean-provider.js';
import { MemoryCluster, StaticLeadership } from '../../src/sandbox/memory-cluster.js';
import { waitFor } from '../support/controller-harness.js';
import { nodeFacts } from '../support/node-facts.js';

/**
 * DigitalOcean's one reserved IP per Droplet, end to end: the controller (createApp) against the
 * DigitalOcean emulator, which enforces the rule. A Droplet holding another FailoverIP's reserved
 * IP is never picked (a hard rule, not spread's preference); a Droplet the API refuses because
 * of a reserved IP ipshift does not manage is ruled out and the next candidate is tried.
 */

const TOKEN = 'dop_v1_one_per_droplet';
const DROPLET: Record<string, number> = { 'node-1': 5001, 'node-2': 5002, 'node-3': 5003, 'node-4': 5004 };

const node = (name: string, conditions: NodeFacts['conditions'] = {}): NodeFacts =>
  nodeFacts(name, { annotations: { [SERVER_ID_ANNOTATION]: String(DROPLET[name]) }, conditions: { ...conditions } });

const fip = (name: string, address: string): FailoverIPObject => ({
  namespace: 'default',
  name,
  generation: 1,
  annotations: {},
  // spread off: only the hard rule keeps two reserved IPs off one Droplet.
  spec: { addresses: [address], provider: { type: 'digitalocean', secretRef: { name: 'do' } }, policy: { cooldownSeconds: 0, spread: false } },
  status: {},
});

describe('DigitalOcean: one reserved IP per Droplet', () => {
  let emulator: DigitalOceanEmulator;
  let app: App;
  const cluster = new MemoryCluster();

  const start = async (
    reservedIps: ReadonlyArray<{ ip: string; dropletId: number | null }>,
    nodes: readonly NodeFacts[],
    fips: readonly FailoverIPObject[],
  ) => {
    emulator = await startDigitalOceanEmulator({
      token: TOKEN,
      reservedIps,
      droplets: Object.values(DROPLET).map((id) => ({ id })),
      actionDurationMs: 20,
      inUseMessage: 'Unprocessable Entity',
    });
    for (const n of nodes) cluster.setNode(n);
    for (const f of fips) cluster.setFailoverIP(f);
    let provider: FailoverIpProvider | null = null;
    app = createApp(loadConfig({ IPSHIFT_SANDBOX: '1', IPSHIFT_ROUTING_REFRESH_SECONDS: '3600' }), {
      cluster,
      writer: cluster,
      leadership: new StaticLeadership(true),
      providers: {
        forFailoverIP: async () =>
          (provider ??= createDigitalOceanProvider({
            apiUrl: emulator.url,
            credentials: staticCredentials({ token: secret(TOKEN) }),
            logger: silentLogger,
            clock: systemClock,
            actionPollIntervalMs: 10,
            retry: { maxAttempts: 8, baseDelayMs: 20, maxDelayMs: 100, deadlineMs: 5_000 },
          })),
      },
      policy: loadAlertPolicy(),
      logger: silentLogger,
      sandbox: true,
      version: 'test',
      pollIntervalMs: 200,
    });
    await app.start(0, '127.0.0.1');
  };

  afterEach(async () => {
    await app.stop(2000);
    await emulator.close();
    for (const n of cluster.nodes()) cluster.deleteNode(n.name);
    for (const f of cluster.failoverIPs()) cluster.deleteFailoverIP(f.namespace, f.name);
    cluster.events.length = 0;
  });

  /** Every FailoverIP's routing has been read and decided on once. */
  const routed = (): boolean => {
    const fips = app.reconciler.snapshot().failoverIPs;
    return fips.length === cluster.failoverIPs().length && fips.every((f) => f.memory.routingReadAt !== null && f.memory.lastDecision?.outcome === 'keep');
  };
  const dropletOf = (ip: string): string | undefined => Object.entries(DROPLET).find(([, id]) => id === emulator.dropletOf(ip))?.[0];

  it("never picks the Droplet that holds another FailoverIP's reserved IP", async () => {
    // node-2 holds b; node-3 is degraded (memory pressure). Without the rule, a holder-down move of
    // a goes to node-2, the healthier one (spread is off).
    await start(
      [
        { ip: '203.0.113.61', dropletId: DROPLET['node-1'] ?? 0 },
        { ip: '203.0.113.62', dropletId: DROPLET['node-2'] ?? 0 },
      ],
      [node('node-1'), node('node-2'), node('node-3', { MemoryPressure: 'True' })],
      [fip('a', '203.0.113.61'), fip('b', '203.0.113.62')],
    );
    await waitFor(() => routed(), 5000, 'routing read');
    cluster.setNode(node('node-1', { Ready: 'False' }));
    await waitFor(() => dropletOf('203.0.113.61') === 'node-3', 5000, 'a on node-3');
    // The API never saw a request for node-2: the core ruled it out.
    expect(emulator.requests.filter((r) => r.mutation).map((r) => r.status)).toEqual([201]);
    const a = app.reconciler.snapshot().failoverIPs.find((f) => f.object.name === 'a');
    expect(a?.memory.candidates.find((c) => c.name === 'node-2')?.ineligibility).toBe('server-in-use');
  });

  it('a Droplet the API refuses (a reserved IP ipshift does not manage) is ruled out and the next candidate gets the IP', async () => {
    // node-2 holds a reserved IP no FailoverIP names: only the API knows.
    await start(
      [
        { ip: '203.0.113.61', dropletId: DROPLET['node-1'] ?? 0 },
        { ip: '203.0.113.99', dropletId: DROPLET['node-2'] ?? 0 },
      ],
      [node('node-1'), node('node-2'), node('node-3', { MemoryPressure: 'True' })],
      [fip('a', '203.0.113.61')],
    );
    await waitFor(() => routed(), 5000, 'routing read');
    cluster.setNode(node('node-1', { Ready: 'False' }));
    await waitFor(() => dropletOf('203.0.113.61') === 'node-3', 5000, 'a on node-3');
    expect(emulator.requests.filter((r) => r.mutation).map((r) => r.status)).toEqual([422, 201]);
    expect(cluster.events.some((e) => e.reason === 'TargetInUse' && e.type === 'Warning' && e.message.includes('node-2'))).toBe(true);
    const a = app.reconciler.snapshot().failoverIPs.find((f) => f.object.name === 'a');
    expect(a?.memory.candidates.find((c) => c.name === 'node-2')?.ineligibility).toBe('server-in-use');
  });
});
