/**
 * Webhook ingest over loopback: ipshift's full path (auth, limit, schema, store, metrics)
 * against a bare node:http server that only reads and JSON.parses the same body (the
 * platform's own ceiling). Each server runs in a child process so it does not share a core
 * with the load generator. Run: `npx tsx bench/webhook-ingest.bench.ts` (about 30 s).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Registry } from 'prom-client';
import { AlertStore } from '../src/alerts/alert-store.js';
import { Secret } from '../src/config/secret.js';
import { loadAlertPolicy } from '../src/config/load-alert-policy.js';
import { alertNode, buildNodeIndex } from '../src/core/alert-mapping.js';
import { classifyAlert } from '../src/core/alert-policy.js';
import { createAlertmanagerWebhookHandler, webhookFirst } from '../src/http/alertmanager-webhook.js';
import { createHttpServer } from '../src/http/http-server.js';
import { createAlertMetrics } from '../src/metrics/alert-metrics.js';
import { systemClock } from '../src/ports/clock.js';
import { silentLogger } from '../src/ports/logger.js';

const TOKEN = 'bench-token';
const SIZES = (process.env['BENCH_SIZES'] ?? '1,100,1000').split(',').map(Number);
const WARMUP_MS = 300;
/** Each row is ROUNDS slices of SLICE_MS, bare and ipshift taking turns, so a burst of load elsewhere hits both alike. */
const ROUNDS = 3;
const SLICE_MS = 1000;
const CONCURRENCY = 16;
const FIXED_RATE = 500;
const FIXED_RATE_MS = 4000;

type Kind = 'bare' | 'ipshift';
const KINDS: readonly Kind[] = ['bare', 'ipshift'];
const LABELS: Record<Kind, string> = {
  bare: 'bare node:http + JSON.parse',
  ipshift: 'ipshift webhook as the controller serves it (webhookFirst in front of express)',
};

/** N alerts shaped like the captured Alertmanager 0.25 payload, over 10 nodes; the first `resolvedCount` resolved. */
function payload(size: number, resolvedCount: number): string {
  const alerts = Array.from({ length: size }, (_, i) => ({
    status: i < resolvedCount ? 'resolved' : 'firing',
    labels: {
      alertname: i % 2 === 0 ? 'KubeNodeNotReady' : 'NodeFilesystemAlmostFull',
      node: `node-${i % 10}`,
      instance: `10.0.0.${i % 10}:9100`,
      severity: i % 2 === 0 ? 'critical' : 'warning',
      series: String(i),
    },
    annotations: { summary: `Alert ${i} about node-${i % 10}`, runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubenodenotready' },
    startsAt: '2026-11-22T10:55:38.006494673Z',
    endsAt: i < resolvedCount ? '2026-11-22T10:59:38.006Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
    fingerprint: i.toString(16).padStart(16, '0'),
  }));
  return JSON.stringify({
    receiver: 'ipshift',
    status: resolvedCount < size ? 'firing' : 'resolved',
    alerts,
    groupLabels: { alertname: 'KubeNodeNotReady' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{alertname="KubeNodeNotReady"}',
    truncatedAlerts: 0,
  });
}

async function runServer(kind: Kind): Promise<void> {
  let server;
  if (kind === 'bare') {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
      });
    });
  } else {
    const policy = loadAlertPolicy();
    const index = buildNodeIndex(Array.from({ length: 10 }, (_, i) => ({ name: `node-${i}`, addresses: [`10.0.0.${i}`] })));
    const metrics = createAlertMetrics(new Registry());
    const store = new AlertStore({
      clock: systemClock,
      logger: silentLogger,
      metrics,
      maxAgeMs: 3_600_000,
      resolveAlert: (labels) => ({ node: alertNode(labels, index, policy), cls: classifyAlert(labels, policy) }),
      trigger: { request: () => undefined },
    });
    const options = { auth: { bearerToken: new Secret(TOKEN) }, store, clock: systemClock, logger: silentLogger, metrics };
    // The webhook in front of express on the controller's HTTP server, as the composition root mounts it.
    server = createHttpServer(webhookFirst(createAlertmanagerWebhookHandler(options), express()));
  }
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
  process.on('disconnect', () => process.exit(0));
}

async function startServer(kind: Kind): Promise<{ port: number; child: ChildProcess }> {
  const execArgv = process.execArgv.length > 0 ? [...process.execArgv] : ['--import', 'tsx'];
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the servers.
  if (process.env['BENCH_SERVER_NODE_ARGS'] !== undefined) execArgv.push(...process.env['BENCH_SERVER_NODE_ARGS'].split(' ').filter(Boolean));
  const child = fork(fileURLToPath(import.meta.url), ['server', kind], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start`)), 20_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code})`)));
  });
  return { port, child };
}

