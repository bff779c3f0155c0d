/**
 * Memory of the controller under load, against the Deployment's memory limit (read from
 * deploy/controller/deployment.yaml), in the cluster as deployed: the controller is the real
 * `ipshift controller`, compiled by tsc and run by plain node with the image's environment, as
 * the image runs it, in a child process (its memory is its own). It lists and watches a fake
 * Kubernetes API (the suite's, with deploy/'s RBAC) holding 5,000 kubelet-sized Nodes and 100
 * FailoverIPs (dry-run provider), wins the Lease, routes every FailoverIP, and takes 20,000
 * alerts through its webhook; then a 10 s flood of webhooks with 20 clients reading
 * /api/v1/state, Prometheus scraping /metrics and the kubelets' status updates arriving on the
 * Node watch, all at once.
 *
 * As root with a cgroup memory controller, the controller runs under that limit itself:
 * Node sizes its heap from it as in the pod, and the kernel kills the process if the limit does
 * not hold. Elsewhere (or BENCH_CGROUP=0, e.g. for a heap snapshot through BENCH_SERVER_NODE_ARGS)
 * it runs unconstrained and only its RSS is reported. Run: `npm run bench -- memory` (about 90 s).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SERVER_ID_ANNOTATION } from '../src/core/model.js';
import { CONTROLLER_SA, heartbeat, makeFailoverIP, startFakeKubeApi, type FakeKubeApi } from '../test/fake-kube-api/index.js';
import { kubeletNode } from './kubelet-node.js';
import { createMemoryCgroup } from './memory-cgroup.js';
import { mib } from './stats.js';

// BENCH_NODES / BENCH_FIPS / BENCH_ALERTS size a smaller cluster (e.g. 20 / 2 / 200).
const NODES = Number(process.env['BENCH_NODES'] ?? 5000);
const FIPS = Number(process.env['BENCH_FIPS'] ?? 100);
const ALERTS = Number(process.env['BENCH_ALERTS'] ?? 20_000);
const PER_PAYLOAD = 100;
const TOKEN = 'bench-token';
const NAMESPACE = 'ipshift';
const FLOOD_MS = Number(process.env['BENCH_FLOOD_MS'] ?? 10_000);
const WEBHOOK_CLIENTS = 8;
const STATE_READERS = 20;
// Prometheus scrapes every 30 s (deploy/controller/servicemonitor.yaml); every 2 s here.
const SCRAPE_EVERY_MS = 2_000;
// Kubelets write their Node status when it changes and at least every 5 min
// (nodeStatusReportFrequency): 5,000 nodes make about 17 full Node updates a second.
const NODE_UPDATES_PER_SECOND = Math.ceil(NODES / 300);

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}.tmp/bench-build`;

/** The controller container's memory limit as deploy/ ships it (e.g. "384Mi"). */
function shippedLimit(): { text: string; bytes: number } {
  const deployment = parse(readFileSync(`${root}deploy/controller/deployment.yaml`, 'utf8')) as {
    spec: { template: { spec: { containers: Array<{ resources?: { limits?: { memory?: string } } }> } } };
  };
  const text = deployment.spec.template.spec.containers[0]?.resources?.limits?.memory ?? '';
  const m = /^(\d+)(Mi|Gi)$/.exec(text);
  if (m === null) throw new Error(`deploy/controller/deployment.yaml: a memory limit in Mi or Gi expected, found "${text}"`);
  return { text, bytes: Number(m[1]) * 2 ** (m[2] === 'Gi' ? 30 : 20) };
}
const LIMIT = shippedLimit();

