/**
 * The controller process of the memory bench (memory.bench.ts), compiled by tsc as the image
 * runs it (tsconfig.bench.json): under tsx the loader's transforms and source maps cost the
 * process about 40 MiB that the shipped image does not have. The composition root (createApp)
 * over an in-memory cluster of 5,000 nodes and 100 FailoverIPs (dry-run provider); the parent
 * sends the alerts and the load through its HTTP port and asks for memory figures over IPC.
 */
import { createWriteStream } from 'node:fs';
import { createApp } from '../src/app.js';
import { loadAlertPolicy } from '../src/config/load-alert-policy.js';
import { loadConfig } from '../src/config/load-config.js';
import { SERVER_ID_ANNOTATION, type FailoverIPObject, type NodeFacts } from '../src/core/model.js';
import { createLogger } from '../src/logging/winston-logger.js';
import { systemClock } from '../src/ports/clock.js';
import { createDryRunProvider } from '../src/providers/dry-run/dry-run-provider.js';
import { MemoryCluster, StaticLeadership } from '../src/sandbox/memory-cluster.js';

export const NODES = 5000;
export const FIPS = 100;
export const TOKEN = 'bench-token';

export interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  maxRss: number;
}

export type Ask = { ask: 'memory' } | { ask: 'gc' } | { ask: 'idle' };

function measureSelf(): Memory {
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, maxRss: process.resourceUsage().maxRSS * 1024 };
}

function node(i: number): NodeFacts {
  return {
    name: `node-${i}`,
    labels: { 'kubernetes.io/hostname': `node-${i}`, zone: `zone-${i % 3}`, pool: i % 10 === 0 ? 'edge' : 'general' },
    annotations: { [SERVER_ID_ANNOTATION]: String(100000 + i) },
    addresses: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
    conditions: { Ready: i % 50 === 7 ? 'False' : 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False' },
    taints: [],
    unschedulable: false,
    deleting: false,
  };
}

function failoverIP(i: number): FailoverIPObject {
  return {
    namespace: `ns-${i % 7}`,
    name: `fip-${i}`,
    generation: 1,
    annotations: {},
    spec: {
      addresses: [`198.51.${100 + (i >> 8)}.${i & 255}`],
      provider: { type: 'dry-run', secretRef: { name: 'none' } },
      ...(i % 4 === 0 ? { nodeSelector: { matchLabels: { pool: 'edge' } } } : { nodeSelector: { matchLabels: { zone: `zone-${i % 3}` } } }),
      policy: { cooldownSeconds: 300, gracePeriodSeconds: 60, spread: true },
    },
    status: {},
  };
}

export async function runServer(): Promise<void> {
  const cluster = new MemoryCluster();
  for (let i = 0; i < NODES; i++) cluster.setNode(node(i));
  for (let i = 0; i < FIPS; i++) cluster.setFailoverIP(failoverIP(i));
  // As shipped: JSON lines at info (to /dev/null here, so the terminal does not pace the process).
  const logger = createLogger({ level: 'info', format: 'json', stream: createWriteStream('/dev/null') });
  const provider = createDryRunProvider({ logger, clock: systemClock });
  const app = createApp(loadConfig({ IPSHIFT_WEBHOOK_TOKEN: TOKEN }), {
    cluster,
    writer: cluster,
    leadership: new StaticLeadership(true),
    providers: { forFailoverIP: async () => provider },
    policy: loadAlertPolicy(),
    logger,
    sandbox: false,
    version: 'bench',
  });
  const url = await app.start(0, '127.0.0.1');
  process.on('message', (message: Ask) => {
    if (message.ask === 'gc') (globalThis as { gc?: () => void }).gc?.();
    if (message.ask === 'idle') {
      void app.loop.idle().then(() => process.send?.({ idle: true }));
      return;
    }
    process.send?.(measureSelf());
  });
  process.send?.({ port: Number(new URL(url).port) });
  process.on('disconnect', () => {
    void app.stop(1000).then(() => process.exit(0));
  });
}

if (process.argv[2] === 'server') await runServer();