function send(agent: Agent, port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      agent,
      host: '127.0.0.1',
      port,
      path: '/webhook/alertmanager',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${TOKEN}` },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

interface Slice {
  count: number;
  latencies: number[];
}

/** Closed loop for one slice: CONCURRENCY requests in flight, taking the bodies in turn. */
async function closedLoop(port: number, bodies: readonly Buffer[], warmupMs: number, measureMs: number): Promise<Slice> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let phaseEnd = performance.now() + warmupMs;
  let measuring = false;
  let turn = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const now = performance.now();
      if (now >= phaseEnd) {
        if (measuring) return;
        measuring = true;
        latencies.length = 0;
        phaseEnd = now + measureMs;
      }
      const body = bodies[turn++ % bodies.length] as Buffer;
      const started = performance.now();
      const code = await send(agent, port, body);
      if (code !== 200) throw new Error(`HTTP ${code}`);
      if (measuring) latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return { count: latencies.length, latencies };
}

function summarise(slices: readonly Slice[]): Result {
  const sorted = slices.flatMap((slice) => slice.latencies).sort((a, b) => a - b);
  const count = slices.reduce((sum, slice) => sum + slice.count, 0);
  return { rps: count / ((slices.length * SLICE_MS) / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Open loop at a fixed rate; latency counts from the scheduled send time (no coordinated omission). */
async function fixedRate(port: number, bodies: readonly Buffer[], rate: number, durationMs: number): Promise<Result & { max: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.floor((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const inflight: Array<Promise<void>> = [];
  const start = performance.now() + 50;
  for (let i = 0; i < total; i++) {
    const scheduled = start + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait - 1));
    while (performance.now() < scheduled) {
      /* spin the last millisecond for an even rate */
    }
    inflight.push(
      send(agent, port, bodies[i % bodies.length] as Buffer).then((code) => {
        if (code !== 200) throw new Error(`HTTP ${code}`);
        latencies.push(performance.now() - scheduled);
      }),
    );
  }
  await Promise.all(inflight);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return { rps: total / (durationMs / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

const fmt = (value: number, digits = 2): string => value.toFixed(digits);

async function main(): Promise<void> {
  const servers = { bare: await startServer('bare'), ipshift: await startServer('ipshift') };
  const lines: string[] = [];
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
  // Rows follow bench/run.ts (`| what | measured | target |`); under `npm run bench` the runner adds the header.
  if (process.env['npm_lifecycle_event'] !== 'bench') {
    lines.push(
      `Webhook ingest over loopback: Node ${process.version}, ${cpus().length} CPUs, load average ${load} at start; ${CONCURRENCY} keep-alive connections; ` +
        `${ROUNDS} × ${SLICE_MS / 1000} s per row, the servers taking turns.`,
      '',
      '| what | measured | target |',
      '| --- | --- | --- |',
    );
  }
  const measure = async (size: number, bodies: readonly Buffer[], kinds: readonly Kind[], workload: string): Promise<void> => {
    const slices: Record<Kind, Slice[]> = { bare: [], ipshift: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of kinds) slices[kind].push(await closedLoop(servers[kind].port, bodies, round === 0 ? WARMUP_MS : 50, SLICE_MS));
    }
    const kb = `${fmt((bodies[0]?.length ?? 0) / 1024, 1)} KiB`;
    const bare = summarise(slices.bare);
    for (const kind of kinds) {
      const result = summarise(slices[kind]);
      const ratio = kind === 'bare' ? '' : ` (${fmt((100 * result.rps) / bare.rps, 0)} % of bare)`;
      const target = kind === 'bare' ? 'the platform ceiling' : size === 100 ? 'target >= 60 % of bare' : '—';
      lines.push(
        `| webhook ingest, ${size} alert${size === 1 ? '' : 's'}/payload (${kb}), ${workload}, ${LABELS[kind]} | ${fmt(result.rps, 0)} req/s${ratio}, p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms | ${target} |`,
      );
    }
  };
  try {
    // As Alertmanager sends a group: the whole group every time, one alert changing (fires, resolves).
    for (const size of SIZES) await measure(size, [Buffer.from(payload(size, 0)), Buffer.from(payload(size, 1))], KINDS, 'one alert changes per request');
    // Worst case: every alert of the payload changes with every request.
    await measure(100, [Buffer.from(payload(100, 0)), Buffer.from(payload(100, 100))], KINDS, 'every alert changes per request');
    const bodies = [Buffer.from(payload(100, 0)), Buffer.from(payload(100, 1))];
    for (const kind of ['ipshift'] as const) {
      const fixed = await fixedRate(servers[kind].port, bodies, FIXED_RATE, FIXED_RATE_MS);
      lines.push(
        `| webhook latency at a fixed ${FIXED_RATE} req/s, 100 alerts/payload, ${FIXED_RATE_MS / 1000} s open loop, ${LABELS[kind]} | p50 ${fmt(fixed.p50)} ms, p99 ${fmt(fixed.p99)} ms, max ${fmt(fixed.max)} ms | target p99 < 10 ms |`,
      );
    }
  } finally {
    // Disconnecting lets the servers exit on their own (and write a profile when asked to).
    for (const kind of KINDS) servers[kind].child.disconnect();
  }
  console.log(lines.join('\n'));
}

if (process.argv[2] === 'server') await runServer(process.argv[3] as Kind);
else await main();
