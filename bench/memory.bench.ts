/**
 * Memory of the controller process under load, against the Deployment's limit (256Mi,
 * deploy/controller/deployment.yaml). The controller runs in a child process (its RSS is its
 * own), compiled as the image runs it (memory-server.ts): the composition root over an
 * in-memory cluster of 5,000 nodes and 100 FailoverIPs (dry-run provider), fed 20,000 alerts
 * through its webhook; then a webhook flood with 20 clients reading /api/v1/state and a
 * Prometheus-like client scraping /metrics at the same time. Peak RSS is the kernel's (maxRSS);
 * "after GC" is the RSS right after a full collection. Run: `npm run bench -- memory` (about 60 s).
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createMemoryCgroup } from './memory-cgroup.js';
import { FIPS, NODES, TOKEN, type Ask, type Memory } from './memory-server.js';
import { mib } from './stats.js';

const ALERTS = 20_000;
const PER_PAYLOAD = 100;
const LIMIT_BYTES = 256 * 2 ** 20;
const FLOOD_MS = Number(process.env['BENCH_FLOOD_MS'] ?? 10_000);
const WEBHOOK_CLIENTS = 8;
const STATE_READERS = 20;
const SCRAPE_EVERY_MS = 2_000;

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

/** The controller as the image runs it: tsc's output, plain node (no loader). Returns the entry file. */
function compileServer(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = `${root}.tmp/bench-build`;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.bench.json`], { stdio: 'inherit', timeout: 120_000 });
  execFileSync(process.execPath, [`${root}scripts/copy-assets.mjs`, out], { stdio: 'inherit', cwd: root });
  return `${out}/bench/memory-server.js`;
}

/** The environment the image sets (its ENV lines: NODE_ENV, MALLOC_ARENA_MAX), so the process allocates as in the pod. */
function imageEnvironment(): Record<string, string> {
  const dockerfile = readFileSync(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8');
  return Object.fromEntries([...dockerfile.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

const pct = (bytes: number): string => `${((100 * bytes) / LIMIT_BYTES).toFixed(0)} % of the 256Mi limit`;

async function main(): Promise<void> {
  const script = compileServer();
  const execArgv = ['--expose-gc'];
  // e.g. BENCH_SERVER_NODE_ARGS="--max-old-space-size=160" (what a container limit does), or --cpu-prof.
  if (process.env['BENCH_SERVER_NODE_ARGS'] !== undefined) execArgv.push(...process.env['BENCH_SERVER_NODE_ARGS'].split(' ').filter(Boolean));
  // As root with a cgroup memory controller, the controller runs under the Deployment's own limit
  // (256Mi): Node sizes its heap from that limit as it does in the pod, and the kernel kills it if
  // the limit does not hold. Elsewhere it runs unconstrained and only its RSS is reported.
  // BENCH_CGROUP=0 runs it unconstrained (for a heap snapshot, which needs as much again).
  const cgroup = process.env['BENCH_CGROUP'] === '0' ? null : createMemoryCgroup(LIMIT_BYTES);
  const env = { ...process.env, ...imageEnvironment() };
  const child =
    cgroup === null
      ? fork(script, ['server'], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : spawn('/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procs, process.execPath, ...execArgv, script, 'server'], {
          env,
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
    // Prometheus scrapes every 30 s (deploy/controller/servicemonitor.yaml); every 2 s here.
    let scrapes = 0;
    let scrapeBytes = 0;
    const scrape = async (): Promise<void> => {
      const own = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < until) {
        const { status, bytes } = await call(own, port, 'GET', '/metrics');
        if (status !== 200) throw new Error(`metrics answered ${status}`);
        scrapes++;
        scrapeBytes = bytes;
        await new Promise((resolve) => setTimeout(resolve, SCRAPE_EVERY_MS));
      }
      own.destroy();
    };
    await Promise.all([...Array.from({ length: WEBHOOK_CLIENTS }, (_, w) => flood(w)), ...Array.from({ length: STATE_READERS }, read), scrape()]);
    const flooded = await ask<Memory>(child, { ask: 'memory' });
    await ask(child, { ask: 'gc' });
    const after = await ask<Memory>(child, { ask: 'memory' });
    rows.push(
      `| controller RSS, the same under a ${FLOOD_MS / 1000} s webhook flood (${WEBHOOK_CLIENTS} clients, ${webhooks} requests of ${PER_PAYLOAD} alerts) with ${STATE_READERS} clients reading /api/v1/state (${reads} reads, ${mib(readBytes)}) and /metrics scraped every ${SCRAPE_EVERY_MS / 1000} s (${scrapes} scrapes of ${mib(scrapeBytes)}) | peak ${mib(flooded.maxRss)} (${pct(flooded.maxRss)}), ${mib(after.rss)} after GC (heap ${mib(after.heapUsed)} used of ${mib(after.heapTotal)}, external ${mib(after.external)}) | < 256Mi |`,
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

await main();