/** The controller as the image runs it: tsc's output, plain node (no loader). Returns the entry file. */
function compileController(): string {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.bench.json`], { stdio: 'inherit', timeout: 120_000 });
  execFileSync(process.execPath, [`${root}scripts/copy-assets.mjs`, out], { stdio: 'inherit', cwd: root });
  return `${out}/src/cli/main.js`;
}

/** The environment the image sets (its ENV lines: NODE_ENV, MALLOC_ARENA_MAX), so the process allocates as in the pod. */
function imageEnvironment(): Record<string, string> {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
  return Object.fromEntries([...dockerfile.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

function seed(api: FakeKubeApi): void {
  for (let i = 0; i < NODES; i++) {
    const labels = { zone: `zone-${i % 3}`, pool: i % 10 === 0 ? 'edge' : 'general' };
    api.setNode(kubeletNode(i, labels, { [SERVER_ID_ANNOTATION]: String(100000 + i) }));
  }
  api.setSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: NAMESPACE, name: 'ipshift-credentials' }, type: 'Opaque', data: {} });
  for (let i = 0; i < FIPS; i++) {
    api.upsertFailoverIP(
      makeFailoverIP({
        name: `fip-${i}`,
        addresses: [`198.51.${100 + (i >> 8)}.${i & 255}`],
        nodeSelector: i % 4 === 0 ? { matchLabels: { pool: 'edge' } } : { matchLabels: { zone: `zone-${i % 3}` } },
        policy: { cooldownSeconds: 300, gracePeriodSeconds: 60, spread: true },
      }),
    );
  }
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

function call(agent: Agent, port: number, method: string, path: string, body?: Buffer): Promise<{ status: number; text: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${TOKEN}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': body.length });
    const req = request({ agent, host: '127.0.0.1', port, method, path, headers, timeout: 60_000 });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          text: path === '/api/v1/state' || path === '/readyz' || path === '/metrics' ? all.toString('utf8') : '',
          bytes: all.length,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The process's current and peak resident memory (kernel figures, bytes). */
function residentOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const pct = (bytes: number): string => `${((100 * bytes) / LIMIT.bytes).toFixed(0)} % of the ${LIMIT.text} limit`;

async function main(): Promise<void> {
  const entry = compileController();
  const progress = (what: string): boolean => process.stderr.write(`memory bench: ${what}\n`);
  const api = await startFakeKubeApi();
  // This process serves the fake API server: its own event-loop delay is what every answer to the controller waits behind.
  const harnessDelay = monitorEventLoopDelay({ resolution: 10 });
  harnessDelay.enable();
  seed(api);
  progress(`fake API up with ${NODES} nodes (${(JSON.stringify(api.getNode('node-1')).length / 1024).toFixed(1)} KiB of JSON each) and ${FIPS} FailoverIPs`);
  mkdirSync(`${root}.tmp`, { recursive: true });
  const kubeconfig = `${root}.tmp/bench-kubeconfig.yaml`;
  writeFileSync(kubeconfig, api.kubeConfig('ipshift-controller', CONTROLLER_SA).exportConfig());
  const port = await freePort();
  const env = {
    ...process.env,
    ...imageEnvironment(),
    KUBECONFIG: kubeconfig,
    POD_NAMESPACE: NAMESPACE,
    POD_NAME: 'ipshift-controller-bench',
    IPSHIFT_PORT: String(port),
    IPSHIFT_BIND: '127.0.0.1',
    IPSHIFT_WEBHOOK_TOKEN: TOKEN,
    IPSHIFT_LOG_FORMAT: 'json',
    // No agents answer here: the node probe (and the checked moves built on it) off, so the
    // controller sends nothing to the nodes' addresses.
    IPSHIFT_NODE_PROBE_PORT: '0',
  };
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const cgroup = process.env['BENCH_CGROUP'] === '0' ? null : createMemoryCgroup(LIMIT.bytes);
  // Its log goes where a pod's goes: a pipe that is read (here, and dropped).
  const child =
    cgroup === null
      ? spawn(process.execPath, [...nodeArgs, entry, 'controller'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procs, process.execPath, ...nodeArgs, entry, 'controller'], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  let lastError = '';
  // BENCH_LOG=file keeps the controller's log.
  if (process.env['BENCH_LOG'] !== undefined) child.stdout?.pipe(createWriteStream(process.env['BENCH_LOG']));
  child.stdout?.on('data', (chunk: Buffer) => {
    const line = chunk.toString('utf8');
    if (line.includes('"level":"error"')) lastError = line.slice(0, 400);
  });
  child.stderr?.on('data', (chunk: Buffer) => (lastError = chunk.toString('utf8').slice(0, 400)));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  const pid = child.pid as number;
  const rows: string[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let stopHeartbeats = (): void => undefined;
  try {
    await until('the controller Ready', 120_000, async () => (await call(agent, port, 'GET', '/readyz')).status === 200);
    await until('every FailoverIP routed', 120_000, async () => {
      const state = JSON.parse((await call(agent, port, 'GET', '/api/v1/state')).text) as { failoverIPs: Array<{ assignedNode: string | null }> };
      return state.failoverIPs.length === FIPS && state.failoverIPs.every((f) => f.assignedNode !== null);
    });
    const listed = residentOf(pid);
    progress(`controller ready, leader, ${FIPS} FailoverIPs routed`);

    // (a) 20,000 alerts, eight deliveries in flight (Alertmanager sends groups in parallel).
    let next = 0;
    const deliver = async (): Promise<void> => {
      for (let batch = next++; batch < ALERTS / PER_PAYLOAD; batch = next++) {
        const { status } = await call(agent, port, 'POST', '/webhook/alertmanager', payload(batch));
        if (status !== 200) throw new Error(`webhook answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: WEBHOOK_CLIENTS }, deliver));
    // Settled: the passes the alerts asked for have run (the state is rebuilt after a pass).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const state = await call(agent, port, 'GET', '/api/v1/state');
    const loaded = residentOf(pid);
    rows.push(
      `| controller, ${NODES} kubelet-sized Nodes listed and watched, ${FIPS} FailoverIPs routed | RSS ${mib(listed.rss)} (${pct(listed.rss)}), peak ${mib(listed.peak)} | < ${LIMIT.text} |`,
      `| the same with ${ALERTS} alerts in its state (state document ${mib(state.bytes)}) | RSS ${mib(loaded.rss)}, peak ${mib(loaded.peak)} (${pct(loaded.peak)}) | < ${LIMIT.text} |`,
    );
    progress('alerts in');

    // (b) The flood: webhooks, state readers, a scraper and the kubelets' Node updates at once.
    const end = performance.now() + FLOOD_MS;
    let webhooks = 0;
    let reads = 0;
    let readBytes = 0;
    let scrapes = 0;
    let scrapeBytes = 0;
    let lastScrape = '';
    let nodeUpdates = 0;
    const timer = setInterval(() => {
      for (let k = 0; k < NODE_UPDATES_PER_SECOND / 10; k++) {
        const node = api.getNode(`node-${(nodeUpdates * 7) % NODES}`);
        if (node !== undefined) api.setNode(heartbeat(node));
        nodeUpdates++;
      }
    }, 100);
    stopHeartbeats = () => clearInterval(timer);
    const flood = async (worker: number): Promise<void> => {
      for (let n = 0; performance.now() < end; n++) {
        const { status } = await call(agent, port, 'POST', '/webhook/alertmanager', payload((worker * 25 + (n % 25)) % (ALERTS / PER_PAYLOAD), n % 2 === 0));
        if (status !== 200) throw new Error(`webhook answered ${status}`);
        webhooks++;
      }
    };
    const read = async (): Promise<void> => {
      const own = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < end) {
        const { status, bytes } = await call(own, port, 'GET', '/api/v1/state');
        if (status !== 200) throw new Error(`state answered ${status}`);
        reads++;
        readBytes += bytes;
      }
      own.destroy();
    };
    const scrape = async (): Promise<void> => {
      const own = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < end) {
        const { status, bytes, text } = await call(own, port, 'GET', '/metrics');
        if (status !== 200) throw new Error(`metrics answered ${status}`);
        scrapes++;
        scrapeBytes = bytes;
        lastScrape = text;
        await new Promise((resolve) => setTimeout(resolve, SCRAPE_EVERY_MS));
      }
      own.destroy();
    };
    await Promise.all([...Array.from({ length: WEBHOOK_CLIENTS }, (_, w) => flood(w)), ...Array.from({ length: STATE_READERS }, read), scrape()]);
    stopHeartbeats();
    const flooded = residentOf(pid);
    // How long the controller's event loop was held (prom-client's default metrics, since start):
    // what a Lease renewal or a webhook waits behind.
    const lag = (name: string): string => `${(1000 * Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(lastScrape)?.[1] ?? NaN)).toFixed(0)} ms`;
    rows.push(
      `| the same under a ${FLOOD_MS / 1000} s flood: ${webhooks} webhooks of ${PER_PAYLOAD} alerts (${WEBHOOK_CLIENTS} clients), ${reads} reads of /api/v1/state (${STATE_READERS} clients, ${mib(readBytes)}), ${scrapes} scrapes of /metrics (${mib(scrapeBytes)} each), ${nodeUpdates} Node status updates | RSS ${mib(flooded.rss)}, peak ${mib(flooded.peak)} (${pct(flooded.peak)}) | < ${LIMIT.text} |`,
    );
    rows.push(
      `| the controller's event-loop delay over the whole run | p99 ${lag('nodejs_eventloop_lag_p99_seconds')}, max ${lag('nodejs_eventloop_lag_max_seconds')} (the harness serving the fake API: p99 ${(harnessDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(harnessDelay.max / 1e6).toFixed(0)} ms) | - |`,
    );
  } catch (error) {
    stopHeartbeats();
    const how = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 2_000))]);
    if (cgroup === null || how === 'still running') {
      child.kill('SIGKILL');
      await exited;
      cgroup?.remove();
      throw new Error(`${String(error)}; the controller said: ${lastError}; the harness's event-loop delay: max ${(harnessDelay.max / 1e6).toFixed(0)} ms`);
    }
    // Killed at the limit: say so as the result instead of failing the whole bench.
    rows.push(
      `| controller under the ${LIMIT.text} cgroup limit | **did not hold**: ${how} (${cgroup.oomKills()} OOM kills), ${String(error)} | < ${LIMIT.text} |`,
    );
  } finally {
    if (process.env['BENCH_REQUESTS'] === '1') {
      const counts = new Map<string, number>();
      for (const r of api.requests()) {
        const key = `${r.method} ${r.path.replace(/\/[^/]+$/, '/*')}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      process.stderr.write(
        `${[...counts]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 12)
          .map(([k, n]) => `${n} ${k}`)
          .join('\n')}\n`,
      );
    }
    agent.destroy();
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await api.stop();
  }
  if (cgroup !== null) {
    rows.push(
      `| controller under the ${LIMIT.text} cgroup limit (memory cgroup: Node sizes its heap from it, as in the pod) | cgroup peak ${mib(cgroup.peak())} (${pct(cgroup.peak())}; the node binary's pages are charged elsewhere here, RSS counts them), limit hit ${cgroup.failures()} times, OOM kills ${cgroup.oomKills()} | no OOM kill |`,
    );
    cgroup.remove();
  }
  console.log(rows.join('\n'));
}

await main();
