/**
 * Memory of the controller process under load, against the Deployment's limit (256Mi,
 * deploy/controller/deployment.yaml). The controller runs in a child process (its RSS is its
 * own): the composition root (createApp) over an in-memory cluster of 5,000 nodes and 100
 * FailoverIPs (dry-run provider), fed 20,000 alerts through its webhook; then a webhook flood
 * with 20 clients reading /api/v1/state at the same time. Peak RSS is the kernel's (maxRSS);
 * "after GC" is the RSS right after a full collection. Run: `npx tsx bench/memory.bench.ts` (about 40 s).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createMemoryCgroup } from './memory-cgroup.js';
import { createWriteStream } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.js';
import { loadAlertPolicy } from '../src/config/load-alert-policy.js';
import { loadConfig } from '../src/config/load-config.js';
import { SERVER_ID_ANNOTATION, type FailoverIPObject, type NodeFacts } from '../src/core/model.js';
import { createLogger } from '../src/logging/winston-logger.js';
import { systemClock } from '../src/ports/clock.js';
import { createDryRunProvider } from '../src/providers/dry-run/dry-run-provider.js';
import { MemoryCluster, StaticLeadership } from '../src/sandbox/memory-cluster.js';
import { mib } from './stats.js';

const NODES = 5000;
const FIPS = 100;
const ALERTS = 20_000;
const PER_PAYLOAD = 100;
const TOKEN = 'bench-token';
const LIMIT_BYTES = 256 * 2 ** 20;
const FLOOD_MS = Number(process.env['BENCH_FLOOD_MS'] ?? 10_000);
const WEBHOOK_CLIENTS = 8;
const STATE_READERS = 20;

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  maxRss: number;
}

type Ask = { ask: 'memory' } | { ask: 'gc' } | { ask: 'idle' };

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

async function runServer(): Promise<void> {
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

function ask<T>(child: ChildProcess, message: Ask): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer: T) => resolve(answer));
    child.send(message);
  });
}

/** 100 alerts, each naming a node; `batch` picks which 100 of the 20,000. */
function payload(batch: number, resolvedFirst = false): Buffer {
  const alerts = Array.from({ length: PER_PAYLOAD }, (_, j) => {
    const i = batch * PER_PAYLOAD + j;
    const resolved = resolvedFirst && j === 0;
    return {
      status: resolved ? 'resolved' : 'firing',
      labels: {
        alertname: ['NodeHighLoad', 'NodeFilesystemSpaceFillingUp', 'KubePodCrashLooping', 'NodeClockSkew'][i % 4],
        node: `node-${(i * 7919) % NODES}`,
        severity: i % 3 === 0 ? 'warning' : 'info',
        namespace: `team-${i % 40}`,
        pod: `app-${i}`,
        container: 'main',
        job: 'kube-state-metrics',
        instance: `10.1.${(i >> 8) & 255}.${i & 255}:8080`,
      },
      annotations: { summary: `Alert ${i} on node-${(i * 7919) % NODES}`, runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/general/alert' },
      startsAt: new Date(Date.parse('2026-12-01T10:00:00Z') + i * 1000).toISOString(),
      endsAt: resolved ? '2026-12-01T12:00:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: i.toString(16).padStart(16, '0'),
    };
  });
  return Buffer.from(JSON.stringify({ version: '4', status: 'firing', receiver: 'ipshift', groupKey: `g${batch}`, truncatedAlerts: 0, alerts }));
}

function call(agent: Agent, port: number, method: string, path: string, body?: Buffer): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${TOKEN}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': body.length });
    const req = request({ agent, host: '127.0.0.1', port, method, path, headers });
    req.on('response', (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (bytes: number): string => `${((100 * bytes) / LIMIT_BYTES).toFixed(0)} % of the 256Mi limit`;

async function main(): Promise<void> {
  const execArgv = process.execArgv.length > 0 ? [...process.execArgv] : ['--import', 'tsx'];
  if (!execArgv.includes('--expose-gc')) execArgv.push('--expose-gc');
  // e.g. BENCH_SERVER_NODE_ARGS="--max-old-space-size=160" (what a container limit does), or --cpu-prof.
  if (process.env['BENCH_SERVER_NODE_ARGS'] !== undefined) execArgv.push(...process.env['BENCH_SERVER_NODE_ARGS'].split(' ').filter(Boolean));
  // As root with a cgroup memory controller, the controller runs under the Deployment's own limit
  // (256Mi): Node sizes its heap from that limit as it does in the pod, and the kernel kills it if
  // the limit does not hold. Elsewhere it runs unconstrained and only its RSS is reported.
  const cgroup = createMemoryCgroup(LIMIT_BYTES);
  const script = fileURLToPath(import.meta.url);
  const child =
    cgroup === null
      ? fork(script, ['server'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : spawn('/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procs, process.execPath, ...execArgv, script, 'server'], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('controller did not start')), 60_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
  });
  const rows: string[] = [];
  const progress = (what: string): boolean => process.stderr.write(`memory bench: ${what}\n`);
  progress(`controller up on port ${port}`);
  try {
    // (a) The cluster and 20,000 alerts in the controller's state.
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    // Eight deliveries in flight, as Alertmanager sends groups in parallel (and the passes coalesce).
    let next = 0;
    const deliver = async (): Promise<void> => {
      for (let batch = next++; batch < ALERTS / PER_PAYLOAD; batch = next++) {
        const { status } = await call(agent, port, 'POST', '/webhook/alertmanager', payload(batch));
        if (status !== 200) throw new Error(`webhook answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: WEBHOOK_CLIENTS }, deliver));
    progress(`${ALERTS} alerts sent`);
    await ask(child, { ask: 'idle' });
    progress('reconcile idle');
    const state = await call(agent, port, 'GET', '/api/v1/state');
    const loaded = await ask<Memory>(child, { ask: 'memory' });
    await ask(child, { ask: 'gc' });
    const settled = await ask<Memory>(child, { ask: 'memory' });
    rows.push(
      `| controller RSS, ${NODES} nodes, ${FIPS} FailoverIPs, ${ALERTS} alerts in its state (state document ${mib(state.bytes)}) | peak ${mib(loaded.maxRss)} (${pct(loaded.maxRss)}), ${mib(settled.rss)} after GC (heap ${mib(settled.heapUsed)} used of ${mib(settled.heapTotal)}, external ${mib(settled.external)}) | < 256Mi |`,
    );

    progress('state measured');
    // (b) A webhook flood (one alert changing per request) with 20 clients reading the state.
    const until = performance.now() + FLOOD_MS;
    let webhooks = 0;
    let reads = 0;
    let readBytes = 0;
    const flood = async (worker: number): Promise<void> => {
      for (let n = 0; performance.now() < until; n++) {
        const { status } = await call(agent, port, 'POST', '/webhook/alertmanager', payload((worker * 25 + (n % 25)) % (ALERTS / PER_PAYLOAD), n % 2 === 0));
        if (status !== 200) throw new Error(`webhook answered ${status}`);
        webhooks++;
      }
    };
    const read = async (): Promise<void> => {
      const own = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < until) {
        const { status, bytes } = await call(own, port, 'GET', '/api/v1/state');
        if (status !== 200) throw new Error(`state answered ${status}`);
        reads++;
        readBytes += bytes;
      }
      own.destroy();
    };
    await Promise.all([...Array.from({ length: WEBHOOK_CLIENTS }, (_, w) => flood(w)), ...Array.from({ length: STATE_READERS }, read)]);
    const flooded = await ask<Memory>(child, { ask: 'memory' });
    await ask(child, { ask: 'gc' });
    const after = await ask<Memory>(child, { ask: 'memory' });
    rows.push(
      `| controller RSS, the same under a ${FLOOD_MS / 1000} s webhook flood (${WEBHOOK_CLIENTS} clients, ${webhooks} requests of ${PER_PAYLOAD} alerts) with ${STATE_READERS} clients reading /api/v1/state (${reads} reads, ${mib(readBytes)}) | peak ${mib(flooded.maxRss)} (${pct(flooded.maxRss)}), ${mib(after.rss)} after GC (heap ${mib(after.heapUsed)} used of ${mib(after.heapTotal)}, external ${mib(after.external)}) | < 256Mi |`,
    );
    agent.destroy();
  } catch (error) {
    // Killed at the limit: say so as the result instead of failing the whole bench.
    if (cgroup === null) throw error;
    const how = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 2_000))]);
    rows.push(`| controller under the 256Mi cgroup limit | **did not hold**: ${how} (${cgroup.oomKills()} OOM kills), ${String(error)} | < 256Mi |`);
  } finally {
    if (child.connected) child.disconnect();
  }
  if (cgroup !== null) {
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    rows.push(
      `| controller under the 256Mi cgroup limit (memory cgroup, Node sizes its heap from it as in the pod) | cgroup peak ${mib(cgroup.peak())} (${pct(cgroup.peak())}, page cache included), limit hit ${cgroup.failures()} times, OOM kills ${cgroup.oomKills()} | no OOM kill |`,
    );
    cgroup.remove();
  }
  console.log(rows.join('\n'));
}

if (process.argv[2] === 'server') await runServer();
else await main();
