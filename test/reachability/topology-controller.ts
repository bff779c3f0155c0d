/**
 * Runs inside one controller pod's network namespace for topology.test.ts: the whole controller
 * (createApp: the real NodeProber and checked moves on the real TCP probe, the Reconciler, the
 * status) over an in-memory cluster, with a provider that is the topology's own: its record is
 * where it says the IP is routed, and a route call also rewrites the provider router's route
 * for the failover /32, unless `takes` is false (the provider reports the move done, the
 * network never changes: a route that did not take).
 *
 * Driven line by line on stdin; each command answers one JSON line:
 * - "step": one probe round, then reconciles until the controller is idle (moves, their checks
 *   and routing reads included): what a second of the real loop does, without its clock.
 * - "state": the controller's view (see State below).
 */
import { execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { SERVER_ID_ANNOTATION } from '../../src/core/model.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { FailoverIpProvider, Routing } from '../../src/ports/provider.js';
import { tcpProbe } from '../../src/reachability/tcp-probe.js';
import { MemoryCluster, StaticLeadership } from '../../src/sandbox/memory-cluster.js';
import { nodeFacts } from '../support/node-facts.js';

const run = promisify(execFile);

export interface ControllerSetup {
  readonly self: string;
  readonly port: number;
  readonly router: string;
  readonly failover: string;
  readonly holder: string;
  readonly takes: boolean;
  readonly confirmSeconds: number;
  readonly nodes: ReadonlyArray<{ name: string; internal: string; external: string; eligible: boolean }>;
}

export interface ControllerState {
  readonly unresponsive: string[];
  /** Where the provider's record says the IP is routed. */
  readonly record: string | null;
  readonly status: { assignedNode?: string | null | undefined; conditions: Array<{ type: string; status: string; reason: string; message: string }> };
  readonly moves: Array<{ to: string; result: string }>;
  readonly events: Array<{ type: string; reason: string; message: string }>;
  readonly metrics: string;
}

const setup = JSON.parse(process.argv[2] as string) as ControllerSetup;
const externalOf = new Map(setup.nodes.map((n) => [n.name, n.external]));

let record: string | null = setup.holder;
const provider: FailoverIpProvider = {
  type: 'dry-run',
  minMoveIntervalMs: 0,
  getRouting: async (addresses): Promise<Routing[]> => addresses.map((address) => ({ address, serverId: record })),
  route: async (_addresses, serverId) => {
    if (setup.takes) {
      await run('ip', ['-n', setup.router, 'route', 'replace', `${setup.failover}/32`, 'via', externalOf.get(serverId) as string], { timeout: 10_000 });
    }
    record = serverId;
  },
};

const cluster = new MemoryCluster();
for (const n of setup.nodes) {
  cluster.setNode(
    nodeFacts(n.name, {
      labels: n.eligible ? { edge: 'true' } : {},
      annotations: { [SERVER_ID_ANNOTATION]: n.name },
      addresses: [n.internal, n.external],
    }),
  );
}
cluster.setFailoverIP({
  namespace: 'default',
  name: 'web',
  generation: 1,
  annotations: {},
  spec: {
    addresses: [setup.failover],
    provider: { type: 'dry-run', secretRef: { name: 'unused' } },
    nodeSelector: { matchLabels: { edge: 'true' } },
    policy: { cooldownSeconds: 0 },
    check: { confirmSeconds: setup.confirmSeconds },
  },
  status: { assignedNode: setup.holder },
});

const config = loadConfig({
  IPSHIFT_WEBHOOK_AUTH: 'none',
  NODE_NAME: setup.self,
  IPSHIFT_NODE_PROBE_PORT: String(setup.port),
  IPSHIFT_NODE_PROBE_INTERVAL_MS: '500',
  IPSHIFT_NODE_PROBE_FAILURES: '3',
  IPSHIFT_ROUTING_REFRESH_SECONDS: '3600',
});
const metrics = createMetrics({ version: 'test', defaultMetrics: false });
const app = createApp(config, {
  cluster,
  writer: cluster,
  leadership: new StaticLeadership(true),
  providers: { forFailoverIP: async () => provider },
  policy: loadAlertPolicy(),
  logger: silentLogger,
  sandbox: false,
  version: 'test',
  metrics,
  probe: tcpProbe,
});
const prober = app.prober;
if (prober === null) throw new Error('the node probe is off');

/** Reconciles until nothing is in flight; bounded (a move asks for one more run when it ends). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    app.loop.request('step');
    await app.loop.idle();
    await app.reconciler.drain();
    await app.loop.idle();
    if (!app.reconciler.moving()) return;
  }
}

function state(): ControllerState {
  const fip = cluster.getFailoverIP('default', 'web');
  return {
    unresponsive: [...(prober?.unresponsive() ?? [])].sort(),
    record,
    status: {
      assignedNode: fip?.status.assignedNode,
      conditions: (fip?.status.conditions ?? []).map(({ type, status, reason, message }) => ({ type, status, reason, message })),
    },
    moves: app.reconciler.snapshot().moves.map((m) => ({ to: m.to, result: m.result })),
    events: cluster.events.map(({ type, reason, message }) => ({ type, reason, message })),
    metrics: '',
  };
}

await settle();
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'step') {
    await prober.roundOnce();
    await settle();
    process.stdout.write(`${JSON.stringify(state())}\n`);
  } else if (line === 'state') {
    process.stdout.write(`${JSON.stringify({ ...state(), metrics: await metrics.registry.metrics() })}\n`);
  }
}
await app.stop(1000);
